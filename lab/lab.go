// Package lab realises a topo.Topology with real Linux kernels: one network
// namespace per router and host, a veth pair per link, addresses, routes from
// the topology's forwarding tables (IPv4 and IPv6, with ECMP), sysctls, and
// nftables rules that make the routers' behaviours real.
//
// Everything is done through netlink from Go, no command is run:
// vishvananda/netns and netlink create namespaces and veths, a batched
// rtnetlink writer installs addresses, permanent neighbours (no ARP or
// neighbour discovery in the lab), routes and policy rules, and
// google/nftables the rules. Namespaces are named NSPrefix + lab + "-" +
// node, so that Remove and DownAll find a lab — and with it its veths and
// nftables tables — also after a crash. Up returns once every interface is
// operationally up, ready to carry probes. Like iproute2, Up first makes
// /run/netns a shared mount point, so that a later `ip netns add` does not
// cover the lab's namespaces (see nsdir_linux.go; Down reports ErrCovered, with
// what to do, for a lab built before that was possible).
//
// The kernel is made to forward exactly as topo's ground truth predicts:
//   - ECMP: a router does not use the kernel's multipath hash (randomly
//     seeded per boot). An nftables prerouting rule puts
//     jhash(saddr . daddr . proto . ports) mod 12 + 1 into the packet mark,
//     policy rules "fwmark k/0xff lookup 100+k" pick table 100+k, which holds
//     next hop (k-1) mod n of every ECMP route; the main table holds
//     NextHops[0] for packets the router originates (topo.ECMPBucket).
//   - Record Route (RFC 791 §3.1): a router with Behaviour.NoRRStamp lets the
//     kernel stamp, then moves the option pointer back by 4 at postrouting
//     and adds 4 to the last byte of the stamped slot, which keeps the IPv4
//     header checksum (RFC 1071) valid (see rr.go).
//   - Options, ICMP (RFC 792, RFC 4443): option dropping and time-exceeded
//     suppression in nftables; error rate limits, echo ignoring, forwarding
//     and strict reverse-path filtering (for vantage points that may not
//     spoof) through sysctls, every value set explicitly.
//
// Building, entering and removing labs needs Linux (ErrNotSupported
// elsewhere) and root (ErrNeedRoot); Open and Status only read.
package lab

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"

	"github.com/revtr/revtr/topo"
)

// Errors callers branch on.
var (
	ErrBadName     = errors.New("bad name")
	ErrExists      = errors.New("lab already exists")
	ErrNotFound    = errors.New("not found")
	ErrBadTopology = errors.New("bad topology")
	// ErrNeedRoot: building, entering and removing labs needs root
	// (CAP_SYS_ADMIN and CAP_NET_ADMIN).
	ErrNeedRoot = errors.New("needs root: creates and enters network namespaces")
	// ErrNotSupported: labs need Linux network namespaces; elsewhere
	// building, entering and removing labs fail with it (Open and Status
	// still read state files). It matches errors.ErrUnsupported too.
	ErrNotSupported = fmt.Errorf("labs need Linux network namespaces: %w", errors.ErrUnsupported)
	// ErrCovered: a namespace of the lab cannot be removed because its
	// mount lies under a mount put on /run/netns while the lab was up;
	// the error says what to do.
	ErrCovered = errors.New("namespace mount covered by a later mount")
)

// checkRoot checks that labs can be built, entered and removed here.
func checkRoot() error {
	if !supported {
		return ErrNotSupported
	}
	if os.Geteuid() != 0 {
		return ErrNeedRoot
	}
	return nil
}

// Lab is a topology realised in network namespaces. It is safe for
// concurrent use; the Topology it holds must not be modified.
type Lab struct {
	name  string
	topo  *topo.Topology
	byIdx map[string]topo.NodeID
}

// Up builds topology t as lab name: a namespace per node, links, addresses,
// routes, sysctls and nftables rules, configuring namespaces in parallel.
// On failure it removes everything it built and returns the error. The lab
// stays up until Down or DownAll; its state is saved so that Open finds it.
func Up(ctx context.Context, t *topo.Topology, name string) (*Lab, error) {
	return UpProgress(ctx, t, name, nil)
}

// UpProgress is Up reporting its progress: progress, if not nil, is
// called each time a node is done with a step of the build, with the
// steps done and their total, possibly from several goroutines at once.
func UpProgress(ctx context.Context, t *topo.Topology, name string, progress func(done, total int)) (*Lab, error) {
	if err := checkLabName(name); err != nil {
		return nil, err
	}
	l, err := newLab(t, name)
	if err != nil {
		return nil, err
	}
	if err := checkRoot(); err != nil {
		return nil, fmt.Errorf("lab %s up: %w", name, err)
	}
	left, err := listNS(labPrefix(name))
	if err != nil {
		return nil, err
	}
	if len(left) > 0 {
		return nil, fmt.Errorf("lab %s: %d namespaces exist (%s): %w", name, len(left), left[0], ErrExists)
	}
	if err := build(ctx, t, name, buildWorkers(), progress); err != nil {
		if derr := removeNamespaces(name); derr != nil {
			err = errors.Join(err, fmt.Errorf("tear down after failure: %w", derr))
		}
		return nil, fmt.Errorf("lab %s up: %w", name, err)
	}
	if err := saveState(StateDir, name, t); err != nil {
		return nil, errors.Join(err, removeNamespaces(name))
	}
	return l, nil
}

