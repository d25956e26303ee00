package twohost_test

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/twohost"
	"github.com/revtr/revtr/wire"
)

// chainWorld is topotest.Chain(3) in memory, a responder on h1, and a
// client on h0 with cfg.
func chainWorld(t *testing.T, cfg twohost.ClientConfig) (simWorld, *topo.Topology, *twohost.Client) {
	t.Helper()
	tp, err := topotest.Chain(3)
	if err != nil {
		t.Fatal(err)
	}
	w := newSimWorld(t, tp)
	w.responder(t, "h1", twohost.ResponderConfig{})
	return w, tp, w.client(t, "h0", cfg)
}

// TestClientMatching sends the requests of every TTL of the chain at
// once, over both families: each answer is matched to its own request
// (the node its TTL reaches), none to another's.
func TestClientMatching(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, tp, c := chainWorld(t, twohost.ClientConfig{Rate: 1000, Burst: 100})
		var wg sync.WaitGroup
		for _, v6 := range []bool{false, true} {
			target, client := hostAddr(t, tp, "h1", v6), hostAddr(t, tp, "h0", v6)
			f := meas.Flow{Proto: meas.UDP, ID: 40000, SrcPort: meas.TwoHostSrcPort}
			want := truthTrace(t, tp, target, client, f)
			for range 5 {
				for ttl := 1; ttl <= len(want); ttl++ {
					wg.Go(func() {
						a, err := c.Query(context.Background(), target, twohost.QueryOf(target, f, ttl, 0))
						if err != nil || !a.Replied || a.State != wire.StateSuccess || a.Node != want[ttl-1] {
							t.Errorf("TTL %d to %s: %+v, %v; want %s", ttl, target, a, err, want[ttl-1])
						}
					})
				}
			}
		}
		wg.Wait()
	})
}

// TestClientPacing checks the token bucket in virtual time: with 10
// requests a second and a bucket of 2, five requests made at once leave
// at 0, 0, 100, 200 and 300 ms (to rate's rounding).
func TestClientPacing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, tp, c := chainWorld(t, twohost.ClientConfig{Rate: 10, Burst: 2})
		target := hostAddr(t, tp, "h1", false)
		start := time.Now()
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() {
				if _, err := c.Query(context.Background(), target, twohost.Query{Proto: wire.ProtoUDP}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		var at []time.Duration
		for _, s := range w.n.Sent() {
			if s.Host == "h0" { // not the responder's probes and answers
				at = append(at, s.At.Sub(start))
			}
		}
		ms := time.Millisecond
		want := []time.Duration{0, 0, 100 * ms, 200 * ms, 300 * ms}
		ok := len(at) == len(want)
		for i := range want {
			ok = ok && at[i] <= want[i] && at[i] > want[i]-time.Microsecond
		}
		if !ok {
			t.Errorf("requests left at %v, want %v", at, want)
		}
	})
}

// TestClientTimeoutAndClose: a request to a host that ignores pings gets
// no answer after exactly its timeout, not an error; one to a plain host
// is echoed; a query waiting for its answer, and one waiting for its rate
// token, fail with ErrClientClosed as soon as the client is closed.
func TestClientTimeoutAndClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tp, err := topotest.Chain(3)
		if err != nil {
			t.Fatal(err)
		}
		w := newSimWorld(t, tp)
		nd, _ := tp.Node("h1")
		nd.Role.NoEcho = true
		c := w.client(t, "h0", twohost.ClientConfig{Rate: 1, Burst: 1})
		silent := hostAddr(t, tp, "h1", false)
		start := time.Now()
		a, err := c.Query(context.Background(), silent, twohost.Query{TTL: 3, Proto: wire.ProtoUDP, Timeout: 300 * time.Millisecond})
		if err != nil || a.Replied || time.Since(start) != 300*time.Millisecond {
			t.Errorf("query to a silent host: %+v, %v after %v; want no answer after 300 ms", a, err, time.Since(start))
		}
		nd.Role.NoEcho = false
		start = time.Now()
		if a, err := c.Query(context.Background(), silent, twohost.Query{TTL: 3, Proto: wire.ProtoUDP}); err != nil || !a.Echoed {
			t.Errorf("query to a plain host: %+v, %v; want its echo", a, err)
		}
		nd.Role.NoEcho = true
		errs := make(chan error, 2)
		for range 2 { // the first waits for its answer, the second for its token
			go func() {
				_, err := c.Query(context.Background(), silent, twohost.Query{TTL: 3, Proto: wire.ProtoUDP, Timeout: time.Hour})
				errs <- err
			}()
		}
		time.Sleep(1500 * time.Millisecond)
		synctest.Wait()
		closed := time.Now()
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := <-errs; !errors.Is(err, twohost.ErrClientClosed) || time.Since(closed) != 0 {
				t.Errorf("query at Close: %v after %v, want ErrClientClosed at once", err, time.Since(closed))
			}
		}
		if _, err := c.Query(context.Background(), silent, twohost.Query{}); !errors.Is(err, twohost.ErrClientClosed) {
			t.Errorf("query after Close: %v", err)
		}
	})
}

