package agent

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("bad agent configuration")

// Config is an agent's configuration, as its YAML file spells it: the
// reference agent's plvp.config keys, with their meaning, and ours under
// agent. docs/agents.md describes every key; Default gives the defaults.
type Config struct {
	Environment struct {
		// Debug logs at debug level.
		Debug bool `yaml:"debug"`
	} `yaml:"environment"`
	Local   LocalConfig   `yaml:"local"`
	Scamper ScamperConfig `yaml:"scamper"`
	Agent   AgentConfig   `yaml:"agent"`
}

// LocalConfig is the reference's local section.
type LocalConfig struct {
	// Interface is where spoofed replies arrive: the agent measures from
	// its addresses (all the host's when empty).
	Interface string `yaml:"interface"`
	// Host is the controller's host name; it is dialed when scamper.host
	// is empty (the reference connected to it separately).
	Host string `yaml:"host"`
	// PprofAddr, if set, serves Go's profiles (/debug/pprof/) there.
	PprofAddr string `yaml:"pprofaddr"`
	// RootCA is a PEM file of the certificates the controller's TLS
	// certificate is checked against (the reference's root.crt); empty:
	// the system's roots.
	RootCA string `yaml:"rootca"`
	// SenderOnly makes the agent a vantage point only (no source).
	SenderOnly bool `yaml:"senderonly"`
	// AutoConnect must be true (or unset): the agent always dials.
	AutoConnect *bool `yaml:"autoconnect"`
	// Proto must be tcp (or unset).
	Proto string `yaml:"proto"`
	// StartScamp is accepted and has no effect: the agent probes itself.
	StartScamp *bool `yaml:"startscamp"`
}

// ScamperConfig is the reference's scamper section: where the reference
// agent's scamper connected, here the controller's agent endpoint.
type ScamperConfig struct {
	Host string `yaml:"host"`
	// Port is the controller's agent port. Default 4381.
	Port int `yaml:"port"`
	// Rate bounds the agent's probes, packets per second. Default 100.
	Rate float64 `yaml:"rate"`
	// CAFile is read as local.rootca when that is empty.
	CAFile string `yaml:"cafile"`
	// BinPath is accepted and has no effect.
	BinPath string `yaml:"binpath"`
}

// AgentConfig holds our own keys.
type AgentConfig struct {
	// Name is the agent's name for itself. Default: the host name.
	Name string `yaml:"name"`
	// Roles are "source" and "vantage_point". Default: both, or only
	// vantage_point with local.senderonly.
	Roles []string `yaml:"roles"`
	// Spoof lets a vantage point send probes spoofed as the controller's
	// authorized sources. Default true.
	Spoof *bool `yaml:"spoof"`
	// Credential, or the first line of CredentialFile, authenticates the
	// agent (revtr agents add prints it).
	Credential     string `yaml:"credential"`
	CredentialFile string `yaml:"credential_file"`
	// ServerName is the name the controller's certificate must carry.
	// Default: the host dialed.
	ServerName string `yaml:"server_name"`
	// Addrs, if set, are the addresses measured from (instead of
	// local.interface's or the host's).
	Addrs []netip.Addr `yaml:"addrs"`
	// Timeout is a probe's timeout when a request names none. Default 1s.
	Timeout time.Duration `yaml:"timeout"`
	// ReconnectMin and ReconnectMax bound the wait between connection
	// attempts, which doubles from the first to the second. Defaults 250ms, 30s.
	ReconnectMin time.Duration `yaml:"reconnect_min"`
	ReconnectMax time.Duration `yaml:"reconnect_max"`
	// Lab, as revtr agent --lab and --node say, runs the prober inside a
	// lab node's network namespace, the controller connection staying in
	// the host's.
	Lab struct {
		Name string `yaml:"name"`
		Node string `yaml:"node"`
	} `yaml:"lab"`
}

// Roles.
const (
	RoleSource       = "source"
	RoleVantagePoint = "vantage_point"
)

// Default returns the defaults.
func Default() Config {
	var c Config
	c.Scamper.Port, c.Scamper.Rate = 4381, 100
	c.Agent.Timeout, c.Agent.ReconnectMin, c.Agent.ReconnectMax = time.Second, 250*time.Millisecond, 30*time.Second
	return c
}

// Load reads a YAML file over the defaults, refusing keys it does not
// know by their dotted name, and completes it (Resolve).
func Load(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("agent: config: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return c, fmt.Errorf("agent: config %s: %w", path, err)
	}
	return c, nil
}

