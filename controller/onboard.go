package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/revtr/revtr/controller/fleet"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr/vpsel"
	"github.com/revtr/revtr/store"
)

// Report is an onboarding report, as GET
// /api/v1/sources/{ip}/onboarding serves it and the store keeps it.
type Report struct {
	Addr   string    `json:"addr"`
	Role   string    `json:"role" enum:"source,vantage_point"`
	Agent  string    `json:"agent"`
	Tested time.Time `json:"tested"`
	Passed bool      `json:"passed"`
	Checks []Check   `json:"checks"`
	// Quarantine says why a vantage point is not asked to spoof.
	Quarantine string `json:"quarantine,omitempty"`
}

// Check is one onboarding test.
type Check struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
	// Informational checks are reported but do not decide the outcome.
	Informational bool `json:"informational,omitempty" doc:"Reported, but does not decide whether the agent passed."`
}

// onboardTries is how many targets a check tries before it fails (one
// path may cross a router that drops options), as the evaluation's
// spoofing test.
const onboardTries = 3

// failedRetest is how soon a failed report is tested again.
const failedRetest = time.Minute

// onboardAll tests the connected agents that need it: sources first,
// then (once a source passed) vantage points; the engine is rebuilt
// after each round, and atlases are built or refreshed.
func (b *agentsBackend) onboardAll(ctx context.Context) {
	agents := b.fleet.Agents()
	obs, err := b.store.Onboardings(ctx)
	if err != nil {
		b.log.Warn("onboarding: reports unreadable", "err", err)
		return
	}
	due := func(a netip.Addr, role string) bool {
		i := slices.IndexFunc(obs, func(o store.Onboarding) bool { return o.Addr == a && o.Role == role })
		if i < 0 {
			return true
		}
		age := time.Since(obs[i].Tested)
		return age > b.cfg.Retest || (!obs[i].Passed && age > failedRetest)
	}
	targets := agentAddrs(agents)
	// A source alone has nothing to aim at: it is tested once another
	// agent has connected, rather than failed and tested again a minute
	// later (the first agent of a fleet that starts together).
	sourceDue := func(a netip.Addr, role string) bool { return len(others(targets, a)) > 0 && due(a, role) }
	b.round(ctx, agents, roleSource, sourceDue, func(ctx context.Context, ag fleet.Agent, a netip.Addr) Report {
		return b.testSource(ctx, ag, a, targets)
	})
	b.mu.RLock()
	srcs := slices.Clone(b.sources)
	b.mu.RUnlock()
	if len(srcs) > 0 {
		slices.SortFunc(srcs, netip.Addr.Compare)
		// The spoofing test's targets are pinged once a vantage point is
		// due, not every interval.
		var once sync.Once
		var src netip.Addr
		var answering []netip.Addr
		b.round(ctx, agents, roleVantagePoint, due, func(ctx context.Context, ag fleet.Agent, a netip.Addr) Report {
			once.Do(func() {
				cands := spoofCandidates(agents)
				src, answering, _ = vpsel.SpoofTestSource(srcs, onboardTries, func(s netip.Addr) ([]netip.Addr, error) {
					return b.answering(ctx, s, cands), nil
				})
			})
			return b.testVP(ctx, ag, a, src, targets, answering)
		})
	}
	b.refreshAtlases(ctx)
}

