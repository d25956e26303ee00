package probe_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

// TestShortTraceAsFastAsTraceroute: a trace of 9 hops, all answering, by a
// new prober at the default rate and at the command line's (50 packets/s)
// completes within twice the wall time of traceroute(8) run in the same
// test — median of 5 runs each, interleaved; our time includes opening the
// prober's sockets, traceroute's its start. The token bucket's burst
// covers the first window, so the trace takes about one round trip rather
// than one rate interval per hop (at 50 packets/s, 160 ms).
func TestShortTraceAsFastAsTraceroute(t *testing.T) {
	needTool(t, "traceroute")
	tp := build(t)(topotest.Chain(8))
	l := labtest.Up(t, tp)
	dst := hostAddr(t, tp, "h1", false)
	rates := []float64{0, 50}
	var ref []time.Duration
	ours := make([][]time.Duration, len(rates))
	for range 5 {
		start := time.Now()
		var out bytes.Buffer
		if err := l.Exec(context.Background(), "h0", []string{"traceroute", "-n", "-q", "1", dst.String()}, lab.Stdio{Stdout: &out}); err != nil {
			t.Fatalf("traceroute: %v\n%s", err, out.String())
		}
		ref = append(ref, time.Since(start))
		if hops := traceHops(out.String()); len(hops) != 9 || slices.Contains(hops, netip.Addr{}) {
			t.Fatalf("traceroute(8) saw %v, want 9 answering hops", hops)
		}
		for i, rate := range rates {
			ours[i] = append(ours[i], timeTrace(t, l, probe.Config{Rate: rate}, dst))
		}
	}
	r := median(ref)
	for i, rate := range rates {
		o := median(ours[i])
		t.Logf("rate %v: ours %v, traceroute(8) %v (%.2fx); ours %v, traceroute(8) %v", rate, o, r, float64(o)/float64(r), ours[i], ref)
		if o > 2*r {
			t.Errorf("rate %v: a short trace took %v, more than twice traceroute(8)'s %v", rate, o, r)
		}
	}
}

