package proctest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/atlas/ripe/ripetest"
	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/controller/internal/apitest"
	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/eval"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/topo"
)

// agentsLab is a lab whose sources and vantage points each run a revtr
// agent process, with a revtr controller process (agents backend, SQLite)
// they dial.
type agentsLab struct {
	t          *testing.T // checks (the running subtest)
	root       *testing.T // owns the processes
	l          *lab.Lab
	dir, db    string
	cfgPath    string
	agentsPort int
	ctl        *proc
	api        *apitest.Client
	agents     map[string]*proc // by node
	agentCfg   map[string]string
	sources    []netip.Addr
}

// freePort returns a loopback port nothing listens on now.
func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startAgentsLab authorizes l's sources, makes a key and a credential per
// agent (bound to its host's addresses), and starts the controller and
// every agent. The controller's RIPE Atlas is ripeURL (a ripetest.Server).
func startAgentsLab(t *testing.T, l *lab.Lab, ripeURL string) *agentsLab {
	t.Helper()
	tp := l.Topology()
	a := &agentsLab{t: t, root: t, l: l, dir: t.TempDir(), agentsPort: freePort(t), agents: map[string]*proc{}, agentCfg: map[string]string{}}
	a.db = filepath.Join(a.dir, "revtr.db")
	pfx := filepath.Join(a.dir, "pfx2as.txt")
	f, err := os.Create(pfx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tp.WritePfx2AS(f, false); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var allow []string
	for _, p := range topo.ReservedPrefixes() {
		allow = append(allow, p.String())
	}
	a.cfgPath = filepath.Join(a.dir, "controller.yaml")
	cfg := fmt.Sprintf(`name: ctl
listen: 127.0.0.1:0
db: %q
log: {level: info}
drain_timeout: 20s
prefix_to_as: %q
api: {allow: [%s]}
backend: {kind: agents}
agents:
  listen: 127.0.0.1:%d
  generated_cert: %q
  timeout: 250ms
  wait: 5s
  onboard_interval: 200ms
  ripe_base_url: %q
  ripe_keep_private: true
scheduler:
  max_in_flight: 4
  start_interval: 0s
  slice: 10
  max_attempts: 5
  job_timeout: 10s
  rescue_after: 12s
  retry_backoff: 500ms
  poll_interval: 50ms
`, a.db, pfx, strings.Join(allow, ", "), a.agentsPort, filepath.Join(a.dir, "agents-ca.pem"), ripeURL)
	if err := os.WriteFile(a.cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	var srcs []string
	for _, id := range tp.Hosts() {
		if tp.Nodes[id].Role.Source {
			a.sources = append(a.sources, tp.HostAddr(id, false))
			srcs = append(srcs, tp.HostAddr(id, false).String())
			runRevtr(t, "sources", "add", "--db", a.db, tp.HostAddr(id, false).String(), "--hostname", tp.Nodes[id].Name, "--site", "lab")
		}
	}
	out := strings.Split(strings.TrimSpace(runRevtr(t, "keys", "add", "--db", a.db, "--name", "lab", "--sources", strings.Join(srcs, ","),
		"--per-day", "1000000", "--parallel", "1000000")), "\n")
	a.startController()
	a.api = apitest.New(t, "http://"+a.ctl.addr, out[len(out)-1])
	for _, id := range tp.Hosts() {
		n := &tp.Nodes[id]
		if n.Role.Source || n.Role.VantagePoint {
			a.startAgent(n, a.credential(n.Name, tp.HostAddr(id, false), tp.HostAddr(id, true)))
		}
	}
	return a
}

// credential makes the agent's credential with revtr agents add.
func (a *agentsLab) credential(name string, addrs ...netip.Addr) string {
	var ss []string
	for _, ad := range addrs {
		if ad.IsValid() {
			ss = append(ss, ad.String())
		}
	}
	out := strings.Split(strings.TrimSpace(runRevtr(a.t, "agents", "add", "--db", a.db, "--name", name, "--addrs", strings.Join(ss, ","))), "\n")
	return out[len(out)-1]
}

func (a *agentsLab) startController() {
	a.ctl = start(a.root, a.cfgPath, filepath.Join(a.dir, "controller.log"))
	if a.api != nil {
		a.api.Base = "http://" + a.ctl.addr
	}
}

// startAgent starts node n's agent process with credential (its config
// written once).
func (a *agentsLab) startAgent(n *topo.Node, credential string) {
	path := a.agentCfg[n.Name]
	if path == "" {
		roles := []string{}
		if n.Role.Source {
			roles = append(roles, "source")
		}
		if n.Role.VantagePoint {
			roles = append(roles, "vantage_point")
		}
		path = filepath.Join(a.dir, n.Name+".yaml")
		cfg := fmt.Sprintf(`local: {rootca: %q}
scamper: {host: 127.0.0.1, port: %d, rate: 2000}
agent:
  name: %s
  roles: [%s]
  credential: %s
  timeout: 250ms
  reconnect_min: 100ms
  reconnect_max: 1s
`, filepath.Join(a.dir, "agents-ca.pem"), a.agentsPort, n.Name, strings.Join(roles, ", "), credential)
		if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
			a.t.Fatal(err)
		}
		a.agentCfg[n.Name] = path
	}
	p, _ := startCmd(a.root, filepath.Join(a.dir, n.Name+".log"), nil, "agent", "--config", path, "--lab", a.l.Name(), "--node", n.Name)
	a.agents[n.Name] = p
}

// agentsNow lists the agents as the API shows them.
func (a *agentsLab) agentsNow() []controller.AgentInfo {
	var r controller.AgentsResult
	a.api.Do("GET", "/api/v2/agents", nil).Want(a.t, 200).JSON(a.t, &r)
	return r.Agents
}

// waitOnboarded waits until every source passed its onboarding and every
// vantage point has a report, and returns the vantage points that passed.
func (a *agentsLab) waitOnboarded(within time.Duration) map[netip.Addr]bool {
	a.t.Helper()
	deadline := time.Now().Add(within)
	tp := a.l.Topology()
	for {
		passed, reported := map[string]bool{}, map[string]bool{}
		for _, ag := range a.agentsNow() {
			for _, o := range ag.Onboarding {
				if ag.Status == "connected" {
					reported[ag.Addrs[0]+o.Role] = true
					passed[ag.Addrs[0]+o.Role] = o.Passed
				}
			}
		}
		done, spoofers := true, map[netip.Addr]bool{}
		for _, id := range tp.Hosts() {
			n, ad := tp.Nodes[id], tp.HostAddr(id, false).String()
			switch {
			case n.Role.Source && !passed[ad+"source"], n.Role.VantagePoint && !reported[ad+"vantage_point"]:
				done = false
			case n.Role.VantagePoint && passed[ad+"vantage_point"]:
				spoofers[netip.MustParseAddr(ad)] = true
			}
		}
		if done {
			return spoofers
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("agents not onboarded within %v: %+v", within, a.agentsNow())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// buildAtlases runs atlas/run for every source and waits until built.
func (a *agentsLab) buildAtlases(within time.Duration) {
	a.t.Helper()
	for _, s := range a.sources {
		a.api.Do("POST", "/api/v1/atlas/run", nil, "source", s.String()).Want(a.t, 200)
	}
	deadline := time.Now().Add(within)
	for _, s := range a.sources {
		for {
			var st controller.AtlasStatus
			a.api.Do("GET", "/api/v2/atlas/status/"+s.String(), nil).Want(a.t, 200).JSON(a.t, &st)
			if st.State == "done" && st.Paths > 0 {
				break
			}
			if st.State == "failed" || time.Now().After(deadline) {
				a.t.Fatalf("atlas of %v: %+v", s, st)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// submit posts the pairs under label in batches of 100 and returns the
// batch IDs.
func (a *agentsLab) submit(pairs []eval.Pair, label string) []int64 {
	a.t.Helper()
	var ids []int64
	for len(pairs) > 0 {
		n := min(len(pairs), 100)
		var body controller.SubmitBody
		for _, p := range pairs[:n] {
			body.Revtrs = append(body.Revtrs, controller.RevtrRequest{Src: p.Src.String(), Dst: p.Dst.String(), Label: label})
		}
		var res controller.SubmitResult
		a.api.Do("POST", "/api/v1/revtr", body).Want(a.t, 200).JSON(a.t, &res)
		ids = append(ids, int64(res.BatchID))
		pairs = pairs[n:]
	}
	return ids
}

// waitDone waits until every reverse traceroute of label is done and
// returns them.
func (a *agentsLab) waitDone(label string, want int, within time.Duration) []store.Revtr {
	a.t.Helper()
	st := openStore(a.t, a.db)
	deadline := time.Now().Add(within)
	for {
		var all []store.Revtr
		open := 0
		var after int64
		for {
			page, err := st.Revtrs(context.Background(), store.Filter{UserID: 1, Label: label}, after, 1000)
			if err != nil {
				a.t.Fatal(err)
			}
			for _, v := range page {
				if v.State != store.Done {
					open++
				}
				after = v.ID
			}
			all = append(all, page...)
			if len(page) < 1000 {
				break
			}
		}
		if open == 0 && len(all) == want {
			return all
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("%s: %d of %d reverse traceroutes not done after %v", label, open, len(all), within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// tally is a summary of stored reverse traceroutes scored against the
// topology, as eval.Summary counts them.
type tally struct {
	n, reached, exact, hops, wrong, asAll int
	rr, spoofed, rounds                   int
	failedNoReason                        int
	reasons                               map[string]int // failures by reason
}

func (tl tally) coverage() float64 { return float64(tl.reached) / float64(max(tl.n, 1)) }
func (tl tally) exactShare() float64 {
	return float64(tl.exact) / float64(max(tl.reached, 1))
}
func (tl tally) wrongShare() float64 { return float64(tl.wrong) / float64(max(tl.hops, 1)) }
func (tl tally) asShare() float64    { return float64(tl.asAll) / float64(max(tl.reached, 1)) }

func score(t *testing.T, tp *topo.Topology, vs []store.Revtr) tally {
	t.Helper()
	tl := tally{reasons: map[string]int{}}
	for _, v := range vs {
		tl.n++
		if v.Stop == "FAILED" {
			tl.reasons[v.FailReason]++
		}
		if v.Stop == "FAILED" && v.FailReason == "" || v.Stop != "REACHES" && v.Stop != "FAILED" {
			tl.failedNoReason++
		}
		var stats controller.Stats
		if v.Stats != nil {
			if err := json.Unmarshal(v.Stats, &stats); err != nil {
				t.Fatal(err)
			}
		}
		tl.rr += int(stats.RRProbes)
		tl.spoofed += int(stats.SpoofedRRProbes)
		tl.rounds += int(stats.RRRoundCount)
		if v.Stop != "REACHES" {
			continue
		}
		var rec revtr.Record
		if err := json.Unmarshal(v.Record, &rec); err != nil {
			t.Fatal(err)
		}
		res, err := rec.Result()
		if err != nil {
			t.Fatal(err)
		}
		sc, err := eval.ScoreResult(tp, res)
		if err != nil {
			t.Fatal(err)
		}
		tl.reached++
		if sc.Exact {
			tl.exact++
		}
		if sc.AS == eval.ASAllPresent {
			tl.asAll++
		}
		tl.hops += sc.Hops
		tl.wrong += sc.Wrong
	}
	return tl
}

// near fails t unless a and b differ by at most tol.
func near(t *testing.T, what string, a, b, tol float64) {
	t.Helper()
	if d := a - b; d > tol || d < -tol {
		t.Errorf("%s: agents %.4f, in-process %.4f: differ by more than %.3f", what, a, b, tol)
	} else {
		t.Logf("%s: agents %.4f, in-process %.4f", what, a, b)
	}
}

// agentPairs is how many reverse traceroutes each side measures.
const agentPairs = 300

// TestAgentsLab runs, in a generated lab (30 ASes, 112 routers, 10
// vantage points), the controller and one agent per source and vantage
// point as separate processes, and holds reverse traceroutes submitted
// through the REST API to the answers of the evaluation's engine over the
// lab's probers in this process, on the same pairs: coverage, accuracy,
// Record Route probes and rounds within the noise the lab evaluation
// documents (docs/eval.md). The agents' onboarding must pass the same
// vantage points as the evaluation's spoofing test. Then faults: the
// controller restarted while agents stay up, an agent killed while it
// measures, and packet loss on every router. Last, a source's atlas is
// built from RIPE Atlas, a stand-in on loopback (ripeAtlas).
func TestAgentsLab(t *testing.T) {
	labtest.NeedRoot(t)
	ctx := context.Background()
	tp, err := topo.Generate(1, topo.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	l := labtest.Up(t, tp)
	g, err := eval.LabProbers(l, eval.LabProbe())
	if err != nil {
		t.Fatal(err)
	}
	w, err := eval.NewWorld(ctx, eval.Config{Topology: tp, Prober: g, Clock: eval.RealClock{}, RouterTargets: true})
	if err != nil {
		t.Fatal(err)
	}
	pairs := w.Pairs(1, agentPairs)
	// The learned vantage-point ranking breaks ties by the order of its
	// list; the controller's is in address order (sorted, the spoofed
	// probe counts differ by ~5% between list orders).
	slices.SortFunc(w.Spoofers, netip.Addr.Compare)
	begin := time.Now()
	sum, err := w.RunPolicy(ctx, revtr.PolicyDefault, nil, false, pairs, eval.Schedule{Workers: 4})
	inProcess := time.Since(begin)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if len(tp.ASes) < 30 || len(tp.Routers()) < 100 || len(w.VPs) < 8 {
		t.Fatalf("%d ASes, %d routers, %d vantage points: too small", len(tp.ASes), len(tp.Routers()), len(w.VPs))
	}

	rs := ripetest.NewServer(t)
	a := startAgentsLab(t, l, rs.URL)
	spoofers := a.waitOnboarded(2 * time.Minute)
	if len(spoofers) != len(w.Spoofers) {
		t.Errorf("onboarding passed %d vantage points, the evaluation's spoofing test %d", len(spoofers), len(w.Spoofers))
	}
	for _, s := range w.Spoofers {
		if !spoofers[s] {
			t.Errorf("vantage point %v passed the evaluation's spoofing test, not onboarding: %+v", s, a.agentsNow())
		}
	}
	for _, ag := range a.agentsNow() {
		if ag.Version == "" || ag.LastSeen == "" || ag.Rate != 2000 {
			t.Errorf("agent %s listed without its version, last contact or rate: %+v", ag.Name, ag)
		}
	}
	a.buildAtlases(2 * time.Minute)
	begin = time.Now()
	inFlight := a.sampleInFlight()
	a.submit(pairs, "agents")
	vs := a.waitDone("agents", len(pairs), 5*time.Minute)
	viaAgents := time.Since(begin)
	mean := inFlight()
	tl := score(t, tp, vs)
	if tl.failedNoReason != 0 {
		t.Errorf("%d reverse traceroutes ended neither REACHES nor FAILED with a reason", tl.failedNoReason)
	}
	near(t, "coverage", tl.coverage(), sum.Coverage(), 0.02)
	near(t, "router-level exact", tl.exactShare(), sum.ExactShare(), 0.02)
	near(t, "hops wrong", tl.wrongShare(), sum.WrongShare(), 0.02)
	near(t, "all ASes present", tl.asShare(), sum.ASShare(eval.ASAllPresent), 0.02)
	near(t, "RR probes (relative)", float64(tl.rr+tl.spoofed)/float64(max(sum.Cost.RR+sum.Cost.SpoofedRR, 1)), 1, 0.03)
	near(t, "spoofed RR probes (relative)", float64(tl.spoofed)/float64(max(sum.Cost.SpoofedRR, 1)), 1, 0.03)
	t.Logf("Record Route probes: agents %d + %d spoofed, in-process %d + %d spoofed", tl.rr, tl.spoofed, sum.Cost.RR, sum.Cost.SpoofedRR)
	near(t, "rounds (relative)", float64(tl.rounds)/float64(max(sum.Cost.Rounds, 1)), 1, 0.03)
	t.Logf("%d reverse traceroutes: in this process %v (%.0f/s), through the API and the agents %v (%.0f/s)",
		len(pairs), inProcess, float64(len(pairs))/inProcess.Seconds(), viaAgents, float64(len(pairs))/viaAgents.Seconds())
	t.Logf("mean latency of a reverse traceroute: in this process %.1f ms (4 at once), through the agents %.1f ms (%.2f at once on average, Little's law)",
		sum.Wall.Seconds()/float64(len(pairs))*1000, mean*viaAgents.Seconds()/float64(len(pairs))*1000, mean)

	// The agents backend's engines share one measurement cache, kept
	// across the rebuilds onboarding and vantage points cause.
	if hits := a.metric(`revtr_cache_lookups_total{kind="ping",outcome="hit"}`); hits == 0 {
		t.Error("no RTT ping answered by the agents backend's cache")
	} else {
		t.Logf("%.0f RTT pings answered by the cache", hits)
	}
	a.logMemory()

	for _, phase := range []struct {
		name string
		run  func(*agentsLab)
	}{
		// The restart on pairs not measured yet: the cache would answer
		// the others, and no agent would be measuring when it is killed.
		{"controller-restart", func(a *agentsLab) { controllerRestart(a, w.Pairs(1, agentPairs+100)[agentPairs:]) }},
		// Each phase on pairs no phase since the restart measured: the
		// controller's measurement cache answers those for 15 minutes, with
		// no probe in flight to kill an agent during, none to lose.
		{"agent-killed", func(a *agentsLab) { agentKilled(a, pairs[100:200], tl) }},
		{"packet-loss", func(a *agentsLab) { packetLoss(a, pairs[200:260], tl) }},
		{"ripe-atlas", func(a *agentsLab) { ripeAtlas(a, rs) }},
	} {
		t.Run(phase.name, func(t *testing.T) {
			a.t, a.api.T = t, t
			defer func() { a.t, a.api.T = a.root, a.root }()
			phase.run(a)
		})
	}
}

// controllerRestart kills the controller while a batch is measured and
// starts it again: the agents, still up, reconnect, and every accepted
// reverse traceroute ends REACHES or FAILED with a reason.
func controllerRestart(a *agentsLab, pairs []eval.Pair) {
	t := a.t
	sessions := connectedSince(a)
	a.submit(pairs, "restart")
	a.waitFor("an agent measuring", 30*time.Second, func() bool {
		return slices.ContainsFunc(a.agentsNow(), func(ag controller.AgentInfo) bool { return ag.InFlight > 0 })
	})
	a.ctl.kill()
	a.startController()
	vs := a.waitDone("restart", len(pairs), 3*time.Minute)
	if tl := score(t, a.l.Topology(), vs); tl.failedNoReason != 0 || tl.reached == 0 {
		t.Errorf("after the restart: %d without a reason, %d reached of %d", tl.failedNoReason, tl.reached, tl.n)
	}
	if len(sessions) != len(a.agents) {
		t.Errorf("%d agents connected before the restart, want %d", len(sessions), len(a.agents))
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		now, missing := connectedSince(a), []string(nil)
		for name, before := range sessions {
			if !now[name].After(before) {
				missing = append(missing, name)
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("agents %v did not reconnect after the restart", missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// connectedSince maps every connected agent to when its session began.
func connectedSince(a *agentsLab) map[string]time.Time {
	out := map[string]time.Time{}
	for _, ag := range a.agentsNow() {
		if ag.Status == "connected" {
			at, _ := time.Parse(time.RFC3339Nano, ag.Connected)
			out[ag.Name] = at
		}
	}
	return out
}

// agentKilled SIGKILLs the agent of the spoofing vantage point that sent
// the most probes so far once the batch is measuring, and starts it again
// once the batch is done: its reverse traceroutes are measured again with
// the other vantage points (coverage as with every agent, give or take
// 5%), none fails without a reason, nothing hangs. (A spoofer's request
// is outstanding only while it sends — the replies go to the source —
// too short a time for a poll to catch: waiting for one to be seen with
// a request outstanding failed 2 runs in 5.)
func agentKilled(a *agentsLab, pairs []eval.Pair, whole tally) {
	t := a.t
	tp := a.l.Topology()
	// The victim: the first spoofing vantage point seen measuring for
	// the batch (which ones it needs depends on what the controller's
	// cache and reverse paths already hold).
	spoofer := map[string]*topo.Node{}
	for _, id := range tp.Hosts() {
		if n := &tp.Nodes[id]; n.Role.VantagePoint && n.Role.CanSpoof {
			spoofer[n.Name] = n
		}
	}
	victim := busiest(a, spoofer)
	a.submit(pairs, "killed")
	a.waitFor("the batch measuring", 30*time.Second, func() bool {
		return slices.ContainsFunc(a.agentsNow(), func(ag controller.AgentInfo) bool { return ag.InFlight > 0 })
	})
	a.agents[victim.Name].kill()
	vs := a.waitDone("killed", len(pairs), 3*time.Minute)
	tl := score(t, tp, vs)
	if tl.failedNoReason != 0 || tl.reached == 0 {
		t.Errorf("with %s killed: %d without a reason, %d reached of %d", victim.Name, tl.failedNoReason, tl.reached, tl.n)
	}
	if tl.coverage() < whole.coverage()-0.05 {
		t.Errorf("with %s killed, coverage %.3f; with every agent %.3f: its work did not finish elsewhere", victim.Name, tl.coverage(), whole.coverage())
	}
	t.Logf("with %s killed during the batch: %d of %d reached, failed: %v", victim.Name, tl.reached, tl.n, tl.reasons)
	before := connectedSince(a)
	a.startAgent(victim, "")
	a.waitFor(victim.Name+" back", 30*time.Second, func() bool {
		_, ok := connectedSince(a)[victim.Name]
		return ok && len(connectedSince(a)) > len(before)
	})
}

// busiest returns the spoofer whose agent reported the most probes sent.
func busiest(a *agentsLab, spoofer map[string]*topo.Node) *topo.Node {
	var best *topo.Node
	var most uint64
	for _, ag := range a.agentsNow() {
		if n := spoofer[ag.Name]; n != nil && (best == nil || ag.ProbesSent > most) {
			best, most = n, ag.ProbesSent
		}
	}
	if best == nil {
		a.t.Fatal("no spoofing vantage point connected")
	}
	return best
}

// waitFor polls cond until it holds, failing the test after within.
func (a *agentsLab) waitFor(what string, within time.Duration, cond func() bool) {
	a.t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			a.t.Fatalf("no %s after %v", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// packetLoss drops 2% of the packets every router forwards (nftables,
// random): results degrade, none is lost or wrong beyond the lossless
// run's share of wrong hops. The loss is removed at the end.
func packetLoss(a *agentsLab, pairs []eval.Pair, lossless tally) {
	t := a.t
	tp := a.l.Topology()
	for _, r := range tp.Routers() {
		n := tp.Nodes[r].Name
		for _, cmd := range [][]string{
			{"nft", "add", "table", "inet", "revtrloss"},
			{"nft", "add", "chain", "inet", "revtrloss", "forward", "{ type filter hook forward priority 0 ; }"},
			{"nft", "add", "rule", "inet", "revtrloss", "forward", "numgen", "random", "mod", "100", "<", "2", "drop"},
		} {
			if err := a.l.Exec(context.Background(), n, cmd, lab.Stdio{}); err != nil {
				t.Fatalf("%s: %v: %v", n, cmd, err)
			}
		}
	}
	defer func() { // the lab without loss again, for what follows
		for _, r := range tp.Routers() {
			if err := a.l.Exec(context.Background(), tp.Nodes[r].Name, []string{"nft", "delete", "table", "inet", "revtrloss"}, lab.Stdio{}); err != nil {
				t.Errorf("%s: loss not removed: %v", tp.Nodes[r].Name, err)
			}
		}
	}()
	a.submit(pairs, "loss")
	vs := a.waitDone("loss", len(pairs), 3*time.Minute)
	tl := score(t, tp, vs)
	if tl.failedNoReason != 0 || tl.n != len(pairs) {
		t.Errorf("with loss: %d of %d done, %d without a reason", tl.n, len(pairs), tl.failedNoReason)
	}
	if tl.wrongShare() > lossless.wrongShare()+0.02 {
		t.Errorf("with loss %.3f of hops wrong, without %.3f: loss made answers wrong", tl.wrongShare(), lossless.wrongShare())
	}
	t.Logf("with 2%% loss per router: coverage %.3f (without %.3f), hops wrong %.3f (without %.3f)",
		tl.coverage(), lossless.coverage(), tl.wrongShare(), lossless.wrongShare())
}

// logMemory logs the agents' peak resident memory (VmHWM) and the
// controller's.
func (a *agentsLab) logMemory() {
	var agents []int
	for _, p := range a.agents {
		if kb, err := peakRSS(p.cmd.Process.Pid); err == nil {
			agents = append(agents, kb)
		}
	}
	slices.Sort(agents)
	ctl, _ := peakRSS(a.ctl.cmd.Process.Pid)
	if len(agents) > 0 {
		a.t.Logf("peak resident memory: agents %d–%d KiB (median %d), controller %d KiB", agents[0], agents[len(agents)-1], agents[len(agents)/2], ctl)
	}
}

// peakRSS reads a process's peak resident set size in KiB.
func peakRSS(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// sampleInFlight samples the controller's revtr_in_flight gauge every
// 10 ms until the function it returns is called, which returns the mean.
func (a *agentsLab) sampleInFlight() func() float64 {
	stop, mean := make(chan struct{}), make(chan float64)
	go func() {
		var sum, n float64
		for {
			select {
			case <-stop:
				mean <- sum / max(n, 1)
				return
			case <-time.After(10 * time.Millisecond):
			}
			resp, err := http.Get("http://" + a.ctl.addr + "/metrics")
			if err != nil {
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "revtr_in_flight "); ok {
					f, _ := strconv.ParseFloat(v, 64)
					sum, n = sum+f, n+1
				}
			}
		}
	}()
	return func() float64 { close(stop); return <-mean }
}

// metric returns the value of the controller's metric named (with its
// labels) series, 0 when /metrics lacks it.
func (a *agentsLab) metric(series string) float64 {
	a.t.Helper()
	resp, err := http.Get("http://" + a.ctl.addr + "/metrics")
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				a.t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return 0
}
