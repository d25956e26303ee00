package meas

import "time"

// Defaults of the requests' zero fields, the same for every prober.
const (
	// DefaultTimeout is how long a probe (a two-host request) waits for
	// its answer when neither the request nor the prober's configuration
	// says otherwise.
	DefaultTimeout = time.Second
	// DefaultFirstTTL is the first TTL of a traceroute.
	DefaultFirstTTL = 1
	// DefaultMaxTTL is the largest TTL of a traceroute.
	DefaultMaxTTL = 30
	// DefaultGapLimit is how many silent TTLs in a row end a traceroute
	// (scamper's default).
	DefaultGapLimit = 5
	// DefaultWindow is how many TTLs of one traceroute are in flight at
	// once.
	DefaultWindow = 16
	// DefaultEpsilon is a multipath traceroute's failure probability per
	// hop.
	DefaultEpsilon = 0.05
	// DefaultTTL is the TTL (hop limit) of probes meant to reach their
	// destination: pings and Record Route pings (Linux's ip_default_ttl).
	DefaultTTL = 64
)

// Header fields of a Flow whose ID or SrcPort is 0. The destination ports
// and the ICMP checksum are those of the two-host reference server for
// flow 0, and the ports traceroute(8) uses with -U and -T, so that a flow
// means the same whichever host sends it.
const (
	// DefaultUDPPort is the UDP destination port of flow ID 0.
	DefaultUDPPort = 53
	// DefaultTCPPort is the TCP destination port of flow ID 0.
	DefaultTCPPort = 80
	// DefaultICMPChecksum is the ICMP echo checksum of flow ID 0.
	DefaultICMPChecksum = 0xbeaf
	// DefaultSrcPort is the UDP/TCP source port of a prober's probes
	// when the flow's SrcPort is 0 (paris-traceroute's default).
	DefaultSrcPort = 33456
	// TwoHostSrcPort is the source port of every UDP/TCP probe a two-host
	// responder sends (the reference server's); a two-host request's
	// flow cannot choose another.
	TwoHostSrcPort = 1021
)

// MaxTTL is the largest TTL an IPv4 header (hop limit an IPv6 header)
// holds.
const MaxTTL = 255
