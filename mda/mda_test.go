package mda_test

import (
	"context"
	"errors"
	"math"
	"net/netip"
	"testing"

	"github.com/revtr/revtr/mda"
	"github.com/revtr/revtr/meas"
)

// refFlows is how many flows the reference model sends: enough to reach a
// vertex that one flow in 729 reaches (three-way splits, six deep) about
// five times.
const refFlows = 4096

// stoppingPointRef is the definition, slowly: the least n with
// k·((k-1)/k)^n ≤ ε.
func stoppingPointRef(k int, eps float64) int {
	n := 0
	for float64(k)*math.Pow(float64(k-1)/float64(k), float64(n)) > eps {
		n++
	}
	return n
}

func TestStoppingPoint(t *testing.T) {
	for k, want := range map[int]int{2: 6, 3: 11, 4: 16, 5: 21} { // docs/protocols.md §5
		if got := mda.StoppingPoint(k, 0.05); got != want {
			t.Errorf("StoppingPoint(%d, 0.05) = %d, want %d", k, got, want)
		}
	}
	for _, eps := range []float64{0.01, 0.05, 0.1, 0.2} {
		for k := 2; k <= 16; k++ {
			if got, want := mda.StoppingPoint(k, eps), stoppingPointRef(k, eps); got != want {
				t.Errorf("StoppingPoint(%d, %v) = %d, reference %d", k, eps, got, want)
			}
		}
	}
	if got := mda.StoppingPoint(1, 0.05); got != 1 {
		t.Errorf("StoppingPoint(1) = %d, want 1", got)
	}
}

func run(t *testing.T, f *fakeNet, req meas.MultipathRequest) meas.Multipath {
	t.Helper()
	if req.Proto == 0 {
		req.Proto = meas.UDP
	}
	req.Dst = f.dst()
	f.probes = 0
	res, err := mda.Run(context.Background(), req, f.probe)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Probes != f.probes {
		t.Errorf("reported %d probes, the network saw %d", res.Probes, f.probes)
	}
	return res
}

// missing returns the reference interfaces and links the result lacks, and
// fails the test for any the reference does not hold.
func missing(t *testing.T, f *fakeNet, res meas.Multipath) (ifs, links int) {
	t.Helper()
	refIfs, refLinks := f.reference(refFlows)
	return missingFrom(t, refIfs, refLinks, res)
}

func missingFrom(t *testing.T, refIfs map[meas.Interface]bool, refLinks map[meas.MPLink]bool, res meas.Multipath) (ifs, links int) {
	t.Helper()
	for _, i := range res.Interfaces {
		if !refIfs[i] {
			t.Errorf("interface %v not in the network", i)
		}
	}
	for _, l := range res.Links {
		if !refLinks[l] {
			t.Errorf("link %v not in the network", l)
		}
	}
	return len(refIfs) - len(res.Interfaces), len(refLinks) - len(res.Links)
}

// diamond: one first hop, a width-w middle layer, the destination.
func diamond(seed uint64, w int) *fakeNet {
	mid := make([]int, w)
	for i := range mid {
		mid[i] = i
	}
	last := make([][]int, w)
	for i := range last {
		last[i] = []int{0}
	}
	return newFake(seed, []int{1, w, 1, 1}, [][][]int{{mid}, last, {{0}}})
}

// bound is the fewest probes MDA can spend on a graph it knows nothing of:
// for every vertex v, n_{k+1} flows through v probed one TTL further, k its
// successors, plus the source's first hop.
func bound(f *fakeNet, eps float64) int {
	b := mda.StoppingPoint(len(f.layers[0])+1, eps)
	for _, layer := range f.layers[:len(f.layers)-1] {
		for _, v := range layer {
			b += mda.StoppingPoint(len(f.succ[v])+1, eps)
		}
	}
	return b
}

func TestDiamondFindsEveryBranch(t *testing.T) {
	for _, w := range []int{2, 3, 4} {
		f := diamond(1, w)
		res := run(t, f, meas.MultipathRequest{})
		if mi, ml := missing(t, f, res); mi != 0 || ml != 0 {
			t.Errorf("width %d: missed %d interfaces and %d links: %v", w, mi, ml, res.Links)
		}
		if res.Stop != meas.StopCompleted {
			t.Errorf("width %d: stop %v, want COMPLETED", w, res.Stop)
		}
		b := bound(f, 0.05)
		t.Logf("width %d: %d probes, bound %d (%.2fx)", w, res.Probes, b, float64(res.Probes)/float64(b))
		if res.Probes < b || res.Probes > 2*b {
			t.Errorf("width %d: %d probes, want within [%d, %d]", w, res.Probes, b, 2*b)
		}
	}
}

