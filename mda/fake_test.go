package mda_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"

	"github.com/revtr/revtr/meas"
)

// fakeNet is a layered load-balanced network: layer i holds the vertices at
// TTL i+1, the last layer the destination alone. Each vertex sends a flow to
// one of its successors chosen by a per-flow hash, uniformly, as per-flow
// ECMP does. Silent vertices never answer.
type fakeNet struct {
	seed   uint64
	layers [][]netip.Addr
	succ   map[netip.Addr][]netip.Addr
	silent map[netip.Addr]bool
	log    []sent // probes in the order they came
}

// sent is one probe the fake answered.
type sent struct {
	flow int
	ttl  int
	hop  meas.Hop
}

func (f *fakeNet) reset() { f.log = nil }

func addr(layer, i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 0, byte(layer), byte(i + 1)}) }

// newFake builds a network from successor indices: edges[l][i] lists the
// successors in layer l+1 of vertex i of layer l. The first layer is reached
// from the source by hashing too.
func newFake(seed uint64, widths []int, edges [][][]int) *fakeNet {
	f := &fakeNet{seed: seed, succ: make(map[netip.Addr][]netip.Addr), silent: make(map[netip.Addr]bool)}
	for l, w := range widths {
		var layer []netip.Addr
		for i := range w {
			layer = append(layer, addr(l, i))
		}
		f.layers = append(f.layers, layer)
	}
	for l, vs := range edges {
		for i, js := range vs {
			for _, j := range js {
				f.succ[addr(l, i)] = append(f.succ[addr(l, i)], addr(l+1, j))
			}
		}
	}
	return f
}

func (f *fakeNet) dst() netip.Addr { return f.layers[len(f.layers)-1][0] }

// mix is splitmix64's finaliser: a well-spread hash of the flow and vertex.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func (f *fakeNet) pick(flow uint16, from netip.Addr, opts []netip.Addr) netip.Addr {
	var b [4]byte
	if from.IsValid() {
		b = from.As4()
	}
	h := mix(f.seed ^ uint64(flow)<<32 ^ uint64(b[2])<<8 ^ uint64(b[3]))
	return opts[h%uint64(len(opts))]
}

// path returns the vertex a flow reaches at each TTL.
func (f *fakeNet) path(flow uint16) []netip.Addr {
	v := f.pick(flow, netip.Addr{}, f.layers[0])
	p := []netip.Addr{v}
	for v != f.dst() {
		v = f.pick(flow, v, f.succ[v])
		p = append(p, v)
	}
	return p
}

func (f *fakeNet) probe(ctx context.Context, flow meas.Flow, ttl int) (meas.Hop, error) {
	if err := ctx.Err(); err != nil {
		return meas.Hop{}, err
	}
	if ttl < 1 {
		return meas.Hop{}, fmt.Errorf("ttl %d", ttl)
	}
	h := f.answer(flow.ID, ttl)
	f.log = append(f.log, sent{int(flow.ID) - meas.MultipathFlowBase, ttl, h})
	return h, nil
}

func (f *fakeNet) answer(flow uint16, ttl int) meas.Hop {
	p := f.path(flow)
	if ttl >= len(p) {
		return meas.Hop{TTL: ttl, Addr: f.dst(), Reply: meas.EchoReply}
	}
	v := p[ttl-1]
	if f.silent[v] {
		return meas.Hop{TTL: ttl}
	}
	return meas.Hop{TTL: ttl, Addr: v, Reply: meas.TimeExceeded}
}

// reference is the model: every vertex reachable from the first layer and
// every edge out of one, as flows enough would show them (every vertex
// hashes flows over all its successors). Silent vertices show no
// interface, and no link touches one.
func (f *fakeNet) reference() (map[meas.Interface]bool, map[meas.MPLink]bool) {
	ifs, links := make(map[meas.Interface]bool), make(map[meas.MPLink]bool)
	reached := map[netip.Addr]bool{}
	for _, v := range f.layers[0] {
		reached[v] = true
	}
	for l, layer := range f.layers {
		for _, v := range layer {
			if !reached[v] {
				continue
			}
			if !f.silent[v] {
				ifs[meas.Interface{TTL: l + 1, Addr: v}] = true
			}
			for _, w := range f.succ[v] {
				reached[w] = true
				if !f.silent[v] && !f.silent[w] {
					links[meas.MPLink{TTL: l + 1, From: v, To: w}] = true
				}
			}
		}
	}
	return ifs, links
}

// randomFake returns a random layered graph: widths 1..4, every vertex 1..3
// successors, every vertex reachable, the last layer the destination.
func randomFake(seed uint64) *fakeNet {
	r := rand.New(rand.NewPCG(seed, 7))
	layers := 2 + r.IntN(5)
	widths := []int{1}
	for range layers {
		widths = append(widths, 1+r.IntN(4))
	}
	widths = append(widths, 1)
	edges := make([][][]int, len(widths)-1)
	for l := range edges {
		next := widths[l+1]
		edges[l] = make([][]int, widths[l])
		for j := range next { // every vertex of the next layer has a predecessor
			i := j % widths[l]
			edges[l][i] = append(edges[l][i], j)
		}
		for i := range edges[l] {
			want := min(1+r.IntN(3), next)
			for len(edges[l][i]) < want {
				j := r.IntN(next)
				if !contains(edges[l][i], j) {
					edges[l][i] = append(edges[l][i], j)
				}
			}
		}
	}
	return newFake(seed, widths, edges)
}

func contains(s []int, x int) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}
