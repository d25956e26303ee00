package demo

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
)

func TestNeedsHosts(t *testing.T) {
	tp, err := topotest.Diamond()
	if err != nil {
		t.Fatal(err)
	}
	for i := range tp.Nodes {
		tp.Nodes[i].Role.Destination = false
	}
	_, err = Run(context.Background(), Config{Topology: tp, Out: &bytes.Buffer{}, Revtr: "/nonexistent"})
	if !errors.Is(err, ErrNoHosts) {
		t.Fatalf("Run on a topology without destinations = %v, want ErrNoHosts", err)
	}
}

// TestRequests asks for every destination back to every source, never a
// source back to itself, destination by destination up to the bound.
func TestRequests(t *testing.T) {
	tp, err := topo.Generate(1, topo.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	dsts := destinations(tp)
	srcs := []netip.Addr{dsts[0], netip.MustParseAddr("10.255.0.1")} // a source that is a destination too
	all := requests(Config{Topology: tp}, srcs)
	if len(all) != 2*len(dsts)-1 {
		t.Fatalf("%d requests for %d destinations and 2 sources (one of them a destination), want %d", len(all), len(dsts), 2*len(dsts)-1)
	}
	for _, r := range all {
		if r.Src == r.Dst || !r.TwoHost || !r.IsRunForwardTraceroute || r.Label != label {
			t.Errorf("request %+v", r)
		}
	}
	few := requests(Config{Topology: tp, Revtrs: 5}, srcs)
	if len(few) != 5 || few[0].Dst != dsts[0].String() || few[4].Dst != dsts[2].String() {
		t.Errorf("5 requests: %+v, want the first three destinations'", few)
	}
}

func resultOf(id uint32, types ...revtr.HopType) result {
	r := result{detail: controller.RevtrDetail{RevtrRow: controller.RevtrRow{ID: id}}}
	r.res.ID, r.res.Stop = uint64(id), revtr.Reaches
	for _, ht := range types {
		r.res.Hops = append(r.res.Hops, revtr.Hop{Type: ht})
	}
	return r
}

// TestPick shows a reverse traceroute per technique first, in ID order.
func TestPick(t *testing.T) {
	failed := resultOf(1, revtr.HopDestination, revtr.HopTwoHost)
	failed.res.Stop = revtr.Failed
	rs := []result{failed, resultOf(2, 1, revtr.HopRR), resultOf(3, 1, revtr.HopRR), resultOf(4, 1, revtr.HopSpoofedRR),
		resultOf(5, 1, revtr.HopTwoHost), resultOf(6, 1, revtr.HopRR)}
	ids := func(rs []result) (out []uint32) {
		for _, r := range rs {
			out = append(out, r.detail.ID)
		}
		return out
	}
	if got := ids(pick(rs, 2)); len(got) != 2 || got[0] != 4 || got[1] != 5 {
		t.Errorf("pick 2 = %v, want [4 5] (two-host, spoofed RR)", got)
	}
	if got := ids(pick(rs, 4)); len(got) != 4 || got[0] != 2 || got[1] != 3 || got[3] != 5 {
		t.Errorf("pick 4 = %v, want [2 3 4 5]", got)
	}
	if got := pick(rs, 10); len(got) != 5 {
		t.Errorf("pick 10 = %v, want the 5 that reached", ids(got))
	}
}

func TestTable(t *testing.T) {
	rows := table([][]string{{"title"}, {"ttl", "address", "AS"}, {"10", "10.0.0.1", "AS1"}, {"9", "*"}})
	want := []string{"title", "ttl  address   AS", " 10  10.0.0.1  AS1", "  9  *"}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("table:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

// TestListen resolves port 0 to a free port and refuses a taken one.
func TestListen(t *testing.T) {
	a, err := Config{Listen: "127.0.0.1:0"}.listen()
	if err != nil || strings.HasSuffix(a, ":0") {
		t.Errorf("listen 127.0.0.1:0 = %q, %v; want a port", a, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if a, err := (Config{Listen: ln.Addr().String()}).listen(); err == nil {
		t.Errorf("listen on a taken port = %q, want an error", a)
	}
}

// TestProcessStop kills a child that ignores SIGTERM once the timeout
// has passed, and says so.
func TestProcessStop(t *testing.T) {
	log := filepath.Join(t.TempDir(), "child.log")
	p, err := startProcess("stubborn", "/bin/sh", []string{"-c", `trap "" TERM; echo up; while :; do sleep 0.05; done`}, log)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, log, "up")
	start := time.Now()
	err = p.stop(300 * time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "killed") || time.Since(start) < 300*time.Millisecond {
		t.Errorf("stop of a child ignoring SIGTERM = %v after %v, want killed after 300ms", err, time.Since(start))
	}
	if _, err := startProcess("missing", filepath.Join(t.TempDir(), "nothing"), nil, log); err == nil {
		t.Error("starting a missing binary: no error")
	}
}

// waitFor waits until a log holds text.
func waitFor(t *testing.T, path, text string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, _ := os.ReadFile(path); strings.Contains(string(b), text) {
			return
		}
	}
	t.Fatalf("%s never held %q", path, text)
}
