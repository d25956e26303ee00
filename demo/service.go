package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/topo"
)

// service is the running service: the emulated Internet (a lab, or the
// simulator inside the controller), the demo's directory, the
// controller process and, in a lab, the agents and two-host responders.
type service struct {
	cfg        Config
	dir        string   // the demo's files: configuration, logs, database
	lab        *lab.Lab // nil on the simulator
	ctl        *process
	agents     []*labAgent // in the lab: on every source and vantage point
	procs      []*process  // in the lab: two-host responders
	agentsPort int         // the controller's agent endpoint, in the lab
	db, url    string
}

// drainTimeout bounds the controller's graceful stop.
const drainTimeout = 10 * time.Second

// startService builds the Internet and starts the controller on it; in
// a lab, also the two-host responders and, with their credentials and
// the sources authorized, the agents.
func startService(ctx context.Context, cfg Config) (s *service, err error) {
	listen, err := cfg.listen() // before anything is built
	if err != nil {
		return nil, err
	}
	s = &service{cfg: cfg}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.stop())
		}
	}()
	if err := s.internet(ctx); err != nil {
		return s, err
	}
	s.db = s.cfg.DB
	if s.db == "" {
		s.db = filepath.Join(s.dir, "revtr.db")
	}
	if s.lab == nil {
		return s, s.controller(ctx, listen)
	}
	if err := s.responders(ctx); err != nil {
		return s, err
	}
	if err := s.authorize(ctx); err != nil {
		return s, err
	}
	agents, err := Config{Listen: "127.0.0.1:0"}.listen()
	if err != nil {
		return s, err
	}
	_, port, _ := net.SplitHostPort(agents)
	s.agentsPort, _ = strconv.Atoi(port)
	if err := s.controller(ctx, listen); err != nil {
		return s, err
	}
	return s, s.startAgents()
}

// internet builds the lab and makes its directory (lab.Dir: removed with
// the lab, by `revtr lab down` too), or a temporary directory for the
// simulator, which receives the topology.
func (s *service) internet(ctx context.Context) error {
	if s.cfg.Lab == "" {
		dir, err := os.MkdirTemp("", "revtr-demo-")
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		s.dir = dir
		return s.writeTopology()
	}
	if err := lab.Remove(s.cfg.Lab); err != nil && !errors.Is(err, lab.ErrNotFound) {
		return fmt.Errorf("demo: remove the previous demo lab: %w", err)
	}
	start := time.Now()
	bar := s.cfg.bar(len(s.cfg.Topology.Nodes), "building the lab")
	l, err := lab.UpProgress(ctx, s.cfg.Topology, s.cfg.Lab, bar.setOf)
	bar.done()
	if err != nil {
		return err
	}
	s.lab, s.dir = l, lab.Dir(s.cfg.Lab)
	fmt.Fprintf(s.cfg.Out, "lab %q: %d network namespaces built in %.1fs (`revtr lab down --name %s` removes it if the demo cannot)\n",
		l.Name(), len(s.cfg.Topology.Nodes), time.Since(start).Seconds(), l.Name())
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// responders starts `revtr responder` in every responder host of the
// lab, and waits until each serves.
func (s *service) responders(ctx context.Context) error {
	tp := s.cfg.Topology
	var nodes []string
	for _, id := range tp.Hosts() {
		if n := &tp.Nodes[id]; n.Role.Responder && len(n.Ifaces) > 0 {
			nodes = append(nodes, n.Name)
		}
	}
	bar := s.cfg.bar(len(nodes), "starting two-host responders")
	defer bar.done()
	for i, node := range nodes {
		n, _ := s.lab.Node(node)
		p, err := startProcess("responder in "+node, s.cfg.Revtr, []string{"responder", "--lab", s.lab.Name(), "--node", node, n.Ifaces[0].Name},
			filepath.Join(s.dir, "responder-"+node+".log"))
		if err != nil {
			return err
		}
		s.procs = append(s.procs, p)
		if err := p.waitLog(ctx, "responder started"); err != nil {
			return err
		}
		bar.set(i + 1)
	}
	for i, p := range s.procs {
		nodes[i] = fmt.Sprintf("%s (pid %d)", nodes[i], p.pid())
	}
	if len(nodes) > 0 {
		fmt.Fprintf(s.cfg.Out, "two-host responders: `revtr responder --lab %s --node NODE IFACE` in %s\n", s.lab.Name(), strings.Join(nodes, ", "))
	}
	return nil
}

// writeTopology saves the topology for the simulator backend to read.
func (s *service) writeTopology() error {
	return s.writeFile("topology.json", s.cfg.Topology.WriteJSON)
}

// writeFile writes a file of the demo's directory with write.
func (s *service) writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(filepath.Join(s.dir, name))
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("demo: %s: %w", name, err)
	}
	return f.Close()
}

