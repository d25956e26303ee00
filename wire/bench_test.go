package wire_test

import (
	"net/netip"
	"testing"

	"github.com/revtr/revtr/wire"
)

var (
	benchSrc  = netip.MustParseAddr("10.77.1.1")
	benchDst  = netip.MustParseAddr("10.77.2.2")
	benchSrc6 = netip.MustParseAddr("2001:db8:77:1::1")
	benchDst6 = netip.MustParseAddr("2001:db8:77:2::2")
)

// buildRREcho builds an IPv4 echo request with a 9-slot Record Route
// option (as iputils ping -R) into buf.
func buildRREcho(buf []byte, seq uint16, data []byte) ([]byte, error) {
	rr := wire.NewRecordRoute(wire.RRMaxSlots)
	var optBuf [wire.MaxOptionsLen]byte
	opts, err := rr.AppendBinary(append(optBuf[:0], byte(wire.OptNOP)))
	if err != nil {
		return buf, err
	}
	echo := wire.Echo{ID: 0x1234, Seq: seq, Data: data}
	echo.SetChecksum(benchSrc, benchDst)
	ip := wire.IPv4{TTL: 64, Protocol: wire.ProtoICMP, Src: benchSrc, Dst: benchDst, Options: opts}
	ip.TotalLen = uint16(ip.Len() + echo.Len())
	if err := ip.SetChecksum(); err != nil {
		return buf, err
	}
	if buf, err = ip.AppendBinary(buf[:0]); err != nil {
		return buf, err
	}
	return echo.AppendBinary(buf)
}

// buildUDPProbe builds a Paris UDP probe whose checksum carries id.
func buildUDPProbe(buf, payload []byte, ttl uint8, id uint16) ([]byte, error) {
	u := wire.UDP{SrcPort: 40000, DstPort: 33434}
	if err := u.SteerChecksum(benchSrc, benchDst, payload, id); err != nil {
		return buf, err
	}
	ip := wire.IPv4{TTL: ttl, Protocol: wire.ProtoUDP, Src: benchSrc, Dst: benchDst, TotalLen: uint16(wire.IPv4HeaderLen + int(u.Length))}
	if err := ip.SetChecksum(); err != nil {
		return buf, err
	}
	buf, err := ip.AppendBinary(buf[:0])
	if err != nil {
		return buf, err
	}
	buf, _ = u.AppendBinary(buf)
	return append(buf, payload...), nil
}

// buildTCPSyn builds a TCP SYN probe whose sequence number carries seq.
func buildTCPSyn(buf []byte, ttl uint8, seq uint32) ([]byte, error) {
	syn := wire.TCP{SrcPort: 40000, DstPort: 80, Seq: seq, Flags: wire.TCPSyn, Window: 5840}
	if err := syn.SetChecksum(benchSrc, benchDst, nil); err != nil {
		return buf, err
	}
	ip := wire.IPv4{TTL: ttl, Protocol: wire.ProtoTCP, Src: benchSrc, Dst: benchDst, TotalLen: uint16(wire.IPv4HeaderLen + syn.Len())}
	if err := ip.SetChecksum(); err != nil {
		return buf, err
	}
	buf, err := ip.AppendBinary(buf[:0])
	if err != nil {
		return buf, err
	}
	return syn.AppendBinary(buf)
}

// buildTimeExceeded builds the ICMP time exceeded a router at 10.77.1.2
// sends for probe (as sim would).
func buildTimeExceeded(buf, probe []byte) ([]byte, error) {
	te := wire.TimeExceeded{Body: probe[:min(len(probe), 28)]}
	te.SetChecksum(netip.Addr{}, netip.Addr{})
	ip := wire.IPv4{TTL: 64, Protocol: wire.ProtoICMP, Src: netip.MustParseAddr("10.77.1.2"), Dst: benchSrc, TotalLen: uint16(wire.IPv4HeaderLen + te.Len())}
	if err := ip.SetChecksum(); err != nil {
		return buf, err
	}
	buf, err := ip.AppendBinary(buf[:0])
	if err != nil {
		return buf, err
	}
	return te.AppendBinary(buf)
}

