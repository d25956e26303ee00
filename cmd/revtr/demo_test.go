package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/eval"
	"github.com/revtr/revtr/topo"
)

// TestDemoSimulator runs `revtr demo --no-serve` on the simulator and
// holds its summary to what the API serves for the same batch.
func TestDemoSimulator(t *testing.T) {
	db := filepath.Join(t.TempDir(), "revtr.db")
	out, stderr, code := run(t, -1, "demo", "--sim", "--no-serve", "--listen", "127.0.0.1:0", "--db", db)
	if code != 0 {
		t.Fatalf("demo --sim --no-serve: status %d, stderr %q\n%s", code, stderr, out)
	}
	checkSummary(t, out, db)
	m := regexp.MustCompile(`log (\S+)/controller\.log\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no controller log in the output:\n%s", out)
	}
	if _, err := os.Stat(m[1]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the demo left its directory %s (%v)", m[1], err)
	}
}

// TestDemoLabNoServe runs `revtr demo --no-serve` in a lab: the
// controller process with agent processes on the sources and vantage
// points, and responder processes. Its summary must be what the API
// serves, and the lab and every process must be gone afterwards.
func TestDemoLabNoServe(t *testing.T) {
	name := demoLab(t)
	db := filepath.Join(t.TempDir(), "revtr.db")
	out, stderr, code := run(t, -1, "demo", "--name", name, "--no-serve", "--listen", "127.0.0.1:0", "--db", db)
	if code != 0 {
		t.Fatalf("demo --no-serve: status %d, stderr %q\n%s", code, stderr, out)
	}
	checkSummary(t, out, db)
	checkGone(t, name, out)
}

// TestDemoSIGTERM serves the demo's service, uses it, stops the demo
// with SIGTERM, and checks that nothing is left: namespaces, processes,
// files.
func TestDemoSIGTERM(t *testing.T) {
	name := demoLab(t)
	d := startDemo(t, name)
	get(t, d.ui, "", http.StatusOK)
	get(t, strings.TrimSuffix(d.ui, "/ui/")+"/api/v1/sources", d.key, http.StatusOK)
	d.cmd.Process.Signal(syscall.SIGTERM)
	if err := d.wait(); err != nil {
		t.Fatalf("demo after SIGTERM: %v\n%s", err, d.out())
	}
	checkGone(t, name, d.out())
}

// TestDemoCrash kills the demo: its controller must stop of itself
// (parent-death signal), and `revtr lab down` remove what is left.
func TestDemoCrash(t *testing.T) {
	name := demoLab(t)
	d := startDemo(t, name)
	d.cmd.Process.Kill()
	d.wait()
	for _, m := range anyPid.FindAllStringSubmatch(d.out(), -1) {
		pid, _ := strconv.Atoi(m[1])
		for deadline := time.Now().Add(time.Minute); alive(pid) && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		if alive(pid) {
			t.Fatalf("process %d (the controller, an agent or a responder) still running a minute after the demo was killed", pid)
		}
	}
	if _, err := lab.Open(name); err != nil {
		t.Fatalf("the killed demo's lab is not there to remove: %v", err)
	}
	if _, stderr, code := run(t, -1, "lab", "down", "--name", name); code != 0 {
		t.Fatalf("lab down after the crash: status %d: %s", code, stderr)
	}
	checkGone(t, name, d.out())
}

// demoLab names a lab for a demo test, as root.
func demoLab(t *testing.T) string {
	if os.Geteuid() != 0 {
		t.Skip("needs root: builds the demo lab in network namespaces")
	}
	name := fmt.Sprintf("demo%d_%d", os.Getpid(), demoSeq)
	demoSeq++
	t.Cleanup(func() { lab.Remove(name) })
	return name
}

var demoSeq int

// demoProc is a serving demo.
type demoProc struct {
	cmd        *exec.Cmd
	lines      chan string
	done       chan error
	text       strings.Builder
	ui, key    string
	controller int // its controller's pid
}

// startDemo runs `revtr demo` until it serves.
func startDemo(t *testing.T, name string) *demoProc {
	t.Helper()
	d := &demoProc{cmd: exec.Command(bin, "demo", "--name", name, "--listen", "127.0.0.1:0"), lines: make(chan string), done: make(chan error, 1)}
	stdout, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.cmd.Process.Kill() })
	go d.read(stdout)
	timeout := time.After(3 * time.Minute)
	for {
		select {
		case line, ok := <-d.lines:
			if !ok {
				t.Fatalf("demo ended before serving: %v\n%s", <-d.done, d.out())
			}
			d.parse(line)
			if strings.HasPrefix(line, "Ctrl-C") {
				if d.ui == "" || d.key == "" || d.controller == 0 {
					t.Fatalf("serving without its UI, key or controller pid:\n%s", d.out())
				}
				return d
			}
		case <-timeout:
			t.Fatalf("demo not serving after 3 minutes:\n%s", d.out())
		}
	}
}

func (d *demoProc) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		d.lines <- sc.Text()
	}
	close(d.lines)
	d.done <- d.cmd.Wait()
}

var (
	uiLine  = regexp.MustCompile(`^web UI +(\S+)`)
	keyLine = regexp.MustCompile(`^API key +(\S+)`)
	pidLine = regexp.MustCompile(`(?m)^controller: .*\(pid (\d+),`)
)

func (d *demoProc) parse(line string) {
	d.text.WriteString(line + "\n")
	if m := uiLine.FindStringSubmatch(line); m != nil {
		d.ui = m[1]
	}
	if m := keyLine.FindStringSubmatch(line); m != nil {
		d.key = m[1]
	}
	if m := pidLine.FindStringSubmatch(line); m != nil {
		d.controller, _ = strconv.Atoi(m[1])
	}
}

// wait reads the rest of the output and returns how the demo exited.
func (d *demoProc) wait() error {
	for line := range d.lines {
		d.parse(line)
	}
	return <-d.done
}

func (d *demoProc) out() string { return d.text.String() }

// alive reports whether a process runs (a zombie does not).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// checkGone checks that a demo left nothing: no namespace of its lab, no
// state file or lab directory, no controller process, no temporary
// directory.
func checkGone(t *testing.T, name, out string) {
	t.Helper()
	sts, err := lab.Status()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range sts {
		if st.Name == name {
			t.Errorf("lab %s left: %+v", name, st)
		}
	}
	for _, p := range []string{lab.Dir(name), filepath.Join(lab.StateDir, name+".json")} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("left %s (%v)", p, err)
		}
	}
	if pidLine.FindStringSubmatch(out) == nil {
		t.Errorf("no controller pid in the output:\n%s", out)
	}
	pids := anyPid.FindAllStringSubmatch(out, -1)
	if len(pids) < 2 {
		t.Errorf("%d pids in the output, want the controller's and the responders':\n%s", len(pids), out)
	}
	if want := wantAgents(t, out); want > 0 && want != len(anyPid.FindAllString(agentsLine.FindString(out), -1)) {
		t.Errorf("want a pid for each of the %d agents:\n%s", want, out)
	}
	for _, m := range pids {
		if pid, _ := strconv.Atoi(m[1]); alive(pid) {
			t.Errorf("process %d (the controller, an agent or a responder) still running", pid)
		}
	}
}

// agentsLine is where the demo lists its agents' processes.
var agentsLine = regexp.MustCompile(`(?m)^agents: .revtr agent .* in (\d+) sources and vantage points: .*$`)

// wantAgents is how many agents a lab demo's output says it started:
// one per source and vantage point of the default Internet (0 on the
// simulator, which has none).
func wantAgents(t *testing.T, out string) int {
	t.Helper()
	m := agentsLine.FindStringSubmatch(out)
	if m == nil {
		if strings.Contains(out, "network namespaces built") {
			t.Errorf("a lab demo without agents:\n%s", out)
		}
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	if n != 12 {
		t.Errorf("%d agents, want one per source and vantage point (12):\n%s", n, out)
	}
	return n
}

var anyPid = regexp.MustCompile(`\(pid (\d+)[,)]`)

func get(t *testing.T, url, key string, want int) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Revtr-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d: %s", url, resp.StatusCode, want, b)
	}
	return b
}

// checkSummary serves the database a demo kept with a controller of its
// own, reads the demo's batch through the API, scores it against the
// ground truth of the demo's Internet (the default one), and checks that
// the demo's summary says exactly that.
func checkSummary(t *testing.T, out, db string) {
	t.Helper()
	m := regexp.MustCompile(`== summary of batch (\d+):`).FindStringSubmatch(out)
	k := keyLine.FindStringSubmatch(lastLines(out, "API key"))
	if m == nil || k == nil {
		t.Fatalf("no batch or key in the output:\n%s", out)
	}
	base := serveDB(t, db)
	batch, key := m[1], k[1]
	var st controller.BatchStatus
	json.Unmarshal(get(t, base+"/api/v2/batches/"+batch, key, http.StatusOK), &st)
	var listing controller.RevtrsResult
	json.Unmarshal(get(t, base+"/api/v1/revtr?batchid="+batch, key, http.StatusOK), &listing)
	tp, err := topo.Generate(1, topo.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	want := figures(t, tp, get(t, base+"/api/v2/batches/"+batch+"/records", key, http.StatusOK), listing)
	want.forward(t, tp, base, key, listing)
	if st.Total != 40 || st.Reaches+st.Failed != st.Total || want.reached != st.Reaches {
		t.Errorf("batch %+v, %d reached in the records; want 40 done, every destination back to both sources", st, want.reached)
	}
	// Floors from what the engine reaches on this Internet (36 of 40:
	// the two destinations that ignore ping fail toward both sources).
	if st.Reaches < 34 || want.forwardOK != st.Total || want.as[eval.ASDiscrepant] > 2 || want.types[revtr.HopTwoHost] == 0 {
		t.Errorf("%d of %d reached, %d of the forward traceroutes right, %d discrepant, %d two-host hops",
			st.Reaches, st.Total, want.forwardOK, want.as[eval.ASDiscrepant], want.types[revtr.HopTwoHost])
	}
	for _, line := range want.lines(st.Total) {
		if !strings.Contains(out, line) {
			t.Errorf("the demo's summary lacks what the API says: %q\n%s", line, out)
		}
	}
}

// lastLines is the output from the last line starting with prefix.
func lastLines(out, prefix string) string {
	i := strings.LastIndex(out, "\n"+prefix)
	if i < 0 {
		return ""
	}
	return out[i+1:]
}

// serveDB runs `revtr controller` (no backend) on a database and
// returns its address.
func serveDB(t *testing.T, db string) string {
	t.Helper()
	cmd := exec.Command(bin, "controller", "--db", db, "--listen", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	listening := regexp.MustCompile(`msg=listening addr=(\S+)`)
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, stderr)
			return "http://" + m[1]
		}
	}
	t.Fatalf("controller on %s ended before serving", db)
	return ""
}

// apiFigures are a batch's figures computed from the API's answers.
type apiFigures struct {
	reached, exact, consistent, hops, wrong int
	as                                      [3]int
	types                                   map[revtr.HopType]int
	cost                                    revtr.Cost
	forwards, forwardOK                     int
}

// figures scores the records (JSON Lines) and adds up the listing's
// statistics.
func figures(t *testing.T, tp *topo.Topology, records []byte, listing controller.RevtrsResult) apiFigures {
	t.Helper()
	f := apiFigures{types: map[revtr.HopType]int{}}
	for _, line := range strings.Split(strings.TrimSpace(string(records)), "\n") {
		var rec revtr.Record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("record %q: %v", line, err)
		}
		res, err := rec.Result()
		if err != nil || res.Stop != revtr.Reaches {
			continue
		}
		sc, err := eval.ScoreResult(tp, res)
		if err != nil {
			t.Fatal(err)
		}
		f.reached++
		f.as[sc.AS]++
		f.hops += sc.Hops
		f.wrong += sc.Wrong
		if sc.Exact {
			f.exact++
		}
		if sc.Consistent {
			f.consistent++
		}
		for _, h := range res.Hops[1:] {
			f.types[h.Type]++
		}
	}
	for _, r := range listing.Revtrs {
		if s := r.Stats; s != nil {
			f.cost = f.cost.Add(revtr.Cost{RR: int(s.RRProbes), SpoofedRR: int(s.SpoofedRRProbes), Trace: int(s.TracerouteProbes),
				Ping: int(s.PingProbes), RTT: int(s.RTTProbes), TwoHost: int(s.TwoHostProbes)})
		}
	}
	return f
}

// forward checks every reverse traceroute's forward traceroute against
// the ground truth.
func (f *apiFigures) forward(t *testing.T, tp *topo.Topology, base, key string, listing controller.RevtrsResult) {
	t.Helper()
	for _, r := range listing.Revtrs {
		var d controller.RevtrDetail
		json.Unmarshal(get(t, fmt.Sprintf("%s/api/v2/revtrs/%d", base, r.ID), key, http.StatusOK), &d)
		if d.ForwardTrace == nil {
			continue
		}
		f.forwards++
		tr := meas.Trace{Src: netip.MustParseAddr(d.ForwardTrace.Src), Dst: netip.MustParseAddr(d.ForwardTrace.Dst), Flow: meas.Flow{Proto: meas.ICMP}}
		for _, h := range d.ForwardTrace.Hops {
			mh := meas.Hop{TTL: h.TTL}
			if h.Addr != "" {
				mh.Addr = netip.MustParseAddr(h.Addr)
			}
			tr.Hops = append(tr.Hops, mh)
		}
		if tp.CheckTrace(tr) == nil {
			f.forwardOK++
		}
	}
}

// lines are the summary's lines these figures make.
func (f apiFigures) lines(total int) []string {
	var types []string
	for _, ht := range revtr.HopTypes() {
		if n := f.types[ht]; n > 0 {
			types = append(types, fmt.Sprintf("%d %s", n, ht))
		}
	}
	c := f.cost
	return []string{
		fmt.Sprintf("coverage: %d of %d reverse traceroutes reached the source", f.reached, total),
		fmt.Sprintf("AS level: %d all ASes present, %d missing one AS, %d discrepant", f.as[0], f.as[1], f.as[2]),
		fmt.Sprintf("router level: %d exactly the true path, %d with no hop off it; %d of %d hops off the true path", f.exact, f.consistent, f.wrong, f.hops),
		"hops by technique: " + strings.Join(types, ", ") + "\n",
		fmt.Sprintf("probes: %d (", c.Probes()),
		fmt.Sprintf("): %d RR, %d spoofed RR, %d traceroute, %d ping, %d RTT ping, %d two-host;", c.RR, c.SpoofedRR, c.Trace, c.Ping, c.RTT, c.TwoHost),
		fmt.Sprintf("forward traceroutes equal to the ground truth: %d of %d", f.forwardOK, f.forwards),
	}
}
