package eval

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/twohost"
)

// LabTwoHost is real two-host responders (docs/protocols.md §3) in a lab:
// one in every host whose role says it runs one, and a client in every
// source, each opened inside its host's namespace. It is the
// meas.TwoHostTracer the engine of our policy asks (Config.Responders):
// each request goes to the client of its source. Close stops them all.
type LabTwoHost struct {
	clients map[netip.Addr]*twohost.Client
	closers []io.Closer
}

// TwoHostTrace runs req on the client of req.Src (meas.ErrNoSource for a
// source without one).
func (lt *LabTwoHost) TwoHostTrace(ctx context.Context, req meas.TwoHostRequest) (meas.TwoHostTrace, error) {
	c, ok := lt.clients[req.Src.Unmap()]
	if !ok {
		return meas.TwoHostTrace{}, fmt.Errorf("eval: no two-host client for source %s: %w", req.Src, meas.ErrNoSource)
	}
	return c.TwoHostTrace(ctx, req)
}

// StartLabTwoHost starts a responder configured as rc in every responder
// host of l (rc.Interface defaults to the host's first interface, e0;
// rc.Logger to one that discards) and a client configured as cc in every
// source. The caller closes it.
func StartLabTwoHost(l *lab.Lab, rc twohost.ResponderConfig, cc twohost.ClientConfig) (*LabTwoHost, error) {
	if rc.Logger == nil {
		rc.Logger = slog.New(slog.DiscardHandler)
	}
	return startLabTwoHost(l, &rc, cc)
}

// OpenLabTwoHostClients opens only the sources' clients, configured as
// cc, for a lab whose responders run on their own (`revtr responder`
// processes in its hosts, as `revtr demo` starts them). The caller
// closes it.
func OpenLabTwoHostClients(l *lab.Lab, cc twohost.ClientConfig) (*LabTwoHost, error) {
	return startLabTwoHost(l, nil, cc)
}

// startLabTwoHost starts responders configured as rc (none if nil) and
// the sources' clients.
func startLabTwoHost(l *lab.Lab, rc *twohost.ResponderConfig, cc twohost.ClientConfig) (*LabTwoHost, error) {
	t := l.Topology()
	lt := &LabTwoHost{clients: make(map[netip.Addr]*twohost.Client)}
	for _, id := range t.Hosts() {
		n := &t.Nodes[id]
		var err error
		switch {
		case n.Role.Responder && rc != nil:
			cfg := *rc
			if cfg.Interface == "" && len(n.Ifaces) > 0 {
				cfg.Interface = n.Ifaces[0].Name
			}
			err = l.Do(n.Name, func() error { return lt.startResponder(cfg) })
		case n.Role.Source:
			err = l.Do(n.Name, func() error { return lt.openClient(t.HostAddr(id, false), cc) })
		}
		if err != nil {
			return nil, errors.Join(fmt.Errorf("eval: two-host in %s: %w", n.Name, err), lt.Close())
		}
	}
	return lt, nil
}

// startResponder starts a responder in the calling thread's namespace.
func (lt *LabTwoHost) startResponder(cfg twohost.ResponderConfig) error {
	r, err := twohost.NewResponder(cfg)
	if err != nil {
		return err
	}
	lt.closers = append(lt.closers, r)
	return nil
}

// openClient opens src's client in the calling thread's namespace.
func (lt *LabTwoHost) openClient(src netip.Addr, cfg twohost.ClientConfig) error {
	c, err := twohost.NewClient(cfg)
	if err != nil {
		return err
	}
	lt.closers = append(lt.closers, c)
	lt.clients[src] = c
	return nil
}

// Close stops the responders and closes the clients.
func (lt *LabTwoHost) Close() error {
	var errs []error
	for _, c := range lt.closers {
		if err := c.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	lt.closers = nil
	return errors.Join(errs...)
}
