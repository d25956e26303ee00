package wire_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/revtr/revtr/wire"
)

// TestTwoHostRequestCapture builds the request of the capture (query id
// 0x4242, TTL 5, UDP, flow 33434), compares it with the bytes that went on
// the wire, and decodes them back.
func TestTwoHostRequestCapture(t *testing.T) {
	var p packet
	if err := p.decode(mustGolden(t, "valid-ipv4-twohost-request")); err != nil {
		t.Fatal(err)
	}
	req := wire.TwoHostRequest{ID: 0x4242, TTL: 5, Proto: wire.ProtoUDP, Flow: 33434}
	req.SetChecksum(p.src(), p.dst())
	b, err := req.AppendBinary(nil)
	if err != nil || !bytes.Equal(b, p.L4) || req.Len() != len(b) {
		t.Fatalf("built %x, %v; captured %x", b, err, p.L4)
	}
	var got wire.TwoHostRequest
	if err := got.Decode(p.L4); err != nil || got != req {
		t.Fatalf("decoded %+v, %v; want %+v", got, err, req)
	}
}

// TestTwoHostLinuxEcho checks what plain Linux does with a request: it
// echoes it as an echo reply with code 1 and the same four bytes — the
// behaviour the presence check relies on.
func TestTwoHostLinuxEcho(t *testing.T) {
	var req, rep packet
	if err := req.decode(mustGolden(t, "valid-ipv4-twohost-request")); err != nil {
		t.Fatal(err)
	}
	if err := rep.decode(mustGolden(t, "valid-ipv4-twohost-linux-echo")); err != nil {
		t.Fatal(err)
	}
	if !rep.Echo.Reply || rep.Echo.Code != wire.TwoHostCode || rep.Echo.ID != 0x4242 || !bytes.Equal(rep.Echo.Data, req.Echo.Data) {
		t.Fatalf("Linux answered %+v to %+v", rep.Echo, req.Echo)
	}
	// Echoing a TTL-0 request gives a 12-byte "success": no responder.
	e := wire.Echo{Reply: true, Code: wire.TwoHostCode, ID: 1, Data: []byte{0, 17, 0x82, 0x9a}}
	b, _ := e.AppendBinary(nil)
	var r wire.TwoHostResponse
	if err := r.Decode(b); !errors.Is(err, wire.ErrTruncated) {
		t.Fatalf("plain echo of a TTL-0 request: %v, want ErrTruncated", err)
	}
}

// TestTwoHostResponse encodes responses of both families and states and
// checks the layout of docs/protocols.md section 3 byte by byte.
func TestTwoHostResponse(t *testing.T) {
	tests := []struct {
		name     string
		r        wire.TwoHostResponse
		src, dst netip.Addr
		want     string // hex after the 4-byte ICMP type/code/checksum
	}{
		{"ipv4 success", wire.TwoHostResponse{ID: 0x4242, State: wire.StateSuccess, Node: addr("10.77.1.2"), RTT: 123456 * time.Nanosecond},
			addr("10.77.2.2"), addr("10.77.1.1"), "42420000" + "00000000" + "00000000000000000000ffff0a4d0102" + "0001e240" + "00000000"},
		{"ipv6 success", wire.TwoHostResponse{V6: true, ID: 7, Seq: 0, State: wire.StateSuccess, Node: addr("2001:db8:77:1::2"), RTT: time.Duration(1<<32 - 1)},
			addr("2001:db8:77:2::2"), addr("2001:db8:77:1::1"), "00070000" + "00000000" + "20010db8007700010000000000000002" + "ffffffff" + "00000000"},
		{"ipv4 bad protocol", wire.TwoHostResponse{ID: 9, State: wire.StateBadProtocol},
			addr("10.77.2.2"), addr("10.77.1.1"), "00090000" + "02000000"},
		{"ipv6 refused", wire.TwoHostResponse{V6: true, ID: 9, State: wire.StateRefused, ErrLen: 3},
			addr("2001:db8:77:2::2"), addr("2001:db8:77:1::1"), "00090000" + "04030000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			if err := r.SetChecksum(tt.src, tt.dst); err != nil {
				t.Fatal(err)
			}
			b, err := r.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			wantType := map[bool]byte{false: 0, true: 129}[r.V6]
			if b[0] != wantType || b[1] != 1 || hexOf(b[4:]) != tt.want || len(b) != r.Len() {
				t.Fatalf("encoded %x, want type %d code 1 then %s", b, wantType, tt.want)
			}
			proto := map[bool]wire.Proto{false: wire.ProtoICMP, true: wire.ProtoICMPv6}[r.V6]
			if c := wire.TransportChecksum(proto, tt.src, tt.dst, b); c != 0 {
				t.Errorf("checksum does not verify (residue %#04x)", c)
			}
			var back wire.TwoHostResponse
			if err := back.Decode(b); err != nil || back != r {
				t.Fatalf("decoded %+v, %v; want %+v", back, err, r)
			}
		})
	}
}

