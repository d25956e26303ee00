package wire_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/revtr/revtr/wire"
)

// TestRFC1071Example checks the worked example of RFC 1071 section 3.
func TestRFC1071Example(t *testing.T) {
	b := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}
	if got := wire.Checksum(b); got != ^uint16(0xddf2) {
		t.Fatalf("Checksum = %#04x, want %#04x", got, ^uint16(0xddf2))
	}
}

// TestBuildRREchoLikePing builds the Record Route echo request that
// iputils ping -R sent in the capture and gets the same bytes.
func TestBuildRREchoLikePing(t *testing.T) {
	want := mustGolden(t, "valid-ipv4-rr-echo-request")
	var cap packet
	if err := cap.decode(want); err != nil {
		t.Fatal(err)
	}
	rr := wire.NewRecordRoute(wire.RRMaxSlots)
	if !rr.Stamp(addr("10.77.1.1")) { // ping records the sender itself
		t.Fatal("Stamp refused on an empty option")
	}
	opts, err := rr.AppendBinary([]byte{byte(wire.OptNOP)})
	if err != nil {
		t.Fatal(err)
	}
	echo := wire.Echo{ID: cap.Echo.ID, Seq: cap.Echo.Seq, Data: cap.Echo.Data}
	echo.SetChecksum(netip.Addr{}, netip.Addr{})
	ip := wire.IPv4{ID: cap.IPv4.ID, Flags: wire.IPv4DontFragment, TTL: 64, Protocol: wire.ProtoICMP,
		Src: addr("10.77.1.1"), Dst: addr("10.77.2.2"), Options: opts}
	ip.TotalLen = uint16(ip.Len() + echo.Len())
	if err := ip.SetChecksum(); err != nil {
		t.Fatal(err)
	}
	b, err := ip.AppendBinary(nil)
	if err == nil {
		b, err = echo.AppendBinary(b)
	}
	if err != nil || !bytes.Equal(b, want) {
		t.Fatalf("built %x, %v\nping sent %x", b, err, want)
	}
}

// TestRRStampUntilFull fills a Record Route option the way routers do.
func TestRRStampUntilFull(t *testing.T) {
	rr := wire.NewRecordRoute(wire.RRMaxSlots)
	if rr.Pointer != 4 || rr.Len() != 39 || rr.Free() != 9 {
		t.Fatalf("new option pointer %d len %d free %d, want 4 39 9", rr.Pointer, rr.Len(), rr.Free())
	}
	for i := range wire.RRMaxSlots {
		if !rr.Stamp(netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 1)})) {
			t.Fatalf("stamp %d refused", i)
		}
	}
	if !rr.Full() || rr.Pointer != 40 || rr.Stamp(addr("10.0.0.99")) {
		t.Fatalf("after 9 stamps: full %v pointer %d", rr.Full(), rr.Pointer)
	}
	b, err := rr.AppendBinary(nil)
	var back wire.RecordRoute
	if err != nil || back.Decode(b) != nil || len(back.Recorded()) != 9 || back.Recorded()[8] != addr("10.0.0.9") {
		t.Fatalf("full option %x (%v) decodes to %v", b, err, back.Recorded())
	}
}

