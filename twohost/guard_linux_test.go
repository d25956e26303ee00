package twohost_test

import (
	"slices"
	"testing"

	"github.com/google/nftables"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/twohost"
)

// TestGuardTable checks that the responder's nftables table exists while
// it runs, replaces one a crashed responder left behind, and is gone after
// Close, the lab's own tables untouched.
func TestGuardTable(t *testing.T) {
	tp, err := topotest.Chain(1)
	l := upLab(t, tp, err)
	const name = "revtr_responder_e0"
	before := tables(t, l, "h1")
	err = l.Do("h1", func() error { // what a crashed responder leaves
		c, err := nftables.New()
		if err != nil {
			return err
		}
		c.AddTable(&nftables.Table{Family: nftables.TableFamilyINet, Name: name})
		return c.Flush()
	})
	if err != nil {
		t.Fatal(err)
	}
	r := startResponder(t, l, "h1", twohost.ResponderConfig{})
	if !slices.Contains(tables(t, l, "h1"), name) {
		t.Fatalf("no table %s while running: %v", name, tables(t, l, "h1"))
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if got := tables(t, l, "h1"); !slices.Equal(got, before) {
		t.Errorf("tables after close %v, before %v", got, before)
	}
}

// tables lists the nftables tables of node.
func tables(t *testing.T, l *lab.Lab, node string) []string {
	t.Helper()
	var names []string
	err := l.Do(node, func() error {
		c, err := nftables.New()
		if err != nil {
			return err
		}
		ts, err := c.ListTables()
		for _, tb := range ts {
			names = append(names, tb.Name)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}
