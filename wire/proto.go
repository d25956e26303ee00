package wire

import "fmt"

// Proto is an IP protocol number (IPv4 protocol, IPv6 next header).
type Proto uint8

// Protocol numbers used by revtr (IANA assigned).
const (
	ProtoICMP   Proto = 1
	ProtoTCP    Proto = 6
	ProtoUDP    Proto = 17
	ProtoICMPv6 Proto = 58
)

func (p Proto) String() string {
	switch p {
	case ProtoICMP:
		return "icmp"
	case ProtoTCP:
		return "tcp"
	case ProtoUDP:
		return "udp"
	case ProtoICMPv6:
		return "ipv6-icmp"
	}
	return fmt.Sprintf("proto(%d)", uint8(p))
}
