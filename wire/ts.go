package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// TSFlag is the flag field of the IPv4 Timestamp option: what each entry
// holds.
type TSFlag uint8

// Timestamp option forms (RFC 791).
const (
	TSOnly         TSFlag = 0 // 4-byte timestamps only
	TSAndAddr      TSFlag = 1 // each router records its address and a timestamp
	TSPrespecified TSFlag = 3 // only the prespecified addresses record a timestamp
)

func (f TSFlag) String() string {
	switch f {
	case TSOnly:
		return "tsonly"
	case TSAndAddr:
		return "tsandaddr"
	case TSPrespecified:
		return "tsprespec"
	}
	return fmt.Sprintf("tsflag(%d)", uint8(f))
}

// entryLen returns the size of one entry: 4 or 8 bytes.
func (f TSFlag) entryLen() int {
	if f == TSOnly {
		return 4
	}
	return 8
}

// TSMaxEntries is the most entries a Timestamp option holds: 9 timestamps
// in the timestamps-only form, 4 address/timestamp pairs otherwise.
const TSMaxEntries = 9

// tsFirstPointer is the pointer of an empty Timestamp option.
const tsFirstPointer = 5

// TSEntry is one Timestamp option entry. Addr is the zero Addr in the
// timestamps-only form. Time is milliseconds since midnight UT, or any
// value with the high bit set when a router has no standard clock.
type TSEntry struct {
	Addr netip.Addr
	Time uint32
}

// Timestamp is the IPv4 Internet Timestamp option (RFC 791, type 68).
// Routers fill the entry the pointer designates and advance it; once the
// option is full they increment Overflow instead. In the prespecified form
// (TSPrespecified) the sender lists up to 4 addresses and only those
// routers stamp, in order — the basis of timestamp-based reverse hop tests.
//
// Entries holds every entry, recorded or not, so that decoding and encoding
// round-trip byte for byte.
type Timestamp struct {
	Pointer  uint8 // one-based offset of the next free entry; 5 = empty
	Overflow uint8 // routers that could not stamp (4 bits)
	Flag     TSFlag
	Slots    uint8 // entries; the option length is 4 + Slots*(4 or 8)
	Entries  [TSMaxEntries]TSEntry
}

// NewTimestamp returns an empty Timestamp option. With TSOnly it has n
// timestamp slots (clamped to 1..9); otherwise one entry per address (at
// most 4), which for TSPrespecified are the routers asked to stamp and for
// TSAndAddr may be left empty with n giving the number of slots.
func NewTimestamp(flag TSFlag, n int, addrs ...netip.Addr) Timestamp {
	limit := (MaxOptionsLen - 4) / flag.entryLen()
	n = max(1, min(max(n, len(addrs)), limit))
	ts := Timestamp{Pointer: tsFirstPointer, Flag: flag, Slots: uint8(n)}
	for i := range n {
		if flag != TSOnly {
			ts.Entries[i].Addr = netip.IPv4Unspecified()
			if i < len(addrs) {
				ts.Entries[i].Addr = addrs[i]
			}
		}
	}
	return ts
}

// Len returns the option length.
func (ts *Timestamp) Len() int { return 4 + int(ts.Slots)*ts.Flag.entryLen() }

// AppendBinary appends the encoded option to b.
func (ts *Timestamp) AppendBinary(b []byte) ([]byte, error) {
	const op = "encode Timestamp option"
	switch {
	case ts.Flag != TSOnly && ts.Flag != TSAndAddr && ts.Flag != TSPrespecified:
		return b, errf(op, ErrInvalid, "flag %d", uint8(ts.Flag))
	case ts.Len() > MaxOptionsLen:
		return b, errf(op, ErrInvalid, "%d %v entries take %d bytes, at most %d fit", ts.Slots, ts.Flag, ts.Len(), MaxOptionsLen)
	case ts.Overflow > 15:
		return b, errf(op, ErrInvalid, "overflow %d does not fit 4 bits", ts.Overflow)
	}
	if err := checkPointer(op, ErrInvalid, ts.Pointer, tsFirstPointer, ts.Flag.entryLen(), ts.Len()); err != nil {
		return b, err
	}
	b = append(b, byte(OptTimestamp), uint8(ts.Len()), ts.Pointer, ts.Overflow<<4|uint8(ts.Flag))
	for _, e := range ts.Entries[:ts.Slots] {
		if ts.Flag != TSOnly {
			var err error
			if b, err = appendAddr4(op, b, e.Addr); err != nil {
				return b, err
			}
		}
		b = binary.BigEndian.AppendUint32(b, e.Time)
	}
	return b, nil
}

// Decode decodes the Timestamp option at the start of b (type octet first)
// into ts.
func (ts *Timestamp) Decode(b []byte) error {
	const op = "decode Timestamp option"
	n, err := optionHeader(op, b, OptTimestamp, 4)
	if err != nil {
		return err
	}
	flag := TSFlag(b[3] & 0x0f)
	if flag != TSOnly && flag != TSAndAddr && flag != TSPrespecified {
		return errf(op, ErrMalformed, "flag %d", uint8(flag))
	}
	size := flag.entryLen()
	if (n-4)%size != 0 || n > MaxOptionsLen {
		return errf(op, ErrMalformed, "length %d is not 4 plus %d per %v entry, at most %d", n, size, flag, MaxOptionsLen)
	}
	if err := checkPointer(op, ErrMalformed, b[2], tsFirstPointer, size, n); err != nil {
		return err
	}
	ts.Pointer, ts.Overflow, ts.Flag, ts.Slots = b[2], b[3]>>4, flag, uint8((n-4)/size)
	for i := range ts.Entries {
		ts.Entries[i] = TSEntry{}
		if i >= int(ts.Slots) {
			continue
		}
		e := b[4+i*size:]
		if flag != TSOnly {
			ts.Entries[i].Addr = netip.AddrFrom4([4]byte(e))
			e = e[4:]
		}
		ts.Entries[i].Time = binary.BigEndian.Uint32(e)
	}
	return nil
}

// NumRecorded returns how many entries hold a timestamp.
func (ts *Timestamp) NumRecorded() int {
	if ts.Pointer < tsFirstPointer {
		return 0
	}
	return min(int(ts.Pointer-tsFirstPointer)/ts.Flag.entryLen(), int(ts.Slots))
}

// Recorded returns the entries that hold a timestamp, in order. The slice
// aliases ts.
func (ts *Timestamp) Recorded() []TSEntry { return ts.Entries[:ts.NumRecorded()] }

// Free returns the number of entries still free.
func (ts *Timestamp) Free() int { return int(ts.Slots) - ts.NumRecorded() }

// Full reports whether every entry is recorded.
func (ts *Timestamp) Full() bool { return ts.Free() == 0 }