// Parse reads a YAML configuration over the defaults and completes it.
func Parse(b []byte) (Config, error) {
	c := Default()
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return c, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if len(root.Content) > 0 {
		if err := checkKeys(root.Content[0], reflect.TypeOf(c), ""); err != nil {
			return c, err
		}
		d := yaml.NewDecoder(bytes.NewReader(b))
		d.KnownFields(true)
		if err := d.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
			return c, fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	return c.Resolve()
}

// checkKeys refuses a mapping key that t has no field for, naming it as
// a dotted path with its line.
func checkKeys(n *yaml.Node, t reflect.Type, prefix string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind != yaml.MappingNode || t.Kind() != reflect.Struct {
		return nil
	}
	known := map[string]reflect.Type{}
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		known[name] = t.Field(i).Type
		names = append(names, prefix+name)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		ft, ok := known[k.Value]
		if !ok {
			return fmt.Errorf("%w: unknown key %s%s (line %d); known here: %s", ErrConfig, prefix, k.Value, k.Line, strings.Join(names, ", "))
		}
		if err := checkKeys(n.Content[i+1], ft, prefix+k.Value+"."); err != nil {
			return err
		}
	}
	return nil
}

// Resolve applies the derived defaults (roles, the host dialed, the
// credential file, the CA file) and checks c.
func (c Config) Resolve() (Config, error) {
	if c.Agent.Name == "" {
		c.Agent.Name, _ = os.Hostname()
	}
	if c.Scamper.Host == "" {
		c.Scamper.Host = c.Local.Host
	}
	if c.Local.RootCA == "" {
		c.Local.RootCA = c.Scamper.CAFile
	}
	if len(c.Agent.Roles) == 0 {
		c.Agent.Roles = []string{RoleSource, RoleVantagePoint}
		if c.Local.SenderOnly {
			c.Agent.Roles = []string{RoleVantagePoint}
		}
	}
	if c.Agent.Spoof == nil {
		t := true
		c.Agent.Spoof = &t
	}
	if c.Agent.Credential == "" && c.Agent.CredentialFile != "" {
		b, err := os.ReadFile(c.Agent.CredentialFile)
		if err != nil {
			return c, fmt.Errorf("%w: agent.credential_file: %w", ErrConfig, err)
		}
		c.Agent.Credential, _, _ = strings.Cut(strings.TrimSpace(string(b)), "\n")
	}
	return c, c.validate()
}

func (c Config) validate() error {
	for _, r := range c.Agent.Roles {
		if r != RoleSource && r != RoleVantagePoint {
			return fmt.Errorf("%w: agent.roles: %q: want %s or %s", ErrConfig, r, RoleSource, RoleVantagePoint)
		}
	}
	checks := []struct {
		ok  bool
		why string
	}{
		{c.Scamper.Host != "", "scamper.host (or local.host) must name the controller"},
		{c.Scamper.Port > 0 && c.Scamper.Port < 65536, fmt.Sprintf("scamper.port %d: want 1-65535", c.Scamper.Port)},
		{c.Scamper.Rate > 0, "scamper.rate must be > 0"},
		{c.Agent.Credential != "", "agent.credential (or agent.credential_file) is needed: revtr agents add prints one"},
		{c.Local.AutoConnect == nil || *c.Local.AutoConnect, "local.autoconnect: false is not supported: the agent always dials the controller"},
		{c.Local.Proto == "" || c.Local.Proto == "tcp", fmt.Sprintf("local.proto %q: only tcp", c.Local.Proto)},
		{c.Agent.Timeout > 0, "agent.timeout must be > 0"},
		{c.Agent.ReconnectMin > 0 && c.Agent.ReconnectMax >= c.Agent.ReconnectMin, "agent.reconnect_min must be > 0 and at most reconnect_max"},
		{(c.Agent.Lab.Name == "") == (c.Agent.Lab.Node == ""), "agent.lab needs both name and node"},
	}
	for _, k := range checks {
		if !k.ok {
			return fmt.Errorf("%w: %s", ErrConfig, k.why)
		}
	}
	return nil
}

// Has reports whether the agent plays role.
func (c Config) Has(role string) bool { return slices.Contains(c.Agent.Roles, role) }

// URL is the controller's agent endpoint.
func (c Config) URL() string {
	return "https://" + net.JoinHostPort(c.Scamper.Host, strconv.Itoa(c.Scamper.Port))
}

// Effective returns c as YAML, the credential redacted: what --check
// prints.
func (c Config) Effective() ([]byte, error) {
	if c.Agent.Credential != "" {
		c.Agent.Credential = "(set, " + strconv.Itoa(len(c.Agent.Credential)) + " characters)"
	}
	return yaml.Marshal(c)
}