// controllerConfig is the controller's configuration file: the
// product's defaults, but one reverse traceroute per job (so that
// progress shows as each finishes) and the demo's backend: the
// simulator over the demo's topology, or in a lab the agents, with the
// lab's prefix-to-AS file, its address space allowed, and the lab's
// short timeouts.
func (s *service) controllerConfig(listen string) (string, error) {
	backend := fmt.Sprintf("backend:\n  kind: sim\n  sim: {topology: %q}\n", filepath.Join(s.dir, "topology.json"))
	if s.lab != nil {
		if err := s.writeFile("pfx2as.txt", func(w io.Writer) error { return s.cfg.Topology.WritePfx2AS(w, false) }); err != nil {
			return "", err
		}
		var allow []string
		for _, p := range topo.ReservedPrefixes() {
			allow = append(allow, p.String())
		}
		backend = fmt.Sprintf(`backend: {kind: agents}
prefix_to_as: %q
api: {allow: [%s]}
agents:
  listen: 127.0.0.1:%d
  generated_cert: %q
  timeout: 250ms
  wait: 5s
  onboard_interval: 200ms
`, filepath.Join(s.dir, "pfx2as.txt"), strings.Join(allow, ", "), s.agentsPort, filepath.Join(s.dir, "agents-ca.pem"))
	}
	return fmt.Sprintf(`# revtr demo's controller
name: demo
listen: %q
db: %q
drain_timeout: %s
scheduler:
  slice: 1
  poll_interval: 50ms
%s`, listen, s.db, drainTimeout, backend), nil
}

// controller starts `revtr controller` on the demo's configuration and
// waits until it is ready.
func (s *service) controller(ctx context.Context, listen string) error {
	text, err := s.controllerConfig(listen)
	if err != nil {
		return err
	}
	conf := filepath.Join(s.dir, "controller.yaml")
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	start := time.Now()
	s.ctl, err = startProcess("controller", s.cfg.Revtr, []string{"controller", "--config", conf}, filepath.Join(s.dir, "controller.log"))
	if err != nil {
		return err
	}
	s.url = "http://" + listen
	what := "the simulator"
	if s.lab != nil {
		what = fmt.Sprintf("the lab through its agents (agents backend, their endpoint 127.0.0.1:%d)", s.agentsPort)
	}
	fmt.Fprintf(s.cfg.Out, "controller: `revtr controller --config %s` (pid %d, SQLite %s, log %s), measuring on %s\n",
		conf, s.ctl.pid(), s.db, s.ctl.log, what)
	bar := s.cfg.spinner("starting the controller")
	err = s.waitReady(ctx)
	bar.done()
	if err != nil {
		return err
	}
	fmt.Fprintf(s.cfg.Out, "controller: ready at %s in %.1fs\n", s.url, time.Since(start).Seconds())
	return nil
}

// waitReady polls /readyz until the controller answers 200.
func (s *service) waitReady(ctx context.Context) error {
	hc := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/readyz", nil)
		if err != nil {
			return err
		}
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.ctl.exited:
			return fmt.Errorf("demo: the controller %w before it was ready: %v (log: %s)%s", errExited, s.ctl.err, s.ctl.log, logTail(s.ctl.log))
		case <-tick.C:
		}
	}
}

// newKey makes an API key for every source the controller authorized,
// as `revtr keys add` does, in the controller's database.
func (s *service) newKey(ctx context.Context) (string, error) {
	st, err := store.Open(ctx, s.db)
	if err != nil {
		return "", err
	}
	defer st.Close()
	srcs, err := st.Sources(ctx)
	if err != nil {
		return "", err
	}
	var addrs []netip.Addr
	for _, x := range srcs {
		addrs = append(addrs, x.Addr)
	}
	_, key, err := st.AddUser(ctx, store.NewUser{Name: "demo", Sources: addrs, PerDay: 1_000_000, Parallel: 100_000})
	return key, err
}

// stop stops the controller (it drains what the agents measure), then
// the agents and the responders, then removes the lab and the demo's
// files; the database too unless Config.DB kept it.
func (s *service) stop() error {
	var err error
	if s.ctl != nil {
		err = s.ctl.stop(drainTimeout + 20*time.Second)
	}
	for _, a := range s.agents {
		if a.proc != nil {
			err = errors.Join(err, a.proc.stop(20*time.Second))
		}
	}
	for _, p := range s.procs {
		err = errors.Join(err, p.stop(20*time.Second))
	}
	if s.lab != nil {
		err = errors.Join(err, s.lab.Down()) // removes lab.Dir too
	} else if s.dir != "" {
		err = errors.Join(err, os.RemoveAll(s.dir))
	}
	return err
}

// listen is the controller's address: the one asked for (port 0: a
// free one), or 127.0.0.1:8080, or a free port if 8080 is taken.
func (c Config) listen() (string, error) {
	cands := []string{c.Listen}
	if c.Listen == "" {
		cands = []string{"127.0.0.1:8080", "127.0.0.1:0"}
	}
	var err error
	for _, a := range cands {
		var ln net.Listener
		if ln, err = net.Listen("tcp", a); err == nil {
			addr := ln.Addr().String()
			ln.Close()
			return addr, nil
		}
	}
	return "", fmt.Errorf("demo: the controller's address: %w", err)
}
