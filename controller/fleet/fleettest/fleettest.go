// Package fleettest serves a fleet over TLS and starts agents for it, for
// tests and demonstrations: Serve runs a fleet's endpoint on loopback
// with a self-signed certificate, AgentConfig is an agent configuration
// that trusts it, and (with agent.StartLab) every host of a lab gets an
// agent in this process.
package fleettest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/revtr/revtr/agent"
	"github.com/revtr/revtr/controller/fleet"
	"github.com/revtr/revtr/internal/selfsigned"
)

// Credential is the credential Authenticate accepts.
const Credential = "fleettest-credential"

// Authenticate accepts Credential alone, as an agent named "lab".
func Authenticate(_ context.Context, credential string) (fleet.Identity, error) {
	if credential != Credential {
		return fleet.Identity{}, fmt.Errorf("%w: not the test's", fleet.ErrUnauthenticated)
	}
	return fleet.Identity{Name: "lab"}, nil
}

// Endpoint is a fleet served on loopback.
type Endpoint struct {
	Addr   string // host:port
	CAFile string // the certificate to trust, PEM
}

// Serve serves f's endpoint over HTTP/2 with TLS on loopback until the
// test ends.
func Serve(t testing.TB, f *fleet.Fleet) Endpoint {
	t.Helper()
	path, h := f.Handler()
	return ServeHandler(t, path, h)
}

// ServeHandler serves an agent endpoint handler (a fleet's, or a test's
// own controller) as Serve does.
func ServeHandler(t testing.TB, path string, h http.Handler) Endpoint {
	t.Helper()
	cert, pem, err := selfsigned.New("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "controller.pem")
	if err := os.WriteFile(ca, pem, 0o644); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(path, h)
	srv := httptest.NewUnstartedServer(mux)
	srv.EnableHTTP2 = true
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return Endpoint{Addr: srv.Listener.Addr().String(), CAFile: ca}
}

// AgentConfig is an agent configuration dialing e with credential, its
// prober at rate packets/s (the probe timeout left at its default).
func (e Endpoint) AgentConfig(t testing.TB, credential string, rate float64) agent.Config {
	t.Helper()
	host, port, err := net.SplitHostPort(e.Addr)
	if err != nil {
		t.Fatal(err)
	}
	c := agent.Default()
	c.Scamper.Host, c.Local.RootCA, c.Agent.Credential, c.Scamper.Rate = host, e.CAFile, credential, rate
	if c.Scamper.Port, err = strconv.Atoi(port); err != nil {
		t.Fatal(err)
	}
	if c, err = c.Resolve(); err != nil {
		t.Fatal(fmt.Errorf("fleettest: %w", err))
	}
	return c
}
