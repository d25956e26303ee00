package meas

import "fmt"

// Flow is a Paris traceroute flow: the protocol and the header fields a
// per-flow load balancer hashes, the same in every probe of the flow, so
// that probes of one flow take one path and probes of different flows may
// not. It means the same for every prober, forward or two-host:
//
//   - ID is the flow identifier. UDP and TCP probes carry it as their
//     destination port; ICMP echo probes as their checksum (held there by
//     two data bytes, since some balancers hash the first four bytes of
//     the transport header). ID 0 means the protocol's default: UDP port
//     DefaultUDPPort (53), TCP port DefaultTCPPort (80), ICMP checksum
//     DefaultICMPChecksum (0xbeaf). An ICMP ID of 0xffff is carried as
//     the one's complement negative zero, as the two-host reference
//     server sends it.
//   - SrcPort is the UDP/TCP source port; 0 means DefaultSrcPort (33456)
//     for a prober's probes and TwoHostSrcPort (1021) for a two-host
//     responder's, which cannot send from another. ICMP probes carry no
//     port: it must be 0.
//
// Results carry their flow with the defaults applied (Normalize), so that
// a result names exactly what was on the wire.
type Flow struct {
	Proto   Proto  `json:"proto"`
	ID      uint16 `json:"id"`
	SrcPort uint16 `json:"src_port,omitempty"`
}

// Ports returns the source and destination port of f's probes, defaults
// applied (DefaultSrcPort for a zero SrcPort); 0, 0 for ICMP.
func (f Flow) Ports() (src, dst uint16) {
	if f.Proto != UDP && f.Proto != TCP {
		return 0, 0
	}
	src, dst = f.SrcPort, f.ID
	if src == 0 {
		src = DefaultSrcPort
	}
	if dst == 0 {
		dst = DefaultUDPPort
		if f.Proto == TCP {
			dst = DefaultTCPPort
		}
	}
	return src, dst
}

// Checksum returns the ICMP echo checksum of f's probes, the default
// applied; 0 for UDP and TCP, whose checksums the prober keeps for itself.
func (f Flow) Checksum() uint16 {
	switch {
	case f.Proto != ICMP:
		return 0
	case f.ID == 0:
		return DefaultICMPChecksum
	}
	return f.ID
}

// Normalize returns f with its defaults applied — ID, and SrcPort for UDP
// and TCP — or an error wrapping ErrBadRequest.
func (f Flow) Normalize() (Flow, error) {
	switch {
	case !f.Proto.Valid():
		return f, badRequest("flow: protocol %v: want icmp, udp or tcp", f.Proto)
	case f.Proto == ICMP && f.SrcPort != 0:
		return f, badRequest("flow: ICMP probes carry no source port, got %d", f.SrcPort)
	case f.Proto == ICMP:
		return Flow{Proto: ICMP, ID: f.Checksum()}, nil
	}
	src, dst := f.Ports()
	return Flow{Proto: f.Proto, ID: dst, SrcPort: src}, nil
}

// String describes f as it is on the wire: "udp 33456 > 53", "icmp
// checksum 0xbeaf".
func (f Flow) String() string {
	if f.Proto == ICMP || !f.Proto.Valid() {
		return fmt.Sprintf("%v checksum %#04x", f.Proto, f.Checksum())
	}
	src, dst := f.Ports()
	return fmt.Sprintf("%v %d > %d", f.Proto, src, dst)
}
