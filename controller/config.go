package controller

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"time"

	"go.yaml.in/yaml/v3"
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("bad configuration")

// Config is the controller's configuration, as its YAML file spells it.
// Default gives every field its documented default; a file overrides the
// fields it names.
type Config struct {
	// Name tells this controller from others sharing a database, in the
	// stored results and the archive's claims; it must stay the same
	// across restarts. Default: the host name.
	Name string `yaml:"name"`
	// Listen is the API's address. Default: 127.0.0.1:8080.
	Listen string `yaml:"listen"`
	// DB is the database: a file path or sqlite:PATH, or
	// postgres://... Default: revtr.db (SQLite, in the working directory).
	DB string `yaml:"db"`
	// TLS, if both files are set, serves the API over HTTPS.
	TLS struct {
		Cert string `yaml:"cert"`
		Key  string `yaml:"key"`
	} `yaml:"tls"`
	Log struct {
		Level  string `yaml:"level"`  // debug, info, warn, error. Default: info.
		Format string `yaml:"format"` // text or json. Default: text.
	} `yaml:"log"`
	API       APIConfig       `yaml:"api"`
	Scheduler SchedulerConfig `yaml:"scheduler"`
	Archive   ArchiveConfig   `yaml:"archive"`
	Retention RetentionConfig `yaml:"retention"`
	Backend   BackendConfig   `yaml:"backend"`
	Agents    AgentsConfig    `yaml:"agents"`
	// PrefixToAS, if set, is a CAIDA prefix-to-AS file (prefix, length,
	// AS, tab separated; gzip or not) whose origins annotate every hop
	// (cidr, asn), instead of the backend's own map (the simulator's and
	// the lab's know their Internet's prefixes).
	PrefixToAS string `yaml:"prefix_to_as"`
	// PprofListen, if set, serves Go's profiles (/debug/pprof/) there,
	// apart from the API and with no key: keep it on a loopback or
	// otherwise private address. Default: off.
	PprofListen string `yaml:"pprof_listen"`
	// DrainTimeout bounds a graceful stop (SIGTERM): the API stops
	// taking requests, running jobs finish or are handed back. Default 30s.
	DrainTimeout time.Duration `yaml:"drain_timeout"`
}

// APIConfig bounds what the API accepts.
type APIConfig struct {
	// MaxBatch is the most reverse traceroutes one request may carry.
	// Default 100,000.
	MaxBatch int `yaml:"max_batch"`
	// MaxBody is the largest request body, in bytes. Default 32 MiB.
	MaxBody int64 `yaml:"max_body"`
	// Allow lists destination prefixes accepted although they are not
	// public unicast (a lab's own prefixes). The simulator and lab
	// backends add theirs.
	Allow []netip.Prefix `yaml:"allow"`
}

// SchedulerConfig shapes the work: how much at once, how fast it starts,
// how a failure is retried.
type SchedulerConfig struct {
	// MaxInFlight bounds the reverse traceroutes measuring at once in
	// this controller. Default 12,000, the reference's.
	MaxInFlight int `yaml:"max_in_flight"`
	// StartInterval is the least time between two starts (0: no limit).
	// Default 3ms, the reference's (at most ~333 starts a second).
	StartInterval time.Duration `yaml:"start_interval"`
	// Slice is how many reverse traceroutes one job carries. Default 50.
	Slice int `yaml:"slice"`
	// MaxAttempts is how many times a job runs before its unfinished
	// reverse traceroutes fail. Default 5.
	MaxAttempts int `yaml:"max_attempts"`
	// JobTimeout bounds one run of a job. Default 10m.
	JobTimeout time.Duration `yaml:"job_timeout"`
	// RescueAfter is how long a job may stay running before River
	// assumes its controller died and runs it again (it must exceed
	// JobTimeout). Default 15m.
	RescueAfter time.Duration `yaml:"rescue_after"`
	// RetryBackoff is the wait before a failed job's n-th retry, times
	// n. Default 10s.
	RetryBackoff time.Duration `yaml:"retry_backoff"`
	// PollInterval is how often the queue is polled for jobs other
	// controllers (or a restart) left. Default 200ms.
	PollInterval time.Duration `yaml:"poll_interval"`
}