// TestHotPathsDoNotAllocate checks that building probes into a reused
// buffer and decoding replies allocate nothing.
func TestHotPathsDoNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 1500)
	payload := make([]byte, 32)
	data := make([]byte, 56)
	probe, _ := buildUDPProbe(nil, payload, 1, 7)
	reply := mustGolden(t, "valid-ipv4-rr-echo-reply")
	cases := map[string]func(){
		"build RR echo":       func() { _, _ = buildRREcho(buf, 1, data) },
		"build UDP probe":     func() { _, _ = buildUDPProbe(buf, payload, 3, 0xbeef) },
		"build TCP SYN":       func() { _, _ = buildTCPSyn(buf, 3, 12345) },
		"build time exceeded": func() { _, _ = buildTimeExceeded(buf, probe) },
		"decode RR reply": func() {
			var p packet
			_ = p.decode(reply)
		},
	}
	for name, f := range cases {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations, want 0", name, n)
		}
	}
}

func BenchmarkEncodeIPv4RREcho(b *testing.B) {
	buf, data := make([]byte, 0, 1500), make([]byte, 56)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := buildRREcho(buf, uint16(i), data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeIPv4RREcho(b *testing.B) {
	pkt := mustGolden(b, "valid-ipv4-rr-echo-reply")
	var ip wire.IPv4
	var rr wire.RecordRoute
	var e wire.Echo
	b.ReportAllocs()
	for b.Loop() {
		if ip.Decode(pkt) != nil || e.Decode(ip.Payload(pkt)) != nil {
			b.Fatal("decode failed")
		}
		if ok, err := ip.RecordRoute(&rr); !ok || err != nil || rr.NumRecorded() != 5 {
			b.Fatal("no RR")
		}
	}
}

func BenchmarkEncodeTimeExceeded(b *testing.B) {
	buf := make([]byte, 0, 1500)
	probe, _ := buildUDPProbe(nil, make([]byte, 32), 1, 7)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := buildTimeExceeded(buf, probe); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDecodeTE(b *testing.B, name string) {
	pkt := mustGolden(b, name)
	var p packet
	b.ReportAllocs()
	for b.Loop() {
		if err := p.decode(pkt); err != nil || !p.IsTE {
			b.Fatal(err)
		}
		if _, _, ok := p.Quote.Ports(); !ok {
			b.Fatal("no ports quoted")
		}
	}
}

func BenchmarkDecodeTimeExceededUDPv4(b *testing.B) {
	benchDecodeTE(b, "valid-ipv4-udp-ttl1-time-exceeded")
}

func BenchmarkDecodeTimeExceededUDPv6(b *testing.B) {
	benchDecodeTE(b, "valid-ipv6-udp-ttl1-time-exceeded")
}

func BenchmarkBuildUDPProbe(b *testing.B) {
	buf, payload := make([]byte, 0, 1500), make([]byte, 32)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := buildUDPProbe(buf, payload, uint8(i%30+1), uint16(i%0xfffe+1)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuildTCPSyn(b *testing.B) {
	buf := make([]byte, 0, 1500)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := buildTCPSyn(buf, uint8(i%30+1), uint32(i)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeTCPRST(b *testing.B) {
	pkt := mustGolden(b, "valid-ipv4-tcp-ttl2-rst")
	var ip wire.IPv4
	var tcp wire.TCP
	b.ReportAllocs()
	for b.Loop() {
		if ip.Decode(pkt) != nil || tcp.Decode(ip.Payload(pkt)) != nil || !tcp.IsRST() {
			b.Fatal("decode failed")
		}
	}
}

func BenchmarkTwoHostResponse(b *testing.B) {
	r := wire.TwoHostResponse{V6: true, ID: 1, Node: benchDst6, RTT: 1234}
	buf := make([]byte, 0, 64)
	var back wire.TwoHostResponse
	b.ReportAllocs()
	for b.Loop() {
		if err := r.SetChecksum(benchSrc6, benchDst6); err != nil {
			b.Fatal(err)
		}
		enc, err := r.AppendBinary(buf[:0])
		if err != nil || back.Decode(enc) != nil {
			b.Fatal("round trip failed")
		}
	}
}

func benchChecksum(b *testing.B, n int) {
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(i)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		_ = wire.TransportChecksum(wire.ProtoUDP, benchSrc6, benchDst6, data)
	}
}

func BenchmarkChecksum64(b *testing.B)   { benchChecksum(b, 64) }
func BenchmarkChecksum1500(b *testing.B) { benchChecksum(b, 1500) }
