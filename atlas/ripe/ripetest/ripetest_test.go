package ripetest_test

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/revtr/revtr/atlas/ripe"
	"github.com/revtr/revtr/atlas/ripe/ripetest"
	"github.com/revtr/revtr/meas"
)

var (
	src = netip.MustParseAddr("192.0.2.1")
	a1  = netip.MustParseAddr("198.51.100.1")
	a2  = netip.MustParseAddr("198.51.100.5")
	prb = netip.MustParseAddr("203.0.113.10")
)

func provider(s *ripetest.Server, key string) *ripe.Provider {
	return &ripe.Provider{Key: key, BaseURL: s.URL, Client: &http.Client{Timeout: 10 * time.Second},
		Sleep: func(context.Context, time.Duration) error {
			return errors.New("ripetest: the server's measurements stop at once")
		}}
}

// The provider reads back the traces the server was given: hops, silent
// hops, the probe's address, completion.
func TestServerRoundTrip(t *testing.T) {
	s := ripetest.NewServer(t)
	tr := meas.Trace{Src: prb, Dst: src, Hops: []meas.Hop{{TTL: 1, Addr: a1, RTT: time.Millisecond}, {TTL: 2}, {TTL: 3, Addr: a2}, {TTL: 4, Addr: src}}}
	s.Answer("k1", ripetest.Answer{Traces: []meas.Trace{tr}})
	trs, err := provider(s, "k1").TracesToward(context.Background(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(trs) != 1 || trs[0].Src != prb || trs[0].Stop != meas.StopCompleted || len(trs[0].Hops) != 4 {
		t.Fatalf("traces %+v", trs)
	}
	for i, h := range trs[0].Hops {
		if h.Addr != tr.Hops[i].Addr {
			t.Errorf("hop %d: %v, served %v", i+1, h.Addr, tr.Hops[i].Addr)
		}
	}
	reqs := s.Requests()
	if len(reqs) != 3 { // create, status, results
		t.Fatalf("%d requests, want 3: %+v", len(reqs), reqs)
	}
	for _, r := range reqs {
		if r.Auth != "Key k1" {
			t.Errorf("%s %s: Authorization %q", r.Method, r.Path, r.Auth)
		}
	}
}

// Errors come back as RIPE Atlas's: credits, an unknown key.
func TestServerErrors(t *testing.T) {
	s := ripetest.NewServer(t)
	s.Answer("poor", ripetest.Credits)
	if _, err := provider(s, "poor").TracesToward(context.Background(), src, nil); !errors.Is(err, ripe.ErrNoCredits) {
		t.Errorf("credits: %v, want ErrNoCredits", err)
	}
	var re *ripe.Error
	if _, err := provider(s, "unknown").TracesToward(context.Background(), src, nil); !errors.As(err, &re) || re.HTTPStatus != http.StatusForbidden {
		t.Errorf("unknown key: %v, want HTTP 403", err)
	}
}