// ArchiveConfig is the archive export.
type ArchiveConfig struct {
	// Dir receives the archive files; empty: no export.
	Dir string `yaml:"dir"`
	// Interval is how often it exports. Default 10m.
	Interval time.Duration `yaml:"interval"`
}

// RetentionConfig bounds how long the database keeps what is finished.
// A zero duration keeps forever.
type RetentionConfig struct {
	// Results is how long a batch stays after the archive file holding
	// the last of its reverse traceroutes was written; then the batch,
	// its reverse traceroutes and the exports left empty are deleted. A
	// batch with anything unfinished or not yet in a written archive file
	// is never deleted, so only controllers with an archive (archive.dir)
	// purge, and without one the database keeps everything. Default 720h
	// (30 days).
	Results time.Duration `yaml:"results"`
	// Interval is how often a controller purges. Default 1h.
	Interval time.Duration `yaml:"interval"`
	// CompletedJobs, CancelledJobs and DiscardedJobs are how long the
	// queue (River) keeps its finished jobs. Defaults River's: 24h, 24h
	// and 168h. Discarded jobs are swept (their unfinished reverse
	// traceroutes failed) and deleted by the controllers within seconds;
	// this is only a backstop, at least 1h so that it never comes first.
	CompletedJobs time.Duration `yaml:"completed_jobs"`
	CancelledJobs time.Duration `yaml:"cancelled_jobs"`
	DiscardedJobs time.Duration `yaml:"discarded_jobs"`
}

// BackendConfig says what the workers measure with.
type BackendConfig struct {
	// Kind is "agents" (remote agents that dial the agents endpoint),
	// "sim" (the simulator: an emulated Internet in memory,
	// with ground truth; no privileges), "lab" (real probers in an
	// emulated Internet of network namespaces, as root), or "none": the
	// controller accepts and serves, and other controllers on the same
	// PostgreSQL database measure. Default "none".
	Kind string `yaml:"kind"`
	// Sim is the emulated Internet of the sim and lab backends.
	Sim SimConfig `yaml:"sim"`
	// LabName names the lab the lab backend builds (and removes when
	// the controller stops). Default "revtrctl".
	LabName string `yaml:"lab_name"`
	// LabAttach makes the lab backend measure in the running lab
	// LabName (built by `revtr lab up` or `revtr demo`), whose topology
	// it reads from the lab, instead of building one; the lab is left
	// up when the controller stops. Default false.
	LabAttach bool `yaml:"lab_attach"`
	// LabExternalResponders says the lab's two-host responders run as
	// processes of their own (`revtr responder` in its responder hosts,
	// as `revtr demo` starts them): the backend starts none, only the
	// sources' clients. Default false: it starts them.
	LabExternalResponders bool `yaml:"lab_external_responders"`
}

