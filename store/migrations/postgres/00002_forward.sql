-- The forward traceroute (source to destination) a request may ask for
-- beside its reverse path (the reference's is_run_forward_traceroute), as
-- JSON (the hops, each with its TTL, address, RTT and AS).

-- +goose Up
ALTER TABLE revtrs ADD COLUMN forward TEXT;

-- +goose Down
ALTER TABLE revtrs DROP COLUMN forward;
