package mda_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/revtr/revtr/mda"
	"github.com/revtr/revtr/mda/mdatest"
	"github.com/revtr/revtr/meas"
)

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
	for k, want := range map[int]int{2: 6, 3: 11, 4: 16, 5: 21} { // docs/protocols.md §5, scamper's tracelb table at 95%
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
	f.reset()
	res, err := mda.Run(context.Background(), req, f.probe)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Probes != len(f.log) {
		t.Errorf("reported %d probes, the network saw %d", res.Probes, len(f.log))
	}
	return res
}

// reference is the model of a network: every interface and link, and the
// successors of every interface.
type reference struct {
	ifs   map[meas.Interface]bool
	links map[meas.MPLink]bool
	width map[int]int
	succ  map[meas.Interface][]meas.Interface
}

func newReference(f *fakeNet) reference {
	ifs, links := f.reference()
	r := reference{ifs: ifs, links: links, width: make(map[int]int), succ: make(map[meas.Interface][]meas.Interface)}
	for i := range ifs {
		r.width[i.TTL]++
	}
	for l := range links {
		from := meas.Interface{TTL: l.TTL, Addr: l.From}
		r.succ[from] = append(r.succ[from], meas.Interface{TTL: l.TTL + 1, Addr: l.To})
	}
	return r
}