// AgentsConfig is the agents' endpoint and what the controller does with
// its agents (backend kind agents).
type AgentsConfig struct {
	// Listen is the agents' endpoint (HTTP/2 over TLS), which they dial
	// (their scamper.host and scamper.port). Default 127.0.0.1:4381.
	Listen string `yaml:"listen"`
	// TLS is the endpoint's certificate; with none, a self-signed one
	// is made at the first start and its PEM written to GeneratedCert
	// for agents to trust (their local.rootca), its key to GeneratedKey
	// (default: GeneratedCert with ".key" appended); later starts keep
	// it while it is valid for another week and for the same hosts.
	TLS struct {
		Cert string `yaml:"cert"`
		Key  string `yaml:"key"`
	} `yaml:"tls"`
	GeneratedCert string `yaml:"generated_cert"`
	GeneratedKey  string `yaml:"generated_key"`
	// Wait is how long a measurement for an address no agent serves
	// waits for one to connect. Default 10s.
	Wait time.Duration `yaml:"wait"`
	// Timeout is the timeout of spoofed Record Route pings, from the
	// probe's departure (the agents' own apply to the rest). Default 1s.
	Timeout time.Duration `yaml:"timeout"`
	// OnboardInterval is how often connected agents without a report are
	// tested. Default 5s.
	OnboardInterval time.Duration `yaml:"onboard_interval"`
	// Retest is the age after which a report is tested again. Default 24h.
	Retest time.Duration `yaml:"retest"`
	// AtlasStaleness is the age at which an atlas is rebuilt (the
	// reference's: a day). Default 24h.
	AtlasStaleness time.Duration `yaml:"atlas_staleness"`
	// AtlasParallel bounds the atlas measurements at once. Default 16.
	AtlasParallel int `yaml:"atlas_parallel"`
	// RIPEBaseURL is the RIPE Atlas API that atlas/run with a RIPE-Key
	// uses. Default https://atlas.ripe.net/api/v2.
	RIPEBaseURL string `yaml:"ripe_base_url"`
	// RIPEProbes is how many RIPE Atlas probes, worldwide, trace toward
	// the source. Default 50.
	RIPEProbes int `yaml:"ripe_probes"`
	// RIPEKeepPrivate keeps RIPE Atlas hops that answered from addresses
	// that are not globally unique (RFC 1918, RFC 6598, ...), for a
	// network numbered from them, as the lab is. Default false: behind
	// home gateways and carrier NATs one such address at two probes is
	// two routers, so they are silenced.
	RIPEKeepPrivate bool `yaml:"ripe_keep_private"`
}

// SimConfig is an emulated Internet to generate, or to read.
type SimConfig struct {
	// Topology, if set, is a topology file (topo's JSON format, as `revtr
	// lab up` saves it) to measure instead of generating one: Seed,
	// Routers, VantagePoints and Sources are then ignored.
	Topology string `yaml:"topology"`
	// Seed and Routers generate the topology (topo.Generate with
	// topo.SizedParams(Routers)). Defaults 1 and 300.
	Seed    int64 `yaml:"seed"`
	Routers int   `yaml:"routers"`
	// VantagePoints and Sources, if not 0, override the generator's.
	VantagePoints int `yaml:"vantage_points"`
	Sources       int `yaml:"sources"`
}

// Default returns the documented defaults.
func Default() Config {
	var c Config
	c.Name, _ = os.Hostname()
	if c.Name == "" {
		c.Name = "controller"
	}
	c.Listen, c.DB, c.DrainTimeout = "127.0.0.1:8080", "revtr.db", 30*time.Second
	c.Log.Level, c.Log.Format = "info", "text"
	c.API = APIConfig{MaxBatch: 100_000, MaxBody: 32 << 20}
	c.Scheduler = SchedulerConfig{MaxInFlight: 12_000, StartInterval: 3 * time.Millisecond, Slice: 50, MaxAttempts: 5,
		JobTimeout: 10 * time.Minute, RescueAfter: 15 * time.Minute, RetryBackoff: 10 * time.Second, PollInterval: 200 * time.Millisecond}
	c.Archive.Interval = 10 * time.Minute
	c.Retention = RetentionConfig{Results: 30 * 24 * time.Hour, Interval: time.Hour,
		CompletedJobs: 24 * time.Hour, CancelledJobs: 24 * time.Hour, DiscardedJobs: 7 * 24 * time.Hour}
	c.Backend = BackendConfig{Kind: "none", Sim: SimConfig{Seed: 1, Routers: 300}, LabName: "revtrctl"}
	c.Agents = AgentsConfig{Listen: "127.0.0.1:4381", GeneratedCert: "agents-ca.pem", Wait: 10 * time.Second, Timeout: time.Second,
		OnboardInterval: 5 * time.Second, Retest: 24 * time.Hour, AtlasStaleness: 24 * time.Hour, AtlasParallel: 16,
		RIPEBaseURL: "https://atlas.ripe.net/api/v2", RIPEProbes: 50}
	return c
}