// agentAddrs are the agents' first IPv4 addresses, sorted.
func agentAddrs(agents []fleet.Agent) []netip.Addr {
	var out []netip.Addr
	for _, ag := range agents {
		if a, ok := firstIPv4(ag.Addrs); ok {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

func firstIPv4(as []netip.Addr) (netip.Addr, bool) {
	i := slices.IndexFunc(as, netip.Addr.Is4)
	if i < 0 {
		return netip.Addr{}, false
	}
	return as[i], true
}

// round tests, in parallel, every agent of role whose address is due,
// saves the reports and rebuilds the engine if any was made.
func (b *agentsBackend) round(ctx context.Context, agents []fleet.Agent, role string, due func(netip.Addr, string) bool,
	test func(context.Context, fleet.Agent, netip.Addr) Report) {
	var wg sync.WaitGroup
	tested := false
	for _, ag := range agents {
		a, ok := firstIPv4(ag.Addrs)
		if !ok || (role == roleSource && !ag.Source) || (role == roleVantagePoint && !ag.VantagePoint) || !due(a, role) {
			continue
		}
		if role == roleSource && !b.fleet.Authorized(a) {
			continue // not an authorized source: nothing to test until an operator adds it
		}
		if _, busy := b.onboarding.LoadOrStore(a.String()+role, true); busy {
			continue
		}
		tested = true
		wg.Go(func() {
			defer b.onboarding.Delete(a.String() + role)
			b.save(ctx, test(ctx, ag, a))
		})
	}
	wg.Wait()
	if tested {
		if err := b.rebuild(ctx); err != nil {
			b.log.Error("onboarding: engine not rebuilt", "err", err)
		}
	}
}

// save stores a report and applies its quarantine.
func (b *agentsBackend) save(ctx context.Context, r Report) {
	for _, c := range r.Checks {
		if !c.Passed && !c.Informational {
			r.Passed = false
		}
	}
	a := netip.MustParseAddr(r.Addr)
	if r.Role == roleVantagePoint {
		b.fleet.Quarantine(a, r.Quarantine)
	}
	js, err := json.Marshal(r)
	if err == nil {
		err = b.store.SaveOnboarding(ctx, store.Onboarding{Addr: a, Role: r.Role, Agent: r.Agent, Tested: r.Tested, Passed: r.Passed, Report: js})
	}
	if err != nil {
		b.log.Error("onboarding: report not saved", "addr", a, "err", err)
		return
	}
	b.log.Info("onboarded", "addr", a, "role", r.Role, "agent", r.Agent, "passed", r.Passed, "quarantine", r.Quarantine)
}

// others are the targets other than a.
func others(targets []netip.Addr, a netip.Addr) []netip.Addr {
	return slices.DeleteFunc(slices.Clone(targets), func(x netip.Addr) bool { return x == a })
}

// testSource checks that the source at a pings, traceroutes and receives
// Record Route replies, each toward up to three other agents.
func (b *agentsBackend) testSource(ctx context.Context, ag fleet.Agent, a netip.Addr, targets []netip.Addr) Report {
	r := Report{Addr: a.String(), Role: roleSource, Agent: ag.Name, Tested: time.Now(), Passed: true}
	ts := others(targets, a)
	r.Checks = append(r.Checks,
		tryTargets(ts, onboardTries, "ping", func(t netip.Addr) (bool, string) {
			p, err := b.fleet.Ping(ctx, meas.PingRequest{Src: a, Dst: t})
			return outcome(err, p.Replied(), fmt.Sprintf("%v answered the ping", t))
		}),
		tryTargets(ts, onboardTries, "traceroute", func(t netip.Addr) (bool, string) {
			tr, err := b.fleet.Traceroute(ctx, meas.TraceRequest{Src: a, Dst: t})
			return outcome(err, tr.Stop == meas.StopCompleted, fmt.Sprintf("a traceroute reached %v in %d hops", t, len(tr.Hops)))
		}),
		tryTargets(ts, onboardTries, "receives record route", func(t netip.Addr) (bool, string) {
			rr, err := b.fleet.RecordRoute(ctx, meas.RRRequest{Src: a, Dst: t})
			return outcome(err, rr.Replied && len(rr.Recorded) > 0, fmt.Sprintf("the reply from %v carried %d Record Route slots", t, len(rr.Recorded)))
		}))
	return r
}

// spoofCandidates are the spoofing test's candidate targets, in the
// evaluation's order: the vantage points, then the other sources.
func spoofCandidates(agents []fleet.Agent) []netip.Addr {
	var vps, srcs []fleet.Agent
	for _, ag := range agents {
		if ag.VantagePoint {
			vps = append(vps, ag)
		} else {
			srcs = append(srcs, ag)
		}
	}
	return append(agentAddrs(vps), agentAddrs(srcs)...)
}

// answering are the targets that answer a Record Route ping from src
// (not src itself: Linux drops packets arriving with its own address as
// source), the spoofing test's targets.
func (b *agentsBackend) answering(ctx context.Context, src netip.Addr, targets []netip.Addr) []netip.Addr {
	var out []netip.Addr
	for _, t := range others(targets, src) {
		if rr, err := b.fleet.RecordRoute(ctx, meas.RRRequest{Src: src, Dst: t}); err == nil && rr.Replied {
			out = append(out, t)
		}
	}
	return out
}

// testVP checks that the vantage point at a gets Record Route replies
// and that its probes spoofed as src reach src, from any of the targets
// that answer src (those after it first, so that the load spreads, as
// the evaluation's spoofing test, which stops after three: a vantage
// point quarantined wrongly is lost for a while, one probe per target is
// cheap). A failure quarantines it.
func (b *agentsBackend) testVP(ctx context.Context, ag fleet.Agent, a, src netip.Addr, targets, answering []netip.Addr) Report {
	r := Report{Addr: a.String(), Role: roleVantagePoint, Agent: ag.Name, Tested: time.Now(), Passed: true}
	// Record Route replies toward the vantage point itself: informational,
	// since what it is for, spoofed probes, sends options but receives
	// their replies elsewhere (a router that drops options toward it
	// does not hinder that). Any target will do.
	rr := tryTargets(others(targets, a), len(targets), "record route", func(t netip.Addr) (bool, string) {
		p, err := b.fleet.RecordRoute(ctx, meas.RRRequest{Src: a, Dst: t})
		return outcome(err, p.Replied && len(p.Recorded) > 0, fmt.Sprintf("%v answered with %d Record Route slots", t, len(p.Recorded)))
	})
	spoof := Check{Name: "spoofing", Detail: "no agent answers " + src.String() + "'s Record Route pings to test with"}
	start := slices.Index(answering, a) + 1
	var tried []string
	for k := 0; k < len(answering) && !spoof.Passed; k++ {
		t := answering[(start+k)%len(answering)]
		if t == a {
			continue
		}
		tried = append(tried, t.String())
		p, err := b.fleet.RecordRoute(ctx, meas.RRRequest{Src: src, Dst: t, Sender: a})
		spoof.Passed, spoof.Detail = outcome(err, p.Replied, fmt.Sprintf("a probe spoofed as %v to %v came back to %v", src, t, src))
	}
	if !spoof.Passed && len(tried) > 0 {
		spoof.Detail = fmt.Sprintf("probes spoofed as %v to %v never reached %v (the first router may drop spoofed sources)", src, tried, src)
	}
	rr.Informational = true
	r.Checks = append(r.Checks, rr, spoof)
	if !spoof.Passed {
		r.Quarantine = spoof.Name + ": " + spoof.Detail
	}
	return r
}

// tryTargets runs check toward up to tries targets until one passes.
func tryTargets(targets []netip.Addr, tries int, name string, check func(netip.Addr) (bool, string)) Check {
	c := Check{Name: name, Detail: "no other agent to test with"}
	var failed []string
	for _, t := range targets[:min(len(targets), tries)] {
		ok, detail := check(t)
		if ok {
			return Check{Name: name, Passed: true, Detail: detail}
		}
		failed = append(failed, detail)
	}
	if len(failed) > 0 {
		c.Detail = fmt.Sprintf("failed toward %d targets: %v", len(failed), failed)
	}
	return c
}

// outcome is a check's result: passed with the detail, or why not.
func outcome(err error, ok bool, detail string) (bool, string) {
	switch {
	case err != nil:
		return false, err.Error()
	case !ok:
		return false, "not: " + detail
	}
	return true, detail
}
