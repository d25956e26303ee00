package ripe

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/revtr/revtr/atlas"
	"github.com/revtr/revtr/meas"
)

// The RIPE Atlas tests never reach the Internet: an httptest server
// answers with the recorded response shapes in testdata/*.json.

const ripeTestMsm = "98765432"

// ripeTestdata reads a testdata file, dropping its "//" comment lines.
func ripeTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "//") {
			out = append(out, line)
		}
	}
	return []byte(strings.Join(out, "\n"))
}

// fakeRIPE serves the RIPE Atlas API from testdata files and records the
// requests it got.
type fakeRIPE struct {
	t          *testing.T
	createCode int      // status of the creation answer; 0 means 201
	createFile string   // "" means create.json
	statuses   []string // status files served in turn; the last repeats
	results    []string // results files served in turn ("" is []); the last repeats
	failStatus int      // the first failStatus status requests get HTTP 503

	mu       sync.Mutex
	creates  []ripeCreate
	auth     []string // Authorization header of every request
	ctypes   []string // Content-Type of creation requests
	nStatus  int
	nResults int
}

func (f *fakeRIPE) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.auth = append(f.auth, req.Header.Get("Authorization"))
	w.Header().Set("Content-Type", "application/json")
	switch {
	case req.Method == http.MethodPost && req.URL.Path == "/api/v2/measurements/":
		f.create(w, req)
	case req.Method == http.MethodGet && req.URL.Path == "/api/v2/measurements/"+ripeTestMsm+"/":
		f.nStatus++
		if f.nStatus <= f.failStatus {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"error": {"status": 503, "title": "Service Unavailable", "detail": "Try again later."}}`)
			return
		}
		w.Write(ripeTestdata(f.t, ripePick(f.statuses, f.nStatus-f.failStatus-1)))
	case req.Method == http.MethodGet && req.URL.Path == "/api/v2/measurements/"+ripeTestMsm+"/results/":
		if req.URL.Query().Get("format") != "json" {
			f.t.Errorf("results fetched without format=json: %v", req.URL)
		}
		f.serveResults(w)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error": {"status": 404, "title": "Not Found", "detail": "Not found."}}`)
	}
}

func (f *fakeRIPE) create(w http.ResponseWriter, req *http.Request) {
	f.ctypes = append(f.ctypes, req.Header.Get("Content-Type"))
	var c ripeCreate
	if err := json.NewDecoder(req.Body).Decode(&c); err != nil {
		f.t.Errorf("creation body: %v", err)
	}
	f.creates = append(f.creates, c)
	code, file := f.createCode, f.createFile
	if code == 0 {
		code = http.StatusCreated
	}
	if file == "" {
		file = "create.json"
	}
	w.WriteHeader(code)
	w.Write(ripeTestdata(f.t, file))
}

func (f *fakeRIPE) serveResults(w http.ResponseWriter) {
	name := ripePick(f.results, f.nResults)
	f.nResults++
	if name == "" {
		io.WriteString(w, "[]")
		return
	}
	w.Write(ripeTestdata(f.t, name))
}

func ripePick(s []string, i int) string {
	if len(s) == 0 {
		return ""
	}
	return s[min(i, len(s)-1)]
}

// counts returns how many status and results requests came.
func (f *fakeRIPE) counts() (status, results int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nStatus, f.nResults
}

// fakeClock is a clock whose Sleep only moves time forward.
type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

// newRIPETest starts f and returns a provider talking to it.
func newRIPETest(t *testing.T, f *fakeRIPE) (*Provider, *fakeClock) {
	f.t = t
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	clk := &fakeClock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	return &Provider{
		Key: "test-key", BaseURL: srv.URL + "/api/v2/", Client: srv.Client(),
		PollInterval: 30 * time.Second, Deadline: 5 * time.Minute,
		Now: clk.Now, Sleep: clk.Sleep,
	}, clk
}

var ripeSrc = netip.MustParseAddr("192.0.2.1")