// Load reads a YAML configuration file over the defaults. Unknown keys
// are errors: a misspelt key must not pass silently.
func Load(path string) (Config, error) {
	c := Default()
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("controller: config: %w", err)
	}
	d := yaml.NewDecoder(bytes.NewReader(b))
	d.KnownFields(true)
	if err := d.Decode(&c); err != nil && !errors.Is(err, io.EOF) { // an empty file is all defaults
		return c, fmt.Errorf("controller: config %s: %w: %w", path, ErrConfig, err)
	}
	return c, c.Validate()
}

// Validate reports the first thing wrong with c.
func (c Config) Validate() error {
	s, r := c.Scheduler, c.Retention
	checks := []struct {
		ok  bool
		why string
	}{
		{c.Name != "", "name is empty"},
		{c.Listen != "", "listen is empty"},
		{c.DB != "", "db is empty"},
		{c.PprofListen == "" || validHostPort(c.PprofListen), fmt.Sprintf("pprof_listen %q: want host:port", c.PprofListen)},
		{(c.TLS.Cert == "") == (c.TLS.Key == ""), "tls needs both cert and key"},
		{c.API.MaxBatch > 0 && c.API.MaxBody > 0, "api.max_batch and api.max_body must be > 0"},
		{s.MaxInFlight > 0 && s.Slice > 0 && s.MaxAttempts > 0, "scheduler.max_in_flight, slice and max_attempts must be > 0"},
		{s.StartInterval >= 0 && s.RetryBackoff >= 0 && s.PollInterval > 0, "scheduler intervals must not be negative (poll_interval > 0)"},
		{s.JobTimeout > 0 && s.RescueAfter > s.JobTimeout, "scheduler.rescue_after must exceed job_timeout (> 0)"},
		{c.Archive.Interval > 0, "archive.interval must be > 0"},
		{r.Results >= 0 && r.CompletedJobs >= 0 && r.CancelledJobs >= 0 && r.Interval > 0, "retention durations must not be negative (interval > 0)"},
		{r.DiscardedJobs == 0 || r.DiscardedJobs >= time.Hour, "retention.discarded_jobs must be 0 (forever) or at least 1h"},
		{c.DrainTimeout > 0, "drain_timeout must be > 0"},
		{c.Backend.Kind == "none" || c.Backend.Kind == "sim" || c.Backend.Kind == "lab" || c.Backend.Kind == "agents",
			fmt.Sprintf("backend.kind %q: want none, sim, lab or agents", c.Backend.Kind)},
		{(c.Agents.TLS.Cert == "") == (c.Agents.TLS.Key == ""), "agents.tls needs both cert and key"},
		{c.Agents.Listen != "" && c.Agents.Wait >= 0 && c.Agents.Timeout > 0 && c.Agents.OnboardInterval > 0 && c.Agents.Retest > 0 &&
			c.Agents.AtlasStaleness > 0 && c.Agents.AtlasParallel > 0 && c.Agents.RIPEProbes > 0,
			"agents: listen must be set, intervals, timeout, atlas_parallel and ripe_probes > 0"},
		{c.Backend.Sim.Routers > 0, "backend.sim.routers must be > 0"},
		{c.Log.Format == "text" || c.Log.Format == "json", fmt.Sprintf("log.format %q: want text or json", c.Log.Format)},
	}
	for _, k := range checks {
		if !k.ok {
			return fmt.Errorf("controller: config: %w: %s", ErrConfig, k.why)
		}
	}
	return nil
}

// validHostPort says whether s is a host:port a listener can take.
func validHostPort(s string) bool {
	_, port, err := net.SplitHostPort(s)
	return err == nil && port != ""
}
