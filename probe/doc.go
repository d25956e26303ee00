// Package probe is revtr's raw-socket prober: it sends IPv4 and IPv6
// probes — ICMP echo, UDP, TCP SYN — at a chosen TTL and Paris traceroute
// flow, matches the replies to the probes, and builds the measurements of
// package meas on top: ping, Record Route ping, spoofed Record Route ping,
// Paris traceroute and multipath traceroute (package mda).
//
// A Prober lives in the network namespace it is created in: its sockets
// keep that namespace whatever thread later uses them, so lab tests create
// one per host inside lab.Do. Its sockets and addresses come from a Stack:
// the kernel's by default, or the in-memory network of package memnet,
// where the same packets are answered by the simulator's model of the
// same kernels, so that matching, timeouts and pacing are tested without
// root (and, under testing/synctest, in virtual time). Every probe is sent on an IPPROTO_RAW socket
// (IP_HDRINCL; for IPv6 IPPROTO_RAW implies IPV6_HDRINCL), so the prober
// writes the whole IP header: options, TTL, identification and, where the
// caller allows it, a spoofed source address. Replies are read from raw
// ICMP, ICMPv6 and TCP sockets, one reader goroutine each. Layer-3 raw
// sockets were preferred over AF_PACKET: the kernel has already checked and
// reassembled what they deliver, they see exactly the packets addressed to
// the host (spoofed Record Route replies included) on every interface, and
// there is no link layer to parse.
//
// Matching. Each probe gets a 16-bit tag unique among the prober's
// outstanding probes, registered before the probe is sent, and a prober
// carries a random 16-bit instance number; both ride in fields that routers
// quote back in their ICMP errors (RFC 792 quotes the IP header and 8 bytes)
// and that load balancers do not hash (Augustin et al., "Avoiding traceroute
// anomalies with Paris traceroute", IMC 2006):
//   - ICMP echo: identifier = instance, sequence = tag; the checksum, which
//     some balancers hash, is held at the flow's value by two data bytes.
//   - UDP: ports fixed by the flow; the checksum carries the tag (steered by
//     two payload bytes) and, for IPv4, the IP identification the instance.
//   - TCP SYN: ports fixed by the flow; sequence number = instance<<16 | tag,
//     which a RST or SYN-ACK acknowledges plus one.
//
// Addresses, protocol and ports are checked too, so a reply is attributed
// to at most one probe even with tens of thousands outstanding.
//
// Pacing is a token bucket per prober (golang.org/x/time/rate), 100
// packets/s by default as the reference agent (scamper's default rate),
// as deep as a traceroute's window: the first window leaves at once, the
// sustained rate never exceeds the configured one.
//
// References: RFC 791 (IPv4, Record Route), RFC 792 (ICMP), RFC 8200
// (IPv6), RFC 4443 (ICMPv6), RFC 768 (UDP), RFC 793 (TCP), RFC 1812
// (routers quote as much as fits), RFC 3704 (reverse-path filtering, which
// decides whether a spoofed probe passes).
package probe
