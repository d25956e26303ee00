package meas

// Header fields a Flow with zero ID or DstPort stands for. Every prober uses
// these, so that the simulator hashes a default flow onto the same ECMP
// branch as the raw-socket prober does in the lab.
const (
	// DefaultSrcPort is the UDP/TCP source port of flow ID 0
	// (paris-traceroute's default source port).
	DefaultSrcPort = 33456
	// DefaultUDPDstPort is the UDP destination port when DstPort is 0
	// (classic traceroute's base port; no lab host listens on it).
	DefaultUDPDstPort = 33434
	// DefaultTCPDstPort is the TCP destination port when DstPort is 0.
	DefaultTCPDstPort = 80
)

// Ports returns the source and destination port that probes of f carry,
// with defaults applied. ICMP probes carry no ports: both are zero.
func (f Flow) Ports() (src, dst uint16) {
	if f.Proto != UDP && f.Proto != TCP {
		return 0, 0
	}
	src, dst = f.ID, f.DstPort
	if src == 0 {
		src = DefaultSrcPort
	}
	if dst == 0 {
		dst = DefaultUDPDstPort
		if f.Proto == TCP {
			dst = DefaultTCPDstPort
		}
	}
	return src, dst
}
