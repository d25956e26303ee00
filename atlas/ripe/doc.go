// Package ripe builds atlas traceroutes with RIPE Atlas
// (https://atlas.ripe.net, REST API v2): Provider creates one-off
// traceroute measurements toward a source, waits for their results and
// converts them to meas traces (ParseTraces), as the reference system's
// atlas bootstrap does; Record Route pings, which RIPE Atlas probes cannot
// send, come from another atlas.Provider. It is the only part of the atlas
// that speaks HTTP, kept apart so that the engine's dependencies do not
// include net/http.
package ripe
