package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
)

// IPv4 header sizes (RFC 791).
const (
	IPv4HeaderLen    = 20 // without options
	IPv4MaxHeaderLen = 60 // with the full 40 bytes of options
	MaxOptionsLen    = IPv4MaxHeaderLen - IPv4HeaderLen
)

// IPv4Flags are the three flag bits of the IPv4 header.
type IPv4Flags uint8

// IPv4 header flags.
const (
	IPv4MoreFragments IPv4Flags = 1 << 0
	IPv4DontFragment  IPv4Flags = 1 << 1
	IPv4Reserved      IPv4Flags = 1 << 2
)

func (f IPv4Flags) String() string {
	if f == 0 {
		return "none"
	}
	var parts []string
	for _, n := range []struct {
		f    IPv4Flags
		name string
	}{{IPv4Reserved, "RES"}, {IPv4DontFragment, "DF"}, {IPv4MoreFragments, "MF"}} {
		if f&n.f != 0 {
			parts = append(parts, n.name)
		}
	}
	if f&^7 != 0 {
		parts = append(parts, fmt.Sprintf("%#x", uint8(f&^7)))
	}
	return strings.Join(parts, "|")
}

// IPv4 is an IPv4 header with its options (RFC 791). The zero value is an
// empty header; a decoded value aliases the decoded buffer through Options.
// Copying is fine; a value is not safe for concurrent mutation.
type IPv4 struct {
	TOS      uint8
	TotalLen uint16 // header plus payload, in bytes, as on the wire
	ID       uint16
	Flags    IPv4Flags
	FragOff  uint16 // fragment offset in 8-byte units (13 bits)
	TTL      uint8
	Protocol Proto
	Checksum uint16 // as on the wire; SetChecksum computes it
	Src, Dst netip.Addr
	// Options is the raw options area. Decode sets it to the bytes between
	// the fixed header and IHL*4 (nil when there are none); AppendBinary
	// pads it with End of Option List bytes to a multiple of 4. Use
	// FindOption, RecordRoute and Timestamp to read it, and the options'
	// AppendBinary methods to build it.
	Options []byte
}

// Len returns the encoded header length: 20 bytes plus the options padded
// to a multiple of 4.
func (h *IPv4) Len() int { return IPv4HeaderLen + pad4(len(h.Options)) }

// AppendBinary appends the encoded header to b. The checksum is written as
// given (see SetChecksum); the version is always 4 and IHL follows Len.
func (h *IPv4) AppendBinary(b []byte) ([]byte, error) {
	const op = "encode IPv4 header"
	switch {
	case len(h.Options) > MaxOptionsLen:
		return b, errf(op, ErrInvalid, "%d bytes of options, at most %d fit", len(h.Options), MaxOptionsLen)
	case !h.Src.Is4() || !h.Dst.Is4():
		return b, errf(op, ErrInvalid, "source %s and destination %s must be IPv4 addresses", h.Src.String(), h.Dst.String())
	case h.Flags > 7 || h.FragOff > 0x1fff:
		return b, errf(op, ErrInvalid, "flags %#x or fragment offset %d out of range", uint8(h.Flags), h.FragOff)
	}
	hl := h.Len()
	b = append(b, 0x40|uint8(hl/4), h.TOS)
	b = binary.BigEndian.AppendUint16(b, h.TotalLen)
	b = binary.BigEndian.AppendUint16(b, h.ID)
	b = binary.BigEndian.AppendUint16(b, uint16(h.Flags)<<13|h.FragOff)
	b = append(b, h.TTL, uint8(h.Protocol))
	b = binary.BigEndian.AppendUint16(b, h.Checksum)
	s, d := h.Src.As4(), h.Dst.As4()
	b = append(append(b, s[:]...), d[:]...)
	b = append(b, h.Options...)
	for i := len(h.Options); i < pad4(len(h.Options)); i++ {
		b = append(b, byte(OptEOL))
	}
	return b, nil
}

// Decode decodes the header at the start of b into h. b may hold more (the
// payload, which starts at h.Len()) or, for a header quoted in an ICMP
// error, less than TotalLen. The checksum is not verified: the kernel has
// done so for received packets, and routers legitimately alter quoted ones.
func (h *IPv4) Decode(b []byte) error {
	const op = "decode IPv4 header"
	if len(b) < IPv4HeaderLen {
		return short(op, len(b), IPv4HeaderLen)
	}
	if v := b[0] >> 4; v != 4 {
		return errf(op, ErrMalformed, "version %d, want 4", v)
	}
	hl := int(b[0]&0x0f) * 4
	if hl < IPv4HeaderLen {
		return errf(op, ErrMalformed, "IHL %d words, at least 5", hl/4)
	}
	if len(b) < hl {
		return short(op, len(b), hl)
	}
	h.TOS = b[1]
	h.TotalLen = binary.BigEndian.Uint16(b[2:])
	if int(h.TotalLen) < hl {
		return errf(op, ErrMalformed, "total length %d shorter than the %d-byte header", h.TotalLen, hl)
	}
	h.ID = binary.BigEndian.Uint16(b[4:])
	ff := binary.BigEndian.Uint16(b[6:])
	h.Flags, h.FragOff = IPv4Flags(ff>>13), ff&0x1fff
	h.TTL, h.Protocol = b[8], Proto(b[9])
	h.Checksum = binary.BigEndian.Uint16(b[10:])
	h.Src = netip.AddrFrom4([4]byte(b[12:16]))
	h.Dst = netip.AddrFrom4([4]byte(b[16:20]))
	h.Options = nil
	if hl > IPv4HeaderLen {
		h.Options = b[IPv4HeaderLen:hl:hl]
	}
	return nil
}

// SetChecksum computes the header checksum and stores it in h.Checksum.
func (h *IPv4) SetChecksum() error {
	var buf [IPv4MaxHeaderLen]byte
	c := *h
	c.Checksum = 0
	b, err := c.AppendBinary(buf[:0])
	if err != nil {
		return err
	}
	h.Checksum = Checksum(b)
	return nil
}

// Payload returns the payload of the packet b whose header h was decoded
// from: the bytes from h.Len() up to TotalLen, or to the end of b if it is
// shorter (as in quotes).
func (h *IPv4) Payload(b []byte) []byte {
	end := min(int(h.TotalLen), len(b))
	if end < h.Len() {
		return nil
	}
	return b[h.Len():end]
}

// RecordRoute decodes the first Record Route option of h into rr. found is
// false when h carries none.
func (h *IPv4) RecordRoute(rr *RecordRoute) (found bool, err error) {
	o, found, err := FindOption(h.Options, OptRecordRoute)
	if !found || err != nil {
		return found, err
	}
	return true, rr.Decode(o.Raw)
}

// Timestamp decodes the first Timestamp option of h into ts. found is false
// when h carries none.
func (h *IPv4) Timestamp(ts *Timestamp) (found bool, err error) {
	o, found, err := FindOption(h.Options, OptTimestamp)
	if !found || err != nil {
		return found, err
	}
	return true, ts.Decode(o.Raw)
}

// pad4 rounds n up to a multiple of 4.
func pad4(n int) int { return (n + 3) &^ 3 }
