// Package topotest holds ready-made small topologies for tests across the
// project. Each is built with topo.Builder, so it is addressed, routed and
// validated like any other. AS numbers come from the private range
// (RFC 6996), starting at topo.FirstASN.
package topotest

import (
	"fmt"

	"github.com/revtr/revtr/topo"
)

// Chain returns one AS with n ≥ 1 routers in a line r0–r1–…–r(n-1) and two
// hosts: h0 on r0 (source, vantage point that may spoof) and h1 on r(n-1)
// (destination). The path h0→h1 has n routers.
func Chain(n int) (*topo.Topology, error) {
	if n < 1 || n > topo.MaxPathLen-2 {
		return nil, fmt.Errorf("chain of %d routers: want 1 to %d", n, topo.MaxPathLen-2)
	}
	b := topo.NewBuilder(int64(n))
	b.AddAS(topo.FirstASN, 1)
	rs := make([]topo.NodeID, n)
	for i := range rs {
		rs[i] = b.AddRouter(topo.FirstASN)
		if i > 0 {
			b.Link(rs[i-1], rs[i])
		}
	}
	b.AddHost(rs[0], topo.HostRole{Source: true, VantagePoint: true, CanSpoof: true})
	b.AddHost(rs[n-1], topo.HostRole{Destination: true})
	return b.Build()
}

// Diamond returns one AS with two ECMP diamonds in series between the
// source and the destination:
//
//	h0 – r0 – r1 ={r2,r3}= r4 ={r5,r6,r7}= r8 – h1
//
// r1 splits over two equal-cost branches and r4 over three; every flow
// from h0 to h1 crosses 6 routers. h0 is a source and vantage point, h1 a
// destination.
func Diamond() (*topo.Topology, error) {
	b := topo.NewBuilder(7)
	b.AddAS(topo.FirstASN, 1)
	r := make([]topo.NodeID, 9)
	for i := range r {
		r[i] = b.AddRouter(topo.FirstASN)
	}
	b.Link(r[0], r[1])
	for _, m := range []int{2, 3} {
		b.Link(r[1], r[m])
		b.Link(r[m], r[4])
	}
	for _, m := range []int{5, 6, 7} {
		b.Link(r[4], r[m])
		b.Link(r[m], r[8])
	}
	b.AddHost(r[0], topo.HostRole{Source: true, VantagePoint: true, CanSpoof: true})
	b.AddHost(r[8], topo.HostRole{Destination: true})
	return b.Build()
}

// AS numbers of MultiAS (private, unexported: tests find ASes through
// nodes).
const (
	masS uint32 = topo.FirstASN + iota
	masD
	masP
	masQ
	masR
	masU
)

// MultiAS returns six ASes whose routing is asymmetric at both levels:
//
//	      P(p0–p1–p2) ==west p0–u0, east p2–u2== U(u0–u1–u2)
//	     /                                          \
//	S(s0)                                            D(d0)
//	     \                                          /
//	      Q(q0) ------------ peer ------------ R(r0)
//
// S and D are stubs, P, Q, R, U transit ASes; P–U and Q–R peer. From S to
// D the two AS paths tie on length and S picks P (lower AS number): S P U D.
// From D to S, D picks R over U: D R Q S. Between hw (on p0, west) and he
// (on u2, east) the AS path is symmetric but hot-potato routing makes the
// router-level path differ: west to east crosses at p0–u0, east to west
// at u2–p2.
//
// AS numbers: S 64512, D 64513, P 64514, Q 64515, R 64516, U 64517.
// Routers: s0=r0, d0=r1, p0..p2=r2..r4, u0..u2=r5..r7, q0=r8, r0 (of R)=r9.
// Hosts: hs=h0 on s0 (source), hd=h1 on d0 (destination), hw=h2 on p0
// (vantage point, may spoof), he=h3 on u2 (vantage point that may not
// spoof, and destination).
func MultiAS() (*topo.Topology, error) {
	b := topo.NewBuilder(3)
	for _, as := range []uint32{masS, masD} {
		b.AddAS(as, 2)
	}
	for _, as := range []uint32{masP, masQ, masR, masU} {
		b.AddAS(as, 1)
	}
	b.Provider(masP, masS)
	b.Provider(masQ, masS)
	b.Provider(masR, masD)
	b.Provider(masU, masD)
	b.Peer(masP, masU)
	b.Peer(masQ, masR)
	s0, d0 := b.AddRouter(masS), b.AddRouter(masD)
	p := chainIn(b, masP, 3)
	u := chainIn(b, masU, 3)
	q0, r0 := b.AddRouter(masQ), b.AddRouter(masR)
	b.Link(s0, p[0])
	b.Link(s0, q0)
	b.Link(d0, r0)
	b.Link(d0, u[2])
	b.Link(p[0], u[0])
	b.Link(p[2], u[2])
	b.Link(q0, r0)
	b.AddHost(s0, topo.HostRole{Source: true})
	b.AddHost(d0, topo.HostRole{Destination: true})
	b.AddHost(p[0], topo.HostRole{VantagePoint: true, CanSpoof: true})
	b.AddHost(u[2], topo.HostRole{VantagePoint: true, Destination: true})
	return b.Build()
}

// chainIn adds n routers in a line to an AS.
func chainIn(b *topo.Builder, as uint32, n int) []topo.NodeID {
	rs := make([]topo.NodeID, n)
	for i := range rs {
		rs[i] = b.AddRouter(as)
		if i > 0 {
			b.Link(rs[i-1], rs[i])
		}
	}
	return rs
}
