package lab

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// NSPrefix starts the name of every network namespace this package creates:
// a node's namespace is NSPrefix + lab + "-" + node, e.g. "revtr-t1234-r5".
const NSPrefix = "revtr-"

// nsDir is where named network namespaces are bind-mounted, as iproute2
// does, so that `ip netns exec` finds them.
const nsDir = "/run/netns"

// maxLabName bounds a lab name; with node names it stays far below the
// file name limit.
const maxLabName = 32

var (
	labNameRE  = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	nodeNameRE = regexp.MustCompile(`^[A-Za-z0-9_.]+$`)
)

// checkLabName rejects names that could collide with another lab's
// namespaces: a '-' would make "a" a prefix of "a-b".
func checkLabName(name string) error {
	if len(name) == 0 || len(name) > maxLabName || !labNameRE.MatchString(name) {
		return fmt.Errorf("lab name %q: want 1 to %d letters, digits or '_': %w", name, maxLabName, ErrBadName)
	}
	return nil
}

func checkNodeName(name string) error {
	if len(name) == 0 || len(name) > 64 || !nodeNameRE.MatchString(name) {
		return fmt.Errorf("node name %q: want 1 to 64 letters, digits, '_' or '.': %w", name, ErrBadName)
	}
	return nil
}

// nsName is the namespace name of a node of a lab.
func nsName(lab, node string) string { return NSPrefix + lab + "-" + node }

// labPrefix is the namespace name prefix shared by all nodes of a lab.
func labPrefix(lab string) string { return NSPrefix + lab + "-" }

// listNS returns the names of the named namespaces that start with prefix.
func listNS(prefix string) ([]string, error) {
	ents, err := os.ReadDir(nsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list namespaces: %w", err)
	}
	var names []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}
