package ripe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/revtr/revtr/atlas"
	"github.com/revtr/revtr/meas"
)

// DefaultBaseURL is the RIPE Atlas REST API, version 2.
const DefaultBaseURL = "https://atlas.ripe.net/api/v2"

// Defaults of a Provider's zero fields.
const (
	DefaultProbes       = 50               // probes, worldwide, when Provider.Probes is empty
	DefaultParis        = 16               // RIPE Atlas's own default Paris value
	DefaultPollInterval = 30 * time.Second // between status polls
	// DefaultDeadline bounds the wait for results; the reference
	// system's atlas bootstrap takes about 20 minutes.
	DefaultDeadline = 20 * time.Minute
)

// ErrNoKey: creating a measurement needs an API key.
var ErrNoKey = errors.New("RIPE Atlas: creating a measurement needs an API key (RIPE-Key)")

// Probes is one probe selection of a measurement: Requested probes of
// a Type ("area", "country", "asn", "prefix", "probes" or "msm"; the
// API also knows "region" and "countries") matching Value. The helpers
// Area, Country, ASN and ProbeIDs build the usual ones.
type Probes struct {
	Type      string
	Value     string
	Requested int
}

// Area selects n probes in an area: "WW" (worldwide), "West",
// "North-Central", "South-Central", "North-East" or "South-East".
func Area(area string, n int) Probes {
	return Probes{Type: "area", Value: area, Requested: n}
}

// Country selects n probes in a country (ISO 3166 two-letter code).
func Country(cc string, n int) Probes {
	return Probes{Type: "country", Value: strings.ToUpper(cc), Requested: n}
}

// ASN selects n probes in an autonomous system.
func ASN(asn uint32, n int) Probes {
	return Probes{Type: "asn", Value: strconv.FormatUint(uint64(asn), 10), Requested: n}
}

// ProbeIDs selects the probes with these IDs.
func ProbeIDs(ids ...int) Probes {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return Probes{Type: "probes", Value: strings.Join(s, ","), Requested: len(ids)}
}

// ripeProbeType reports whether the API accepts t as a selection type.
func ripeProbeType(t string) bool {
	switch t {
	case "area", "country", "asn", "prefix", "probes", "msm", "region", "countries":
		return true
	}
	return false
}

func (p Probes) validate() error {
	switch {
	case !ripeProbeType(p.Type):
		return fmt.Errorf("RIPE Atlas: unknown probe selection type %q", p.Type)
	case strings.TrimSpace(p.Value) == "":
		return fmt.Errorf("RIPE Atlas: probe selection %q without a value", p.Type)
	case p.Requested < 1:
		return fmt.Errorf("RIPE Atlas: probe selection %s %q requests %d probes", p.Type, p.Value, p.Requested)
	}
	return nil
}

// Provider is an atlas.Provider backed by RIPE Atlas
// (https://atlas.ripe.net): the atlas traceroutes toward a source come
// from RIPE Atlas probes, as in the reference system's bootstrap (about
// 60K credits and 20 minutes for a full atlas).
//
// TracesToward creates a one-off traceroute measurement toward the
// source (Start), polls its status every PollInterval and fetches its
// results until it stops, every scheduled probe has reported, or
// Deadline passes (Wait), and converts each probe's result with
// ParseTraces, silencing hops from addresses that are not globally
// unique (GlobalHops) unless KeepPrivate. Probes come from the Probes
// selections: RIPE Atlas picks them, so TracesToward ignores its vps
// argument. RIPE Atlas probes cannot send IP options, so RecordRoutes
// delegates to RR, an atlas.Provider that can send Record Route pings
// from the source (usually an atlas.ProberProvider over our own agents).
//
// Usage:
//
//	p := &ripe.Provider{
//		Key:    ripeKey, // the RIPE-Key header of POST /api/v1/atlas/run
//		Probes: []ripe.Probes{ripe.Area("WW", 500)},
//		RR:     atlas.ProberProvider{Prober: agents},
//	}
//	paths, cost, err := atlas.Build(ctx, p, src, nil, time.Now(), ids)
//
// Requests carry "Authorization: Key <Key>". A refusal over credits is
// errors.Is(err, ErrNoCredits); other HTTP errors are *Error with RIPE's
// title, detail and per-field errors. A measurement that RIPE fails is
// ErrMeasurementFailed; one that yields no usable result before it stops
// or the deadline passes is ErrNoResults. When the deadline passes with
// some results in, those are returned without error. Polls that fail for
// a passing reason (no answer, HTTP 429, 5xx) are retried until the
// deadline.
//
// The zero value of every field but Key and RR has a default. A Provider
// is safe for concurrent use if its Client is.
type Provider struct {
	Key     string       // API key allowed to create measurements
	BaseURL string       // "" means DefaultBaseURL
	Client  *http.Client // nil means http.DefaultClient

	Probes      []Probes   // empty means DefaultProbes probes worldwide
	Proto       meas.Proto // 0 means ICMP
	Paris       int        // Paris value 1..64; 0 means DefaultParis, negative disables Paris
	Packets     int        // packets per hop; 0 means RIPE's default (3)
	MaxHops     int        // 0 means RIPE's default (32)
	Description string     // "" means "revtr atlas toward <src>"
	// KeepPrivate keeps hops that answered from addresses that are not
	// globally unique (see GlobalHops); by default they are silenced.
	KeepPrivate bool

	PollInterval time.Duration // 0 means DefaultPollInterval
	Deadline     time.Duration // 0 means DefaultDeadline, counted from Wait's start
	// Now and Sleep are the clock; nil means the wall clock. Sleep
	// returns early with ctx's error when ctx ends.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error

	RR atlas.Provider // sends the Record Route pings from the source
}