// check compares a result with the reference: every interface it reports
// is in the network, and so is every link, except links inferred through a
// hop where the result saw one vertex and the network has more (a miss the
// stopping rule allows, which makes every flow seem to pass the vertex
// seen). It returns the load balancers found (vertices with several
// successors) and how many of them miss a successor.
func (r reference) check(t *testing.T, res meas.Multipath) (lbs, missed int) {
	t.Helper()
	got := make(map[meas.Interface]bool)
	width := make(map[int]int)
	for _, i := range res.Interfaces {
		got[i] = true
		width[i.TTL]++
		if !r.ifs[i] {
			t.Errorf("interface %v not in the network", i)
		}
	}
	for _, l := range res.Links {
		if !r.links[l] && !(width[l.TTL] == 1 && r.width[l.TTL] > 1) {
			t.Errorf("link %v not in the network", l)
		}
	}
	for v, ws := range r.succ {
		if len(ws) < 2 || !got[v] {
			continue
		}
		lbs++
		for _, w := range ws {
			if !got[w] {
				missed++
				break
			}
		}
	}
	return lbs, missed
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

// perVertexBound is what MDA vertex by vertex spends at least on a graph
// it knows nothing of: for every vertex v, n_{k+1} flows through v probed
// one TTL further, k its successors, plus the source's first hop.
func perVertexBound(f *fakeNet, eps float64) int {
	b := mda.StoppingPoint(len(f.layers[0])+1, eps)
	for _, layer := range f.layers[:len(f.layers)-1] {
		for _, v := range layer {
			b += mda.StoppingPoint(len(f.succ[v])+1, eps)
		}
	}
	return b
}

// TestDiamondFindsEveryBranch: on a diamond every hop is counted as a
// whole, so the probes are exactly what scamper's tracelb spends on it:
// one for the first hop, n_{w+1} for its w successors, n_2 for the vertex
// where they merge (flows carried over, one through each branch at least),
// one for the destination.
func TestDiamondFindsEveryBranch(t *testing.T) {
	for _, w := range []int{2, 3, 4} {
		f := diamond(1, w)
		res := run(t, f, meas.MultipathRequest{})
		if lbs, missed := newReference(f).check(t, res); lbs != 1 || missed != 0 || len(res.Interfaces) != w+3 || len(res.Links) != 2*w+1 {
			t.Errorf("width %d: %d interfaces, %d links, %d of %d load balancers missed a successor", w, len(res.Interfaces), len(res.Links), missed, lbs)
		}
		if res.Stop != meas.StopCompleted {
			t.Errorf("width %d: stop %v, want COMPLETED", w, res.Stop)
		}
		want := 1 + mda.StoppingPoint(w+1, 0.05) + mda.StoppingPoint(2, 0.05) + 1
		t.Logf("width %d: %d probes, vertex by vertex at least %d", w, res.Probes, perVertexBound(f, 0.05))
		if res.Probes != want {
			t.Errorf("width %d: %d probes, want %d", w, res.Probes, want)
		}
	}
}

// TestAgainstReference compares MDA with the model on random
// layered graphs: it never reports what is not there, and a load balancer
// it found misses a successor no more often than ε allows.
func TestAgainstReference(t *testing.T) {
	epsilons := []float64{0.05, 0.01}
	lbs, missed, probes, bound := make([]int, 2), make([]int, 2), make([]int, 2), make([]int, 2)
	for seed := range uint64(1000) {
		f := randomFake(seed + 1)
		ref := newReference(f)
		for i, eps := range epsilons {
			res := run(t, f, meas.MultipathRequest{Epsilon: eps})
			l, m := ref.check(t, res)
			lbs[i], missed[i] = lbs[i]+l, missed[i]+m
			probes[i] += res.Probes
			bound[i] += perVertexBound(f, eps)
		}
	}
	for i, eps := range epsilons {
		rate := float64(missed[i]) / float64(lbs[i])
		t.Logf("ε %v: %d load balancers, %d missed a successor (%.4f); %d probes, vertex by vertex at least %d (%.2fx)",
			eps, lbs[i], missed[i], rate, probes[i], bound[i], float64(probes[i])/float64(bound[i]))
		if mdatest.TooMany(missed[i], lbs[i], eps) {
			t.Errorf("ε %v: miss rate %.4f is significantly above ε", eps, rate)
		}
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
	// Flows pass a silent hop as they pass any hop with one vertex: the
	// first vertex after it is linked to the last one before it? No: a
	// link needs an address at both ends.
	for _, l := range res.Links {
		if !l.From.IsValid() || !l.To.IsValid() {
			t.Errorf("link with a silent end: %v", l)
		}
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
		"no destination": {Proto: meas.UDP},
		"protocol":       {Dst: f.dst(), Proto: 9},
		"epsilon":        {Dst: f.dst(), Proto: meas.UDP, Epsilon: 1.5},
		"ttls":           {Dst: f.dst(), Proto: meas.UDP, FirstTTL: 5, MaxTTL: 3},
		"max ttl":        {Dst: f.dst(), Proto: meas.UDP, MaxTTL: 300},
		"gap":            {Dst: f.dst(), Proto: meas.UDP, GapLimit: -1},
	} {
		if _, err := mda.Run(context.Background(), req, f.probe); !errors.Is(err, meas.ErrBadRequest) {
			t.Errorf("%s: err %v, want ErrBadRequest", name, err)
		}
	}
	if _, err := mda.Run(context.Background(), meas.MultipathRequest{Dst: f.dst(), Proto: meas.UDP}, nil); err == nil {
		t.Errorf("nil probe: err %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := mda.Run(ctx, meas.MultipathRequest{Dst: f.dst(), Proto: meas.UDP}, f.probe); !errors.Is(err, context.Canceled) {
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
	b.ReportMetric(float64(perVertexBound(f, 0.05)), "vertex-bound")
}

// TestAttempts loses every first probe of a flow at a TTL: with one
// attempt nothing is found, with two the diamond is found whole, each
// probe counted.
func TestAttempts(t *testing.T) {
	f := diamond(1, 2)
	req := meas.MultipathRequest{Proto: meas.UDP, Dst: f.dst(), Attempts: 2}
	seen := map[[2]int]bool{}
	sent := 0
	lossy := func(ctx context.Context, fl meas.Flow, ttl int) (meas.Hop, error) {
		sent++
		k := [2]int{int(fl.ID), ttl}
		if !seen[k] {
			seen[k] = true
			return meas.Hop{TTL: ttl}, nil
		}
		return f.probe(ctx, fl, ttl)
	}
	res, err := mda.Run(context.Background(), req, lossy)
	if lbs, missed := newReference(f).check(t, res); err != nil || lbs != 1 || missed != 0 || res.Probes != sent {
		t.Errorf("2 attempts: %v; %d load balancers, %d missed; %d probes counted, %d sent", err, lbs, missed, res.Probes, sent)
	}
	clear(seen)
	req.Attempts = 1
	if res, err := mda.Run(context.Background(), req, lossy); err != nil || len(res.Interfaces) != 0 {
		t.Errorf("1 attempt: %v, %v; want nothing found", err, res.Interfaces)
	}
}
