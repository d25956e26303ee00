-- Agents (their credentials, hashed), the onboarding reports of sources
-- and vantage points, and each source's atlas. Times are Unix nanoseconds.

-- +goose Up
CREATE TABLE agents (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name TEXT NOT NULL UNIQUE,
	credential_hash TEXT NOT NULL UNIQUE, -- hex SHA-256; the credential is never stored
	addrs TEXT NOT NULL DEFAULT '',       -- the addresses it may claim, comma separated; empty: any
	created BIGINT NOT NULL,
	revoked BIGINT NOT NULL DEFAULT 0
);

-- One report per address and role: a source's (receives Record Route,
-- pings, traceroutes) or a vantage point's (Record Route, spoofing).
CREATE TABLE onboarding (
	addr TEXT NOT NULL,
	role TEXT NOT NULL,
	agent TEXT NOT NULL,
	tested BIGINT NOT NULL,
	passed SMALLINT NOT NULL,
	report TEXT NOT NULL, -- JSON
	PRIMARY KEY (addr, role)
);

-- A source's atlas: its state, and the paths once built (JSON).
CREATE TABLE atlases (
	src TEXT PRIMARY KEY,
	state TEXT NOT NULL, -- running, done, failed
	provider TEXT NOT NULL,
	requested BIGINT NOT NULL,
	finished BIGINT NOT NULL DEFAULT 0,
	stale BIGINT NOT NULL DEFAULT 0, -- marked stale (atlas/clean) at
	error TEXT NOT NULL DEFAULT '',
	cost TEXT NOT NULL DEFAULT '{}',
	paths TEXT
);

-- +goose Down
DROP TABLE atlases;
DROP TABLE onboarding;
DROP TABLE agents;