var _ atlas.Provider = (*Provider)(nil)

// TracesToward measures traceroutes from RIPE Atlas probes toward src.
// vps is ignored: RIPE Atlas chooses the probes from r.Probes. Each
// trace's Src is the probe's public address.
func (r *Provider) TracesToward(ctx context.Context, src netip.Addr, _ []netip.Addr) ([]meas.Trace, error) {
	id, err := r.Start(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("atlas: RIPE Atlas traceroutes toward %v: %w", src, err)
	}
	trs, err := r.Wait(ctx, id, src)
	if err != nil {
		return nil, fmt.Errorf("atlas: RIPE Atlas traceroutes toward %v: %w", src, err)
	}
	return trs, nil
}

// RecordRoutes delegates to r.RR: RIPE Atlas cannot send IP options.
func (r *Provider) RecordRoutes(ctx context.Context, src netip.Addr, targets []netip.Addr) ([]meas.RRPing, error) {
	if r.RR == nil {
		return nil, fmt.Errorf("atlas: record routes from %v: RIPE Atlas cannot send IP options and no RR provider is set", src)
	}
	return r.RR.RecordRoutes(ctx, src, targets)
}

// Start creates the one-off traceroute measurement toward src and returns
// its ID.
func (r *Provider) Start(ctx context.Context, src netip.Addr) (uint64, error) {
	req, err := r.request(src)
	if err != nil {
		return 0, err
	}
	return r.createMeasurement(ctx, req)
}

// request builds and checks the creation request toward src.
func (r *Provider) request(src netip.Addr) (ripeCreate, error) {
	src = src.Unmap()
	if !src.IsValid() || src.IsUnspecified() || src.Zone() != "" {
		return ripeCreate{}, fmt.Errorf("RIPE Atlas: invalid target %v", src)
	}
	if r.Key == "" {
		return ripeCreate{}, ErrNoKey
	}
	def, err := r.definition(src)
	if err != nil {
		return ripeCreate{}, err
	}
	probes, err := r.probes()
	if err != nil {
		return ripeCreate{}, err
	}
	return ripeCreate{Definitions: []ripeDefinition{def}, Probes: probes, IsOneoff: true}, nil
}

// definition is the traceroute definition toward src.
func (r *Provider) definition(src netip.Addr) (ripeDefinition, error) {
	proto := r.Proto
	if proto == 0 {
		proto = meas.ICMP
	}
	if proto != meas.ICMP && proto != meas.UDP && proto != meas.TCP {
		return ripeDefinition{}, fmt.Errorf("RIPE Atlas: unsupported traceroute protocol %v", proto)
	}
	paris := r.Paris
	switch {
	case paris == 0:
		paris = DefaultParis
	case paris < 0:
		paris = 0
	case paris > 64:
		return ripeDefinition{}, fmt.Errorf("RIPE Atlas: Paris value %d out of range 1..64", paris)
	}
	if r.Packets < 0 || r.Packets > 16 || r.MaxHops < 0 || r.MaxHops > ripeMaxHop {
		return ripeDefinition{}, fmt.Errorf("RIPE Atlas: packets %d (want 1..16) or max hops %d (want 1..255) out of range", r.Packets, r.MaxHops)
	}
	desc := r.Description
	if desc == "" {
		desc = "revtr atlas toward " + src.String()
	}
	af := 4
	if src.Is6() {
		af = 6
	}
	return ripeDefinition{
		Target: src.String(), AF: af, Type: "traceroute", Description: desc,
		Protocol: strings.ToUpper(proto.String()), Paris: paris, Packets: r.Packets, MaxHops: r.MaxHops,
	}, nil
}

