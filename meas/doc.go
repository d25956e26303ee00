// Package meas is the measurement vocabulary every prober speaks: the
// requests a prober answers — ping, Record Route ping (optionally spoofed,
// or split into its sending and capturing halves), Paris traceroute,
// multipath traceroute and two-host reverse traceroute — the results it
// returns, the protocols and flows probes carry, their defaults and the
// errors callers branch on.
//
// It is the one place a protocol number or a default lives. Probers — the
// raw-socket prober in probe/, the in-memory network in sim/, the two-host
// client in twohost/ and, later, remote agents — give every field the same
// meaning, so the reverse traceroute engine never knows which one answers
// it; package meastest holds them to it.
//
// Requests and results are plain values: addresses are netip.Addr,
// durations time.Duration, JSON names stable (snake_case, durations in
// nanoseconds under a _ns name, enums by name), so that they can be mirrored
// one to one by the controller–agent wire protocol. The zero value of every
// request field means its documented default; each request's Normalize
// applies the defaults and checks what no prober could send, wrapping
// ErrBadRequest.
//
// References: RFC 791 (IPv4, Record Route), RFC 792 (ICMP), RFC 8200
// (IPv6), RFC 4443 (ICMPv6); Augustin et al., "Avoiding traceroute
// anomalies with Paris traceroute" (IMC 2006); the two-host protocol,
// draft-heiwin-intarea-reverse-traceroute.
package meas