// TestEncodeRejects checks that values that cannot be encoded give
// ErrInvalid instead of wrong bytes.
func TestEncodeRejects(t *testing.T) {
	v6 := addr("2001:db8::1")
	tests := map[string]interface {
		AppendBinary([]byte) ([]byte, error)
	}{
		"ipv4 with ipv6 source":    &wire.IPv4{Src: v6, Dst: addr("10.0.0.1")},
		"ipv4 options over 40":     &wire.IPv4{Src: addr("10.0.0.1"), Dst: addr("10.0.0.2"), Options: make([]byte, 41)},
		"ipv4 fragment offset":     &wire.IPv4{Src: addr("10.0.0.1"), Dst: addr("10.0.0.2"), FragOff: 0x2000},
		"ipv6 with ipv4 dest":      &wire.IPv6{Src: v6, Dst: addr("10.0.0.1")},
		"ipv6 flow label":          &wire.IPv6{Src: v6, Dst: v6, FlowLabel: 1 << 20},
		"rr ten slots":             &wire.RecordRoute{Pointer: 4, Slots: 10},
		"rr pointer 5":             &wire.RecordRoute{Pointer: 5, Slots: 9},
		"rr ipv6 slot":             &wire.RecordRoute{Pointer: 4, Slots: 1, Addrs: [9]netip.Addr{v6}},
		"ts five pairs":            &wire.Timestamp{Pointer: 5, Flag: wire.TSAndAddr, Slots: 5},
		"ts flag 2":                &wire.Timestamp{Pointer: 5, Flag: 2, Slots: 1},
		"option raw mismatch":      &wire.Option{Type: wire.OptRecordRoute, Raw: []byte{68, 4, 5, 0}},
		"tcp options over 40":      &wire.TCP{Options: make([]byte, 44)},
		"dstunreach v6 mtu":        &wire.DstUnreach{V6: true, MTU: 1280},
		"twohost success no node":  &wire.TwoHostResponse{State: wire.StateSuccess},
		"twohost rtt beyond 32bit": &wire.TwoHostResponse{State: wire.StateSuccess, Node: v6, RTT: 5 * time.Second},
	}
	for name, m := range tests {
		if _, err := m.AppendBinary(nil); !errors.Is(err, wire.ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}

// TestSteerChecksum checks that steering yields the wanted checksum, for
// UDP and ICMP echo, IPv4 and IPv6, over random values, and that the
// packets still verify.
func TestSteerChecksum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pairs := [][2]netip.Addr{{addr("10.77.1.1"), addr("10.77.2.2")}, {addr("2001:db8:77:1::1"), addr("2001:db8:77:2::2")}}
	for _, p := range pairs {
		src, dst := p[0], p[1]
		for range 2000 {
			want := uint16(rng.IntN(0xfffe)) + 1 // 1..0xfffe
			payload := make([]byte, 2+rng.IntN(40))
			u := wire.UDP{SrcPort: uint16(rng.Uint32()), DstPort: 33434}
			if err := u.SteerChecksum(src, dst, payload, want); err != nil {
				t.Fatalf("UDP steer %#04x: %v", want, err)
			}
			seg, _ := u.AppendBinary(nil)
			if c := wire.TransportChecksum(wire.ProtoUDP, src, dst, append(seg, payload...)); u.Checksum != want || c != 0 {
				t.Fatalf("UDP checksum %#04x residue %#04x, want %#04x", u.Checksum, c, want)
			}
			via := wire.EchoField(rng.IntN(3))
			e := wire.Echo{V6: src.Is6(), ID: uint16(rng.Uint32()), Seq: uint16(rng.Uint32()), Data: make([]byte, 2+rng.IntN(40))}
			if err := e.SteerChecksum(src, dst, want-1, via); err != nil {
				t.Fatalf("echo steer %#04x via %v: %v", want-1, via, err)
			}
			proto := wire.ProtoICMP
			if e.V6 {
				proto = wire.ProtoICMPv6
			}
			m, _ := e.AppendBinary(nil)
			if c := wire.TransportChecksum(proto, src, dst, m); e.Checksum != want-1 || c != 0 {
				t.Fatalf("echo checksum %#04x residue %#04x, want %#04x (via %v)", e.Checksum, c, want-1, via)
			}
		}
	}
	u := wire.UDP{SrcPort: 1, DstPort: 2}
	if err := u.SteerChecksum(pairs[0][0], pairs[0][1], []byte{0, 0}, 0xffff); err != nil || u.Checksum != 0xffff {
		t.Errorf("UDP steer to 0xffff (a computed 0): %v, checksum %#04x", err, u.Checksum)
	}
	if err := u.SteerChecksum(pairs[0][0], pairs[0][1], []byte{0, 0}, 0); !errors.Is(err, wire.ErrInvalid) {
		t.Errorf("UDP steer to 0: %v, want ErrInvalid", err)
	}
	for _, p := range pairs {
		e := wire.Echo{V6: p[0].Is6(), ID: 7, Data: make([]byte, 8)}
		if err := e.SteerChecksum(p[0], p[1], 0xffff, wire.SteerData); err != nil || e.Checksum != 0xffff {
			t.Fatalf("echo steer to 0xffff: %v, checksum %#04x", err, e.Checksum)
		}
		proto := map[bool]wire.Proto{false: wire.ProtoICMP, true: wire.ProtoICMPv6}[e.V6]
		if m, _ := e.AppendBinary(nil); wire.TransportChecksum(proto, p[0], p[1], m) != 0 || m[2] != 0xff || m[3] != 0xff {
			t.Errorf("echo %x with checksum 0xffff does not verify", m)
		}
	}
	e := wire.Echo{ID: 7}
	if err := e.SteerChecksum(netip.Addr{}, netip.Addr{}, 1, wire.SteerData); !errors.Is(err, wire.ErrInvalid) {
		t.Errorf("echo steer via data without data: %v, want ErrInvalid", err)
	}
}

// TestBuildTCPSyn builds the SYN traceroute -T sent and compares bytes.
func TestBuildTCPSyn(t *testing.T) {
	var cap packet
	if err := cap.decode(mustGolden(t, "valid-ipv4-tcp-ttl2-syn")); err != nil {
		t.Fatal(err)
	}
	syn := wire.TCP{SrcPort: cap.TCP.SrcPort, DstPort: 81, Seq: cap.TCP.Seq, Flags: wire.TCPSyn, Window: 5840, Options: cap.TCP.Options}
	if err := syn.SetChecksum(cap.src(), cap.dst(), nil); err != nil {
		t.Fatal(err)
	}
	b, err := syn.AppendBinary(nil)
	if err != nil || !bytes.Equal(b, cap.L4) || syn.IsRST() || syn.IsSynAck() {
		t.Fatalf("built %x, %v\nsent  %x", b, err, cap.L4)
	}
}

// TestBuildTimestampLikePing builds the prespecified Timestamp option that
// iputils ping -T tsprespec sent and gets the same bytes.
func TestBuildTimestampLikePing(t *testing.T) {
	var cap packet
	if err := cap.decode(mustGolden(t, "valid-ipv4-ts-prespec-echo-request")); err != nil {
		t.Fatal(err)
	}
	ts := wire.NewTimestamp(wire.TSPrespecified, 0, addr("10.77.1.2"), addr("10.77.2.2"))
	b, err := ts.AppendBinary(nil)
	if err != nil || !bytes.Equal(wire.PadOptions(b), cap.IPv4.Options) {
		t.Fatalf("built %x, %v; ping sent %x", b, err, cap.IPv4.Options)
	}
	only := wire.NewTimestamp(wire.TSOnly, 9)
	if only.Len() != 40 || only.Free() != 9 {
		t.Errorf("timestamps-only option of 9: len %d free %d, want 40 and 9", only.Len(), only.Free())
	}
}
