package lab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/revtr/revtr/topo"
)

// StateDir holds one JSON file per running lab, named after the lab, so
// that later invocations can Open it.
const StateDir = "/run/revtr"

// state is what a lab's state file holds; the topology is in topo's JSON
// format (topo.WriteJSON).
type state struct {
	Name     string          `json:"name"`
	Created  time.Time       `json:"created"`
	Routers  int             `json:"routers"`
	Hosts    int             `json:"hosts"`
	Topology json.RawMessage `json:"topology"`
}

func statePath(dir, name string) string { return filepath.Join(dir, name+".json") }

// saveState writes the state file atomically (write, then rename).
func saveState(dir, name string, t *topo.Topology) error {
	var tj bytes.Buffer
	if err := t.WriteJSON(&tj); err != nil {
		return fmt.Errorf("save lab state: %w", err)
	}
	s := state{Name: name, Created: time.Now().UTC(), Topology: tj.Bytes()}
	for _, n := range t.Nodes {
		if n.Kind == topo.Host {
			s.Hosts++
		} else {
			s.Routers++
		}
	}
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode lab state: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save lab state: %w", err)
	}
	tmp := statePath(dir, name) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("save lab state: %w", err)
	}
	if err := os.Rename(tmp, statePath(dir, name)); err != nil {
		return fmt.Errorf("save lab state: %w", err)
	}
	return nil
}

// loadState reads a lab's state file.
func loadState(dir, name string) (*state, error) {
	b, err := os.ReadFile(statePath(dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("lab %s: no state file: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load lab state: %w", err)
	}
	var s state
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("decode lab state %s: %w", statePath(dir, name), err)
	}
	return &s, nil
}

func removeState(dir, name string) error {
	if err := os.Remove(statePath(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove lab state: %w", err)
	}
	return nil
}

// Open returns a running lab by name, from its state file. It fails with
// ErrNotFound when the lab has no state file or lost namespaces.
func Open(name string) (*Lab, error) {
	if err := checkLabName(name); err != nil {
		return nil, err
	}
	s, err := loadState(StateDir, name)
	if err != nil {
		return nil, err
	}
	// ReadJSON recomputes the forwarding tables and validates.
	t, err := topo.ReadJSON(bytes.NewReader(s.Topology))
	if err != nil {
		return nil, fmt.Errorf("open lab %s: %w", name, err)
	}
	l, err := newLab(t, name)
	if err != nil {
		return nil, fmt.Errorf("open lab %s: %w", name, err)
	}
	for _, n := range t.Nodes {
		if _, err := os.Stat(filepath.Join(nsDir, nsName(name, n.Name))); err != nil {
			return nil, fmt.Errorf("open lab %s: namespace of node %s: %w", name, n.Name, ErrNotFound)
		}
	}
	return l, nil
}

// LabStatus describes one lab found on the machine.
type LabStatus struct {
	Name       string
	Namespaces int       // namespaces present
	Routers    int       // from the state file; 0 without one
	Hosts      int       // from the state file; 0 without one
	Created    time.Time // zero without a state file
	// Complete is true when a readable state file exists and every node
	// of its topology has a namespace; false for leftovers of a crash.
	Complete bool
}

// Status lists the labs on this machine, by name: those with namespaces and
// those with only a state file.
func Status() ([]LabStatus, error) {
	names, err := labNames("")
	if err != nil {
		return nil, err
	}
	out := make([]LabStatus, 0, len(names))
	for _, name := range names {
		st, err := labStatus(name)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func labStatus(name string) (LabStatus, error) {
	st := LabStatus{Name: name}
	ns, err := listNS(labPrefix(name))
	if err != nil {
		return st, err
	}
	st.Namespaces = len(ns)
	s, err := loadState(StateDir, name)
	if err != nil {
		// No state file, or an unreadable one: the lab is listed as
		// incomplete (Remove or DownAll clean it up) rather than
		// hiding every other lab behind the error.
		return st, nil
	}
	st.Created, st.Routers, st.Hosts = s.Created, s.Routers, s.Hosts
	st.Complete = st.Namespaces == s.Routers+s.Hosts
	return st, nil
}

// labNames returns the names of labs starting with prefix, found from
// namespaces and state files, sorted.
func labNames(prefix string) ([]string, error) {
	seen := map[string]bool{}
	ns, err := listNS(NSPrefix + prefix)
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		lab, _, ok := strings.Cut(strings.TrimPrefix(n, NSPrefix), "-")
		if ok && checkLabName(lab) == nil {
			seen[lab] = true
		}
	}
	files, err := filepath.Glob(filepath.Join(StateDir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("list lab states: %w", err)
	}
	for _, f := range files {
		lab := strings.TrimSuffix(filepath.Base(f), ".json")
		if strings.HasPrefix(lab, prefix) && checkLabName(lab) == nil {
			seen[lab] = true
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// removeNamespaces deletes every namespace of lab name. Covered ones
// (ErrCovered) are reported once, with what to do about them.
func removeNamespaces(name string) error {
	ns, err := listNS(labPrefix(name))
	if err != nil {
		return err
	}
	var errs []error
	covered := 0
	for _, n := range ns {
		err := deleteNS(n)
		if errors.Is(err, ErrCovered) {
			covered++
			continue
		}
		errs = append(errs, err)
	}
	if covered > 0 {
		errs = append(errs, coveredError(name, covered))
	}
	return errors.Join(errs...)
}

// coveredError explains what to do about a lab whose namespaces are
// covered: move the mount on nsDir aside, remove the lab, move it back.
// Moving it aside hides, for that moment, the namespaces mounted since
// then, hence the advice to wait until nothing else uses them.
func coveredError(lab string, n int) error {
	aside := nsDir + ".aside"
	return fmt.Errorf("%d namespaces of the lab stay mounted under the mount that was put on %s "+
		"while the lab was up (iproute2 makes one the first time it creates a namespace), "+
		"out of reach: %w. To free them, while no other program creates, enters or deletes "+
		"namespaces, run: mkdir %s && mount --move %s %s; revtr lab down --name %s; "+
		"mount --move %s %s && rmdir %s",
		n, nsDir, ErrCovered, aside, nsDir, aside, lab, aside, nsDir, aside)
}
