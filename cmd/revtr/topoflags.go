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
	fs.IntVar(&f.routers, "routers", 0, "scale the default Internet to about this many routers (overrides --ases and tiers)")
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

// params returns the generator parameters the flags ask for.
func (f *topoFlags) params(fs *pflag.FlagSet) topo.Params {
	if f.routers == 0 {
		return f.p
	}
	p := topo.SizedParams(f.routers)
	// Explicit host and behaviour flags still apply to a sized Internet.
	fs.Visit(func(fl *pflag.Flag) {
		switch fl.Name {
		case "sources":
			p.Sources = f.p.Sources
		case "vps":
			p.VantagePoints = f.p.VantagePoints
		case "dsts":
			p.Destinations = f.p.Destinations
		case "spoof-share":
			p.CanSpoofShare = f.p.CanSpoofShare
		case "no-rr-share":
			p.NoRRStampShare = f.p.NoRRStampShare
		case "drop-options-share":
			p.DropOptionsShare = f.p.DropOptionsShare
		case "no-ttl-share":
			p.NoTimeExceededShare = f.p.NoTimeExceededShare
		case "ratelimit-share":
			p.RateLimitShare = f.p.RateLimitShare
		case "no-echo-share":
			p.NoEchoShare = f.p.NoEchoShare
		case "dst-drop-options-share":
			p.DropOptionsDstShare = f.p.DropOptionsDstShare
		case "ecmp-share":
			p.ECMPShare = f.p.ECMPShare
		}
	})
	return p
}

// generate builds the topology the flags describe.
func (f *topoFlags) generate(fs *pflag.FlagSet) (*topo.Topology, error) {
	t, err := topo.Generate(f.seed, f.params(fs))
	if err != nil {
		return nil, fmt.Errorf("generate topology: %w", err)
	}
	return t, nil
}