// buildWorkers is how many namespaces Up configures at once: netlink
// calls block in the kernel, so more than there are CPUs.
func buildWorkers() int { return 4 * runtime.GOMAXPROCS(0) }

// newLab validates t and indexes its nodes by name.
func newLab(t *topo.Topology, name string) (*Lab, error) {
	if err := validate(t); err != nil {
		return nil, err
	}
	l := &Lab{name: name, topo: t, byIdx: make(map[string]topo.NodeID, len(t.Nodes))}
	for i := range t.Nodes {
		l.byIdx[t.Nodes[i].Name] = topo.NodeID(i)
	}
	return l, nil
}

// Name returns the lab's name.
func (l *Lab) Name() string { return l.name }

// Topology returns the topology the lab realises (read-only).
func (l *Lab) Topology() *topo.Topology { return l.topo }

// Node returns the node with the given name.
func (l *Lab) Node(name string) (*topo.Node, error) {
	id, ok := l.byIdx[name]
	if !ok {
		return nil, fmt.Errorf("lab %s: node %q: %w", l.name, name, ErrNotFound)
	}
	return &l.topo.Nodes[id], nil
}

// Namespace returns the name of a node's network namespace (as
// `ip netns exec` knows it).
func (l *Lab) Namespace(node string) (string, error) {
	if _, err := l.Node(node); err != nil {
		return "", err
	}
	return nsName(l.name, node), nil
}

// Addr returns the IPv4 address of a node's first interface (a host's only
// one).
func (l *Lab) Addr(node string) (netip.Addr, error) { return l.addr(node, false) }

// Addr6 returns the IPv6 address of a node's first interface.
func (l *Lab) Addr6(node string) (netip.Addr, error) { return l.addr(node, true) }

func (l *Lab) addr(node string, v6 bool) (netip.Addr, error) {
	n, err := l.Node(node)
	if err != nil {
		return netip.Addr{}, err
	}
	for _, ifc := range n.Ifaces {
		p := ifc.Addr
		if v6 {
			p = ifc.Addr6
		}
		if p.IsValid() {
			return p.Addr(), nil
		}
	}
	return netip.Addr{}, fmt.Errorf("lab %s: node %s has no address of that family: %w", l.name, node, ErrNotFound)
}

// NodeOf returns the node that owns addr (ground-truth alias resolution).
func (l *Lab) NodeOf(addr netip.Addr) (*topo.Node, error) {
	ep, ok := l.topo.Owner(addr)
	if !ok {
		return nil, fmt.Errorf("lab %s: address %s: %w", l.name, addr, ErrNotFound)
	}
	return &l.topo.Nodes[ep.Node], nil
}

// Down removes the lab: its namespaces (and with them its veths and
// nftables tables) and its state file.
func (l *Lab) Down() error {
	return downLab(StateDir, l.name)
}

func downLab(stateDir, name string) error {
	if err := checkRoot(); err != nil {
		return fmt.Errorf("lab %s down: %w", name, err)
	}
	err := removeNamespaces(name)
	if serr := removeState(stateDir, name); serr != nil {
		err = errors.Join(err, serr)
	}
	if derr := os.RemoveAll(dirOf(stateDir, name)); derr != nil {
		err = errors.Join(err, fmt.Errorf("remove lab directory: %w", derr))
	}
	if err != nil {
		return fmt.Errorf("lab %s down: %w", name, err)
	}
	return nil
}

// Dir is the directory for the files of what runs in lab name — a
// controller's database, configurations, logs — which Down, Remove and
// DownAll remove with the lab, also after a crash of the process that
// made them. Up does not create it.
func Dir(name string) string { return dirOf(StateDir, name) }

func dirOf(stateDir, name string) string { return filepath.Join(stateDir, name+".d") }

// Remove removes the lab called name, like Down, without needing a Lab:
// also a lab that crashed before it saved its state. Labs whose names
// merely start with name are left alone (DownAll removes those).
func Remove(name string) error {
	if err := checkLabName(name); err != nil {
		return err
	}
	return downLab(StateDir, name)
}

// DownAll removes every lab whose name starts with prefix ("" removes all
// labs), whether or not it has a state file: namespaces left by a crashed
// process are found by their names.
func DownAll(prefix string) error {
	names, err := labNames(prefix)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range names {
		errs = append(errs, downLab(StateDir, n))
	}
	return errors.Join(errs...)
}
