package wire

import (
	"encoding/binary"
	"net/netip"
	"strings"
)

// TCPHeaderLen is the length of the TCP header without options (RFC 793).
const TCPHeaderLen = 20

// TCPFlags are the TCP control bits.
type TCPFlags uint8

// TCP control bits.
const (
	TCPFin TCPFlags = 1 << iota
	TCPSyn
	TCPRst
	TCPPsh
	TCPAck
	TCPUrg
	TCPEce
	TCPCwr
)

var tcpFlagNames = [...]string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"}

func (f TCPFlags) String() string {
	if f == 0 {
		return "none"
	}
	var parts []string
	for i, n := range tcpFlagNames {
		if f&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, "|")
}

// TCP is a TCP header (RFC 793) with its options. A prober sends a SYN and
// recognises the destination's RST or SYN-ACK (IsRST, IsSynAck), matching
// the acknowledgement number to its sequence number plus one. The payload
// follows the header in the packet. Options aliases the decoded buffer.
type TCP struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            TCPFlags
	Window           uint16
	Checksum         uint16 // as on the wire; SetChecksum computes it
	Urgent           uint16
	// Options is the raw options area; AppendBinary pads it with zero
	// (End of Option List) bytes to a multiple of 4, the data offset
	// follows.
	Options []byte
}

// Len returns the header length: 20 plus the padded options.
func (t *TCP) Len() int { return TCPHeaderLen + pad4(len(t.Options)) }

// AppendBinary appends the encoded header to b, checksum as given. The
// reserved bits are written as zero.
func (t *TCP) AppendBinary(b []byte) ([]byte, error) {
	if len(t.Options) > 40 {
		return b, errf("encode TCP header", ErrInvalid, "%d bytes of options, at most 40 fit", len(t.Options))
	}
	b = binary.BigEndian.AppendUint16(b, t.SrcPort)
	b = binary.BigEndian.AppendUint16(b, t.DstPort)
	b = binary.BigEndian.AppendUint32(b, t.Seq)
	b = binary.BigEndian.AppendUint32(b, t.Ack)
	b = append(b, uint8(t.Len()/4)<<4, uint8(t.Flags))
	b = binary.BigEndian.AppendUint16(b, t.Window)
	b = binary.BigEndian.AppendUint16(b, t.Checksum)
	b = binary.BigEndian.AppendUint16(b, t.Urgent)
	b = append(b, t.Options...)
	for i := len(t.Options); i < pad4(len(t.Options)); i++ {
		b = append(b, 0)
	}
	return b, nil
}

// Decode decodes the header at the start of b into t.
func (t *TCP) Decode(b []byte) error {
	const op = "decode TCP header"
	if len(b) < TCPHeaderLen {
		return short(op, len(b), TCPHeaderLen)
	}
	hl := int(b[12]>>4) * 4
	if hl < TCPHeaderLen {
		return errf(op, ErrMalformed, "data offset %d words, at least 5", hl/4)
	}
	if len(b) < hl {
		return short(op, len(b), hl)
	}
	t.SrcPort = binary.BigEndian.Uint16(b)
	t.DstPort = binary.BigEndian.Uint16(b[2:])
	t.Seq = binary.BigEndian.Uint32(b[4:])
	t.Ack = binary.BigEndian.Uint32(b[8:])
	t.Flags = TCPFlags(b[13])
	t.Window = binary.BigEndian.Uint16(b[14:])
	t.Checksum = binary.BigEndian.Uint16(b[16:])
	t.Urgent = binary.BigEndian.Uint16(b[18:])
	t.Options = nil
	if hl > TCPHeaderLen {
		t.Options = b[TCPHeaderLen:hl:hl]
	}
	return nil
}

// IsSynAck reports whether t is a SYN-ACK: the answer of an open port.
func (t *TCP) IsSynAck() bool { return t.Flags&(TCPSyn|TCPAck|TCPRst) == TCPSyn|TCPAck }

// IsRST reports whether t resets the connection: the answer of a closed
// port (usually RST-ACK).
func (t *TCP) IsRST() bool { return t.Flags&TCPRst != 0 }

// SetChecksum computes the checksum over the pseudo-header for src and dst
// (IPv4 or IPv6), t and payload into t.Checksum.
func (t *TCP) SetChecksum(src, dst netip.Addr, payload []byte) error {
	var buf [TCPHeaderLen + 40]byte
	c := *t
	c.Checksum = 0
	hdr, err := c.AppendBinary(buf[:0])
	if err != nil {
		return err
	}
	if src.Is4() != dst.Is4() || !src.IsValid() || !dst.IsValid() {
		return errf("compute TCP checksum", ErrInvalid, "addresses %s and %s are not of one family", src.String(), dst.String())
	}
	acc := pseudoSum(ProtoTCP, src, dst, len(hdr)+len(payload))
	t.Checksum = ^fold(sum(sum(acc, hdr), payload))
	return nil
}
