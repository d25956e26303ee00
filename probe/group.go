package probe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/revtr/revtr/meas"
)

// Group holds the probers of several hosts — in the lab, one per host
// namespace — and implements meas.Prober and meas.MultipathTracer by
// dispatching each request to the prober owning its source address, and a
// spoofed Record Route request to the sender's prober (which transmits) and
// the source's (which receives). The zero value is not usable; call
// NewGroup. Methods are safe for concurrent use.
type Group struct {
	mu     sync.RWMutex
	byAddr map[netip.Addr]*Prober
	all    []*Prober
}

// NewGroup returns an empty group.
func NewGroup() *Group {
	return &Group{byAddr: make(map[netip.Addr]*Prober)}
}

// Add puts p in the group under each of its addresses (Prober.Addrs). The
// group owns p from then on: Close closes it.
func (g *Group) Add(p *Prober) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, a := range p.addrs {
		if q, ok := g.byAddr[a]; ok && q != p {
			return fmt.Errorf("probe: group add: address %s already has a prober", a)
		}
	}
	for _, a := range p.addrs {
		g.byAddr[a] = p
	}
	g.all = append(g.all, p)
	return nil
}

// Prober returns the prober owning addr.
func (g *Group) Prober(addr netip.Addr) (*Prober, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	p, ok := g.byAddr[addr.Unmap()]
	if !ok {
		return nil, fmt.Errorf("probe: group: no prober for %s: %w", addr, meas.ErrNoSource)
	}
	return p, nil
}

// Ping runs req on the prober owning req.Src.
func (g *Group) Ping(ctx context.Context, req meas.PingRequest) (meas.Ping, error) {
	p, err := g.Prober(req.Src)
	if err != nil {
		return meas.Ping{}, err
	}
	return p.Ping(ctx, req)
}

// RecordRoute runs req on the prober owning req.Src or, when it is
// spoofed, sends it from the prober owning req.Sender and matches the
// reply at the one owning req.Src.
func (g *Group) RecordRoute(ctx context.Context, req meas.RRRequest) (meas.RRPing, error) {
	req, err := req.Normalize()
	if err != nil {
		return meas.RRPing{}, fmt.Errorf("probe: group: %w", err)
	}
	recv, err := g.Prober(req.Src)
	if err != nil {
		return meas.RRPing{}, err
	}
	if !req.Spoofed() {
		return recv.RecordRoute(ctx, req)
	}
	send, err := g.Prober(req.Sender)
	if err != nil {
		return meas.RRPing{}, err
	}
	return spoofedRR(ctx, recv, send, req)
}

// Traceroute runs req on the prober owning req.Src.
func (g *Group) Traceroute(ctx context.Context, req meas.TraceRequest) (meas.Trace, error) {
	p, err := g.Prober(req.Src)
	if err != nil {
		return meas.Trace{}, err
	}
	return p.Traceroute(ctx, req)
}

// Multipath runs req on the prober owning req.Src.
func (g *Group) Multipath(ctx context.Context, req meas.MultipathRequest) (meas.Multipath, error) {
	p, err := g.Prober(req.Src)
	if err != nil {
		return meas.Multipath{}, err
	}
	return p.Multipath(ctx, req)
}

// Close closes every prober of the group.
func (g *Group) Close() error {
	g.mu.Lock()
	all := g.all
	g.all, g.byAddr = nil, map[netip.Addr]*Prober{}
	g.mu.Unlock()
	var errs []error
	for _, p := range all {
		errs = append(errs, p.Close())
	}
	return errors.Join(errs...)
}
