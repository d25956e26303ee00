// Package meastest holds every prober to the meaning package meas gives
// each request field. Run sends one prober the same requests every other
// prober gets — zero values and defaults, every protocol and family,
// bad requests — and checks the answers against the ground truth of the
// world it measures, described by a World built from the topology
// (NewWorld). The raw-socket prober (in a lab, and on the in-memory
// network of package memnet), the simulator and the two-host client
// (against lab responders, and the simulator's on memnet) run it on the
// same generated topology, so that their answers agree with the truth and
// hence with each other.
//
// Capabilities are tested as the prober has them (meas.Pinger,
// meas.RecordRouter, meas.Tracer, meas.MultipathTracer,
// meas.TwoHostTracer, meas.TwoHostMultipathTracer; RunSpoof for the
// meas.RRCapturer and meas.RRSender halves); Run fails when a prober has
// none of them.
package meastest

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
)

// World is what a prober measures: the hosts its requests name and the
// ground truth of their answers. Every answering node answers (the
// topology has no silent, rate-limited or option-dropping nodes).
type World struct {
	// Topo is the ground truth.
	Topo *topo.Topology
	// Src is the host the requests are sent from (IPv4 and IPv6).
	Src, Src6 netip.Addr
	// OneHost says the prober is of Src's host alone: a zero source
	// means Src (else meas.ErrNoSource: probers of many hosts need the
	// source named), and a spoofed Record Route ping, whose reply goes to
	// another host, is meas.ErrNotSupported.
	OneHost bool
	// Dst is a destination that answers everything and runs no two-host
	// responder (a plain host), Dst6 its IPv6 address.
	Dst, Dst6 netip.Addr
	// Sender is a vantage point allowed to spoof Src.
	Sender netip.Addr
	// Responder and Responder6 run a two-host responder.
	Responder, Responder6 netip.Addr
	// Stranger is an address no prober may send from (a router's).
	Stranger netip.Addr
}

// Params are the parameters of the conformance topology: a small
// generated Internet whose routers and hosts all answer, so that every
// answer is exactly the truth, with ECMP, so that flows matter.
func Params() topo.Params {
	p := topo.SizedParams(40)
	p.DropOptionsShare, p.NoTimeExceededShare, p.RateLimitShare = 0, 0, 0
	p.NoEchoShare, p.DropOptionsDstShare = 0, 0
	p.Sources, p.VantagePoints, p.Destinations = 1, 2, 4
	p.CanSpoofShare, p.ResponderShare = 1, 0.5
	return p
}

// Seed is the generator seed of the conformance topology: its roles give
// a responder and a plain destination, and both the source's path to the
// destination and the responder's back to the source cross ECMP routes.
const Seed = 33

// Topology generates the conformance topology: Seed, Params.
func Topology() (*topo.Topology, error) { return topo.Generate(Seed, Params()) }

// NewWorld describes tp for a prober on its first source host; oneHost
// says whether the prober is of that host alone.
func NewWorld(tp *topo.Topology, oneHost bool) (World, error) {
	w := World{Topo: tp, OneHost: oneHost}
	for _, id := range tp.Hosts() {
		n := &tp.Nodes[id]
		switch {
		case n.Role.Source && !w.Src.IsValid():
			w.Src, w.Src6 = tp.HostAddr(id, false), tp.HostAddr(id, true)
		case n.Role.VantagePoint && n.Role.CanSpoof && !w.Sender.IsValid():
			w.Sender = tp.HostAddr(id, false)
		case n.Role.Destination && n.Role.Responder && !w.Responder.IsValid():
			w.Responder, w.Responder6 = tp.HostAddr(id, false), tp.HostAddr(id, true)
		case n.Role.Destination && !n.Role.Responder && !w.Dst.IsValid():
			w.Dst, w.Dst6 = tp.HostAddr(id, false), tp.HostAddr(id, true)
		}
	}
	for _, n := range tp.Nodes {
		if n.Kind == topo.Router && len(n.Ifaces) > 0 {
			w.Stranger = n.Ifaces[0].Addr.Addr()
			break
		}
	}
	for name, a := range map[string]netip.Addr{"source": w.Src, "spoofing vantage point": w.Sender,
		"responder": w.Responder, "plain destination": w.Dst, "router": w.Stranger} {
		if !a.IsValid() {
			return w, fmt.Errorf("meastest: the topology has no %s", name)
		}
	}
	return w, nil
}

// trace is the true traceroute of flow f from src to dst: the address of
// every TTL.
func (w World) trace(src, dst netip.Addr, f meas.Flow) ([]netip.Addr, error) {
	hops, err := w.Topo.TraceTruth(src, dst, f)
	var addrs []netip.Addr
	for _, h := range hops {
		addrs = append(addrs, h.Addr)
	}
	return addrs, err
}

// wantErr describes the error a request must give: one wrapping want, or
// none for a nil want.
func wantErr(err, want error) error {
	switch {
	case want == nil && err != nil:
		return fmt.Errorf("unexpected error: %w", err)
	case want != nil && !errors.Is(err, want):
		return fmt.Errorf("error %v, want one wrapping %q", err, want)
	}
	return nil
}
