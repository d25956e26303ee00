-- Who measured the paths an atlas row holds ('agents' or 'ripe'): the
-- provider of the last build that succeeded. provider, state and error
-- are the last build's, which may have failed and left the paths of an
-- earlier one. Rows built before this column: the provider of a done
-- build; '' where the last build failed (unknown).

-- +goose Up
ALTER TABLE atlases ADD COLUMN paths_provider TEXT NOT NULL DEFAULT '';
UPDATE atlases SET paths_provider = provider WHERE state = 'done';

-- +goose Down
ALTER TABLE atlases DROP COLUMN paths_provider;
