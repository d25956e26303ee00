// Package store is the controller's database: users and their API keys,
// authorized sources, batches of reverse traceroutes (request, options,
// state, result) and archive exports, in SQLite (the embedded default,
// modernc.org/sqlite in WAL mode) or PostgreSQL (pgx), with one schema
// whose migrations are embedded (goose). The job queue's tables (River)
// are migrated here too, so that a batch and its jobs commit in one
// transaction (Store.Submit).
//
// API keys are stored as their SHA-256: a key is shown once, when it is
// made, and cannot be read back from the database.
package store
