package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/revtr/revtr/agent"
	"github.com/revtr/revtr/controller"
	labpkg "github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/topo"
)

// agentsLab is the lab of serve(t, agents): its sources authorized and a
// credential per source and vantage point, whose agents run in this
// process once the controller serves.
type agentsLab struct {
	l     *labpkg.Lab
	creds map[string]string // by node
}

// authorizeAgents builds the lab, authorizes its sources, makes every
// agent's credential (bound to its host's addresses) in st, and sets cfg
// to the agents backend with the lab's prefix-to-AS file and short
// timeouts.
func authorizeAgents(t *testing.T, ctx context.Context, st *store.Store, cfg *controller.Config) *agentsLab {
	labtest.NeedRoot(t)
	tp := topology(t)
	a := &agentsLab{l: labtest.Up(t, tp), creds: map[string]string{}}
	dir := t.TempDir()
	pfx := filepath.Join(dir, "pfx2as.txt")
	f, err := os.Create(pfx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tp.WritePfx2AS(f, false); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, n := range agent.LabHosts(a.l) {
		addr := tp.HostAddr(n.ID, false)
		if n.Role.Source {
			if err := st.AddSource(ctx, store.Source{Addr: addr, Hostname: n.Name, Site: "lab"}); err != nil {
				t.Fatal(err)
			}
		}
		addrs := []netip.Addr{addr}
		if a6 := tp.HostAddr(n.ID, true); a6.IsValid() {
			addrs = append(addrs, a6)
		}
		if _, a.creds[n.Name], err = st.AddAgent(ctx, n.Name, addrs); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Agents.Listen = ln.Addr().String()
	ln.Close()
	cfg.Backend.Kind = agents
	cfg.PrefixToAS = pfx
	cfg.Agents.GeneratedCert, cfg.Agents.GeneratedKey = filepath.Join(dir, "agents-ca.pem"), ""
	cfg.Agents.Timeout, cfg.Agents.Wait, cfg.Agents.OnboardInterval = 250*time.Millisecond, 5*time.Second, 200*time.Millisecond
	return a
}

// start runs an agent per source and vantage point in this process,
// once the controller has made its certificate, until the test ends.
func (a *agentsLab) start(t *testing.T, ctx context.Context, cfg controller.Config) {
	for deadline := time.Now().Add(time.Minute); ; {
		if _, err := os.Stat(cfg.Agents.GeneratedCert); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the controller made no certificate %s in a minute", cfg.Agents.GeneratedCert)
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, port, _ := net.SplitHostPort(cfg.Agents.Listen)
	base := agent.Default()
	base.Local.RootCA = cfg.Agents.GeneratedCert
	base.Scamper.Host, base.Scamper.Rate = "127.0.0.1", 2000
	fmt.Sscan(port, &base.Scamper.Port)
	base.Agent.Timeout, base.Agent.ReconnectMin, base.Agent.ReconnectMax = 250*time.Millisecond, 100*time.Millisecond, time.Second
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	g, err := agent.StartLabEach(ctx, a.l, func(n *topo.Node) agent.Config {
		c := base
		c.Agent.Credential = a.creds[n.Name]
		c, err := c.Resolve()
		if err != nil {
			t.Fatal(err)
		}
		return agent.LabConfig(c, a.l, n)
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Errorf("agents: %v", err)
		}
	})
}

// waitOnboarded waits until every agent is connected with a report for
// each of its roles, and returns the listing.
func waitOnboarded(t *testing.T, s *site, want int) []controller.AgentInfo {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); ; {
		agents := agentsNow(t, s)
		done := len(agents) == want
		for _, a := range agents {
			roles := map[string]bool{}
			for _, o := range a.Onboarding {
				roles[o.Role] = true
			}
			if a.Status != "connected" || a.Source && !roles["source"] || a.VantagePoint && !roles["vantage_point"] {
				done = false
			}
		}
		if done {
			return agents
		}
		if time.Now().After(deadline) {
			t.Fatalf("agents not onboarded in 2 minutes: %+v", agents)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// agentsNow is the API's listing of the agents.
func agentsNow(t *testing.T, s *site) []controller.AgentInfo {
	var r controller.AgentsResult
	s.api(t, "GET", "/api/v2/agents", nil, &r)
	return r.Agents
}

// between reports whether the time at lies in [from, to] (RFC 3339).
func between(at, from, to string) bool {
	a, err1 := time.Parse(time.RFC3339Nano, at)
	f, err2 := time.Parse(time.RFC3339Nano, from)
	e, err3 := time.Parse(time.RFC3339Nano, to)
	return err1 == nil && err2 == nil && err3 == nil && !a.Before(f) && !a.After(e)
}

// shownAgent is an agent's row as the page shows it.
type shownAgent struct {
	Name, Status, Roles, Addrs, Version, Rate, Connected, LastSeen, Quarantine string
	Onboarding                                                                 []string
}

const agentsJS = `[...document.querySelectorAll('[data-testid=agents] tbody tr')].map(tr => {
  const f = (n) => tr.querySelector('[data-field=' + n + ']');
  const at = (n) => { const e = f(n).querySelector('time'); return e ? e.getAttribute('datetime') : ''; };
  return {Name: f('name').textContent, Status: f('status').textContent, Roles: f('roles').textContent, Addrs: f('addrs').textContent,
    Version: f('version').textContent, Rate: f('rate').textContent, Connected: at('connected'), LastSeen: at('lastseen'),
    Quarantine: f('quarantine').textContent,
    Onboarding: [...f('onboarding').querySelectorAll('[data-role]')].map(d =>
      d.dataset.role + ' ' + d.querySelector('.st-reaches, .st-failed').textContent + ' ' + d.querySelector('time').getAttribute('datetime'))};
})`

// wantAgent is what the page must show of an agent the API lists.
func wantAgent(a controller.AgentInfo) shownAgent {
	var roles []string
	if a.Source {
		roles = append(roles, "source")
	}
	if a.VantagePoint {
		roles = append(roles, map[bool]string{true: "vantage point (may spoof)", false: "vantage point (never spoofs)"}[a.Spoof])
	}
	w := shownAgent{Name: a.Name, Status: a.Status, Roles: strings.Join(roles, ", "), Addrs: strings.Join(a.Addrs, " "),
		Version: or(a.Version, "—"), Rate: "—", Connected: a.Connected, LastSeen: a.LastSeen, Quarantine: or(a.Quarantine, "—"), Onboarding: []string{}}
	if a.Rate != 0 {
		w.Rate = fmt.Sprintf("%g pps", a.Rate)
	}
	for _, o := range a.Onboarding {
		w.Onboarding = append(w.Onboarding, fmt.Sprintf("%s %s %s", o.Role, map[bool]string{true: "✓ passed", false: "✗ failed"}[o.Passed], o.Tested))
	}
	return w
}

// jsonTime is t as the API's JSON spells it.
func jsonTime(t time.Time) string {
	b, _ := t.MarshalJSON()
	return strings.Trim(string(b), `"`)
}

func or(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}

// shownSource is a source's row and onboarding report as the page shows
// them.
type shownSource struct {
	IP, Host, Verdict, Tested, AtlasState, AtlasPaths, AtlasBy string
	Checks                                                     []string
}

const sourcesJS = `[...document.querySelectorAll('[data-testid=sources] tbody tr')].map(tr => {
  const ob = tr.querySelector('[data-field=onboarding]'), v = ob.querySelector('.st-reaches, .st-failed'), tm = ob.querySelector('time');
  const st = tr.querySelector('[data-field=atlas-state]'), ps = tr.querySelector('[data-field=atlas-paths]'), by = tr.querySelector('[data-field=atlas-paths-provider]');
  const rep = document.querySelector('[data-testid="report-' + tr.dataset.source + '"]');
  return {IP: tr.dataset.source, Host: tr.children[1].textContent, Verdict: v ? v.textContent : ob.textContent,
    Tested: tm ? tm.getAttribute('datetime') : '', AtlasState: st ? st.textContent : 'none', AtlasPaths: ps ? ps.textContent : '', AtlasBy: by ? by.textContent : '',
    Checks: rep ? [...rep.querySelectorAll('tr[data-check]')].map(r => r.dataset.check + ' ' + r.children[1].textContent + ' ' + r.children[2].textContent) : []};
})`

// wantSource is what the page must show of a source, from the API's
// listing, onboarding report and atlas status.
func wantSource(t *testing.T, s *site, src controller.SourceInfo) shownSource {
	var r controller.Report
	s.api(t, "GET", "/api/v1/sources/"+src.IP+"/onboarding", nil, &r)
	var at controller.AtlasStatus
	s.api(t, "GET", "/api/v2/atlas/status/"+src.IP, nil, &at)
	w := shownSource{IP: src.IP, Host: or(src.Hostname, "—"), Verdict: map[bool]string{true: "✓ passed", false: "✗ failed"}[r.Passed],
		Tested: jsonTime(r.Tested), AtlasState: at.State, Checks: []string{}}
	if at.State != "none" {
		w.AtlasPaths, w.AtlasBy = fmt.Sprint(at.Paths), at.PathsProvider
	}
	for _, c := range r.Checks {
		info := ""
		if c.Informational {
			info = " (informational)"
		}
		w.Checks = append(w.Checks, fmt.Sprintf("%s %s%s %s", c.Name, map[bool]string{true: "✓ passed", false: "✗ failed"}[c.Passed], info, c.Detail))
	}
	return w
}

// TestBrowserSourcesAndAgents, as root, runs the controller with the
// agents backend and an agent per source and vantage point of a lab,
// builds one source's atlas, and holds the Sources and agents page to
// the API: every agent's status, roles, addresses, version, rate,
// connection, last contact, onboarding and quarantine; every source's
// onboarding verdict and checks and its atlas, shown built without a
// reload. No console error, no request elsewhere.
func TestBrowserSourcesAndAgents(t *testing.T) {
	s := serve(t, agents)
	b := open(t)
	listed := waitOnboarded(t, s, 12)
	quarantined := 0
	for _, a := range listed {
		if a.Quarantine != "" {
			quarantined++
		}
	}
	if quarantined == 0 {
		t.Errorf("no vantage point quarantined: the lab has some that cannot spoof: %+v", listed)
	}
	// The page is open before the atlas is built, and shows it built
	// without a reload: it looks again by itself.
	setKey(b, t, s, s.key)
	b.run(t, chromedp.Navigate(s.url+"/ui/#/sources"), chromedp.Reload(),
		waitJS(fmt.Sprintf(`document.querySelectorAll('[data-testid=sources] tbody tr').length === %d`, len(s.srcs))))
	if got := eval[string](t, b, `document.querySelector('[data-testid=sources] [data-field=atlas-state]')?.textContent || ''`); got == "done" {
		t.Fatalf("the first source's atlas shows done before it was built")
	}
	s.api(t, "POST", "/api/v1/atlas/run", strings.NewReader(`{"source": "`+s.srcs[0].String()+`"}`), nil)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		var at controller.AtlasStatus
		if s.api(t, "GET", "/api/v2/atlas/status/"+s.srcs[0].String(), nil, &at); at.State == "done" {
			break
		} else if at.State == "failed" || time.Now().After(deadline) {
			t.Fatalf("atlas of %v: %+v", s.srcs[0], at)
		}
	}
	b.run(t, waitJS(`document.querySelector('[data-testid=sources] [data-field=atlas-state]')?.textContent === 'done'`))
	// The API is read before and after the page: an agent heard from in
	// between shows a last contact between the two, anything else must be
	// the same (tried again if an onboarding report changed meanwhile).
	var diff string
	for try := 0; try < 3; try++ {
		before := agentsNow(t, s)
		b.run(t, chromedp.Navigate(s.url+"/ui/#/sources"), chromedp.Reload(),
			waitJS(fmt.Sprintf(`document.querySelectorAll('[data-testid=agents] tbody tr').length === %d && document.querySelectorAll('[data-testid=sources] tbody tr').length === %d`, len(listed), len(s.srcs))))
		shown := eval[[]shownAgent](t, b, agentsJS)
		srcShown := eval[[]shownSource](t, b, sourcesJS)
		after := agentsNow(t, s)
		seen := map[string]string{} // last contact by agent, before the page
		for _, a := range before {
			seen[a.Name] = a.LastSeen
		}
		var want []shownAgent
		for i, a := range after {
			want = append(want, wantAgent(a))
			if i < len(shown) && shown[i].Name == a.Name && between(shown[i].LastSeen, seen[a.Name], a.LastSeen) {
				shown[i].LastSeen = a.LastSeen
			}
		}
		var srcs controller.SourcesResult
		s.api(t, "GET", "/api/v1/sources", nil, &srcs)
		var wantSrcs []shownSource
		for _, src := range srcs.Srcs {
			wantSrcs = append(wantSrcs, wantSource(t, s, src))
		}
		if diff = compare("agents", shown, want) + compare("sources", srcShown, wantSrcs); diff == "" {
			break
		}
	}
	if diff != "" {
		t.Fatal(diff)
	}
	if got := eval[string](t, b, `document.querySelector('[data-testid=sources] [data-field=atlas-state]').textContent`); got != "done" {
		t.Errorf("the first source's atlas shows %q, want done", got)
	}
	// The first source's report opens from the keyboard.
	b.run(t, chromedp.Focus(chromedp.CSS(`[data-testid="report-`+s.srcs[0].String()+`"] summary`)), chromedp.KeyEvent("\r"),
		waitJS(`document.querySelector('[data-testid="report-`+s.srcs[0].String()+`"]').open`))
	b.shot(t, "sources")
	b.clean(t, s)
}

// compare says how got differs from want, or nothing.
func compare[T any](what string, got, want []T) string {
	if reflect.DeepEqual(got, want) {
		return ""
	}
	g, _ := json.MarshalIndent(got, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	return fmt.Sprintf("the page's %s:\n%s\nthe API's:\n%s\n", what, g, w)
}
