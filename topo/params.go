package topo

import (
	"errors"
	"fmt"
	"time"
)

// Range is an inclusive range of counts.
type Range struct{ Min, Max int }

// DelayRange is an inclusive range of one-way link delays.
type DelayRange struct{ Min, Max time.Duration }

// Params are the knobs of the topology generator. DefaultParams gives the
// demo's Internet; Validate explains what is wrong with bad ones.
type Params struct {
	// ASes is the total number of ASes: Tier1 of them form a clique of peers
	// at the top, the next Transit ones sell transit in tiers 2 and 3, and
	// the rest are stubs.
	ASes, Tier1, Transit int
	// Routers per AS, by kind of AS.
	Tier1Routers, TransitRouters, StubRouters Range
	// Providers is how many providers each non-tier-1 AS buys from
	// (multi-homing), at most the number of ASes above it.
	Providers Range
	// PeerShare is the chance that two transit ASes of one tier peer.
	PeerShare float64
	// MultiLinkShare is the chance that two related ASes, both with more
	// than one router, connect in two places (different cities) rather
	// than one; tier-1 pairs always do. With several links, hot-potato
	// routing makes forward and reverse paths differ.
	MultiLinkShare float64
	// ECMPShare is the share of ASes with at least four routers whose
	// links all cost the same, which gives them equal-cost diamonds; the
	// others draw link costs from 1 to 10.
	ECMPShare float64
	// Router behaviours: the share of routers that forward Record Route
	// without stamping, drop packets with IP options, never send time
	// exceeded, and rate-limit ICMP errors (to RateLimitMS per destination).
	NoRRStampShare, DropOptionsShare, NoTimeExceededShare, RateLimitShare float64
	RateLimitMS                                                           int
	// Hosts: sources, vantage points (CanSpoofShare of them may spoof) and
	// destinations (NoEchoShare ignore pings, DropOptionsDstShare drop
	// packets with options, ResponderShare run the two-host responder).
	Sources, VantagePoints, Destinations            int
	CanSpoofShare, NoEchoShare, DropOptionsDstShare float64
	ResponderShare                                  float64
	// One-way link delays inside and between ASes.
	IntraDelay, InterDelay DelayRange
}

// DefaultParams returns the demo's Internet: 30 ASes (3 tier-1, 9
// transit, 18 stubs), about 110 routers, 2 sources, 10 vantage points and
// 20 destinations.
func DefaultParams() Params {
	return Params{
		ASes: 30, Tier1: 3, Transit: 9,
		Tier1Routers:   Range{7, 10},
		TransitRouters: Range{4, 7},
		StubRouters:    Range{1, 3},
		Providers:      Range{1, 2},
		PeerShare:      0.3, MultiLinkShare: 0.5, ECMPShare: 0.5,
		NoRRStampShare: 0.1, DropOptionsShare: 0.02, NoTimeExceededShare: 0.05,
		RateLimitShare: 0.05, RateLimitMS: 1000,
		Sources: 2, VantagePoints: 10, Destinations: 20,
		CanSpoofShare: 0.7, NoEchoShare: 0.1, DropOptionsDstShare: 0.1,
		ResponderShare: 0.3,
		IntraDelay:     DelayRange{200 * time.Microsecond, 2 * time.Millisecond},
		InterDelay:     DelayRange{2 * time.Millisecond, 40 * time.Millisecond},
	}
}

// SizedParams returns DefaultParams scaled to about routers routers (at
// least 20): more ASes in the same proportions, with a tier-1 clique that
// grows slowly.
func SizedParams(routers int) Params {
	p := DefaultParams()
	routers = max(routers, 20)
	p.Tier1 = 3 + routers/400
	avg := func(r Range) float64 { return float64(r.Min+r.Max) / 2 }
	left := float64(routers) - float64(p.Tier1)*avg(p.Tier1Routers)
	// Non-tier-1 ASes: a third transit, two thirds stubs.
	per := (avg(p.TransitRouters) + 2*avg(p.StubRouters)) / 3
	rest := max(3, int(left/per+0.5))
	p.Transit = rest / 3
	p.ASes = p.Tier1 + rest
	return p
}

