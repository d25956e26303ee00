// Package twohost implements the two-host reverse traceroute protocol
// (Augsburg Traceroute, draft-heiwin-intarea-reverse-traceroute): a
// responder that a remote host runs and a client that asks it for
// traceroute probes back toward the client.
//
// A request is an ICMP echo request with code 1 (RFC 792 type 8, RFC 4443
// type 128) carrying TTL, protocol and flow (wire.TwoHostRequest). The
// responder sends ONE probe toward the requester — ICMP echo with the flow
// in its checksum, or UDP/TCP from source port 1021 with the flow as
// destination port — at that TTL, copying the request's TOS (IPv6 traffic
// class and flow label) so that load balancers treat the probe like the
// request. The probe is built by probe.AppendProbe, as the raw-socket
// prober builds its own: the session id rides as the tag in a field
// routers quote back in their errors (RFC 792, RFC 1812, RFC 4443) — the
// UDP checksum, the TCP sequence number's low bits or the ICMP sequence
// number — and the responder's instance in a second one. When the time exceeded, echo
// reply, port unreachable or RST comes back, it answers the requester
// with an echo reply with code 1 (wire.TwoHostResponse) holding the node
// that answered and the probe's RTT in nanoseconds, out of the interface
// the request arrived on. TTL 0 asks only whether a responder runs
// (StateTTLZero): a plain host echoes the request back unchanged.
//
// The responder reads requests on an AF_PACKET socket bound to its
// interface, which sees them before the IP stack, and installs an nftables
// rule (table "revtr_responder_IFACE") so that the kernel does not echo
// them as well; ResponderConfig.Stack replaces these sockets (package
// memnet hosts responders in memory, without root). Safety, for operators exposing it: a bounded session table,
// a session timeout, global and per-requester rate limits, an optional
// minimum request size (so that no answer is larger than its request),
// allow and deny lists of requester prefixes, probes only ever toward the
// requester's own address (unless the operator enables indirect traces,
// the newer revision's probes toward a target the request names), one
// live request per requester and query id, and a distinct counter for every reason a
// request is refused or dropped (Prometheus metrics on a registry the
// caller passes in).
//
// The client answers meas.TwoHostRequest (Client.TwoHostTrace: the
// presence check, then several TTLs in flight within a rate limit,
// stopping where meas.TraceEnd says) and multipath requests from a
// responder (Client.TwoHostMultipath, the MDA / Diamond-Miner stopping
// rule of package mda), giving every field the meaning package meas
// gives it; Query sends one raw request. Forward traces, output formats
// and the command line are the business of cmd/revtr; the engine takes
// the client as a meas.TwoHostTracer. The package knows nothing above
// meas and probe.
package twohost
