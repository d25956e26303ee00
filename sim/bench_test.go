package sim_test

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
)

// benchNet is a generated Internet of about 1,000 routers, with every
// behaviour of the default parameters (rate limits included), and host
// pairs to measure between.
func benchNet(b *testing.B) (*sim.Network, [][2]netip.Addr) {
	b.Helper()
	tp, err := topo.Generate(1, topo.SizedParams(1000))
	if err != nil {
		b.Fatal(err)
	}
	if r := countRouters(tp); r < 900 || r > 1100 {
		b.Fatalf("generated %d routers, want about 1,000", r)
	}
	n := network(b, tp, sim.Config{})
	var srcs, dsts []netip.Addr
	for _, nd := range tp.Nodes {
		if nd.Kind != topo.Host {
			continue
		}
		a := tp.HostAddr(nd.ID, false)
		if nd.Role.Source || nd.Role.VantagePoint {
			srcs = append(srcs, a)
		}
		if nd.Role.Destination {
			dsts = append(dsts, a)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	pairs := make([][2]netip.Addr, 1024)
	for i := range pairs {
		pairs[i] = [2]netip.Addr{srcs[r.IntN(len(srcs))], dsts[r.IntN(len(dsts))]}
	}
	// Warm up: topo builds its lookup indexes on first use.
	if _, err := n.RecordRoute(context.Background(), meas.RRRequest{Src: pairs[0][0], Dst: pairs[0][1]}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer() // generating the topology is topo's cost, not ours
	return n, pairs
}

func BenchmarkRecordRoute(b *testing.B) {
	n, pairs := benchNet(b)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		p := pairs[i%len(pairs)]
		if _, err := n.RecordRoute(ctx, meas.RRRequest{Src: p[0], Dst: p[1]}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkTraceroute(b *testing.B) {
	n, pairs := benchNet(b)
	ctx := context.Background()
	i, hops := 0, 0
	for b.Loop() {
		p := pairs[i%len(pairs)]
		tr, err := n.Traceroute(ctx, meas.TraceRequest{Src: p[0], Dst: p[1], Flow: meas.Flow{Proto: meas.UDP}})
		if err != nil {
			b.Fatal(err)
		}
		hops += len(tr.Hops)
		i++
	}
	b.ReportMetric(float64(hops)/float64(i), "hops/op")
}

func BenchmarkPing(b *testing.B) {
	n, pairs := benchNet(b)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		p := pairs[i%len(pairs)]
		if _, err := n.Ping(ctx, meas.PingRequest{Src: p[0], Dst: p[1]}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkMultipath(b *testing.B) {
	n, pairs := benchNet(b)
	ctx := context.Background()
	i, probes := 0, 0
	for b.Loop() {
		p := pairs[i%len(pairs)]
		mp, err := n.Multipath(ctx, meas.MultipathRequest{Src: p[0], Dst: p[1], Proto: meas.UDP})
		if err != nil {
			b.Fatal(err)
		}
		probes += mp.Probes
		i++
	}
	b.ReportMetric(float64(probes)/float64(i), "probes/op")
}

// BenchmarkRecordRouteParallel measures RR pings from all cores at once,
// each goroutine on its own virtual clock.
func BenchmarkRecordRouteParallel(b *testing.B) {
	n, pairs := benchNet(b)
	b.RunParallel(func(pb *testing.PB) {
		ctx := sim.WithClock(context.Background(), &sim.Clock{})
		i := rand.IntN(len(pairs))
		for pb.Next() {
			p := pairs[i%len(pairs)]
			if _, err := n.RecordRoute(ctx, meas.RRRequest{Src: p[0], Dst: p[1]}); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}
