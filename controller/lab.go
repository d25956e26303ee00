package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/revtr/eval"
	"github.com/revtr/revtr/twohost"
)

// Opened is a backend and what closes it.
type Opened struct {
	Backend Backend // nil for backend kind none
	close   []func() error
}

// Close releases the backend (the lab's namespaces, its probers).
func (o *Opened) Close() error {
	var err error
	for i := len(o.close) - 1; i >= 0; i-- {
		err = errors.Join(err, o.close[i]())
	}
	return err
}

// OpenBackend opens the backend cfg names: none, the simulator, or (as
// root) a lab — built for this controller and removed on Close, or with
// LabAttach one already running, left up — whose probers and two-host
// responders measure.
func OpenBackend(ctx context.Context, cfg Config) (*Opened, error) {
	switch cfg.Backend.Kind {
	case "sim":
		b, err := NewSimBackend(ctx, cfg.Backend.Sim)
		return &Opened{Backend: b}, err
	case "lab":
		return openLab(ctx, cfg.Backend)
	}
	return &Opened{}, nil
}

func openLab(ctx context.Context, cfg BackendConfig) (o *Opened, err error) {
	o = &Opened{}
	defer func() {
		if err != nil {
			err = errors.Join(err, o.Close())
		}
	}()
	l, err := labOf(ctx, cfg)
	if err != nil {
		return o, fmt.Errorf("controller: lab: %w", err)
	}
	if !cfg.LabAttach {
		o.close = append(o.close, l.Down)
	}
	tp := l.Topology()
	pc := eval.LabProbe()
	g, err := eval.LabProbers(l, pc)
	if err != nil {
		return o, fmt.Errorf("controller: lab: %w", err)
	}
	o.close = append(o.close, g.Close)
	th, err := twoHostOf(l, cfg, pc)
	if err != nil {
		return o, fmt.Errorf("controller: lab: %w", err)
	}
	o.close = append(o.close, th.Close)
	w, err := eval.NewWorld(ctx, eval.Config{Topology: tp, Prober: g, Clock: eval.RealClock{}, TwoHost: true, Responders: th})
	if err != nil {
		return o, fmt.Errorf("controller: lab: %w", err)
	}
	o.Backend, err = newWorldBackend(w, "lab", time.Now(), false)
	return o, err
}

// labOf is the running lab cfg attaches to, or a new one of its
// Internet.
func labOf(ctx context.Context, cfg BackendConfig) (*lab.Lab, error) {
	if cfg.LabAttach {
		return lab.Open(cfg.LabName)
	}
	tp, err := simTopology(cfg.Sim)
	if err != nil {
		return nil, err
	}
	return lab.Up(ctx, tp, cfg.LabName)
}

// twoHostOf starts the lab's two-host responders and the sources'
// clients, or only the clients when the lab runs its own responders.
func twoHostOf(l *lab.Lab, cfg BackendConfig, pc probe.Config) (*eval.LabTwoHost, error) {
	if cfg.LabExternalResponders {
		return eval.OpenLabTwoHostClients(l, eval.LabTwoHostClient(pc))
	}
	return eval.StartLabTwoHost(l, twohost.ResponderConfig{}, eval.LabTwoHostClient(pc))
}
