package controller

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/revtr/revtr/atlas"
	"github.com/revtr/revtr/store"
)

// AgentInfo is an agent as GET /api/v2/agents lists it.
type AgentInfo struct {
	Name         string              `json:"name"`
	Hostname     string              `json:"hostname,omitempty"`
	Version      string              `json:"version,omitempty" doc:"The agent's software version, as its hello said (revtr-agent/1)."`
	Addrs        []string            `json:"addrs"`
	Status       string              `json:"status" enum:"connected,disconnected" doc:"Connected now, or known by its onboarding reports only."`
	Source       bool                `json:"source"`
	VantagePoint bool                `json:"vantagePoint"`
	Spoof        bool                `json:"spoof" doc:"A vantage point that may spoof the authorized sources."`
	Rate         float64             `json:"rate,omitempty" doc:"Its probing rate limit, packets per second."`
	ProbesSent   uint64              `json:"probesSent,omitempty" doc:"Probes sent since it started, as it last reported."`
	InFlight     int                 `json:"inFlight" doc:"Requests outstanding at it."`
	Connected    string              `json:"connected,omitempty" format:"date-time"`
	LastSeen     string              `json:"lastSeen,omitempty" format:"date-time"`
	Onboarding   []OnboardingSummary `json:"onboarding"`
	Quarantine   string              `json:"quarantine,omitempty" doc:"Why this vantage point is not asked to spoof."`
}

// OnboardingSummary is one role's onboarding outcome.
type OnboardingSummary struct {
	Role   string `json:"role" enum:"source,vantage_point"`
	Passed bool   `json:"passed"`
	Tested string `json:"tested" format:"date-time"`
}

// AgentsResult is the answer of GET /api/v2/agents.
type AgentsResult struct {
	Agents []AgentInfo `json:"agents"`
}

// AtlasStatus is a source's atlas, as GET /api/v2/atlas/status/{source} shows it.
type AtlasStatus struct {
	Source        string `json:"source"`
	State         string `json:"state" enum:"none,running,done,failed"`
	Provider      string `json:"provider,omitempty" enum:"agents,ripe" doc:"Who measures (running) or measured the last build; state and error are that build's."`
	PathsProvider string `json:"pathsProvider,omitempty" enum:"agents,ripe" doc:"Who measured the paths held: the last build that succeeded. A failed build leaves them, and their counts, as they were."`
	Requested     string `json:"requested,omitempty" format:"date-time"`
	Finished      string `json:"finished,omitempty" format:"date-time"`
	Stale         bool   `json:"stale" doc:"Older than the staleness (a day), or marked stale by atlas/clean: it is rebuilt."`
	Error         string `json:"error,omitempty"`
	Paths         int    `json:"paths" doc:"Traceroutes toward the source in the atlas."`
	Traces        int    `json:"traces"`
	TraceProbes   int    `json:"traceProbes"`
	RRPings       int    `json:"rrPings"`
}

type agentsOutput struct{ Body AgentsResult }

type onboardingInput struct {
	KeyHeader
	IP string `path:"ip" maxLength:"64" doc:"The source's address."`
}

type reportOutput struct{ Body Report }

type atlasStatusInput struct {
	KeyHeader
	Source string `path:"source" maxLength:"64"`
}

type atlasStatusOutput struct{ Body AtlasStatus }

