package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// TwoHostCode is the ICMP code that marks an echo request or reply as a
// two-host reverse traceroute message (draft-heiwin-intarea-reverse-traceroute):
// operators can police the protocol by it.
const TwoHostCode uint8 = 1

// TwoHostRequestLen is the length of a request: the 8-byte echo header,
// TTL, protocol and flow.
const TwoHostRequestLen = ICMPHeaderLen + 4

// TwoHostState is the state a two-host responder reports.
type TwoHostState uint8

// Responder states. A plain Linux host echoes a request back unchanged, so
// a request with TTL 0 tells a responder (StateTTLZero) from a host without
// one.
const (
	StateSuccess     TwoHostState = 0 // the probe was answered; Node and RTT are set
	StateTTLZero     TwoHostState = 1 // the request's TTL was 0 (presence check)
	StateBadProtocol TwoHostState = 2 // the requested protocol is not supported
	StateBadFlow     TwoHostState = 3 // the requested flow is not acceptable
	StateRefused     TwoHostState = 4 // the responder refused (limits, policy)
)

var stateNames = [...]string{"success", "ttl-zero", "bad-protocol", "bad-flow", "refused"}

func (s TwoHostState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// Two-host request extension (the reference's revision with indirect
// tracing): after TTL, protocol and flow, an ICMP extension structure
// (RFC 4884: version 2, a checksum over the structure) holding one
// object. Class TwoHostTargetClass, type 0 carries the address the probe
// is to be sent to (16 bytes, IPv4 as v4-mapped IPv6); the reference
// writes the object's length as that of its payload, 16.
const (
	twoHostExtHeaderLen = 4
	twoHostObjHeaderLen = 4
	twoHostTargetLen    = 16
	TwoHostTargetClass  = 5
	// TwoHostIndirectLen is the length of a request with a target: 36,
	// that of a success answer.
	TwoHostIndirectLen = TwoHostRequestLen + twoHostExtHeaderLen + twoHostObjHeaderLen + twoHostTargetLen
)

// TwoHostRequest asks a two-host responder to send one traceroute probe
// back toward the requester: an ICMP echo request (type 8, or 128 for
// ICMPv6) with code 1, the query id as identifier, then TTL, protocol and
// flow: 12 bytes. A request of the newer revision may carry an extension
// object; with a Target it asks for the probe to go there instead
// (indirect tracing, TwoHostIndirectLen bytes).
type TwoHostRequest struct {
	V6       bool
	Checksum uint16 // as on the wire; SetChecksum computes it
	ID       uint16 // query id, echoed in the response
	Seq      uint16 // 0 in the reference implementation
	TTL      uint8  // TTL (hop limit) of the probe the responder sends
	Proto    Proto  // ProtoICMP, ProtoTCP or ProtoUDP
	Flow     uint16 // flow identifier; 0 means the protocol's default
	// HasExt is set when the request carries an extension object of
	// class ExtClass and type ExtType; Target is its address when the
	// object is a target (class TwoHostTargetClass, type 0).
	HasExt            bool
	ExtClass, ExtType uint8
	Target            netip.Addr
}

func (r *TwoHostRequest) echo(data []byte) Echo {
	data = data[:r.Len()-ICMPHeaderLen]
	data[0], data[1] = r.TTL, uint8(r.Proto)
	binary.BigEndian.PutUint16(data[2:], r.Flow)
	if r.HasExt {
		ext := data[4:]
		ext[0], ext[1], ext[2], ext[3] = 2<<4, 0, 0, 0
		obj := ext[twoHostExtHeaderLen:]
		binary.BigEndian.PutUint16(obj, uint16(len(obj)-twoHostObjHeaderLen))
		obj[2], obj[3] = r.ExtClass, r.ExtType
		if r.isTarget() {
			a := r.Target.As16()
			copy(obj[twoHostObjHeaderLen:], a[:])
		}
		binary.BigEndian.PutUint16(ext[2:], Checksum(ext))
	}
	return Echo{V6: r.V6, Code: TwoHostCode, Checksum: r.Checksum, ID: r.ID, Seq: r.Seq, Data: data}
}

// isTarget reports whether r carries a target object.
func (r *TwoHostRequest) isTarget() bool {
	return r.HasExt && r.ExtClass == TwoHostTargetClass && r.ExtType == 0
}

// Len returns 12, or the length with the extension object.
func (r *TwoHostRequest) Len() int {
	switch {
	case r.isTarget():
		return TwoHostIndirectLen
	case r.HasExt:
		return TwoHostRequestLen + twoHostExtHeaderLen + twoHostObjHeaderLen
	}
	return TwoHostRequestLen
}

// AppendBinary appends the encoded request to b, checksum as given.
func (r *TwoHostRequest) AppendBinary(b []byte) ([]byte, error) {
	if r.isTarget() && r.Target.Unmap().Is4() == r.V6 {
		return b, errf("encode two-host request", ErrInvalid, "target %v of the other family", r.Target)
	}
	var data [TwoHostIndirectLen - ICMPHeaderLen]byte
	e := r.echo(data[:])
	return e.AppendBinary(b)
}

// Decode decodes the request in b into r. An echo request with another
// code gives ErrType. After the 12 bytes, an extension structure (its
// version nibble 2) is decoded; other bytes are ignored (a minimum
// request size may pad requests with zeros).
func (r *TwoHostRequest) Decode(b []byte) error {
	const op = "decode two-host request"
	var e Echo
	if err := e.Decode(b); err != nil {
		return fmt.Errorf("wire: %s: %w", op, err)
	}
	switch {
	case e.Reply || e.Code != TwoHostCode:
		return errf(op, ErrType, "echo reply=%v code %d, want a request with code %d", e.Reply, e.Code, TwoHostCode)
	case len(e.Data) < 4:
		return short(op, len(b), TwoHostRequestLen)
	}
	*r = TwoHostRequest{V6: e.V6, Checksum: e.Checksum, ID: e.ID, Seq: e.Seq,
		TTL: e.Data[0], Proto: Proto(e.Data[1]), Flow: binary.BigEndian.Uint16(e.Data[2:])}
	return r.decodeExt(op, e.Data[4:])
}

// decodeExt decodes the extension structure in ext, if any.
func (r *TwoHostRequest) decodeExt(op string, ext []byte) error {
	if len(ext) < twoHostExtHeaderLen+twoHostObjHeaderLen || ext[0]>>4 != 2 {
		return nil
	}
	obj := ext[twoHostExtHeaderLen:]
	r.HasExt, r.ExtClass, r.ExtType = true, obj[2], obj[3]
	if !r.isTarget() {
		return nil
	}
	n := binary.BigEndian.Uint16(obj)
	if (n != twoHostTargetLen && n != twoHostObjHeaderLen+twoHostTargetLen) || len(obj) < twoHostObjHeaderLen+twoHostTargetLen {
		return errf(op, ErrMalformed, "target object of length %d in %d bytes", n, len(obj))
	}
	r.Target = netip.AddrFrom16([16]byte(obj[twoHostObjHeaderLen:])).Unmap()
	if r.Target.Is4() == r.V6 {
		return errf(op, ErrMalformed, "target %v in a request of the other family", r.Target)
	}
	return nil
}

// SetChecksum computes r's checksum into r.Checksum; src and dst matter for
// ICMPv6 only (pseudo-header).
func (r *TwoHostRequest) SetChecksum(src, dst netip.Addr) {
	var data [TwoHostIndirectLen - ICMPHeaderLen]byte
	e := r.echo(data[:])
	e.SetChecksum(src, dst)
	r.Checksum = e.Checksum
}
