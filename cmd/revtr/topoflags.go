package main

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/revtr/revtr/topo"
)

// topoFlags are the generator knobs shared by 'lab up', 'sim' and 'demo'.
type topoFlags struct {
	seed    int64
	routers int
	p       topo.Params
	fs      *pflag.FlagSet
}

// add registers the flags on fs, with DefaultParams as defaults.
func (f *topoFlags) add(fs *pflag.FlagSet) {
	f.p, f.fs = topo.DefaultParams(), fs
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
// given. Each flag is checked on its own, its error naming it.
func (f *topoFlags) params() (topo.Params, error) {
	p := f.p
	if err := f.check(); err != nil {
		return p, err
	}
	if f.routers > 0 {
		sized := topo.SizedParams(f.routers)
		p.ASes, p.Tier1, p.Transit = sized.ASes, sized.Tier1, sized.Transit
	}
	return p, nil
}

// check checks every flag against the generator's limits.
func (f *topoFlags) check() error {
	switch {
	case f.routers < 0 || f.routers > maxRouters():
		return fmt.Errorf("--routers must be 0 (the default Internet) to %d, not %d", maxRouters(), f.routers)
	case f.routers > 0 && (f.fs.Changed("ases") || f.fs.Changed("tier1") || f.fs.Changed("transit")):
		return errors.New("--routers sets --ases, --tier1 and --transit: give either")
	}
	counts := []struct {
		name        string
		v, min, max int
		sized       bool // set by --routers instead
	}{
		{"--ases", f.p.ASes, 1, topo.MaxASes, true}, {"--tier1", f.p.Tier1, 1, f.p.ASes, true},
		{"--transit", f.p.Transit, 0, f.p.ASes - f.p.Tier1, true},
		{"--sources", f.p.Sources, 0, topo.MaxHostsPerClass, false},
		{"--vps", f.p.VantagePoints, 0, topo.MaxHostsPerClass, false},
		{"--dsts", f.p.Destinations, 0, topo.MaxHostsPerClass, false},
	}
	for _, c := range counts {
		if !(c.sized && f.routers > 0) && (c.v < c.min || c.v > c.max) {
			return fmt.Errorf("%s must be %d to %d, not %d", c.name, c.min, c.max, c.v)
		}
	}
	shares := []struct {
		name string
		v    float64
	}{
		{"--spoof-share", f.p.CanSpoofShare}, {"--no-rr-share", f.p.NoRRStampShare}, {"--drop-options-share", f.p.DropOptionsShare},
		{"--no-ttl-share", f.p.NoTimeExceededShare}, {"--ratelimit-share", f.p.RateLimitShare}, {"--no-echo-share", f.p.NoEchoShare},
		{"--dst-drop-options-share", f.p.DropOptionsDstShare}, {"--ecmp-share", f.p.ECMPShare},
	}
	for _, sh := range shares {
		if !(sh.v >= 0 && sh.v <= 1) {
			return fmt.Errorf("%s must be a share in [0, 1], not %v", sh.name, sh.v)
		}
	}
	return nil
}

// maxRouters is the largest --routers the generator sizes an Internet
// for: topo.SizedParams within topo.MaxASes.
func maxRouters() int {
	lo, hi := 20, 1<<20
	for lo < hi { // largest n with SizedParams(n) valid
		mid := (lo + hi + 1) / 2
		if topo.SizedParams(mid).ASes <= topo.MaxASes {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// generate builds the topology the flags describe.
func (f *topoFlags) generate() (*topo.Topology, error) {
	p, err := f.params()
	if err != nil {
		return nil, err
	}
	return topo.Generate(f.seed, p)
}