// failingStack is a client stack whose sockets fail every read while
// fail holds an error.
type failingStack struct {
	twohost.ClientStack
	fail atomic.Pointer[error]
}

func (f *failingStack) OpenEcho(v6 bool, tos uint8) (twohost.EchoConn, error) {
	c, err := f.ClientStack.OpenEcho(v6, tos)
	if err != nil {
		return nil, err
	}
	return failingEcho{c, f}, nil
}

type failingEcho struct {
	twohost.EchoConn
	f *failingStack
}

func (c failingEcho) Recv(b []byte) (int, netip.Addr, uint8, error) {
	if err := c.f.fail.Load(); err != nil {
		return 0, netip.Addr{}, 0, *err
	}
	return c.EchoConn.Recv(b)
}

// TestClientReadErrors: while the client's sockets fail, a query that
// times out fails with the read error instead of claiming no answer came;
// once reads succeed again, queries are answered.
func TestClientReadErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tp, err := topotest.Chain(3)
		if err != nil {
			t.Fatal(err)
		}
		w := newSimWorld(t, tp)
		w.responder(t, "h1", twohost.ResponderConfig{})
		st := &failingStack{ClientStack: w.host(t, "h0")}
		down := errors.New("network is down")
		st.fail.Store(&down)
		c := closing[*twohost.Client](t, "h0")(twohost.NewClient(twohost.ClientConfig{Stack: st, Timeout: time.Second}))
		target := hostAddr(t, tp, "h1", false)
		if a, err := c.Query(context.Background(), target, twohost.Query{Proto: wire.ProtoUDP}); !errors.Is(err, down) {
			t.Errorf("query while reads fail: %+v, %v; want the read error", a, err)
		}
		st.fail.Store(nil)
		time.Sleep(time.Second) // the reader's pause is at most a second
		if a, err := c.Query(context.Background(), target, twohost.Query{Proto: wire.ProtoUDP}); err != nil || a.State != wire.StateTTLZero {
			t.Errorf("query after reads recovered: %+v, %v", a, err)
		}
	})
}

// TestClientBadInput checks the errors of requests no client can send;
// nothing is sent.
func TestClientBadInput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, tp, c := chainWorld(t, twohost.ClientConfig{})
		target := hostAddr(t, tp, "h1", false)
		ctx := context.Background()
		if _, err := c.Query(ctx, netip.Addr{}, twohost.Query{}); !errors.Is(err, meas.ErrBadRequest) {
			t.Errorf("query without responder: %v", err)
		}
		for _, req := range []meas.TwoHostRequest{
			{},
			{Dst: target, FirstTTL: 9, MaxTTL: 3},
			{Dst: target, Flow: meas.Flow{Proto: 47}},
			{Dst: target, Src: hostAddr(t, tp, "h0", true)},
		} {
			if _, err := c.TwoHostTrace(ctx, req); !errors.Is(err, meas.ErrBadRequest) {
				t.Errorf("%+v: %v, want ErrBadRequest", req, err)
			}
		}
		if _, err := c.TwoHostTrace(ctx, meas.TwoHostRequest{Dst: target, Src: target}); !errors.Is(err, meas.ErrNoSource) {
			t.Errorf("a source not the client's: %v, want ErrNoSource", err)
		}
		if n := len(w.n.Sent()); n != 0 {
			t.Errorf("%d requests sent", n)
		}
	})
}
