package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/revtr/eval"
	"github.com/revtr/revtr/topo"
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
// root) a lab built for this controller, whose probers and two-host
// responders measure, removed on Close.
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
	tp, err := topo.Generate(cfg.Sim.Seed, simParams(cfg.Sim))
	if err != nil {
		return o, fmt.Errorf("controller: lab: %w", err)
	}
	l, err := lab.Up(ctx, tp, cfg.LabName)
	if err != nil {
		return o, fmt.Errorf("controller: lab: %w", err)
	}
	o.close = append(o.close, l.Down)
	pc := eval.LabProbe()
	g, err := eval.LabProbers(l, pc)
	if err != nil {
		return o, fmt.Errorf("controller: lab: %w", err)
	}
	o.close = append(o.close, g.Close)
	th, err := eval.StartLabTwoHost(l, twohost.ResponderConfig{}, eval.LabTwoHostClient(pc))
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
