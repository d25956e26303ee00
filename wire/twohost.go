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

// TwoHostRequest asks a two-host responder to send one traceroute probe
// back toward the requester: an ICMP echo request (type 8, or 128 for
// ICMPv6) with code 1, the query id as identifier, then TTL, protocol and
// flow. 12 bytes.
type TwoHostRequest struct {
	V6       bool
	Checksum uint16 // as on the wire; SetChecksum computes it
	ID       uint16 // query id, echoed in the response
	Seq      uint16 // 0 in the reference implementation
	TTL      uint8  // TTL (hop limit) of the probe the responder sends
	Proto    Proto  // ProtoICMP, ProtoTCP or ProtoUDP
	Flow     uint16 // flow identifier; 0 means the protocol's default
}

func (r *TwoHostRequest) echo(data []byte) Echo {
	data[0], data[1] = r.TTL, uint8(r.Proto)
	binary.BigEndian.PutUint16(data[2:], r.Flow)
	return Echo{V6: r.V6, Code: TwoHostCode, Checksum: r.Checksum, ID: r.ID, Seq: r.Seq, Data: data}
}

// Len returns 12.
func (r *TwoHostRequest) Len() int { return TwoHostRequestLen }

// AppendBinary appends the encoded request to b, checksum as given.
func (r *TwoHostRequest) AppendBinary(b []byte) ([]byte, error) {
	var data [4]byte
	e := r.echo(data[:])
	return e.AppendBinary(b)
}

// Decode decodes the request in b into r. An echo request with another
// code gives ErrType; bytes after the 12 are ignored (a minimum request
// size may pad requests).
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
	return nil
}

// SetChecksum computes r's checksum into r.Checksum; src and dst matter for
// ICMPv6 only (pseudo-header).
func (r *TwoHostRequest) SetChecksum(src, dst netip.Addr) {
	var data [4]byte
	e := r.echo(data[:])
	e.SetChecksum(src, dst)
	r.Checksum = e.Checksum
}
