package topo

import (
	"errors"
	"fmt"
	"time"
)

// Default link properties used by Builder.Link and Builder.AddHost.
const (
	DefaultIntraDelay = time.Millisecond
	DefaultInterDelay = 10 * time.Millisecond
	DefaultHostDelay  = 100 * time.Microsecond
)

// ErrBuilt is returned when a Builder is used after Build.
var ErrBuilt = errors.New("builder already built")

// Builder assembles a Topology by hand: ASes and their relations, routers,
// hosts and links. It assigns interface names and addresses, computes the
// forwarding tables and validates the result in Build.
//
// Methods record the first error and ignore the calls after it; Build
// returns it. That keeps hand-made test topologies free of error checks at
// every line without ever losing a mistake. A Builder is not safe for
// concurrent use.
type Builder struct {
	t        Topology
	asIdx    map[uint32]int
	nRouters int
	nHosts   int
	err      error
	built    bool
}

// NewBuilder starts an empty topology whose ECMP hash seed derives from seed.
func NewBuilder(seed int64) *Builder {
	b := &Builder{asIdx: make(map[uint32]int)}
	b.t.Seed = seed
	b.t.HashSeed = HashSeedFor(seed)
	return b
}

// HashSeedFor derives a topology's ECMP hash seed from its seed
// (SplitMix64's finaliser, truncated), so that different seeds give
// different per-flow branch choices.
func HashSeedFor(seed int64) uint32 {
	z := uint64(seed) + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	if h := uint32(z ^ (z >> 31)); h != 0 {
		return h
	}
	// nftables draws a random seed for 0, which the ground truth could
	// not predict.
	return 1
}

func (b *Builder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf(format, args...)
	}
}

func (b *Builder) ok() bool {
	if b.built && b.err == nil {
		b.err = ErrBuilt
	}
	return b.err == nil
}

// AddAS adds an AS with the given number (not 0) and tier (1 is the top).
func (b *Builder) AddAS(number uint32, tier int) {
	if !b.ok() {
		return
	}
	if number == 0 {
		b.fail("add AS: AS number 0 is reserved")
		return
	}
	if _, dup := b.asIdx[number]; dup {
		b.fail("add AS %d: already added", number)
		return
	}
	if tier < 1 {
		b.fail("add AS %d: tier %d, want ≥ 1", number, tier)
		return
	}
	b.asIdx[number] = len(b.t.ASes)
	b.t.ASes = append(b.t.ASes, AS{Number: number, Tier: tier, Neighbors: make(map[uint32]Relation)})
}

// Provider makes provider a provider of customer (and customer a customer
// of provider).
func (b *Builder) Provider(provider, customer uint32) {
	b.relate(provider, customer, Customer, Provider)
}

// Peer makes a and b settlement-free peers.
func (b *Builder) Peer(a, c uint32) {
	b.relate(a, c, Peer, Peer)
}

// relate records that, seen from a, c is relAC, and seen from c, a is relCA.
func (b *Builder) relate(a, c uint32, relAC, relCA Relation) {
	if !b.ok() {
		return
	}
	ia, oka := b.asIdx[a]
	ic, okc := b.asIdx[c]
	switch {
	case !oka || !okc:
		b.fail("relate AS %d and AS %d: unknown AS", a, c)
		return
	case a == c:
		b.fail("relate AS %d with itself", a)
		return
	}
	if _, dup := b.t.ASes[ia].Neighbors[c]; dup {
		b.fail("relate AS %d and AS %d: already related", a, c)
		return
	}
	b.t.ASes[ia].Neighbors[c] = relAC
	b.t.ASes[ic].Neighbors[a] = relCA
}

// AddRouter adds a router to an AS and returns its ID. Routers are named
// r0, r1, ... in the order they are added.
func (b *Builder) AddRouter(as uint32) NodeID {
	if !b.ok() {
		return -1
	}
	i, ok := b.asIdx[as]
	if !ok {
		b.fail("add router: unknown AS %d", as)
		return -1
	}
	id := b.addNode(Router, as, fmt.Sprintf("r%d", b.nRouters))
	b.nRouters++
	b.t.ASes[i].Routers = append(b.t.ASes[i].Routers, id)
	return id
}

// AddHost adds a host with the given role, attached by its own link to a
// router, and returns its ID. Hosts are named h0, h1, ... in the order they
// are added.
func (b *Builder) AddHost(router NodeID, role HostRole) NodeID {
	if !b.ok() {
		return -1
	}
	if !b.isRouter(router) {
		b.fail("add host: node %d is not a router", router)
		return -1
	}
	id := b.addNode(Host, b.t.Nodes[router].AS, fmt.Sprintf("h%d", b.nHosts))
	b.nHosts++
	b.t.Nodes[id].Role = role
	b.LinkWith(router, id, 1, DefaultHostDelay)
	return id
}

func (b *Builder) addNode(k Kind, as uint32, name string) NodeID {
	id := NodeID(len(b.t.Nodes))
	b.t.Nodes = append(b.t.Nodes, Node{ID: id, Name: name, Kind: k, AS: as})
	return id
}

func (b *Builder) isRouter(n NodeID) bool {
	return n >= 0 && int(n) < len(b.t.Nodes) && b.t.Nodes[n].Kind == Router
}

func (b *Builder) valid(n NodeID) bool { return n >= 0 && int(n) < len(b.t.Nodes) }

