// Package controller is the reverse traceroute service: a REST API
// compatible with the REVTR 2.0 service's (its v1 and v2 paths, headers
// and success bodies; errors as JSON with a stable code), described by an
// OpenAPI 3.1 document generated from the handlers' types (huma), with
// API keys, per-key quotas and authorized sources; durable scheduling on
// River (an accepted reverse traceroute is a job inserted in the
// transaction that accepts it, a job carrying a slice of a batch), run by
// workers through a Backend (the engine over the simulator or the lab
// until agents exist); results stored once, exported to the archive, and
// served as the reference serves them or as JSON Lines in the archive
// record format.
//
// Several controllers on one PostgreSQL database share the work: River
// hands each job to one of them (SELECT ... FOR UPDATE SKIP LOCKED),
// elects a leader for maintenance, and rescues the jobs of a controller
// that died.
package controller
