// Package atlas keeps, for each source, the traceroute atlas that the
// reverse traceroute engine intersects: traceroutes toward the source from
// vantage points, plus Record Route pings from the source to every hop of
// them, which reveal the Record-Route-visible interfaces of the routers on
// the way back to the source and, by comparing consecutive hops, aliases
// between the interfaces traceroute shows and those Record Route shows
// (Katz-Bassett et al., NSDI 2010, §3.2; Vermeulen et al., IMC 2022).
//
// An Index answers "is this address, or an alias of it, on a path toward
// S, and what follows it?", preferring the freshest traceroute that is not
// stale. Build measures the atlas through a Provider: our own probers by
// default; RIPE Atlas (package atlas/ripe: one-off traceroutes toward the
// source, Record Route pings still from our own source) fits the same
// interface.
package atlas
