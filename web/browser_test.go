package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/topo"
)

// EnvBrowserRequired, when set, makes the browser tests fail instead of
// skipping when Chromium is missing: scripts/test sets it, so that CI
// cannot silently lose them.
const EnvBrowserRequired = "REVTR_TEST_BROWSER_REQUIRED"

// EnvArtifacts names the directory the browser tests save screenshots
// in; by default a new directory under the system's temporary one, which
// the tests log.
const EnvArtifacts = "REVTR_TEST_ARTIFACTS"

var docs = flag.Bool("docs", false, "also write the screenshots docs/web.md shows into docs/img")

// inDocs are the screenshots docs/web.md shows.
var inDocs = map[string]bool{"submit": true, "batch": true, "revtr-hop": true, "label-10000": true, "refused": true, "sources": true, "lab-revtr": true}

// simConfig is the emulated Internet of the browser tests.
var simConfig = controller.SimConfig{Seed: 3, Routers: 120}

// chromium finds the browser, or skips (fails, with EnvBrowserRequired).
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv(EnvBrowserRequired) != "" {
		t.Fatalf("no Chromium found but %s is set: the browser tests must run (apt-get install chromium)", EnvBrowserRequired)
	}
	t.Skip("no Chromium: apt-get install chromium (scripts/test does) to run the browser tests")
	return ""
}

// artifacts is the directory screenshots go to, logged.
func artifacts(t *testing.T) string {
	dir := os.Getenv(EnvArtifacts)
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "revtr-web-artifacts-"+time.Now().UTC().Format("20060102T150405"))
	}
	dir = filepath.Join(dir, t.Name())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// site is a controller serving the UI on loopback, and a key.
type site struct {
	url, key string
	srcs     []netip.Addr
	store    *store.Store
}

var (
	simOnce sync.Once
	simB    controller.Backend
	simErr  error
)

// Backends of serve.
const (
	none   = "none"   // nothing measures
	sim    = "sim"    // the simulator, shared by the tests
	lab    = "lab"    // a lab of the test's own, as root
	agents = "agents" // a lab of the test's own, measured by agents in this process, as root
)

