-- The controller's schema, SQLite spelling. migrations/postgres holds the
-- same tables and columns in PostgreSQL's spelling; only the identity columns
-- differ (a test compares the two). Times are Unix nanoseconds.

-- +goose Up
CREATE TABLE users (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name TEXT NOT NULL,
	email TEXT NOT NULL DEFAULT '',
	key_hash TEXT NOT NULL UNIQUE,  -- hex SHA-256 of the key; the key itself is never stored
	max_per_day BIGINT NOT NULL,
	max_parallel BIGINT NOT NULL,
	quota_day BIGINT NOT NULL DEFAULT 0, -- the UTC day run_today counts
	run_today BIGINT NOT NULL DEFAULT 0,
	in_flight BIGINT NOT NULL DEFAULT 0, -- accepted, not finished
	created BIGINT NOT NULL,
	revoked BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE user_sources (
	user_id BIGINT NOT NULL REFERENCES users (id),
	addr TEXT NOT NULL,
	PRIMARY KEY (user_id, addr)
);

CREATE TABLE sources (
	addr TEXT PRIMARY KEY,
	hostname TEXT NOT NULL DEFAULT '',
	site TEXT NOT NULL DEFAULT '',
	added BIGINT NOT NULL
);

CREATE TABLE batches (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id BIGINT NOT NULL REFERENCES users (id),
	created BIGINT NOT NULL,
	total BIGINT NOT NULL,
	canceled BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE revtrs (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	batch_id BIGINT NOT NULL REFERENCES batches (id),
	user_id BIGINT NOT NULL REFERENCES users (id),
	src TEXT NOT NULL,
	dst TEXT NOT NULL,
	label TEXT NOT NULL,
	options TEXT NOT NULL DEFAULT '{}',
	state SMALLINT NOT NULL DEFAULT 0, -- 0 pending, 1 running, 2 done
	runs BIGINT NOT NULL DEFAULT 0,    -- how many times a worker started it
	worker TEXT NOT NULL DEFAULT '',   -- the controller that finished it
	created BIGINT NOT NULL,
	started BIGINT NOT NULL DEFAULT 0,
	finished BIGINT NOT NULL DEFAULT 0,
	stop TEXT NOT NULL DEFAULT '',
	fail_reason TEXT NOT NULL DEFAULT '',
	record TEXT,                       -- the archive record, once done
	stats TEXT,
	export_seq BIGINT                  -- the archive export that holds it
);
CREATE INDEX revtrs_batch ON revtrs (batch_id, id);
CREATE INDEX revtrs_label ON revtrs (user_id, label, id);
CREATE INDEX revtrs_unexported ON revtrs (id) WHERE state = 2 AND export_seq IS NULL;
CREATE INDEX revtrs_export ON revtrs (export_seq, id);
CREATE INDEX revtrs_open ON revtrs (state) WHERE state < 2;

-- Counters hand out blocks of numbers unique across controllers and
-- restarts: 'measurement' numbers the measurements of reverse traceroutes.
CREATE TABLE counters (
	name TEXT PRIMARY KEY,
	next BIGINT NOT NULL
);
INSERT INTO counters (name, next) VALUES ('measurement', 1);

CREATE TABLE exports (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	exporter TEXT NOT NULL,
	created BIGINT NOT NULL,
	records BIGINT NOT NULL,
	written BIGINT NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE counters;
DROP TABLE exports;
DROP TABLE revtrs;
DROP TABLE batches;
DROP TABLE sources;
DROP TABLE user_sources;
DROP TABLE users;