// timeTrace opens a prober on h0, traces UDP to dst, closes the prober and
// returns the time all that took.
func timeTrace(t *testing.T, l *lab.Lab, cfg probe.Config, dst netip.Addr) time.Duration {
	t.Helper()
	start := time.Now()
	p, err := lab.OpenIn(l, "h0", func() (*probe.Prober, error) { return probe.New(cfg) })
	if err != nil {
		t.Fatal(err)
	}
	tr, err := p.Traceroute(context.Background(), meas.TraceRequest{Dst: dst, Flow: meas.Flow{Proto: meas.UDP}})
	if cerr := p.Close(); err == nil {
		err = cerr
	}
	el := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Stop != meas.StopCompleted || len(tr.Hops) != 9 {
		t.Fatalf("trace: stop %v, %d hops", tr.Stop, len(tr.Hops))
	}
	return el
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestSustainedRate loads a prober beyond its rate — a multipath trace and
// four traceroutes at once — and checks, from the send times tcpdump
// records on the host's interface, that it never sent faster than the
// token bucket allows: at most Burst + Rate·T probes in any interval of
// length T (one more for capture jitter), and at most Rate per second over
// the whole run once the first burst is out. The first burst does leave at
// once.
func TestSustainedRate(t *testing.T) {
	tp := build(t)(topotest.Diamond())
	inWorlds(t, tp, func(t *testing.T, w world) { sustainedRate(t, w, tp) })
}

func sustainedRate(t *testing.T, w world, tp *topo.Topology) {
	const rate, burst = 50, meas.DefaultWindow
	p := w.prober(t, "h0", probe.Config{Rate: rate, Timeout: time.Second})
	src, dst := hostAddr(t, tp, "h0", false), hostAddr(t, tp, "h1", false)
	before := p.Stats().Sent
	stamps := w.sendTimes(t, "h0", src, func() int {
		var eg errgroup.Group
		eg.Go(func() error {
			_, err := p.Multipath(context.Background(), meas.MultipathRequest{Dst: dst, Proto: meas.UDP})
			return err
		})
		for i := range 4 {
			eg.Go(func() error {
				_, err := p.Traceroute(context.Background(), meas.TraceRequest{Dst: dst, Flow: meas.Flow{Proto: meas.TCP, ID: uint16(41000 + i)}})
				return err
			})
		}
		if err := eg.Wait(); err != nil {
			t.Fatal(err)
		}
		return int(p.Stats().Sent - before)
	})
	n := len(stamps)
	span := stamps[n-1].Sub(stamps[0])
	t.Logf("%d probes in %v: %.0f/s overall, %.0f/s after the first %d", n, span,
		float64(n)/span.Seconds(), float64(n-burst)/span.Seconds(), burst)
	if n < 3*burst {
		t.Fatalf("only %d probes sent: not enough load to test the rate", n)
	}
	for i := range stamps {
		for j := i + 1; j < n; j++ {
			if allowed := burst + 1 + rate*stamps[j].Sub(stamps[i]).Seconds(); float64(j-i+1) > allowed {
				t.Fatalf("probes %d..%d: %d in %v, the bucket allows %.1f", i, j, j-i+1, stamps[j].Sub(stamps[i]), allowed)
			}
		}
	}
	if got := float64(n-burst) / span.Seconds(); got > rate*1.02 {
		t.Errorf("sustained %.0f probes/s, configured %d", got, rate)
	}
	// Paced one by one, the first window would take (burst-1)/rate
	// (300 ms); a bucket a window deep sends it at once. Half of the
	// paced time leaves room for a loaded machine's scheduling.
	paced := time.Duration(float64(burst-1) / rate * float64(time.Second))
	if first := stamps[burst-1].Sub(stamps[0]); first > paced/2 {
		t.Errorf("the first %d probes took %v to leave, paced they would take %v: no burst", burst, first, paced)
	}
}

// sendTimes runs load while tcpdump records the IPv4 packets node sends
// from src on e0, and returns their timestamps. load returns how many
// probes it sent: sendTimes waits until tcpdump has reported that many.
func (w labWorld) sendTimes(t testing.TB, node string, src netip.Addr, load func() int) []time.Time {
	t.Helper()
	needTool(t, "tcpdump")
	l := w.l
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	outR, outW := io.Pipe()
	errR, errW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		argv := []string{"tcpdump", "-i", "e0", "-Q", "out", "-n", "-l", "-tt", "--immediate-mode", "ip and src host " + src.String()}
		err := l.Exec(ctx, node, argv, lab.Stdio{Stdout: outW, Stderr: errW})
		outW.Close()
		errW.Close()
		done <- err
	}()
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(errR)
		for sc.Scan() && !strings.Contains(sc.Text(), "listening on") {
		}
		close(listening)
		io.Copy(io.Discard, errR)
	}()
	var mu sync.Mutex
	var stamps []time.Time
	got := sync.NewCond(&mu)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			ts, err := parseStamp(sc.Text())
			mu.Lock()
			if err == nil {
				stamps = append(stamps, ts)
			}
			got.Broadcast()
			mu.Unlock()
		}
		mu.Lock()
		got.Broadcast()
		mu.Unlock()
	}()
	select {
	case <-listening:
	case err := <-done:
		t.Fatalf("tcpdump ended before listening: %v", err)
	}
	want := load()
	timeout := time.AfterFunc(10*time.Second, func() { cancel(); mu.Lock(); got.Broadcast(); mu.Unlock() })
	defer timeout.Stop()
	mu.Lock()
	for len(stamps) < want && ctx.Err() == nil {
		got.Wait()
	}
	out := slices.Clone(stamps)
	mu.Unlock()
	cancel()
	<-done
	if len(out) != want {
		t.Fatalf("tcpdump saw %d probes, the prober sent %d", len(out), want)
	}
	return out
}

// parseStamp reads the epoch timestamp tcpdump -tt starts a line with.
func parseStamp(line string) (time.Time, error) {
	f, _, _ := strings.Cut(line, " ")
	sec, frac, ok := strings.Cut(f, ".")
	if !ok || len(frac) != 6 {
		return time.Time{}, fmt.Errorf("no timestamp in %q", line)
	}
	s, err1 := strconv.ParseInt(sec, 10, 64)
	us, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil {
		return time.Time{}, fmt.Errorf("no timestamp in %q", line)
	}
	return time.Unix(s, us*1000), nil
}
