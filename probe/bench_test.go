package probe_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/topo/topotest"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/probe"
)

// BenchmarkSustained measures the packets per second one prober sustains
// with matching: b.N ICMP echo probes at TTL 1 (answered by the first
// router with time exceeded) and to the destination, with up to 4,096
// outstanding, no rate limit to speak of. It reports matched probes per
// second and fails if any probe is unanswered or mismatched.
func BenchmarkSustained(b *testing.B) {
	for _, bc := range []struct {
		name string
		flow meas.Flow
		ttl  int
	}{
		{"icmp-echo", meas.Flow{Proto: meas.ICMP}, 0},
		{"udp-ttl1", meas.Flow{Proto: meas.UDP, ID: 40000}, 1},
		{"tcp-syn", meas.Flow{Proto: meas.TCP, ID: 40000}, 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tp := build(b)(topotest.Chain(2))
			l := labtest.Up(b, tp)
			p := newProber(b, l, "h0", probe.Config{Rate: 1e7, Burst: 4096, Timeout: 5 * time.Second})
			dst := hostAddr(b, tp, "h1", false)
			sustained(b, p, probe.Probe{Dst: dst, Flow: bc.flow, TTL: bc.ttl})
		})
	}
}

func sustained(b *testing.B, p *probe.Prober, pr probe.Probe) {
	ctx := context.Background()
	const window = 4096
	ring := make(chan *probe.Inflight, window)
	bad := 0
	collect := func() {
		r, err := (<-ring).Wait(ctx)
		if err != nil || r.Reply == meas.NoReply {
			bad++
		}
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if len(ring) == window {
			collect()
		}
		f, err := p.Start(ctx, pr)
		if err != nil {
			b.Fatal(err)
		}
		ring <- f
	}
	for len(ring) > 0 {
		collect()
	}
	el := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/el.Seconds(), "pkts/s")
	if bad > 0 {
		b.Fatalf("%d of %d probes unanswered or failed (stats %+v)", bad, b.N, p.Stats())
	}
}

// BenchmarkBuild measures building one probe packet with package wire.
func BenchmarkBuild(b *testing.B) {
	src, dst := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.9")
	src6, dst6 := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::9")
	for _, bc := range []struct {
		name string
		pr   probe.Probe
	}{
		{"icmp4", probe.Probe{Src: src, Dst: dst, TTL: 5}},
		{"icmp4-rr", probe.Probe{Src: src, Dst: dst, RecordRoute: true}},
		{"udp4", probe.Probe{Src: src, Dst: dst, TTL: 5, Flow: meas.Flow{Proto: meas.UDP}}},
		{"tcp4", probe.Probe{Src: src, Dst: dst, TTL: 5, Flow: meas.Flow{Proto: meas.TCP}}},
		{"icmp6", probe.Probe{Src: src6, Dst: dst6, TTL: 5}},
		{"udp6", probe.Probe{Src: src6, Dst: dst6, TTL: 5, Flow: meas.Flow{Proto: meas.UDP}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			buf := make([]byte, 0, 128)
			b.ReportAllocs()
			for i := range b.N {
				var err error
				if buf, err = probe.AppendProbe(buf[:0], bc.pr, 0x1234, uint16(i)|1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
