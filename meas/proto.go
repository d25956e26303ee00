package meas

import (
	"fmt"
	"strings"
)

// Proto is the transport protocol of a probe. Its zero value is ICMP.
//
// It names the protocol, not its number: the number an IP header carries
// depends on the family (ICMP is 1 over IPv4, ICMPv6 58 over IPv6), and
// Number is the one conversion.
type Proto uint8

// Probe protocols.
const (
	ICMP Proto = iota // ICMP echo (ICMPv6 echo over IPv6)
	UDP
	TCP // TCP SYN
)

// IANA protocol numbers (IPv4 protocol, IPv6 next header) of the probes.
const (
	NumberICMP   = 1
	NumberTCP    = 6
	NumberUDP    = 17
	NumberICMPv6 = 58
)

var protoNames = [...]string{"icmp", "udp", "tcp"}

func (p Proto) String() string {
	if p.Valid() {
		return protoNames[p]
	}
	return fmt.Sprintf("proto(%d)", uint8(p))
}

// Valid reports whether p is ICMP, UDP or TCP.
func (p Proto) Valid() bool { return int(p) < len(protoNames) }

// Number returns the IANA protocol number probes of p carry in the IPv4
// protocol field (v6 false) or the IPv6 next header (v6 true).
func (p Proto) Number(v6 bool) uint8 {
	switch p {
	case UDP:
		return NumberUDP
	case TCP:
		return NumberTCP
	}
	if v6 {
		return NumberICMPv6
	}
	return NumberICMP
}

// ProtoOf returns the protocol whose probes carry IANA number n in a
// packet of the given family; ok is false for any other number. ICMP is 1
// over IPv4 and 58 over IPv6 only.
func ProtoOf(n uint8, v6 bool) (p Proto, ok bool) {
	for _, p := range []Proto{ICMP, UDP, TCP} {
		if p.Number(v6) == n {
			return p, true
		}
	}
	return 0, false
}

// ParseProto parses "icmp", "udp" or "tcp" (any case).
func ParseProto(s string) (Proto, error) {
	for i, n := range protoNames {
		if strings.EqualFold(s, n) {
			return Proto(i), nil
		}
	}
	return 0, fmt.Errorf("unknown protocol %q: want icmp, udp or tcp", s)
}

// MarshalText encodes p by name, as in JSON.
func (p Proto) MarshalText() ([]byte, error) {
	if !p.Valid() {
		return nil, fmt.Errorf("meas: marshal %v: not a probe protocol", p)
	}
	return []byte(p.String()), nil
}

// UnmarshalText decodes a name written by MarshalText.
func (p *Proto) UnmarshalText(b []byte) error {
	v, err := ParseProto(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}
