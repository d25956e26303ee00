package wire

import (
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"time"
)

// Two-host response lengths: an error carries only the state word, a
// success also the node address (16 bytes) and the time field (8 bytes).
const (
	TwoHostErrorLen   = ICMPHeaderLen + 4
	TwoHostSuccessLen = TwoHostErrorLen + 24
)

// TwoHostResponse is a two-host responder's answer: an ICMP echo reply
// (type 0, or 129 for ICMPv6) with code 1 and the request's identifier,
// then state, error length and a reserved word; on success the address of
// the node that answered the probe (16 bytes, IPv4 as v4-mapped IPv6) and
// the probe's RTT in nanoseconds (big-endian uint32, then 4 zero bytes; it
// wraps after about 4.29 s).
type TwoHostResponse struct {
	V6       bool
	Checksum uint16 // as on the wire; SetChecksum computes it
	ID       uint16 // the request's query id
	Seq      uint16
	State    TwoHostState
	ErrLen   uint8
	Reserved uint16
	Node     netip.Addr    // success only; IPv4 nodes decode unmapped
	RTT      time.Duration // success only; whole nanoseconds up to 2^32-1
}

// Len returns 36 for StateSuccess and 12 otherwise.
func (r *TwoHostResponse) Len() int {
	if r.State == StateSuccess {
		return TwoHostSuccessLen
	}
	return TwoHostErrorLen
}

func (r *TwoHostResponse) echo(data []byte) (Echo, error) {
	data = data[:r.Len()-ICMPHeaderLen]
	data[0], data[1] = uint8(r.State), r.ErrLen
	binary.BigEndian.PutUint16(data[2:], r.Reserved)
	if r.State == StateSuccess {
		if !r.Node.IsValid() {
			return Echo{}, errf("encode two-host response", ErrInvalid, "success without a node address")
		}
		if r.RTT < 0 || r.RTT > math.MaxUint32 {
			return Echo{}, errf("encode two-host response", ErrInvalid, "RTT %v outside 0..%v", r.RTT, time.Duration(math.MaxUint32))
		}
		n := r.Node.As16()
		copy(data[4:], n[:])
		binary.BigEndian.PutUint64(data[20:], uint64(r.RTT)<<32)
	}
	return Echo{V6: r.V6, Reply: true, Code: TwoHostCode, Checksum: r.Checksum, ID: r.ID, Seq: r.Seq, Data: data}, nil
}

// AppendBinary appends the encoded response to b, checksum as given.
func (r *TwoHostResponse) AppendBinary(b []byte) ([]byte, error) {
	var data [TwoHostSuccessLen - ICMPHeaderLen]byte
	e, err := r.echo(data[:])
	if err != nil {
		return b, err
	}
	return e.AppendBinary(b)
}

// Decode decodes the response in b into r. An echo reply with another code
// gives ErrType. A state the protocol does not define, as when a plain host
// echoes a request back (its TTL in the state byte), gives ErrMalformed; a
// success shorter than 36 bytes — also what a plain host echoes to a TTL-0
// request — gives ErrTruncated.
func (r *TwoHostResponse) Decode(b []byte) error {
	const op = "decode two-host response"
	var e Echo
	if err := e.Decode(b); err != nil {
		return fmt.Errorf("wire: %s: %w", op, err)
	}
	switch {
	case !e.Reply || e.Code != TwoHostCode:
		return errf(op, ErrType, "echo reply=%v code %d, want a reply with code %d", e.Reply, e.Code, TwoHostCode)
	case len(e.Data) < 4:
		return short(op, len(b), TwoHostErrorLen)
	case TwoHostState(e.Data[0]) > StateRefused:
		return errf(op, ErrMalformed, "undefined state %d", e.Data[0])
	}
	*r = TwoHostResponse{V6: e.V6, Checksum: e.Checksum, ID: e.ID, Seq: e.Seq, State: TwoHostState(e.Data[0]),
		ErrLen: e.Data[1], Reserved: binary.BigEndian.Uint16(e.Data[2:])}
	if r.State != StateSuccess {
		return nil
	}
	if len(b) < TwoHostSuccessLen {
		return short(op, len(b), TwoHostSuccessLen)
	}
	r.Node = netip.AddrFrom16([16]byte(e.Data[4:20])).Unmap()
	r.RTT = time.Duration(binary.BigEndian.Uint32(e.Data[20:]))
	return nil
}

// SetChecksum computes r's checksum into r.Checksum; src and dst matter for
// ICMPv6 only (pseudo-header).
func (r *TwoHostResponse) SetChecksum(src, dst netip.Addr) error {
	var data [TwoHostSuccessLen - ICMPHeaderLen]byte
	e, err := r.echo(data[:])
	if err != nil {
		return err
	}
	e.SetChecksum(src, dst)
	r.Checksum = e.Checksum
	return nil
}
