package topo

import (
	"encoding/json"
	"fmt"
	"io"
)

// FormatVersion is the version of the JSON file format WriteJSON writes.
const FormatVersion = 1

// file is the JSON form of a topology. Forwarding tables are left out: they
// follow deterministically from the rest and ReadJSON recomputes them, which
// keeps files small (a 1,000-router topology has ~10⁶ routes) and means a
// file can never carry tables that disagree with its links.
type file struct {
	Version  int
	Seed     int64
	HashSeed uint32
	Params   Params
	ASes     []AS
	Nodes    []Node
	Links    []Link
}

// WriteJSON writes the topology as JSON (format FormatVersion).
func (t *Topology) WriteJSON(w io.Writer) error {
	f := file{Version: FormatVersion, Seed: t.Seed, HashSeed: t.HashSeed, Params: t.Params, ASes: t.ASes, Links: t.Links}
	f.Nodes = make([]Node, len(t.Nodes))
	for i, n := range t.Nodes {
		n.Routes = nil
		f.Nodes[i] = n
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(&f); err != nil {
		return fmt.Errorf("write topology: %w", err)
	}
	return nil
}

// ReadJSON reads a topology WriteJSON wrote, recomputes its forwarding
// tables and validates it. Malformed or inconsistent input gives an error
// wrapping ErrInvalid (or the JSON error), never a panic.
func ReadJSON(r io.Reader) (*Topology, error) {
	var f file
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("read topology: %w", err)
	}
	if f.Version != FormatVersion {
		return nil, fmt.Errorf("read topology: format version %d, want %d", f.Version, FormatVersion)
	}
	t := &Topology{Seed: f.Seed, HashSeed: f.HashSeed, Params: f.Params, ASes: f.ASes, Nodes: f.Nodes, Links: f.Links}
	for i := range t.Nodes {
		t.Nodes[i].Routes = nil
	}
	if err := t.validateStructure(); err != nil {
		return nil, fmt.Errorf("read topology: %w", err)
	}
	if err := t.computeRoutes(); err != nil {
		return nil, fmt.Errorf("read topology: %w", asInvalid(err))
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("read topology: %w", err)
	}
	return t, nil
}

// validateStructure checks everything computeRoutes relies on.
func (t *Topology) validateStructure() error {
	for _, check := range []func() error{
		t.validateASes, t.validateNodes, t.validateLinks, t.validateAddrs, t.checkASes,
	} {
		if err := check(); err != nil {
			return asInvalid(err)
		}
	}
	return nil
}
