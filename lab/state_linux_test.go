package lab

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/revtr/revtr/topo"
)

func TestOpenStatusDo(t *testing.T) {
	tp := chain(t, 3)
	l := upLab(t, tp)
	o, err := Open(l.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(o.Topology().Nodes, tp.Nodes) {
		t.Errorf("Open: topology differs from the one built")
	}
	sts, err := Status()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, st := range sts {
		if st.Name == l.Name() {
			found = true
			if st.Routers != 3 || st.Hosts != 2 || st.Namespaces != 5 || !st.Complete {
				t.Errorf("Status: %+v, want 3 routers, 2 hosts, 5 namespaces, complete", st)
			}
		}
	}
	if !found {
		t.Errorf("Status does not list lab %s: %+v", l.Name(), sts)
	}
	// Do runs inside the node: it sees exactly the node's interfaces.
	var names []string
	err = o.Do("r1", func() error {
		ifs, err := net.Interfaces()
		for _, i := range ifs {
			names = append(names, i.Name)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names, " "); got != "lo e0 e1" {
		t.Errorf("interfaces seen by Do in r1: %q, want \"lo e0 e1\"", got)
	}
	if err := o.Do("nope", func() error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("Do on unknown node: %v, want ErrNotFound", err)
	}
	if _, err := Open("no_such_lab"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open unknown lab: %v, want ErrNotFound", err)
	}
}

// TestRemoveAfterCrash leaves labs behind as a crashed process would (no
// state file, no Lab value): Remove takes exactly one lab, DownAll every lab
// with the prefix.
func TestRemoveAfterCrash(t *testing.T) {
	needRoot(t)
	name := uniqueName()
	names := []string{name, name + "0", name + "1"}
	tp := chain(t, 2)
	for _, n := range names {
		if err := build(context.Background(), tp, n, 4, nil); err != nil {
			t.Fatal(err)
		}
		if left, _ := listNS(labPrefix(n)); len(left) != len(tp.Nodes) {
			t.Fatalf("built %d namespaces, want %d", len(left), len(tp.Nodes))
		}
	}
	if err := Remove(name); err != nil {
		t.Fatal(err)
	}
	if left, _ := listNS(labPrefix(name)); len(left) > 0 {
		t.Errorf("Remove left %v", left)
	}
	if left, _ := listNS(labPrefix(name + "0")); len(left) != len(tp.Nodes) {
		t.Errorf("Remove(%s) took namespaces of lab %s0: %d left", name, name, len(left))
	}
	// A corrupt state file: listed as incomplete, removed with the rest.
	if err := os.WriteFile(statePath(StateDir, name+"0"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	sts, err := Status()
	if err != nil {
		t.Fatalf("Status with a corrupt state file: %v", err)
	}
	listed := false
	for _, st := range sts {
		if st.Name == name+"0" {
			listed = true
			if st.Complete || st.Namespaces != len(tp.Nodes) {
				t.Errorf("crashed lab with a corrupt state file: %+v, want incomplete with %d namespaces", st, len(tp.Nodes))
			}
		}
	}
	if !listed {
		t.Errorf("Status does not list the crashed lab %s0", name)
	}
	if _, err := Open(name + "0"); err == nil {
		t.Errorf("Open with a corrupt state file succeeded")
	}
	if err := DownAll(name); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(statePath(StateDir, name+"0")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("DownAll left the state file: %v", err)
	}
	for _, n := range names {
		if left, _ := listNS(labPrefix(n)); len(left) > 0 {
			t.Errorf("DownAll(%s) left %v", name, left)
		}
	}
}

func TestUpBadInput(t *testing.T) {
	ctx := context.Background()
	good := chain(t, 2)
	for _, tc := range []struct {
		name, lab string
		tp        func() *topo.Topology
		want      error
	}{
		{"empty name", "", func() *topo.Topology { return good }, ErrBadName},
		{"dash in name", "a-b", func() *topo.Topology { return good }, ErrBadName},
		{"nil topology", "x", func() *topo.Topology { return nil }, ErrBadTopology},
		{"public address", "x", func() *topo.Topology {
			tp := chain(t, 2)
			tp.Nodes[0].Ifaces[0].Addr = netip.MustParsePrefix("8.8.8.8/31")
			return tp
		}, ErrBadTopology},
		{"long interface name", "x", func() *topo.Topology {
			tp := chain(t, 2)
			tp.Nodes[0].Ifaces[0].Name = "a_very_long_interface"
			return tp
		}, ErrBadTopology},
		{"bad next hop", "x", func() *topo.Topology {
			tp := chain(t, 2)
			tp.Nodes[0].Routes[0].NextHops[0].Iface = 9
			return tp
		}, ErrBadTopology},
		{"byte above 251 on non-stamping router", "x", func() *topo.Topology {
			tp := chain(t, 2)
			tp.Nodes[0].Behaviour.NoRRStamp = true
			tp.Nodes[0].Ifaces[0].Addr = netip.MustParsePrefix("10.9.9.252/31")
			return tp
		}, ErrBadTopology},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Up(ctx, tc.tp(), tc.lab); !errors.Is(err, tc.want) {
				t.Errorf("Up: %v, want %v", err, tc.want)
			}
		})
	}
}

// TestUpFailureCleansUp makes the kernel refuse a route halfway through the
// build: Up reports it and leaves nothing behind.
func TestUpFailureCleansUp(t *testing.T) {
	needRoot(t)
	tp := chain(t, 3)
	r1 := node(t, tp, "r1")
	r1.Routes[0].NextHops[0].Gateway = netip.MustParseAddr("10.255.255.1") // not on any link
	name := uniqueName()
	_, err := Up(context.Background(), tp, name)
	if err == nil || !strings.Contains(err.Error(), "route") {
		t.Fatalf("Up with an unreachable gateway: %v, want a route error", err)
	}
	if left, _ := listNS(labPrefix(name)); len(left) > 0 {
		t.Errorf("failed Up left %v", left)
	}
	if _, err := os.Stat(statePath(StateDir, name)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("failed Up left a state file: %v", err)
	}
}

func TestUpTwiceAndCancel(t *testing.T) {
	tp := chain(t, 2)
	l := upLab(t, tp)
	if _, err := Up(context.Background(), tp, l.Name()); !errors.Is(err, ErrExists) {
		t.Errorf("second Up with the same name: %v, want ErrExists", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	name := uniqueName()
	if _, err := Up(ctx, chain(t, 20), name); !errors.Is(err, context.Canceled) {
		t.Errorf("Up with a cancelled context: %v, want context.Canceled", err)
	}
	if left, _ := listNS(labPrefix(name)); len(left) > 0 {
		t.Errorf("cancelled Up left %v", left)
	}
}

func TestExec(t *testing.T) {
	l := upLab(t, chain(t, 1))
	out, err := exe(t, l, "r0", "cat", "/proc/sys/net/ipv4/conf/all/forwarding")
	if err != nil || strings.TrimSpace(out) != "1" {
		t.Errorf("Exec in router: forwarding %q, %v; want 1", out, err)
	}
	var ee *exec.ExitError
	if _, err := exe(t, l, "h0", "false"); !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("Exec false: %v, want exit status 1", err)
	}
	if _, err := exe(t, l, "nope", "true"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Exec on unknown node: %v, want ErrNotFound", err)
	}
	if err := l.Exec(context.Background(), "h0", nil, Stdio{}); err == nil {
		t.Errorf("Exec with no command succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Exec(ctx, "h0", []string{"sleep", "10"}, Stdio{}); err == nil {
		t.Errorf("Exec with a cancelled context succeeded")
	}
}

// TestUpProgressAndDir builds a lab with progress reports, which must
// count every step to the total, and checks that the lab's directory
// goes with it: with Down, and with Remove after a crash.
func TestUpProgressAndDir(t *testing.T) {
	needRoot(t)
	tp := chain(t, 3)
	name := uniqueName()
	var mu sync.Mutex
	calls, last, total := 0, 0, 0
	l, err := UpProgress(context.Background(), tp, name, func(done, all int) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		last, total = max(last, done), all
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := buildPhases * len(tp.Nodes); calls != want || last != want || total != want {
		t.Errorf("progress: %d calls, last %d of %d; want %d of %d", calls, last, total, want, want)
	}
	put := func() string {
		t.Helper()
		if err := os.MkdirAll(Dir(name), 0o700); err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(Dir(name), "revtr.db")
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	f := put()
	if err := l.Down(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Down left %s: %v", f, err)
	}
	// A crash: namespaces and the directory, no Lab value.
	if err := build(context.Background(), tp, name, 4, nil); err != nil {
		t.Fatal(err)
	}
	put()
	if err := Remove(name); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(Dir(name)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Remove left %s: %v", Dir(name), err)
	}
}
