package ripe

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRIPEPollsUntilStopped(t *testing.T) {
	f := &fakeRIPE{
		// Scheduled probes only show from the third poll; the results
		// trickle in, and the measurement stops at the fifth.
		statuses: []string{"status-nosched.json", "status-nosched.json",
			"status-ongoing.json", "status-ongoing.json", "status-stopped.json"},
		results: []string{"", "results-partial.json", "results.json"},
	}
	r, clk := newRIPETest(t, f)
	trs, err := r.TracesToward(context.Background(), ripeSrc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(trs) != 3 {
		t.Errorf("%d traces, want 3 (5 results, 2 unusable)", len(trs))
	}
	st, res := f.counts()
	if st != 5 || res != 3 {
		t.Errorf("%d status and %d results requests, want 5 and 3", st, res)
	}
	if len(clk.sleeps) != 4 {
		t.Errorf("slept %d times, want 4", len(clk.sleeps))
	}
	for _, d := range clk.sleeps {
		if d != r.PollInterval {
			t.Errorf("slept %v, want the poll interval %v", d, r.PollInterval)
		}
	}
}

func TestRIPEStopsWhenAllProbesReported(t *testing.T) {
	// probes_scheduled is 5 and all 5 results are in: no need to wait for
	// the status to say Stopped.
	f := &fakeRIPE{statuses: []string{"status-ongoing.json"}, results: []string{"results.json"}}
	r, clk := newRIPETest(t, f)
	trs, err := r.TracesToward(context.Background(), ripeSrc, nil)
	if err != nil || len(trs) != 3 {
		t.Fatalf("got %d traces, %v; want 3", len(trs), err)
	}
	if st, res := f.counts(); st != 1 || res != 1 || len(clk.sleeps) != 0 {
		t.Errorf("%d status, %d results requests, %d sleeps; want 1, 1, 0", st, res, len(clk.sleeps))
	}
}

func TestRIPEDeadlineWithoutResults(t *testing.T) {
	f := &fakeRIPE{statuses: []string{"status-ongoing.json"}, results: []string{""}}
	r, clk := newRIPETest(t, f)
	start := clk.now
	_, err := r.TracesToward(context.Background(), ripeSrc, nil)
	if !errors.Is(err, ErrNoResults) {
		t.Fatalf("error %v, want ErrNoResults", err)
	}
	if !strings.Contains(err.Error(), ripeTestMsm) || !strings.Contains(err.Error(), "Ongoing") {
		t.Errorf("error %q does not name the measurement and its status", err)
	}
	if waited := clk.now.Sub(start); waited != r.Deadline {
		t.Errorf("waited %v, want the deadline %v", waited, r.Deadline)
	}
	if want := int(r.Deadline / r.PollInterval); len(clk.sleeps) != want {
		t.Errorf("slept %d times, want %d", len(clk.sleeps), want)
	}
}

func TestRIPEDeadlineKeepsPartialResults(t *testing.T) {
	f := &fakeRIPE{statuses: []string{"status-ongoing.json"}, results: []string{"results-partial.json"}}
	r, _ := newRIPETest(t, f)
	r.Deadline = 2 * time.Minute
	r.PollInterval = 45 * time.Second
	trs, err := r.TracesToward(context.Background(), ripeSrc, nil)
	if err != nil || len(trs) != 1 {
		t.Fatalf("got %d traces, %v; want the 1 usable result in at the deadline", len(trs), err)
	}
}

func TestRIPEStoppedWithoutResults(t *testing.T) {
	f := &fakeRIPE{statuses: []string{"status-stopped.json"}, results: []string{""}}
	r, _ := newRIPETest(t, f)
	_, err := r.TracesToward(context.Background(), ripeSrc, nil)
	if !errors.Is(err, ErrNoResults) || !strings.Contains(err.Error(), "Stopped") {
		t.Fatalf("error %v, want ErrNoResults naming the status", err)
	}
}

func TestRIPENoSuitableProbes(t *testing.T) {
	f := &fakeRIPE{statuses: []string{"status-nosuitable.json"}}
	r, _ := newRIPETest(t, f)
	_, err := r.TracesToward(context.Background(), ripeSrc, nil)
	if !errors.Is(err, ErrMeasurementFailed) || !strings.Contains(err.Error(), "No suitable probes") {
		t.Fatalf("error %v, want ErrMeasurementFailed naming the status", err)
	}
	if _, res := f.counts(); res != 0 {
		t.Errorf("fetched results %d times for a failed measurement", res)
	}
}

func TestRIPECanceledWhileWaiting(t *testing.T) {
	f := &fakeRIPE{statuses: []string{"status-ongoing.json"}, results: []string{""}}
	r, _ := newRIPETest(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	r.Sleep = func(context.Context, time.Duration) error { cancel(); return ctx.Err() }
	_, err := r.TracesToward(ctx, ripeSrc, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

func TestRIPEWallClockSleepHonoursContext(t *testing.T) {
	r := &Provider{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("sleep on a canceled context: %v", err)
	}
}

func TestRIPEHTTPErrors(t *testing.T) {
	tests := []struct {
		name, file string
		code       int
		credits    bool
		wantText   []string
	}{
		{"credits", "error-credits.json", 400, true, []string{"HTTP 400", "Bad Request", "enough credits"}},
		{"invalid", "error-invalid.json", 400, false, []string{"There were problems", "/definitions/0/af: This field is required."}},
		{"forbidden", "error-forbidden.json", 403, false, []string{"HTTP 403 Forbidden", "API key does not exist"}},
		{"payment", "error-forbidden.json", 402, true, []string{"HTTP 402"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeRIPE{createCode: tc.code, createFile: tc.file}
			r, _ := newRIPETest(t, f)
			_, err := r.TracesToward(context.Background(), ripeSrc, nil)
			var re *Error
			if !errors.As(err, &re) || re.HTTPStatus != tc.code || re.Op != "create measurement" {
				t.Fatalf("error %v, want a *Error with HTTP %d", err, tc.code)
			}
			if errors.Is(err, ErrNoCredits) != tc.credits {
				t.Errorf("errors.Is(%v, ErrNoCredits) = %v, want %v", err, !tc.credits, tc.credits)
			}
			for _, s := range tc.wantText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
		})
	}
}

func TestRIPENonJSONError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html>bad gateway</html>")
	}))
	defer srv.Close()
	r := &Provider{Key: "k", BaseURL: srv.URL, Client: srv.Client()}
	_, err := r.Start(context.Background(), ripeSrc)
	var re *Error
	if !errors.As(err, &re) || re.HTTPStatus != 502 || !strings.Contains(re.Body, "bad gateway") {
		t.Fatalf("error %v, want a *Error keeping the body", err)
	}
}

