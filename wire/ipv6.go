package wire

import (
	"encoding/binary"
	"net/netip"
)

// IPv6HeaderLen is the length of the IPv6 fixed header (RFC 8200).
const IPv6HeaderLen = 40

// IPv6 is the IPv6 fixed header (RFC 8200 section 3). Extension headers
// are not decoded: NextHeader names whatever follows. Copying is fine.
type IPv6 struct {
	TrafficClass uint8
	FlowLabel    uint32 // 20 bits
	PayloadLen   uint16
	NextHeader   Proto
	HopLimit     uint8
	Src, Dst     netip.Addr
}

// Len returns 40.
func (h *IPv6) Len() int { return IPv6HeaderLen }

// AppendBinary appends the encoded header to b.
func (h *IPv6) AppendBinary(b []byte) ([]byte, error) {
	const op = "encode IPv6 header"
	if h.FlowLabel > 0xfffff {
		return b, errf(op, ErrInvalid, "flow label %#x does not fit 20 bits", h.FlowLabel)
	}
	if !h.Src.Is6() || !h.Dst.Is6() {
		return b, errf(op, ErrInvalid, "source %s and destination %s must be IPv6 addresses", h.Src.String(), h.Dst.String())
	}
	b = binary.BigEndian.AppendUint32(b, 6<<28|uint32(h.TrafficClass)<<20|h.FlowLabel)
	b = binary.BigEndian.AppendUint16(b, h.PayloadLen)
	b = append(b, uint8(h.NextHeader), h.HopLimit)
	s, d := h.Src.As16(), h.Dst.As16()
	return append(append(b, s[:]...), d[:]...), nil
}

// Decode decodes the fixed header at the start of b into h.
func (h *IPv6) Decode(b []byte) error {
	const op = "decode IPv6 header"
	if len(b) < IPv6HeaderLen {
		return short(op, len(b), IPv6HeaderLen)
	}
	w := binary.BigEndian.Uint32(b)
	if v := w >> 28; v != 6 {
		return errf(op, ErrMalformed, "version %d, want 6", v)
	}
	h.TrafficClass, h.FlowLabel = uint8(w>>20), w&0xfffff
	h.PayloadLen = binary.BigEndian.Uint16(b[4:])
	h.NextHeader, h.HopLimit = Proto(b[6]), b[7]
	h.Src = netip.AddrFrom16([16]byte(b[8:24]))
	h.Dst = netip.AddrFrom16([16]byte(b[24:40]))
	return nil
}

// Payload returns the payload of the packet b whose header h was decoded
// from: PayloadLen bytes after the header, or up to the end of b if it is
// shorter (as in quotes).
func (h *IPv6) Payload(b []byte) []byte {
	end := min(IPv6HeaderLen+int(h.PayloadLen), len(b))
	if end < IPv6HeaderLen {
		return nil
	}
	return b[IPv6HeaderLen:end]
}