func (c *Controller) registerAgents(api huma.API) {
	huma.Register(api, op("agents", http.MethodGet, "/api/v2/agents", "The agents: status, roles, onboarding, rate, last contact, quarantine", 0), c.listAgents)
	huma.Register(api, op("onboardingV1", http.MethodGet, "/api/v1/sources/{ip}/onboarding", "A source's onboarding report", 0), c.onboardingReport)
	huma.Register(api, op("atlasStatus", http.MethodGet, "/api/v2/atlas/status/{source}", "A source's atlas: its build's progress", 0), c.atlasStatus)
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func (c *Controller) listAgents(ctx context.Context, in *KeyHeader) (*agentsOutput, error) {
	if _, err := c.user(ctx, in.Key); err != nil {
		return nil, err
	}
	out := &agentsOutput{Body: AgentsResult{Agents: []AgentInfo{}}}
	if c.agents == nil {
		return out, nil
	}
	obs, err := c.store.Onboardings(ctx)
	if err != nil {
		return nil, c.internal(err)
	}
	byAddr := map[netip.Addr]int{}
	for _, a := range c.agents.fleet.Agents() {
		info := AgentInfo{Name: a.Name, Hostname: a.Hostname, Version: a.Version, Status: "connected", Source: a.Source, VantagePoint: a.VantagePoint,
			Spoof: a.Spoof, Rate: a.Rate, ProbesSent: a.ProbesSent, InFlight: a.InFlight, Connected: rfc3339(a.Connected),
			LastSeen: rfc3339(a.LastSeen), Onboarding: []OnboardingSummary{}}
		for _, ad := range a.Addrs {
			info.Addrs = append(info.Addrs, ad.String())
			byAddr[ad] = len(out.Body.Agents)
		}
		out.Body.Agents = append(out.Body.Agents, info)
	}
	for _, o := range obs {
		i, ok := byAddr[o.Addr]
		if !ok {
			i, byAddr[o.Addr] = len(out.Body.Agents), len(out.Body.Agents)
			out.Body.Agents = append(out.Body.Agents, AgentInfo{Name: o.Agent, Addrs: []string{o.Addr.String()}, Status: "disconnected",
				Source: o.Role == roleSource, VantagePoint: o.Role == roleVantagePoint, Onboarding: []OnboardingSummary{}})
		}
		a := &out.Body.Agents[i]
		a.Onboarding = append(a.Onboarding, OnboardingSummary{Role: o.Role, Passed: o.Passed, Tested: rfc3339(o.Tested)})
		if why, q := c.agents.fleet.Quarantined(o.Addr); q && o.Role == roleVantagePoint {
			a.Quarantine = why
		}
	}
	return out, nil
}

func (c *Controller) onboardingReport(ctx context.Context, in *onboardingInput) (*reportOutput, error) {
	if _, err := c.user(ctx, in.Key); err != nil {
		return nil, err
	}
	a, err := parseAddr(in.IP)
	if err != nil {
		return nil, apiError(http.StatusBadRequest, codeBadAddress, "source %q: %v", in.IP, err)
	}
	o, err := c.store.OnboardingOf(ctx, a, roleSource)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apiError(http.StatusNotFound, codeNotFound, "no onboarding report of source %v: its agent has not been tested (is it connected, and an authorized source?)", a)
	} else if err != nil {
		return nil, c.internal(err)
	}
	var r Report
	if err := json.Unmarshal(o.Report, &r); err != nil {
		return nil, c.internal(err)
	}
	return &reportOutput{Body: r}, nil
}

func (c *Controller) atlasStatus(ctx context.Context, in *atlasStatusInput) (*atlasStatusOutput, error) {
	if _, err := c.user(ctx, in.Key); err != nil {
		return nil, err
	}
	src, err := parseAddr(in.Source)
	if err != nil {
		return nil, apiError(http.StatusBadRequest, codeBadAddress, "source %q: %v", in.Source, err)
	}
	out := &atlasStatusOutput{Body: AtlasStatus{Source: src.String(), State: "none"}}
	a, err := c.store.AtlasOf(ctx, src)
	if errors.Is(err, store.ErrNotFound) {
		return out, nil
	} else if err != nil {
		return nil, c.internal(err)
	}
	s := &out.Body
	s.State, s.Provider, s.Requested, s.Finished, s.Error = a.State, a.Provider, rfc3339(a.Requested), rfc3339(a.Finished), a.Error
	s.PathsProvider = a.PathsProvider
	s.Stale = !a.Stale.IsZero() || (a.State == store.AtlasDone && time.Since(a.Finished) > c.cfg.Agents.AtlasStaleness)
	var cost atlas.Cost
	_ = json.Unmarshal(a.Cost, &cost) // written by the controller: it parses
	s.Traces, s.TraceProbes, s.RRPings = cost.Traces, cost.TraceProbes, cost.RRPings
	var paths []json.RawMessage
	if a.Paths != nil && json.Unmarshal(a.Paths, &paths) == nil {
		s.Paths = len(paths)
	}
	return out, nil
}
