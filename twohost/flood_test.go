package twohost_test

import (
	"context"
	"encoding/binary"
	"maps"
	"math/rand/v2"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/twohost"
	"github.com/revtr/revtr/wire"
)

// floodPerHost is how many packets each flooding host sends.
const floodPerHost = 4000

// TestFlood sends a bounded burst of malformed and valid requests from
// three lab hosts at once to one responder whose probes go unanswered
// (the flooders ignore echo requests), and checks that the session table
// never exceeds its limit, the admitted requests stay within the global
// and per-requester rates, memory stays bounded, every malformed packet
// is counted, and the responder still serves afterwards.
func TestFlood(t *testing.T) {
	tp, err := topotest.MultiAS()
	l := upLab(t, tp, err)
	cfg := twohost.ResponderConfig{MaxSessions: 64, Timeout: 300 * time.Millisecond,
		Rate: 2000, Burst: 200, RequesterRate: 300, RequesterBurst: 50}
	r := startResponder(t, l, "h1", cfg)
	target := hostAddr(t, tp, "h1", false)
	flooders := []string{"h0", "h2", "h3"}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	var wg sync.WaitGroup
	malformed := make([]int, len(flooders))
	for i, h := range flooders {
		ignoreEcho(t, l, h)
		s := rawICMP(t, l, h)
		wg.Go(func() { malformed[i] = flood(t, s, target, uint64(i)) })
	}
	wg.Wait()
	st := settled(t, r)
	elapsed := time.Since(start)
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	sent := 0
	for _, m := range malformed {
		sent += m
	}
	admitted := st.Requests - st.Refused[twohost.ReasonGlobalRate] - st.Refused[twohost.ReasonRequesterRate]
	globalBound := float64(cfg.Burst) + cfg.Rate*elapsed.Seconds()
	perBound := float64(len(flooders)) * (float64(cfg.RequesterBurst) + cfg.RequesterRate*elapsed.Seconds())
	t.Logf("%v: %d requests, %d admitted (bounds %.0f global, %.0f per requester), refused %v, most sessions %d, heap %+d KiB",
		elapsed, st.Requests, admitted, globalBound, perBound, st.Refused, st.MaxSessions, (int64(after.HeapInuse)-int64(before.HeapInuse))/1024)
	switch {
	case st.MaxSessions > cfg.MaxSessions:
		t.Errorf("session table held %d sessions, limit %d", st.MaxSessions, cfg.MaxSessions)
	case st.Refused[twohost.ReasonTableFull] == 0 || st.Refused[twohost.ReasonRequesterRate] == 0:
		t.Errorf("the flood did not reach the limits: refused %v", st.Refused)
	case float64(admitted) > globalBound || float64(admitted) > perBound:
		t.Errorf("%d requests admitted in %v: over the rate limits", admitted, elapsed)
	case st.Refused[twohost.ReasonMalformed] == 0 || st.Refused[twohost.ReasonMalformed] > uint64(sent):
		t.Errorf("%d malformed counted, %d sent", st.Refused[twohost.ReasonMalformed], sent)
	case int64(after.HeapInuse)-int64(before.HeapInuse) > 16<<20:
		t.Errorf("heap grew by %d bytes", after.HeapInuse-before.HeapInuse)
	}
	c := newClient(t, l, "h0", fastClient())
	if p, err := c.Check(context.Background(), target); p != twohost.Running || err != nil {
		t.Errorf("after the flood: %v, %v", p, err)
	}
}

// ignoreEcho makes node ignore echo requests, so that the responder's
// ICMP probes toward it stay unanswered until the session timeout.
func ignoreEcho(t *testing.T, l *lab.Lab, node string) {
	t.Helper()
	err := l.Do(node, func() error {
		return os.WriteFile("/proc/sys/net/ipv4/icmp_echo_ignore_all", []byte("1"), 0o644)
	})
	if err != nil {
		t.Fatalf("ignore echo on %s: %v", node, err)
	}
}

// rawICMP opens a raw ICMP socket on node (the kernel adds the IP header
// and leaves the ICMP checksum as given), closed when the test ends.
func rawICMP(t *testing.T, l *lab.Lab, node string) int {
	t.Helper()
	var fd int
	err := l.Do(node, func() error {
		var err error
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP)
		return err
	})
	if err != nil {
		t.Fatalf("raw socket on %s: %v", node, err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// flood sends floodPerHost packets to target: one in two a valid request
// for an ICMP probe at TTL 64, the others malformed (truncated, bad
// checksum, undefined padding of a bad length). It returns how many
// malformed ones it sent.
func flood(t *testing.T, fd int, target netip.Addr, seed uint64) int {
	rng := rand.New(rand.NewPCG(seed, 1))
	sa := &unix.SockaddrInet4{Addr: target.As4()}
	malformed := 0
	for i := range floodPerHost {
		req := wire.TwoHostRequest{ID: uint16(i), TTL: 64, Proto: wire.ProtoICMP, Flow: uint16(rng.IntN(0xfff0))}
		req.SetChecksum(target, target)
		b, _ := req.AppendBinary(nil)
		switch i % 4 {
		case 1:
			b = b[:8] // no TTL, protocol, flow
			b[2], b[3] = 0, 0
			binary.BigEndian.PutUint16(b[2:], wire.Checksum(b))
			malformed++
		case 3:
			b[2] ^= 0x5a // bad checksum
			malformed++
		}
		if err := unix.Sendto(fd, b, 0, sa); err != nil && err != unix.ENOBUFS {
			t.Errorf("flood send: %v", err)
			return malformed
		}
	}
	return malformed
}

// settled returns the responder's counters once they stop moving: after a
// flood it is still reading the packets queued on its socket, and a
// snapshot taken meanwhile counts refusals its request count predates.
func settled(t *testing.T, r *twohost.Responder) twohost.Stats {
	t.Helper()
	st := r.Stats()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		next := r.Stats()
		if next.Requests == st.Requests && maps.Equal(next.Refused, st.Refused) {
			return next
		}
		st = next
	}
	t.Fatal("the responder's counters still move 10 s after the flood")
	return st
}