func TestRIPERequestDefaults(t *testing.T) {
	f := &fakeRIPE{statuses: []string{"status-stopped.json"}, results: []string{"results.json"}}
	r, _ := newRIPETest(t, f)
	vps := []netip.Addr{netip.MustParseAddr("198.18.0.1")} // ignored: RIPE picks the probes
	if _, err := r.TracesToward(context.Background(), ripeSrc, vps); err != nil {
		t.Fatal(err)
	}
	if len(f.creates) != 1 {
		t.Fatalf("%d creation requests, want 1", len(f.creates))
	}
	for i, a := range f.auth {
		if a != "Key test-key" {
			t.Errorf("request %d: Authorization %q, want %q", i, a, "Key test-key")
		}
	}
	if f.ctypes[0] != "application/json" {
		t.Errorf("Content-Type %q", f.ctypes[0])
	}
	want := ripeCreate{
		Definitions: []ripeDefinition{{Target: "192.0.2.1", AF: 4, Type: "traceroute",
			Description: "revtr atlas toward 192.0.2.1", Protocol: "ICMP", Paris: 16}},
		Probes:   []ripeProbeRequest{{Requested: DefaultProbes, Type: "area", Value: "WW"}},
		IsOneoff: true,
	}
	if got := f.creates[0]; !ripeJSONEqual(t, got, want) {
		t.Errorf("creation request\n got %+v\nwant %+v", got, want)
	}
}

func TestRIPERequestConfigured(t *testing.T) {
	f := &fakeRIPE{statuses: []string{"status-stopped.json"}, results: []string{"results.json"}}
	r, _ := newRIPETest(t, f)
	r.Proto, r.Paris, r.Packets, r.MaxHops, r.Description = meas.UDP, 5, 2, 40, "revtr test"
	r.Probes = []Probes{Country("nl", 3), ASN(64500, 2), ProbeIDs(11, 22, 33), Area("West", 4)}
	if _, err := r.TracesToward(context.Background(), ripeSrc, nil); err != nil {
		t.Fatal(err)
	}
	want := ripeCreate{
		Definitions: []ripeDefinition{{Target: "192.0.2.1", AF: 4, Type: "traceroute",
			Description: "revtr test", Protocol: "UDP", Paris: 5, Packets: 2, MaxHops: 40}},
		Probes:   []ripeProbeRequest{{3, "country", "NL"}, {2, "asn", "64500"}, {3, "probes", "11,22,33"}, {4, "area", "West"}},
		IsOneoff: true,
	}
	if got := f.creates[0]; !ripeJSONEqual(t, got, want) {
		t.Errorf("creation request\n got %+v\nwant %+v", got, want)
	}
}

func TestRIPEParisOff(t *testing.T) {
	r := &Provider{Key: "k", Paris: -1, Proto: meas.TCP}
	c, err := r.request(ripeSrc)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c)
	if !strings.Contains(string(b), `"paris":0`) || !strings.Contains(string(b), `"protocol":"TCP"`) {
		t.Errorf("Paris off / TCP: body %s", b)
	}
}

// ripeJSONEqual compares two values by their JSON encoding.
func ripeJSONEqual(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return string(ja) == string(jb)
}