// serve starts a controller on a fresh SQLite database with the backend
// kind, stopped when the test ends.
func serve(t *testing.T, kind string) *site {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "revtr.db"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := controller.Default()
	cfg.Name = "web-" + t.Name()
	cfg.Scheduler.StartInterval = 0
	cfg.Scheduler.PollInterval = 50 * time.Millisecond
	cfg.Scheduler.Slice = 5
	cfg.API.Allow = topo.ReservedPrefixes()
	var b controller.Backend
	var fleet *agentsLab
	switch kind {
	case agents:
		fleet = authorizeAgents(t, ctx, st, &cfg)
	case sim:
		simOnce.Do(func() { simB, simErr = controller.NewSimBackend(context.Background(), simConfig) })
		if simErr != nil {
			t.Fatal(simErr)
		}
		b = simB
	case lab:
		labtest.NeedRoot(t)
		cfg := controller.Default()
		cfg.Backend = controller.BackendConfig{Kind: lab, Sim: simConfig, LabName: labtest.Name()}
		start := time.Now()
		o, err := controller.OpenBackend(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := o.Close(); err != nil {
				t.Errorf("lab down: %v", err)
			}
		})
		t.Logf("lab backend up (lab, atlas, survey) in %v", time.Since(start).Round(time.Millisecond))
		b = o.Backend
	default:
		for _, s := range sources(t) {
			if err := st.AddSource(ctx, store.Source{Addr: s, Site: "sim"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := controller.New(ctx, cfg, st, b, prometheus.NewRegistry(), log)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("controller stopped: %v", err)
		}
		st.Close()
	})
	if fleet != nil {
		fleet.start(t, ctx, cfg)
	}
	ss, err := st.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := &site{url: "http://" + ln.Addr().String(), store: st}
	for _, x := range ss {
		s.srcs = append(s.srcs, x.Addr)
	}
	_, s.key, err = st.AddUser(ctx, store.NewUser{Name: "browser", Sources: s.srcs, PerDay: 1_000_000, Parallel: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// topology is the tests' Internet.
func topology(t *testing.T) *topo.Topology {
	tp, err := topo.Generate(simConfig.Seed, topo.SizedParams(simConfig.Routers))
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func sources(t *testing.T) []netip.Addr {
	tp := topology(t)
	var out []netip.Addr
	for _, id := range tp.Hosts() {
		if tp.Nodes[id].Role.Source {
			out = append(out, tp.HostAddr(id, false))
		}
	}
	return out
}

// destinations are the hosts of the tests' Internet with the
// destination role.
func destinations(t *testing.T) []netip.Addr {
	tp := topology(t)
	var out []netip.Addr
	for _, id := range tp.Hosts() {
		if n := tp.Nodes[id]; n.Role.Destination && !n.Role.Source {
			out = append(out, tp.HostAddr(id, false))
		}
	}
	return out
}

// api calls the controller's API directly, as the test's own witness.
func (s *site) api(t *testing.T, method, path string, body io.Reader, v any) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Revtr-Key", s.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
}

// browser is a headless Chromium whose console errors, uncaught
// exceptions and requests the test sees.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string // console errors and warnings, exceptions, log errors
	requests []string // every URL the page asked for
	shots    string
	saved    string // where downloads go
}

// open starts Chromium with the flags that work as root on a closed
// network, for the duration of the test.
func open(t *testing.T) *browser {
	exe := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1000),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true), chromedp.Flag("metrics-recording-only", true),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	if err := chromedp.Do(bctx); err != nil { // starts the browser and opens the tab
		t.Fatal(err)
	}
	ctx, cancelT := context.WithTimeout(bctx, 3*time.Minute)
	t.Cleanup(cancelT)
	b := &browser{ctx: ctx, shots: artifacts(t)}
	err := chromedp.Listen(bctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				b.problems = append(b.problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			b.problems = append(b.problems, "exception: "+(&chromedp.ExceptionError{ExceptionDetails: e.ExceptionDetails}).Error())
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
				b.problems = append(b.problems, fmt.Sprintf("log %s: %s %s", e.Entry.Level, e.Entry.Text, e.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			b.requests = append(b.requests, e.Request.URL)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	b.saved = t.TempDir()
	if _, err := chromedp.CallBrowser(bctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: b.saved}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(bctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(bctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *browser) run(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		t.Fatalf("browser: %v (console: %v)", err, b.seen())
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("browser: %s: %v (console: %v)", expr, err, b.seen())
	}
	return v
}

func (b *browser) seen() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// shot saves a full-page screenshot; with -docs also into docs/img.
func (b *browser) shot(t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if *docs && inDocs[name] {
		if err := os.WriteFile(filepath.Join("..", "docs", "img", "web-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// clean checks that the page logged no error and asked only the
// controller for anything.
func (b *browser) clean(t *testing.T, s *site) {
	t.Helper()
	if p := b.seen(); len(p) > 0 {
		t.Errorf("the page reported problems:\n%s", strings.Join(p, "\n"))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, u := range b.requests {
		if !strings.HasPrefix(u, s.url+"/") && !strings.HasPrefix(u, "blob:"+s.url+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page asked for %s, which is not the controller (%s)", u, s.url)
		}
	}
	if len(b.requests) == 0 {
		t.Error("no request seen: the network listener did not work")
	}
}

// download clicks a button that saves a file and returns the file's
// contents once the browser has written it.
func (b *browser) download(t *testing.T, button, name string) []byte {
	t.Helper()
	b.run(t, chromedp.Click(chromedp.CSS(button)))
	path := filepath.Join(b.saved, name)
	for {
		if data, err := os.ReadFile(path); err == nil && len(data) > 0 {
			if _, err := os.Stat(path + ".crdownload"); os.IsNotExist(err) {
				return data
			}
		}
		select {
		case <-b.ctx.Done():
			t.Fatalf("no download %s after clicking %s", name, button)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitJS polls a JavaScript expression until it is true.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for {
			ok, err := chromedp.Evaluate[bool]("!!("+expr+")")(ctx, tg)
			if err != nil {
				return err
			}
			if ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for %s: %w", expr, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// setKey opens the key page (the first time, from the controller's
// root, which leads to the UI) and enters the key, returning once the
// page took it and went on to the submit form: a navigation started
// before that could be overtaken by the page's own.
func setKey(b *browser, t *testing.T, s *site, key string) {
	if !strings.HasPrefix(eval[string](t, b, `location.href`), s.url) {
		b.run(t, chromedp.Navigate(s.url+"/"), waitJS(`location.pathname === '/ui/'`))
	}
	b.run(t, waitJS(`(location.hash = '#/key', true)`), chromedp.WaitVisible(chromedp.ID("key-input")),
		chromedp.SendKeys(chromedp.ID("key-input"), key), chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		waitJS(`location.hash === '#/submit'`))
}