// Limits of the generator.
const (
	MaxASes          = 1000 // AS numbers come from 64512–65534
	MaxRoutersPerAS  = 200
	MaxHostsPerClass = 1000
)

// ErrParams is wrapped by every error Params.Validate returns.
var ErrParams = errors.New("bad generator parameters")

// Validate reports the first thing wrong with p.
func (p Params) Validate() error {
	for _, c := range p.checks() {
		if !c.ok {
			return fmt.Errorf("%w: %s", ErrParams, c.why)
		}
	}
	return nil
}

type check struct {
	ok  bool
	why string
}

func (p Params) checks() []check {
	cs := []check{
		{p.ASes >= 1 && p.ASes <= MaxASes, fmt.Sprintf("ASes = %d, want 1 to %d", p.ASes, MaxASes)},
		{p.Tier1 >= 1 && p.Tier1 <= p.ASes, fmt.Sprintf("Tier1 = %d, want 1 to ASes (%d)", p.Tier1, p.ASes)},
		{p.Transit >= 0 && p.Tier1+p.Transit <= p.ASes, fmt.Sprintf("Transit = %d, want 0 to ASes − Tier1 (%d)", p.Transit, p.ASes-p.Tier1)},
		p.Tier1Routers.check("Tier1Routers", 1, MaxRoutersPerAS),
		p.TransitRouters.check("TransitRouters", 1, MaxRoutersPerAS),
		p.StubRouters.check("StubRouters", 1, MaxRoutersPerAS),
		p.Providers.check("Providers", 1, MaxASes),
		{p.RateLimitMS >= 0 && p.RateLimitMS <= 60000, fmt.Sprintf("RateLimitMS = %d, want 0 to 60000", p.RateLimitMS)},
		{p.RateLimitShare == 0 || p.RateLimitMS > 0, "RateLimitShare > 0 needs RateLimitMS > 0"},
		p.IntraDelay.check("IntraDelay"),
		p.InterDelay.check("InterDelay"),
	}
	hosts := []struct {
		name string
		n    int
	}{{"Sources", p.Sources}, {"VantagePoints", p.VantagePoints}, {"Destinations", p.Destinations}}
	for _, h := range hosts {
		cs = append(cs, check{h.n >= 0 && h.n <= MaxHostsPerClass, fmt.Sprintf("%s = %d, want 0 to %d", h.name, h.n, MaxHostsPerClass)})
	}
	shares := []struct {
		name string
		v    float64
	}{
		{"PeerShare", p.PeerShare}, {"MultiLinkShare", p.MultiLinkShare}, {"ECMPShare", p.ECMPShare},
		{"NoRRStampShare", p.NoRRStampShare}, {"DropOptionsShare", p.DropOptionsShare},
		{"NoTimeExceededShare", p.NoTimeExceededShare}, {"RateLimitShare", p.RateLimitShare},
		{"CanSpoofShare", p.CanSpoofShare}, {"NoEchoShare", p.NoEchoShare},
		{"DropOptionsDstShare", p.DropOptionsDstShare}, {"ResponderShare", p.ResponderShare},
	}
	for _, s := range shares {
		cs = append(cs, check{s.v >= 0 && s.v <= 1, fmt.Sprintf("%s = %v, want a share in [0, 1]", s.name, s.v)})
	}
	return cs
}

func (r Range) check(name string, lo, hi int) check {
	return check{r.Min >= lo && r.Max >= r.Min && r.Max <= hi,
		fmt.Sprintf("%s = %d–%d, want %d ≤ Min ≤ Max ≤ %d", name, r.Min, r.Max, lo, hi)}
}

func (d DelayRange) check(name string) check {
	return check{d.Min >= 0 && d.Max >= d.Min && d.Max <= time.Second,
		fmt.Sprintf("%s = %v–%v, want 0 ≤ Min ≤ Max ≤ 1s", name, d.Min, d.Max)}
}
