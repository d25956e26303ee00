// Package wire encodes and decodes the packets revtr sends and receives:
// the IPv4 header with its options — Record Route and Timestamp, the two
// options reverse traceroute lives on — the IPv6 fixed header, ICMPv4 and
// ICMPv6 echo, time exceeded and destination unreachable with the quoted
// original packet, UDP and TCP headers, Internet checksums with their
// pseudo-headers, and the two-host reverse traceroute request and response.
//
// Everything here is a pure function of its arguments: no sockets, no
// clock, no globals. Each message type is a struct with Len, AppendBinary
// (append-style encoding into a caller's buffer) and Decode (decoding into a
// caller-owned value). Decode never allocates on success, keeps byte slices
// that alias its input (copy them to keep them past the buffer's reuse) and
// returns an error wrapping one of the exported sentinels (ErrTruncated,
// ErrMalformed, ...) on bad input; it never panics. Encoders write checksum
// fields as given, so that decode and encode round-trip byte for byte; the
// SetChecksum methods and the Checksum functions compute them.
//
// References:
//   - RFC 791: Internet Protocol (IPv4 header, Record Route and Timestamp options)
//   - RFC 792: Internet Control Message Protocol
//   - RFC 8200: Internet Protocol, Version 6 (IPv6) Specification
//   - RFC 4443: ICMPv6
//   - RFC 768: User Datagram Protocol
//   - RFC 793: Transmission Control Protocol
//   - RFC 1071: Computing the Internet Checksum
//   - RFC 4884: Extended ICMP to Support Multi-Part Messages (the length
//     field; extension objects are left to golang.org/x/net/icmp)
//   - draft-heiwin-intarea-reverse-traceroute: the two-host reverse
//     traceroute request and response (ICMP echo with code 1)
//
// Paris traceroute keeps the fields load balancers hash constant across a
// trace; UDP.SteerChecksum and Echo.SteerChecksum choose a payload or echo
// field so that the transport checksum (which some balancers hash, and in
// which probers encode probe identifiers) takes a wanted value.
package wire
