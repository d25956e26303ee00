// Package rawsock opens the raw sockets revtr's probers and two-host
// responder read and write packets on: raw IPv4 and IPv6 sockets (raw(7),
// ipv6(7)) and AF_PACKET datagram sockets (packet(7)).
//
// A send socket (OpenSend) is an IPPROTO_RAW socket: the caller writes the
// whole IP header, IPv4 options and spoofed sources included (IP_HDRINCL;
// for IPv6, IPPROTO_RAW implies IPV6_HDRINCL since Linux 4.5). A receive
// socket (OpenRecv) gets every packet of one protocol addressed to the
// namespace — for IPv4 with its IP header, for IPv6 without (RFC 3542
// section 3) — and can also send payloads that the kernel puts behind a
// header of its own. Config asks for a larger receive buffer, an ICMPv6
// type filter (RFC 3542 section 3.2), the hop limit of each received IPv6
// packet (RFC 3542 section 6.3), a TOS / traffic class, or a classic BPF
// program. A packet socket (OpenPacket) reads and writes IP packets at the
// link layer of one interface, ahead of the IP stack.
//
// Sockets belong to the network namespace of the thread that opens them,
// whatever thread uses them later. They are non-blocking and driven by the
// runtime poller, so that Close unblocks a pending Recv; Send and Recv
// allocate nothing. Opening fails with ErrNeedRoot without CAP_NET_RAW,
// ErrNoFamily when the kernel has no IPv6, and ErrNotSupported off Linux.
//
// Why not github.com/mdlayher/socket: on the probers' path (BenchmarkSend,
// BenchmarkRoundTrip, figures in docs/bench-probe.md) it allocates 9
// times per send and 20 per round trip — a goroutine watching each call's
// context, the sockaddr of every packet read — and moves about half the
// packets per second; this package builds its per-packet state once per
// socket. ReadLoop is the loop every reader of these sockets runs.
package rawsock