// TestAgainstReference compares MDA with the exhaustive model on random
// graphs: it never reports what is not there, and misses a vertex's
// successor no more often than ε allows.
func TestAgainstReference(t *testing.T) {
	const eps = 0.05
	vertices, missed, probes, bounds := 0, 0, 0, 0
	for seed := range uint64(300) {
		f := randomFake(seed + 1)
		res := run(t, f, meas.MultipathRequest{Epsilon: eps})
		found := make(map[meas.MPLink]bool)
		for _, l := range res.Links {
			found[l] = true
		}
		refIfs, refLinks := f.reference(refFlows)
		missedHere := make(map[netip.Addr]bool)
		for l := range refLinks {
			if !found[l] {
				missedHere[l.From] = true
			}
		}
		missingFrom(t, refIfs, refLinks, res)
		for _, layer := range f.layers[:len(f.layers)-1] {
			vertices += len(layer)
		}
		missed += len(missedHere)
		probes += res.Probes
		bounds += bound(f, eps)
	}
	rate := float64(missed) / float64(vertices)
	t.Logf("%d vertices, %d with a successor missed (%.4f); %d probes for a bound of %d (%.2fx)",
		vertices, missed, rate, probes, bounds, float64(probes)/float64(bounds))
	if rate > eps {
		t.Errorf("miss rate %.4f > ε = %v", rate, eps)
	}
}

func TestICMPFollowsOnePath(t *testing.T) {
	f := diamond(3, 4)
	// The fake hashes the flow identifier whatever the protocol; a real
	// network does not hash ICMP identifiers, which sim's tests cover.
	res := run(t, f, meas.MultipathRequest{Proto: meas.ICMP})
	if len(res.Interfaces) < 3 {
		t.Errorf("interfaces %v", res.Interfaces)
	}
}

func TestSilentGap(t *testing.T) {
	f := newFake(1, []int{1, 1, 1, 1, 1, 1}, [][][]int{{{0}}, {{0}}, {{0}}, {{0}}, {{0}}})
	f.silent[addr(1, 0)] = true
	f.silent[addr(2, 0)] = true
	f.silent[addr(3, 0)] = true
	res := run(t, f, meas.MultipathRequest{GapLimit: 2})
	if res.Stop != meas.StopGapLimit {
		t.Fatalf("stop %v, want GAPLIMIT", res.Stop)
	}
	if len(res.Interfaces) != 1 || res.Interfaces[0].Addr != addr(0, 0) {
		t.Errorf("interfaces %v, want only the first hop", res.Interfaces)
	}
	res = run(t, f, meas.MultipathRequest{GapLimit: 4})
	if res.Stop != meas.StopCompleted || len(res.Interfaces) != 3 {
		t.Errorf("gap limit 4: stop %v, interfaces %v", res.Stop, res.Interfaces)
	}
}

func TestMaxTTL(t *testing.T) {
	f := diamond(1, 2)
	res := run(t, f, meas.MultipathRequest{MaxTTL: 2})
	if res.Stop != meas.StopMaxTTL {
		t.Errorf("stop %v, want MAXTTL", res.Stop)
	}
	for _, i := range res.Interfaces {
		if i.TTL > 2 {
			t.Errorf("interface beyond max TTL: %v", i)
		}
	}
}

func TestBadRequests(t *testing.T) {
	f := diamond(1, 2)
	for name, req := range map[string]meas.MultipathRequest{
		"no protocol": {},
		"epsilon":     {Proto: meas.UDP, Epsilon: 1.5},
		"ttls":        {Proto: meas.UDP, FirstTTL: 5, MaxTTL: 3},
		"max ttl":     {Proto: meas.UDP, MaxTTL: 300},
		"gap":         {Proto: meas.UDP, GapLimit: -1},
	} {
		if _, err := mda.Run(context.Background(), req, f.probe); !errors.Is(err, mda.ErrBadRequest) {
			t.Errorf("%s: err %v, want ErrBadRequest", name, err)
		}
	}
	if _, err := mda.Run(context.Background(), meas.MultipathRequest{Proto: meas.UDP}, nil); !errors.Is(err, mda.ErrBadRequest) {
		t.Errorf("nil probe: err %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := mda.Run(ctx, meas.MultipathRequest{Proto: meas.UDP}, f.probe); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: err %v", err)
	}
}

func BenchmarkDiamond(b *testing.B) {
	f := diamond(1, 4)
	probes := 0
	for b.Loop() {
		res, err := mda.Run(context.Background(), meas.MultipathRequest{Proto: meas.UDP, Dst: f.dst()}, f.probe)
		if err != nil {
			b.Fatal(err)
		}
		probes = res.Probes
	}
	b.ReportMetric(float64(probes), "probes/op")
	b.ReportMetric(float64(bound(f, 0.05)), "bound")
}