// SetBehaviour sets how a router treats probes.
func (b *Builder) SetBehaviour(router NodeID, bh Behaviour) {
	if !b.ok() {
		return
	}
	if !b.isRouter(router) {
		b.fail("set behaviour: node %d is not a router", router)
		return
	}
	b.t.Nodes[router].Behaviour = bh
}

// Link connects two routers with IGP cost 1 and the default delay
// (DefaultIntraDelay inside an AS, DefaultInterDelay between ASes).
func (b *Builder) Link(a, c NodeID) LinkID {
	d := DefaultIntraDelay
	if b.valid(a) && b.valid(c) && b.t.Nodes[a].AS != b.t.Nodes[c].AS {
		d = DefaultInterDelay
	}
	return b.LinkWith(a, c, 1, d)
}

// LinkWith connects two nodes with the given IGP cost (≥ 1; ignored between
// ASes) and one-way delay. Links between ASes need the ASes related.
func (b *Builder) LinkWith(a, c NodeID, cost int, delay time.Duration) LinkID {
	if !b.ok() {
		return -1
	}
	if err := b.checkLink(a, c, cost, delay); err != nil {
		b.fail("link %d–%d: %w", a, c, err)
		return -1
	}
	na, nc := &b.t.Nodes[a], &b.t.Nodes[c]
	l := Link{
		A:       Endpoint{Node: a, Iface: len(na.Ifaces)},
		B:       Endpoint{Node: c, Iface: len(nc.Ifaces)},
		InterAS: na.AS != nc.AS,
		Delay:   delay,
		Cost:    cost,
	}
	if l.InterAS {
		l.Cost = 0
	}
	id := LinkID(len(b.t.Links))
	b.t.Links = append(b.t.Links, l)
	na.Ifaces = append(na.Ifaces, Iface{Name: fmt.Sprintf("e%d", len(na.Ifaces)), Link: id, Peer: l.B})
	nc.Ifaces = append(nc.Ifaces, Iface{Name: fmt.Sprintf("e%d", len(nc.Ifaces)), Link: id, Peer: l.A})
	return id
}

func (b *Builder) checkLink(a, c NodeID, cost int, delay time.Duration) error {
	if !b.valid(a) || !b.valid(c) {
		return errors.New("unknown node")
	}
	if a == c {
		return errors.New("node linked to itself")
	}
	na, nc := &b.t.Nodes[a], &b.t.Nodes[c]
	if na.Kind == Host && len(na.Ifaces) > 0 || nc.Kind == Host && len(nc.Ifaces) > 0 {
		return errors.New("a host has exactly one link")
	}
	if na.Kind == Host && nc.Kind == Host {
		return errors.New("hosts attach to routers")
	}
	if cost < 1 || cost > maxCost {
		return fmt.Errorf("cost %d, want 1 to %d", cost, maxCost)
	}
	if delay < 0 {
		return fmt.Errorf("negative delay %v", delay)
	}
	if na.AS != nc.AS {
		if na.Kind == Host || nc.Kind == Host {
			return errors.New("a host attaches to a router of its own AS")
		}
		if _, rel := b.t.ASes[b.asIdx[na.AS]].Neighbors[nc.AS]; !rel {
			return fmt.Errorf("AS %d and AS %d are not related", na.AS, nc.AS)
		}
	}
	for _, ifc := range na.Ifaces {
		if ifc.Peer.Node == c {
			return errors.New("nodes already linked")
		}
	}
	return nil
}

// Build assigns addresses, computes the forwarding tables and returns the
// validated topology. The Builder cannot be used afterwards.
func (b *Builder) Build() (*Topology, error) {
	if !b.ok() {
		return nil, fmt.Errorf("build topology: %w", b.err)
	}
	b.built = true
	t := &Topology{Seed: b.t.Seed, Params: b.t.Params, ASes: b.t.ASes, Nodes: b.t.Nodes, Links: b.t.Links, HashSeed: b.t.HashSeed}
	if err := t.checkASes(); err != nil {
		return nil, fmt.Errorf("build topology: %w", err)
	}
	if err := t.assignAddresses(); err != nil {
		return nil, fmt.Errorf("build topology: %w", err)
	}
	if err := t.computeRoutes(); err != nil {
		return nil, fmt.Errorf("build topology: %w", err)
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("build topology: %w", err)
	}
	return t, nil
}

// checkASes checks what routing needs of the AS graph: every AS has a
// router, related ASes are linked, and the provider hierarchy has no cycle.
func (t *Topology) checkASes() error {
	linked := make(map[[2]uint32]bool)
	for _, l := range t.Links {
		if l.InterAS {
			a, c := t.Nodes[l.A.Node].AS, t.Nodes[l.B.Node].AS
			linked[[2]uint32{a, c}], linked[[2]uint32{c, a}] = true, true
		}
	}
	for _, as := range t.ASes {
		if len(as.Routers) == 0 {
			return fmt.Errorf("AS %d has no router", as.Number)
		}
		for n := range as.Neighbors {
			if !linked[[2]uint32{as.Number, n}] {
				return fmt.Errorf("AS %d and AS %d are related but not linked", as.Number, n)
			}
		}
	}
	if len(t.ASes) == 0 {
		return errors.New("no AS")
	}
	return t.checkHierarchy()
}