func TestRIPEBadAnswers(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":   "{",
		"no ID":      `{"measurements": []}`,
		"two IDs":    `{"measurements": [1, 2]}`,
		"wrong type": `{"measurements": "x"}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusCreated)
				io.WriteString(w, body)
			}))
			defer srv.Close()
			r := &Provider{Key: "k", BaseURL: srv.URL, Client: srv.Client()}
			if _, err := r.Start(context.Background(), ripeSrc); err == nil || !strings.Contains(err.Error(), "create measurement") {
				t.Fatalf("answer %s: error %v, want one naming the operation", body, err)
			}
		})
	}
}

func TestRIPEBadInput(t *testing.T) {
	tests := map[string]struct {
		r   Provider
		src netip.Addr
		is  error
	}{
		"no key":          {Provider{}, ripeSrc, ErrNoKey},
		"zero source":     {Provider{Key: "k"}, netip.Addr{}, nil},
		"unspecified":     {Provider{Key: "k"}, netip.MustParseAddr("0.0.0.0"), nil},
		"bad proto":       {Provider{Key: "k", Proto: 99}, ripeSrc, nil},
		"paris too big":   {Provider{Key: "k", Paris: 65}, ripeSrc, nil},
		"packets":         {Provider{Key: "k", Packets: 17}, ripeSrc, nil},
		"max hops":        {Provider{Key: "k", MaxHops: 256}, ripeSrc, nil},
		"probe type":      {Provider{Key: "k", Probes: []Probes{{Type: "planet", Value: "x", Requested: 1}}}, ripeSrc, nil},
		"probe count":     {Provider{Key: "k", Probes: []Probes{Area("WW", 0)}}, ripeSrc, nil},
		"probe value":     {Provider{Key: "k", Probes: []Probes{Country("", 3)}}, ripeSrc, nil},
		"no probe IDs":    {Provider{Key: "k", Probes: []Probes{ProbeIDs()}}, ripeSrc, nil},
		"zoned v6 source": {Provider{Key: "k"}, netip.MustParseAddr("fe80::1%eth0"), nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			// No server: a request reaching the network would fail
			// differently, and none may be sent for bad input.
			tc.r.BaseURL = "http://invalid.invalid"
			tc.r.Client = &http.Client{Transport: failTransport{t}}
			_, err := tc.r.TracesToward(context.Background(), tc.src, nil)
			if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Fatalf("error %v, want %v", err, tc.is)
			}
		})
	}
}

type failTransport struct{ t *testing.T }

func (f failTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	f.t.Errorf("unexpected request %s %s", req.Method, req.URL)
	return nil, errors.New("no network in tests")
}

func TestRIPERetriesTransientPollErrors(t *testing.T) {
	f := &fakeRIPE{failStatus: 2, statuses: []string{"status-stopped.json"}, results: []string{"results.json"}}
	r, clk := newRIPETest(t, f)
	trs, err := r.TracesToward(context.Background(), ripeSrc, nil)
	if err != nil || len(trs) != 3 {
		t.Fatalf("got %d traces, %v; want 3 after two failed polls", len(trs), err)
	}
	if st, _ := f.counts(); st != 3 || len(clk.sleeps) != 2 {
		t.Errorf("%d status requests, %d sleeps; want 3 and 2", st, len(clk.sleeps))
	}
}

func TestRIPETransientErrorsUntilDeadline(t *testing.T) {
	f := &fakeRIPE{failStatus: 1000}
	r, clk := newRIPETest(t, f)
	_, err := r.TracesToward(context.Background(), ripeSrc, nil)
	var re *Error
	if !errors.As(err, &re) || re.HTTPStatus != http.StatusServiceUnavailable {
		t.Fatalf("error %v, want the last poll's HTTP 503", err)
	}
	if want := int(r.Deadline / r.PollInterval); len(clk.sleeps) != want {
		t.Errorf("slept %d times, want %d", len(clk.sleeps), want)
	}
}

func TestRIPEPermanentPollErrorStops(t *testing.T) {
	f := &fakeRIPE{}
	r, clk := newRIPETest(t, f)
	_, err := r.Wait(context.Background(), 1234, ripeSrc) // unknown measurement: 404
	var re *Error
	if !errors.As(err, &re) || re.HTTPStatus != http.StatusNotFound || !strings.Contains(err.Error(), "measurement 1234") {
		t.Fatalf("error %v, want HTTP 404 naming the measurement", err)
	}
	if len(clk.sleeps) != 0 {
		t.Errorf("slept %d times after a permanent error", len(clk.sleeps))
	}
}

// flakyTransport fails the first n requests without an answer.
type flakyTransport struct {
	mu   sync.Mutex
	n    int
	next http.RoundTripper
}

func (f *flakyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	fail := f.n > 0
	f.n--
	f.mu.Unlock()
	if fail {
		return nil, errors.New("connection reset by peer")
	}
	return f.next.RoundTrip(req)
}

func TestRIPERetriesUnansweredPolls(t *testing.T) {
	f := &fakeRIPE{statuses: []string{"status-stopped.json"}, results: []string{"results.json"}}
	r, clk := newRIPETest(t, f)
	id, err := r.Start(context.Background(), ripeSrc)
	if err != nil {
		t.Fatal(err)
	}
	r.Client = &http.Client{Transport: &flakyTransport{n: 1, next: r.Client.Transport}}
	trs, err := r.Wait(context.Background(), id, ripeSrc)
	if err != nil || len(trs) != 3 || len(clk.sleeps) != 1 {
		t.Fatalf("got %d traces, %v, %d sleeps; want 3 traces after one retry", len(trs), err, len(clk.sleeps))
	}
	// Creation is not retried: a lost answer may still have created (and
	// billed) a measurement.
	r.Client = &http.Client{Transport: &flakyTransport{n: 1, next: r.Client.Transport}}
	if _, err := r.Start(context.Background(), ripeSrc); err == nil || !strings.Contains(err.Error(), "no answer") {
		t.Fatalf("Start through a failing connection: %v", err)
	}
}

func TestRIPEWallClock(t *testing.T) {
	// nil Now and Sleep: the real clock, with a poll interval short
	// enough for a test.
	f := &fakeRIPE{statuses: []string{"status-nosched.json", "status-stopped.json"}, results: []string{"results.json"}}
	r, _ := newRIPETest(t, f)
	r.Now, r.Sleep, r.PollInterval = nil, nil, time.Millisecond
	start := time.Now()
	trs, err := r.TracesToward(context.Background(), ripeSrc, nil)
	if err != nil || len(trs) != 3 {
		t.Fatalf("got %d traces, %v", len(trs), err)
	}
	if st, _ := f.counts(); st != 2 || time.Since(start) < time.Millisecond {
		t.Errorf("%d polls in %v, want 2 polls a poll interval apart", st, time.Since(start))
	}
}
