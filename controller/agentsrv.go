package controller

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/revtr/revtr/internal/selfsigned"
)

// serveAgents serves the agents' endpoint (HTTP/2 over TLS) on
// agents.listen until ctx ends; its error, if it stops on its own, goes
// to errs.
func (c *Controller) serveAgents(ctx context.Context, errs chan<- error) (*http.Server, error) {
	tlsCfg, err := c.agentsTLS()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", c.cfg.Agents.Listen)
	if err != nil {
		return nil, fmt.Errorf("controller: agents: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle(c.agents.fleet.Handler())
	srv := &http.Server{Handler: mux, TLSConfig: tlsCfg, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(c.log.Handler(), slog.LevelWarn),
		HTTP2:    &http.HTTP2Config{SendPingTimeout: 10 * time.Second, PingTimeout: 10 * time.Second}}
	go func() { errs <- ignoreClosed(srv.ServeTLS(ln, "", "")) }()
	c.log.Info("agents listening", "addr", ln.Addr().String())
	return srv, nil
}

// agentsTLS is the endpoint's certificate: the configured one, or a
// self-signed one whose PEM is written for the agents to trust, kept
// across restarts (its key beside it) so that they go on trusting it.
func (c *Controller) agentsTLS() (*tls.Config, error) {
	t := c.cfg.Agents.TLS
	if t.Cert != "" {
		cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			return nil, fmt.Errorf("controller: agents.tls: %w", err)
		}
		return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
	}
	host, _, err := net.SplitHostPort(c.cfg.Agents.Listen)
	if err != nil {
		return nil, fmt.Errorf("controller: agents.listen: %w", err)
	}
	hosts := []string{"localhost", "127.0.0.1"}
	if host != "" && host != "127.0.0.1" && host != "0.0.0.0" && host != "::" {
		hosts = append(hosts, host)
	}
	if name, err := os.Hostname(); err == nil {
		hosts = append(hosts, name)
	}
	keyPath := c.cfg.Agents.GeneratedKey
	if keyPath == "" {
		keyPath = c.cfg.Agents.GeneratedCert + ".key"
	}
	cert, made, err := selfsigned.Kept(c.cfg.Agents.GeneratedCert, keyPath, hosts...)
	if err != nil {
		return nil, fmt.Errorf("controller: agents.generated_cert: %w", err)
	}
	if made {
		c.log.Info("agents' certificate made: agents trust it as their local.rootca", "file", c.cfg.Agents.GeneratedCert, "key", keyPath, "hosts", hosts)
	} else {
		c.log.Info("agents' certificate kept from the last start", "file", c.cfg.Agents.GeneratedCert)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
