package probe

import (
	"net/netip"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/wire"
)

// socketless returns a prober without sockets, to drive the receive path
// with crafted packets.
func socketless(inst uint16) *Prober {
	return &Prober{instance: inst, tbl: newTable(0)}
}

var (
	tSrc    = netip.MustParseAddr("10.0.0.1")
	tDst    = netip.MustParseAddr("10.0.0.9")
	tRouter = netip.MustParseAddr("10.0.0.4")
)

// timeExceeded builds the IPv4 time exceeded router sends to src quoting
// probe.
func timeExceeded(t testing.TB, router, src netip.Addr, probe []byte) []byte {
	t.Helper()
	te := wire.TimeExceeded{Body: probe}
	te.SetChecksum(router, src)
	ip := wire.IPv4{TTL: 64, Protocol: wire.ProtoICMP, Src: router, Dst: src}
	ip.TotalLen = uint16(ip.Len() + te.Len())
	b, err := ip.AppendBinary(nil)
	if err == nil {
		b, err = te.AppendBinary(b)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMatchQuotes feeds time exceeded messages quoting probes of every
// protocol to the receive path: each matches its probe and nothing else.
func TestMatchQuotes(t *testing.T) {
	for _, f := range []meas.Flow{{Proto: meas.ICMP, ID: 7}, {Proto: meas.UDP, ID: 40000}, {Proto: meas.TCP, ID: 443, SrcPort: 40000}} {
		p := socketless(0xbeef)
		pr := Probe{Src: tSrc, Dst: tDst, Flow: f, TTL: 3}
		pd, err := p.tbl.add(keyOf(&pr))
		if err != nil {
			t.Fatal(err)
		}
		other := Probe{Src: tSrc, Dst: tDst, Flow: meas.Flow{Proto: f.Proto, ID: f.ID + 1, SrcPort: f.SrcPort}, TTL: 3}
		decoy, _ := p.tbl.add(keyOf(&other)) // same protocol, another flow
		pkt, err := AppendProbe(nil, pr, p.instance, pd.tag)
		if err != nil {
			t.Fatal(err)
		}
		// A reply quoting the probe as another prober instance, or with
		// the tag of the decoy but this probe's ports, must not match.
		foreign, _ := AppendProbe(nil, pr, p.instance+1, pd.tag)
		p.handleIPv4(timeExceeded(t, tRouter, tSrc, foreign), time.Now())
		if f.Proto != meas.ICMP { // ICMP flows differ in the checksum only, which the key leaves out
			wrongTag, _ := AppendProbe(nil, pr, p.instance, decoy.tag)
			p.handleIPv4(timeExceeded(t, tRouter, tSrc, wrongTag), time.Now())
		}
		elsewhere := other
		elsewhere.Dst = tRouter
		wrongDst, _ := AppendProbe(nil, elsewhere, p.instance, decoy.tag)
		p.handleIPv4(timeExceeded(t, tRouter, tSrc, wrongDst), time.Now())
		if p.tbl.outstanding() != 2 {
			t.Fatalf("%v: foreign or mis-tagged quotes matched", f)
		}
		p.handleIPv4(timeExceeded(t, tRouter, tSrc, pkt[:28]), time.Now()) // RFC 792: header + 8 bytes
		select {
		case <-pd.done:
		default:
			t.Fatalf("%v: quote of the probe did not match", f)
		}
		if pd.res.Reply != meas.TimeExceeded || pd.res.From != tRouter || p.tbl.outstanding() != 1 {
			t.Errorf("%v: result %+v, %d outstanding", f, pd.res, p.tbl.outstanding())
		}
	}
}

// BenchmarkReceive measures the receive path: decoding a time exceeded,
// finding and resolving the probe it quotes.
func BenchmarkReceive(b *testing.B) {
	p := socketless(0xbeef)
	pr := Probe{Src: tSrc, Dst: tDst, Flow: meas.Flow{Proto: meas.UDP, ID: 40000}, TTL: 3}
	pd, _ := p.tbl.add(keyOf(&pr))
	pkt, _ := AppendProbe(nil, pr, p.instance, pd.tag)
	reply := timeExceeded(b, tRouter, tSrc, pkt)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		p.tbl.mu.Lock()
		p.tbl.byTag[pd.tag] = &pending{tag: pd.tag, k: pd.k, done: make(chan struct{})}
		p.tbl.mu.Unlock()
		p.handleIPv4(reply, now)
	}
	if p.tbl.outstanding() != 0 {
		b.Fatal("reply did not match")
	}
}