// probes is the checked probe selection.
func (r *Provider) probes() ([]ripeProbeRequest, error) {
	sel := r.Probes
	if len(sel) == 0 {
		sel = []Probes{Area("WW", DefaultProbes)}
	}
	out := make([]ripeProbeRequest, len(sel))
	for i, p := range sel {
		if err := p.validate(); err != nil {
			return nil, err
		}
		out[i] = ripeProbeRequest{Requested: p.Requested, Type: p.Type, Value: p.Value}
	}
	return out, nil
}

// Wait polls measurement id (a traceroute toward src) until it stops,
// every scheduled probe has reported, or r.Deadline passes, and returns
// the converted results (see Provider for the errors). A poll that gets no
// answer, HTTP 429 or a server error is retried at the next one until
// the deadline: the measurement has been paid for.
func (r *Provider) Wait(ctx context.Context, id uint64, src netip.Addr) ([]meas.Trace, error) {
	deadline := r.now().Add(r.deadline())
	for {
		late := !r.now().Before(deadline)
		p, err := r.poll(ctx, id, src, late)
		switch {
		case err == nil && (p.done || late):
			return r.finish(id, p, late)
		case err != nil && (late || !ripeTransient(ctx, err)):
			return nil, err
		}
		wait := min(r.pollInterval(), deadline.Sub(r.now()))
		if err := r.sleep(ctx, max(wait, 0)); err != nil {
			return nil, fmt.Errorf("RIPE Atlas: waiting for measurement %d: %w", id, err)
		}
	}
}

// ripePoll is what one poll learnt.
type ripePoll struct {
	status  ripeStatus
	traces  []meas.Trace
	results int  // results fetched, usable or not
	done    bool // no more results will come
}

// poll reads the status and, when results are worth fetching (the
// measurement stopped, probes are scheduled, or force), the results.
func (r *Provider) poll(ctx context.Context, id uint64, src netip.Addr, force bool) (ripePoll, error) {
	var p ripePoll
	var err error
	if p.status, err = r.status(ctx, id); err != nil {
		return p, err
	}
	if p.status.failed() {
		return p, fmt.Errorf("%w: measurement %d status %q", ErrMeasurementFailed, id, p.status.Status.Name)
	}
	stopped := p.status.stopped()
	if !stopped && !force && p.status.expected() == 0 {
		return p, nil
	}
	b, err := r.results(ctx, id)
	if err != nil {
		return p, err
	}
	var skipped int
	if p.traces, skipped, err = parseRIPETraces(b, src.Unmap()); err != nil {
		return p, fmt.Errorf("measurement %d: %w", id, err)
	}
	p.results = len(p.traces) + skipped
	p.done = stopped || (p.status.expected() > 0 && p.results >= p.status.expected())
	return p, nil
}

// finish returns the traces of the last poll, or ErrNoResults.
func (r *Provider) finish(id uint64, p ripePoll, late bool) ([]meas.Trace, error) {
	if len(p.traces) > 0 {
		if !r.KeepPrivate {
			GlobalHops(p.traces)
		}
		return p.traces, nil
	}
	why := fmt.Sprintf("status %q", p.status.Status.Name)
	if late {
		why = fmt.Sprintf("still %q after %v", p.status.Status.Name, r.deadline())
	}
	return nil, fmt.Errorf("%w: measurement %d %s, %d results, none usable", ErrNoResults, id, why, p.results)
}

func (r *Provider) baseURL() string {
	if r.BaseURL == "" {
		return DefaultBaseURL
	}
	return strings.TrimRight(r.BaseURL, "/")
}

func (r *Provider) client() *http.Client {
	if r.Client == nil {
		return http.DefaultClient
	}
	return r.Client
}

func (r *Provider) pollInterval() time.Duration {
	if r.PollInterval > 0 {
		return r.PollInterval
	}
	return DefaultPollInterval
}

func (r *Provider) deadline() time.Duration {
	if r.Deadline > 0 {
		return r.Deadline
	}
	return DefaultDeadline
}

func (r *Provider) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Provider) sleep(ctx context.Context, d time.Duration) error {
	if r.Sleep != nil {
		return r.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
