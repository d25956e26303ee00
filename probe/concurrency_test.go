package probe_test

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
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/wire"
)

// TestSpoofedRRTimeoutFromSending: the vantage point's prober (5 tokens
// a second, bucket 1) has no token left when a spoofed Record Route ping
// with an 80 ms timeout starts, and waits 148 ms for one; the reply, 52 ms
// after the probe left, is still captured, and its RTT counts from the
// transmission.
func TestSpoofedRRTimeoutFromSending(t *testing.T) {
	tp := build(t)(topotest.MultiAS())
	synctest.Test(t, func(t *testing.T) {
		w := newSimWorld(t, tp)
		hs, hd, hw := hostAddr(t, tp, "h0", false), hostAddr(t, tp, "h1", false), hostAddr(t, tp, "h2", false)
		g := probe.NewGroup()
		for _, h := range []struct {
			name string
			cfg  probe.Config
		}{{"h0", probe.Config{}}, {"h2", probe.Config{Rate: 5, Burst: 1, AllowSpoof: []netip.Addr{hs}}}} {
			if err := g.Add(w.prober(t, h.name, h.cfg)); err != nil {
				t.Fatal(err)
			}
		}
		ctx := context.Background()
		req := meas.RRRequest{Src: hs, Dst: hd, Sender: hw}
		start := time.Now()
		first, err := g.RecordRoute(ctx, req) // takes the only token
		if err != nil || !first.Replied || first.RTT >= 80*time.Millisecond {
			t.Fatalf("first spoofed RR: %+v, %v; want a reply within 80 ms", first, err)
		}
		req.Timeout = 80 * time.Millisecond
		rr, err := g.RecordRoute(ctx, req)
		if err != nil || !rr.Replied {
			t.Fatalf("spoofed RR sent after a %v wait for a token: %+v, %v; want the reply", 200*time.Millisecond-first.RTT, rr, err)
		}
		if el := time.Since(start); rr.RTT != first.RTT || el != 200*time.Millisecond+rr.RTT {
			t.Errorf("RTT %v, done %v after the first probe, want the round trip (%v) alone after the next token, at 200 ms", rr.RTT, el, first.RTT)
		}
	})
}

// TestCloseEndsTokenWait: a probe waiting for its rate token fails with
// ErrClosed as soon as the prober is closed, not once the token comes.
func TestCloseEndsTokenWait(t *testing.T) {
	tp := build(t)(topotest.Chain(1))
	synctest.Test(t, func(t *testing.T) {
		w := newSimWorld(t, tp)
		p := w.prober(t, "h0", probe.Config{Rate: 1, Burst: 1})
		pr := probe.Probe{Dst: hostAddr(t, tp, "h1", false)}
		if _, err := p.Probe(context.Background(), pr); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		errc := make(chan error)
		go func() {
			_, err := p.Start(context.Background(), pr)
			errc <- err
		}()
		time.Sleep(100 * time.Millisecond)
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-errc; !errors.Is(err, probe.ErrClosed) || time.Since(start) != 100*time.Millisecond {
			t.Errorf("probe waiting for a token at Close: %v after %v, want ErrClosed at once", err, time.Since(start))
		}
		if n := len(w.n.Sent()); n != 1 {
			t.Errorf("%d probes sent, want 1", n)
		}
	})
}

// failing is a stack whose receive sockets fail every read while fail
// holds an error, as a socket does whose interface went down.
type failing struct {
	probe.Stack
	fail  atomic.Pointer[error]
	mu    sync.Mutex
	reads []time.Time // of the IPv4 ICMP socket, failed or not
}

func (f *failing) OpenRecv(v6 bool, proto wire.Proto) (probe.Conn, error) {
	c, err := f.Stack.OpenRecv(v6, proto)
	if err != nil {
		return nil, err
	}
	return &failingConn{Conn: c, f: f, log: !v6 && proto == wire.ProtoICMP}, nil
}

type failingConn struct {
	probe.Conn
	f   *failing
	log bool
}

func (c *failingConn) Recv(b []byte) (int, netip.Addr, error) {
	if c.log {
		c.f.mu.Lock()
		c.f.reads = append(c.f.reads, time.Now())
		c.f.mu.Unlock()
	}
	if err := c.f.fail.Load(); err != nil {
		return 0, netip.Addr{}, *err
	}
	return c.Conn.Recv(b)
}

// TestReadErrors: while the receive sockets fail, the readers retry at a
// falling pace instead of spinning, and a probe that times out fails with
// the read error instead of claiming no answer came; once reads succeed
// again, probes are answered; Close ends the readers in their pause.
func TestReadErrors(t *testing.T) {
	tp := build(t)(topotest.Chain(1))
	synctest.Test(t, func(t *testing.T) {
		w := newSimWorld(t, tp)
		h, err := w.n.Host("h0")
		if err != nil {
			t.Fatal(err)
		}
		st := &failing{Stack: h}
		down := errors.New("network is down")
		st.fail.Store(&down)
		p, err := probe.New(probe.Config{Stack: st, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		pr := probe.Probe{Dst: hostAddr(t, tp, "h1", false)}
		if r, err := p.Probe(context.Background(), pr); !errors.Is(err, down) {
			t.Errorf("probe while reads fail: %+v, %v; want the read error", r, err)
		}
		st.mu.Lock()
		reads := len(st.reads)
		st.mu.Unlock()
		if reads < 5 || reads > 10 { // 10, 20, …, 640 ms pauses within the second
			t.Errorf("%d reads in the second reads failed, want a few, paced", reads)
		}
		st.fail.Store(nil)
		time.Sleep(time.Second) // the readers' pause is at most a second
		if r, err := p.Probe(context.Background(), pr); err != nil || r.Reply != meas.EchoReply {
			t.Errorf("probe after reads recovered: %+v, %v", r, err)
		}
		s := p.Stats()
		if s.ReadErrors == 0 || s.TimedOut != 0 || s.Matched != 1 {
			t.Errorf("stats %+v, want read errors, no timeout, one match", s)
		}
		st.fail.Store(&down)
		time.Sleep(100 * time.Millisecond)
		start := time.Now()
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("Close took %v while the readers paused", d)
		}
	})
}