// failTransport fails the test if any request is sent.
func TestRIPEIPv6(t *testing.T) {
	f := &fakeRIPE{statuses: []string{"status-stopped.json"}, results: []string{"results-v6.json"}}
	r, _ := newRIPETest(t, f)
	src := netip.MustParseAddr("2001:db8::1")
	trs, err := r.TracesToward(context.Background(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := f.creates[0].Definitions[0]; d.AF != 6 || d.Target != "2001:db8::1" {
		t.Errorf("definition %+v, want af 6 toward 2001:db8::1", d)
	}
	if len(trs) != 1 || trs[0].Stop != meas.StopCompleted || trs[0].Src != netip.MustParseAddr("2001:db8:ffff::10") {
		t.Fatalf("traces %+v", trs)
	}
	if h := trs[0].Hops[1]; h.Addr != netip.MustParseAddr("2001:db8:2::1") || h.RTT != 9750*time.Microsecond {
		t.Errorf("hop 2 %+v: want the first answer after the timeout", h)
	}
}

// rrStub answers every Record Route ping with fixed reverse slots.
type rrStub struct{ calls int }

func (s *rrStub) TracesToward(context.Context, netip.Addr, []netip.Addr) ([]meas.Trace, error) {
	return nil, errors.New("rrStub: no traceroutes")
}

func (s *rrStub) RecordRoutes(_ context.Context, src netip.Addr, targets []netip.Addr) ([]meas.RRPing, error) {
	s.calls++
	out := make([]meas.RRPing, len(targets))
	for i, t := range targets {
		out[i] = meas.RRPing{Src: src, Dst: t, Sender: src, Replied: true,
			Recorded: []netip.Addr{t, netip.MustParseAddr("198.18.9.9"), src}}
	}
	return out, nil
}

func TestRIPERecordRoutesDelegates(t *testing.T) {
	stub := &rrStub{}
	r := &Provider{RR: stub}
	targets := []netip.Addr{netip.MustParseAddr("198.51.100.1")}
	rrs, err := r.RecordRoutes(context.Background(), ripeSrc, targets)
	if err != nil || stub.calls != 1 || len(rrs) != 1 || rrs[0].Dst != targets[0] {
		t.Fatalf("RecordRoutes = %+v, %v after %d calls", rrs, err, stub.calls)
	}
	if _, err := (&Provider{}).RecordRoutes(context.Background(), ripeSrc, targets); err == nil || !strings.Contains(err.Error(), "IP options") {
		t.Fatalf("without RR: %v, want an error saying why", err)
	}
}

func TestRIPEBuildsAnAtlas(t *testing.T) {
	f := &fakeRIPE{statuses: []string{"status-stopped.json"}, results: []string{"results.json"}}
	r, _ := newRIPETest(t, f)
	stub := &rrStub{}
	r.RR = stub
	var next uint64
	paths, cost, err := atlas.Build(context.Background(), r, ripeSrc, nil, time.Unix(1763900000, 0), func() uint64 { next++; return next })
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 || cost.Traces != 3 || stub.calls != 1 {
		t.Fatalf("%d paths, cost %+v, %d RR calls", len(paths), cost, stub.calls)
	}
	x := atlas.NewIndex()
	x.Set(ripeSrc, paths)
	hit, ok := x.Intersect(ripeSrc, netip.MustParseAddr("198.51.100.21"), time.Time{})
	if !ok {
		t.Fatalf("hop 4 of probe 1001's complete traceroute is not in the atlas: %+v", hit)
	}
	if _, ok := x.Intersect(ripeSrc, netip.MustParseAddr("198.51.100.41"), time.Time{}); ok {
		t.Errorf("a hop of an incomplete traceroute (probe 1002) intersects")
	}
}

func TestRIPESilencesNonGlobalHops(t *testing.T) {
	for _, keep := range []bool{false, true} {
		f := &fakeRIPE{statuses: []string{"status-stopped.json"}, results: []string{"results.json"}}
		r, _ := newRIPETest(t, f)
		r.KeepPrivate = keep
		trs, err := r.TracesToward(context.Background(), ripeSrc, nil)
		if err != nil || len(trs) != 3 {
			t.Fatalf("KeepPrivate %v: %d traces, %v", keep, len(trs), err)
		}
		// Probe 1002's first hop is its home gateway, 192.168.1.1.
		got := trs[1].Hops[0].Addr
		if want := map[bool]netip.Addr{true: netip.MustParseAddr("192.168.1.1")}[keep]; got != want {
			t.Errorf("KeepPrivate %v: first hop %v, want %v", keep, got, want)
		}
		if trs[0].Hops[0].Addr != netip.MustParseAddr("198.51.100.1") {
			t.Errorf("KeepPrivate %v: a global first hop was silenced: %+v", keep, trs[0].Hops[0])
		}
	}
}
