-- Who authorized a source: '' the operator (revtr sources add), 'backend'
-- the controllers' backend (the simulator's or the lab's sources, made
-- exactly the backend's at each start, so that a changed topology leaves
-- no source authorized that nothing can measure). The backends have
-- always named their sources' site 'sim' or 'lab'.

-- +goose Up
ALTER TABLE sources ADD COLUMN authorized_by TEXT NOT NULL DEFAULT '';
UPDATE sources SET authorized_by = 'backend' WHERE site IN ('sim', 'lab');

-- +goose Down
ALTER TABLE sources DROP COLUMN authorized_by;
