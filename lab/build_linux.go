package lab

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/google/nftables"
	"github.com/revtr/revtr/topo"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sync/errgroup"
)

// builder realises one topology; each phase runs over all nodes in
// parallel, each node with its own netlink and nftables sockets.
type builder struct {
	t        *topo.Topology
	lab      string
	workers  int
	ns       []netns.NsHandle // by NodeID
	progress func(done, total int)
	done     atomic.Int64 // steps done, for progress
}

// build prepares nsDir, creates namespaces (with their namespace-wide
// sysctls), then links, then configures every node. It leaves what it
// built on failure; the caller tears it down.
func build(ctx context.Context, t *topo.Topology, lab string, workers int, progress func(done, total int)) error {
	if err := prepareNSDir(); err != nil {
		return err
	}
	b := &builder{t: t, lab: lab, workers: workers, ns: make([]netns.NsHandle, len(t.Nodes)), progress: progress}
	for i := range b.ns {
		b.ns[i] = netns.None()
	}
	defer b.close()
	for _, phase := range []struct {
		name string
		fn   func(context.Context, topo.NodeID) error
	}{
		{"create namespaces", b.createNode},
		{"create links", b.createLinks},
		{"configure nodes", b.configure},
		{"wait for links", b.waitUp},
	} {
		if err := b.each(ctx, phase.fn); err != nil {
			return fmt.Errorf("%s: %w", phase.name, err)
		}
	}
	return nil
}

// buildPhases is how many times build visits every node.
const buildPhases = 4

// step counts one node done in one phase and reports it.
func (b *builder) step() {
	n := b.done.Add(1)
	if b.progress != nil {
		b.progress(int(n), buildPhases*len(b.t.Nodes))
	}
}

func (b *builder) close() {
	for _, h := range b.ns {
		if h.IsOpen() {
			h.Close()
		}
	}
}

// each runs fn for every node, at most b.workers at a time, and stops
// early on the first error or when ctx ends.
func (b *builder) each(ctx context.Context, fn func(context.Context, topo.NodeID) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(b.workers)
	for i := range b.t.Nodes {
		if gctx.Err() != nil {
			break
		}
		id := topo.NodeID(i)
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			if err := fn(gctx, id); err != nil {
				return err
			}
			b.step()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

func (b *builder) createNode(_ context.Context, id topo.NodeID) error {
	n := &b.t.Nodes[id]
	h, err := createNS(nsName(b.lab, n.Name), func() error {
		return writeSysctls(nsSysctls(n))
	})
	if err != nil {
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	b.ns[id] = h
	return nil
}

func (b *builder) createLinks(_ context.Context, id topo.NodeID) error {
	h, err := netlink.NewHandleAt(b.ns[id])
	if err != nil {
		return fmt.Errorf("node %s: netlink: %w", b.t.Nodes[id].Name, err)
	}
	defer h.Close()
	return createVeths(h, b.t, id, func(p topo.NodeID) netns.NsHandle { return b.ns[p] })
}

// configure brings node id's interfaces up with their addresses and
// neighbours, installs its routes and policy rules (one batched rtnetlink
// conversation), sets its per-interface sysctls and its nftables rules.
func (b *builder) configure(_ context.Context, id topo.NodeID) error {
	n := &b.t.Nodes[id]
	if err := b.configureNetlink(id); err != nil {
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	if ss := ifaceSysctls(b.t, n); len(ss) > 0 {
		if err := inNS(b.ns[id], func() error { return writeSysctls(ss) }); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
	}
	if !needsNft(n) {
		return nil
	}
	c, err := nftables.New(nftables.WithNetNSFd(int(b.ns[id])))
	if err != nil {
		return fmt.Errorf("node %s: nftables: %w", n.Name, err)
	}
	return addNft(c, b.t, n)
}

func (b *builder) configureNetlink(id topo.NodeID) error {
	n := &b.t.Nodes[id]
	h, err := netlink.NewHandleAt(b.ns[id])
	if err != nil {
		return fmt.Errorf("netlink: %w", err)
	}
	idx, lo, err := ifIndexes(h, n)
	h.Close()
	if err != nil {
		return err
	}
	rb, err := dialRTNL(b.ns[id])
	if err != nil {
		return err
	}
	defer rb.Close()
	if err := upIfaces(rb, b.t, n, idx, lo); err != nil {
		return err
	}
	if err := addRoutes(rb, n, idx); err != nil {
		return err
	}
	return rb.flush()
}

// waitUp waits until every interface of node id is operationally up and
// every IPv6 address receives. The kernel attaches a veth's transmit queue
// only when it processes the carrier event, asynchronously and under the
// RTNL lock (busy while other namespaces are torn down); until then the
// veth drops what it is given. Likewise it installs an IPv6 address's local
// route from a workqueue, even without duplicate address detection; until
// then packets to the address are dropped (Ip6InAddrErrors). So a lab is
// ready only once both have happened.
func (b *builder) waitUp(ctx context.Context, id topo.NodeID) error {
	n := &b.t.Nodes[id]
	h, err := netlink.NewHandleAt(b.ns[id])
	if err != nil {
		return fmt.Errorf("node %s: netlink: %w", n.Name, err)
	}
	defer h.Close()
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		pending, err := notReady(h, n)
		if err != nil || pending == "" {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("node %s: %s: %w", n.Name, pending, ctx.Err())
		case <-t.C:
		}
	}
}

// notReady says what of node n is not ready yet, or "".
func notReady(h *netlink.Handle, n *topo.Node) (string, error) {
	down, err := downIfaces(h, n)
	if err != nil || down != "" {
		return "interface " + down + " not up", err
	}
	a, err := unroutedLocal6(h, n)
	if err != nil || a.IsValid() {
		return "IPv6 address " + a.String() + " not local yet", err
	}
	return "", nil
}
