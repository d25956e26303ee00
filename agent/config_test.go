package agent_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/agent"
)

// TestReferenceConfig reads a plvp.config with every key the reference
// agent's has, each with its meaning.
func TestReferenceConfig(t *testing.T) {
	c, err := agent.Load("testdata/plvp.config")
	if err != nil {
		t.Fatal(err)
	}
	if c.URL() != "https://controller.example.net:4381" || c.Scamper.Rate != 300 || c.Local.Interface != "eth0" || c.Local.PprofAddr != ":55557" {
		t.Errorf("scamper and local keys: %s, rate %v, interface %q, pprof %q", c.URL(), c.Scamper.Rate, c.Local.Interface, c.Local.PprofAddr)
	}
	if !c.Has(agent.RoleSource) || !c.Has(agent.RoleVantagePoint) || c.Agent.Credential != "revtr_agent_testcredential" || c.Local.RootCA != "testdata/controller.pem" {
		t.Errorf("derived: roles %v, credential %q, root CA %q", c.Agent.Roles, c.Agent.Credential, c.Local.RootCA)
	}
	out, err := c.Effective()
	if err != nil || strings.Contains(string(out), "testcredential") || !strings.Contains(string(out), "rate: 300") {
		t.Errorf("effective configuration leaks the credential or lacks the rate: %v\n%s", err, out)
	}
}

// TestConfigDefaults holds the defaults and what the reference's keys
// imply.
func TestConfigDefaults(t *testing.T) {
	c, err := agent.Parse([]byte("local: {host: ctl, senderonly: true}\nagent: {credential: k}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.URL() != "https://ctl:4381" || c.Scamper.Rate != 100 || c.Has(agent.RoleSource) || !c.Has(agent.RoleVantagePoint) ||
		c.Agent.Timeout != time.Second || !*c.Agent.Spoof {
		t.Errorf("defaults: %s rate %v roles %v timeout %v", c.URL(), c.Scamper.Rate, c.Agent.Roles, c.Agent.Timeout)
	}
}

// TestConfigRefused holds what a configuration may not say: unknown keys
// are named with their section and line.
func TestConfigRefused(t *testing.T) {
	for in, want := range map[string]string{
		"scamper: {host: ctl, rat: 5}\nagent: {credential: k}\n":         "unknown key scamper.rat (line 1)",
		"local:\n  host: ctl\n  interfce: eth0\nagent: {credential: k}":  "unknown key local.interfce (line 3)",
		"scamperr: {host: ctl}\n":                                        "unknown key scamperr",
		"local: {host: ctl}\n":                                           "agent.credential",
		"local: {host: ctl, autoconnect: false}\nagent: {credential: k}": "autoconnect",
		"local: {host: ctl}\nagent: {credential: k, roles: [router]}":    "agent.roles",
		"scamper: {host: ctl, port: 70000}\nagent: {credential: k}":      "scamper.port",
		"agent: {credential: k}\n":                                       "scamper.host",
		"scamper: [1, 2]":                                                "cannot unmarshal",
	} {
		_, err := agent.Parse([]byte(in))
		if !errors.Is(err, agent.ErrConfig) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want a configuration error saying %q", in, err, want)
		}
	}
}
