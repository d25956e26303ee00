package wire

import "net/netip"

// RRMaxSlots is the number of addresses a Record Route option can hold: 9
// four-byte slots plus the 3-byte option header fill the 40-byte option
// space (39 bytes; senders such as iputils ping put a NOP before it).
const RRMaxSlots = 9

// rrFirstPointer is the pointer of an empty Record Route option: the
// one-based octet offset of the first slot.
const rrFirstPointer = 4

// RecordRoute is the IPv4 Record Route option (RFC 791, type 7). Each router
// that forwards the packet writes the address of its outgoing interface into
// the slot the pointer designates and advances the pointer by 4; when the
// pointer exceeds the option length the option is full and routers forward
// silently. Pointer 4 means empty; with 9 slots (length 39), 40 means full.
//
// The zero value has no slots; NewRecordRoute makes an empty option.
// Addrs holds every slot, recorded or not, so that decoding and encoding
// round-trip byte for byte (unrecorded slots usually hold 0.0.0.0).
type RecordRoute struct {
	Pointer uint8 // one-based offset of the next free slot within the option
	Slots   uint8 // number of address slots; the option length is 3+4*Slots
	Addrs   [RRMaxSlots]netip.Addr
}

// NewRecordRoute returns an empty Record Route option with n slots (n is
// clamped to 1..RRMaxSlots): pointer 4, every slot 0.0.0.0.
func NewRecordRoute(n int) RecordRoute {
	n = max(1, min(n, RRMaxSlots))
	rr := RecordRoute{Pointer: rrFirstPointer, Slots: uint8(n)}
	for i := range n {
		rr.Addrs[i] = netip.IPv4Unspecified()
	}
	return rr
}

// Len returns the option length: 3 + 4*Slots.
func (rr *RecordRoute) Len() int { return 3 + 4*int(rr.Slots) }

// AppendBinary appends the encoded option to b. Invalid (zero) slot
// addresses are written as 0.0.0.0.
func (rr *RecordRoute) AppendBinary(b []byte) ([]byte, error) {
	const op = "encode Record Route option"
	if rr.Slots > RRMaxSlots {
		return b, errf(op, ErrInvalid, "%d slots, at most %d", rr.Slots, RRMaxSlots)
	}
	if err := checkPointer(op, ErrInvalid, rr.Pointer, rrFirstPointer, 4, rr.Len()); err != nil {
		return b, err
	}
	b = append(b, byte(OptRecordRoute), uint8(rr.Len()), rr.Pointer)
	for _, a := range rr.Addrs[:rr.Slots] {
		var err error
		if b, err = appendAddr4(op, b, a); err != nil {
			return b, err
		}
	}
	return b, nil
}

// Decode decodes the Record Route option at the start of b (type octet
// first) into rr.
func (rr *RecordRoute) Decode(b []byte) error {
	const op = "decode Record Route option"
	n, err := optionHeader(op, b, OptRecordRoute, 3)
	if err != nil {
		return err
	}
	if (n-3)%4 != 0 || (n-3)/4 > RRMaxSlots {
		return errf(op, ErrMalformed, "length %d is not 3 plus 4 per slot, at most %d slots", n, RRMaxSlots)
	}
	if err := checkPointer(op, ErrMalformed, b[2], rrFirstPointer, 4, n); err != nil {
		return err
	}
	rr.Pointer, rr.Slots = b[2], uint8((n-3)/4)
	for i := range rr.Addrs {
		rr.Addrs[i] = netip.Addr{}
		if i < int(rr.Slots) {
			rr.Addrs[i] = netip.AddrFrom4([4]byte(b[3+4*i:]))
		}
	}
	return nil
}

// NumRecorded returns how many slots hold a recorded address.
func (rr *RecordRoute) NumRecorded() int {
	if rr.Pointer < rrFirstPointer {
		return 0
	}
	return min(int(rr.Pointer-rrFirstPointer)/4, int(rr.Slots))
}

// Recorded returns the recorded addresses, in order. The slice aliases rr.
func (rr *RecordRoute) Recorded() []netip.Addr { return rr.Addrs[:rr.NumRecorded()] }

// Free returns the number of slots still free.
func (rr *RecordRoute) Free() int { return int(rr.Slots) - rr.NumRecorded() }

// Full reports whether every slot is recorded, so routers forward the
// packet without stamping it.
func (rr *RecordRoute) Full() bool { return rr.Free() == 0 }

// Stamp records a in the next free slot and advances the pointer, as a
// router does when it forwards the packet. It returns false, changing
// nothing, when the option is full.
func (rr *RecordRoute) Stamp(a netip.Addr) bool {
	if rr.Full() {
		return false
	}
	rr.Addrs[rr.NumRecorded()] = a
	rr.Pointer += 4
	return true
}

// optionHeader checks the type and length octets of the option at the start
// of b and returns its length.
func optionHeader(op string, b []byte, t OptionType, minLen int) (int, error) {
	if len(b) < minLen {
		return 0, short(op, len(b), minLen)
	}
	if OptionType(b[0]) != t {
		return 0, errf(op, ErrType, "option type %v, want %v", OptionType(b[0]), t)
	}
	n := int(b[1])
	if n < minLen {
		return 0, errf(op, ErrMalformed, "length %d, at least %d", n, minLen)
	}
	if len(b) < n {
		return 0, short(op, len(b), n)
	}
	return n, nil
}

// checkPointer checks a route or timestamp pointer: it starts at first,
// moves in steps of step and may point one past the option (full).
// sentinel is ErrInvalid when encoding, ErrMalformed when decoding.
func checkPointer(op string, sentinel error, ptr uint8, first, step, length int) error {
	p := int(ptr)
	if p < first || (p-first)%step != 0 || p > length+1 {
		return errf(op, sentinel, "pointer %d: want %d + %d*k, at most %d (full)", p, first, step, length+1)
	}
	return nil
}

// appendAddr4 appends a as 4 bytes (0.0.0.0 when a is the zero Addr).
func appendAddr4(op string, b []byte, a netip.Addr) ([]byte, error) {
	if !a.IsValid() {
		return append(b, 0, 0, 0, 0), nil
	}
	if !a.Is4() {
		return b, errf(op, ErrInvalid, "address %s is not IPv4", a.String())
	}
	v := a.As4()
	return append(b, v[:]...), nil
}