// TestStrings checks the names of typed constants, known and unknown.
func TestStrings(t *testing.T) {
	tests := map[string]interface{ String() string }{
		"success":          wire.StateSuccess,
		"bad-flow":         wire.StateBadFlow,
		"state(9)":         wire.TwoHostState(9),
		"RR":               wire.OptRecordRoute,
		"option(25)":       wire.OptionType(25),
		"tsprespec":        wire.TSPrespecified,
		"time-exceeded":    wire.ICMPv4TimeExceeded,
		"dest-unreach":     wire.ICMPv6DstUnreach,
		"icmpv6-type(200)": wire.ICMPv6Type(200),
		"SYN|ACK":          wire.TCPSyn | wire.TCPAck,
		"DF":               wire.IPv4DontFragment,
		"udp":              wire.ProtoUDP,
		"seq":              wire.SteerSeq,
	}
	for want, v := range tests {
		if got := v.String(); got != want {
			t.Errorf("%T(%v).String() = %q, want %q", v, v, got, want)
		}
	}
}

// TestTwoHostIndirectRequest encodes a request of the newer revision with
// a target as the reference client builds it: after TTL, protocol and
// flow, the extension header (version 2, its checksum), the object header
// (length 16, class 5, type 0) and the target as v4-mapped IPv6; it
// decodes back, a target of the other family is refused, and zero
// padding after a plain request is no extension.
func TestTwoHostIndirectRequest(t *testing.T) {
	target := netip.MustParseAddr("10.9.8.7")
	req := wire.TwoHostRequest{ID: 0x4242, TTL: 5, Proto: wire.ProtoUDP, Flow: 33434, HasExt: true, ExtClass: wire.TwoHostTargetClass, Target: target}
	req.SetChecksum(netip.Addr{}, netip.Addr{})
	b, err := req.AppendBinary(nil)
	if err != nil || len(b) != wire.TwoHostIndirectLen || req.Len() != len(b) {
		t.Fatalf("encoded %x, %v", b, err)
	}
	want := "0511829a2000" // TTL 5, UDP, flow 33434, extension version 2
	if got := hex.EncodeToString(b[8:14]); got != want {
		t.Errorf("request head %s, want %s", got, want)
	}
	if wire.Checksum(b[12:]) != 0 || hex.EncodeToString(b[16:20]) != "00100500" ||
		hex.EncodeToString(b[20:]) != "00000000000000000000ffff0a090807" || wire.Checksum(b) != 0 {
		t.Errorf("extension %x: want a valid checksum, object 00100500, the mapped target", b[12:])
	}
	var got wire.TwoHostRequest
	if err := got.Decode(b); err != nil || got != req {
		t.Errorf("decoded %+v, %v; want %+v", got, err, req)
	}
	v6 := req
	v6.V6 = true
	if _, err := v6.AppendBinary(nil); !errors.Is(err, wire.ErrInvalid) {
		t.Errorf("IPv4 target in an IPv6 request: %v", err)
	}
	plain := wire.TwoHostRequest{ID: 1, TTL: 1, Proto: wire.ProtoUDP}
	pb, _ := plain.AppendBinary(nil)
	pb = append(pb, make([]byte, 24)...)
	if err := got.Decode(pb); err != nil || got.HasExt {
		t.Errorf("padded request: %+v, %v", got, err)
	}
}
