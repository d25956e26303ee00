package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/revtr/revtr/topo"
)

// topoFlags are the generator knobs shared by 'lab up', 'sim' and 'demo'.
type topoFlags struct {
	seed    int64
	routers int
	p       topo.Params
}

// add registers the flags on fs, with DefaultParams as defaults.
func (f *topoFlags) add(fs *pflag.FlagSet) {
	f.p = topo.DefaultParams()
	fs.Int64Var(&f.seed, "seed", 1, "topology generator seed")
	fs.IntVar(&f.routers, "routers", 0, "scale the default Internet to about this many routers (sets --ases, --tier1 and --transit)")
	fs.IntVar(&f.p.ASes, "ases", f.p.ASes, "number of ASes")
	fs.IntVar(&f.p.Tier1, "tier1", f.p.Tier1, "number of tier-1 ASes")
	fs.IntVar(&f.p.Transit, "transit", f.p.Transit, "number of transit ASes")
	fs.IntVar(&f.p.Sources, "sources", f.p.Sources, "number of source hosts")
	fs.IntVar(&f.p.VantagePoints, "vps", f.p.VantagePoints, "number of vantage-point hosts")
	fs.IntVar(&f.p.Destinations, "dsts", f.p.Destinations, "number of destination hosts")
	fs.Float64Var(&f.p.CanSpoofShare, "spoof-share", f.p.CanSpoofShare, "share of vantage points allowed to spoof")
	fs.Float64Var(&f.p.NoRRStampShare, "no-rr-share", f.p.NoRRStampShare, "share of routers that forward Record Route without stamping")
	fs.Float64Var(&f.p.DropOptionsShare, "drop-options-share", f.p.DropOptionsShare, "share of routers that drop packets with IP options")
	fs.Float64Var(&f.p.NoTimeExceededShare, "no-ttl-share", f.p.NoTimeExceededShare, "share of routers that never answer TTL expiry")
	fs.Float64Var(&f.p.RateLimitShare, "ratelimit-share", f.p.RateLimitShare, "share of routers with an ICMP rate limit")
	fs.Float64Var(&f.p.NoEchoShare, "no-echo-share", f.p.NoEchoShare, "share of destinations that ignore ping")
	fs.Float64Var(&f.p.DropOptionsDstShare, "dst-drop-options-share", f.p.DropOptionsDstShare, "share of destinations that drop packets with IP options")
	fs.Float64Var(&f.p.ECMPShare, "ecmp-share", f.p.ECMPShare, "share of larger ASes with equal-cost internal paths")
}

// params returns the generator parameters the flags ask for: --routers
// sizes the AS hierarchy (topo.SizedParams), every other flag applies as
// given.
func (f *topoFlags) params() topo.Params {
	p := f.p
	if f.routers > 0 {
		sized := topo.SizedParams(f.routers)
		p.ASes, p.Tier1, p.Transit = sized.ASes, sized.Tier1, sized.Transit
	}
	return p
}

// generate builds the topology the flags describe.
func (f *topoFlags) generate() (*topo.Topology, error) {
	t, err := topo.Generate(f.seed, f.params())
	if err != nil {
		return nil, fmt.Errorf("generate topology: %w", err)
	}
	return t, nil
}
