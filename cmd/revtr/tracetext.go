package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"

	"github.com/revtr/revtr/ipasn"
	"github.com/revtr/revtr/meas"
)

// resolver finds the names of an address (reverse DNS); *net.Resolver
// implements it.
type resolver interface {
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// asLookup gives the origin AS of an address as text ("64512", or a set
// "64512_64513"); ipasnLookup adapts an *ipasn.Map.
type asLookup interface {
	LookupAS(addr netip.Addr) (string, bool)
}

type ipasnLookup struct{ m *ipasn.Map }

func (l ipasnLookup) LookupAS(a netip.Addr) (string, bool) {
	_, o, ok := l.m.Lookup(a)
	if !ok || o.Len() == 0 {
		return "", false
	}
	return o.String(), true
}

// textOptions tune the text table.
type textOptions struct {
	// resolver names hops; nil prints addresses only (traceroute -n).
	resolver resolver
	// as adds the origin AS of each address; nil leaves it out.
	as asLookup
}

// direction says which way a path was measured.
type direction uint8

// Directions.
const (
	forward direction = iota // from the sending host to the target
	reverse                  // from the target (its two-host responder) back
)

func (d direction) String() string {
	if d == reverse {
		return "reverse"
	}
	return "forward"
}

// path is a single-path trace in one direction: per TTL the first answer
// (silent TTLs have a zero Addr) and, in queries, every answer of every
// TTL in the order sent.
type path struct {
	dir direction
	meas.Trace
	queries [][]meas.Hop
}

func reversePath(t meas.TwoHostTrace) path {
	return path{dir: reverse, Trace: t.Trace, queries: t.Queries}
}

// forwardPath is a forward trace whose TTLs were probed up to attempts
// times each: an answered TTL shows its answer, a silent one a star per
// probe, as traceroute(8) shows them.
func forwardPath(t meas.Trace, attempts int) path {
	p := path{dir: forward, Trace: t}
	for _, h := range t.Hops {
		q := []meas.Hop{h}
		if h.Reply == meas.NoReply {
			q = slices.Repeat(q, max(attempts, 1))
		}
		p.queries = append(p.queries, q)
	}
	return p
}

// table writes a text table line by line, each as soon as the names of
// its addresses are known.
type table struct {
	w      io.Writer
	opt    textOptions
	names  *namer // nil: addresses only (traceroute -n)
	cancel context.CancelFunc
	err    error
}

// newTable starts the reverse lookups of addrs (with opt.resolver) and
// returns the table that writes to w; close it.
func newTable(ctx context.Context, w io.Writer, opt textOptions, addrs []netip.Addr) *table {
	ctx, cancel := context.WithCancel(ctx)
	t := &table{w: w, opt: opt, cancel: cancel}
	if opt.resolver != nil {
		t.names = newNamer(opt.resolver)
		for _, a := range addrs {
			t.names.start(ctx, a)
		}
	}
	return t
}

// close abandons the lookups not needed any more and waits for them.
func (t *table) close() {
	t.cancel()
	if t.names != nil {
		t.names.wait()
	}
}

// printf writes one piece of the table, unless an earlier write failed.
func (t *table) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

// addr is the text of an address: its name when it has one, then the
// address, then its AS.
func (t *table) addr(a netip.Addr) string {
	if !a.IsValid() {
		return "*"
	}
	s := a.String()
	if t.names != nil {
		if n := t.names.name(a); n != "" {
			s = n + " (" + s + ")"
		}
	}
	if t.opt.as != nil {
		if as, ok := t.opt.as.LookupAS(a); ok {
			s += " [AS" + as + "]"
		}
	}
	return s
}

// pathAddrs lists every address the paths' answers came from.
func pathAddrs(paths []path) []netip.Addr {
	var as []netip.Addr
	for _, p := range paths {
		for _, q := range p.queries {
			for _, h := range q {
				as = append(as, h.Addr)
			}
		}
	}
	return as
}

// writeText writes paths as traceroute does: a header line per path, then
// one line per TTL with the address (and name, and AS) of each answer and
// its RTT, traceroute(8)'s mark of an unreachable (!H, !N, ...), "*" for
// silent queries, and why the trace stopped.
func writeText(ctx context.Context, w io.Writer, opt textOptions, paths ...path) error {
	t := newTable(ctx, w, opt, pathAddrs(paths))
	defer t.close()
	for i, p := range paths {
		if i > 0 {
			t.printf("\n")
		}
		t.printf("%s path from %s to %s, %v (flow %d)\n", p.dir, p.Src, p.Dst, p.Flow, p.Flow.ID)
		for i, q := range p.queries {
			t.printf("%2d %s\n", p.Hops[i].TTL, t.queries(q, p.dir == forward))
		}
		t.printf("%s after %d probes%s\n", p.Stop, p.Probes, silentText(p))
	}
	return t.err
}

// queries is the text of one TTL's answers; an address is shown again only
// when it changes, as traceroute does. Forward answers carry their ICMP
// code, hence a mark; a two-host responder reports none.
func (t *table) queries(q []meas.Hop, marks bool) string {
	var b strings.Builder
	var last netip.Addr
	for _, h := range q {
		if h.Reply == meas.NoReply {
			b.WriteString(" *")
			continue
		}
		if h.Addr != last {
			b.WriteString(" " + t.addr(h.Addr))
			last = h.Addr
		}
		fmt.Fprintf(&b, "  %s", ms(h.RTT))
		if m := mark(h); marks && m != "" {
			b.WriteString(" " + m)
		}
	}
	return b.String()
}

// silentText lists the silent TTLs of a path.
func silentText(p path) string {
	var s []string
	for _, h := range p.Hops {
		if h.Reply == meas.NoReply {
			s = append(s, fmt.Sprint(h.TTL))
		}
	}
	if len(s) == 0 {
		return ""
	}
	return "; silent hops: " + strings.Join(s, ", ")
}

// writeMultipathText writes multipath results: per TTL, every address
// found, then the probes spent.
func writeMultipathText(ctx context.Context, w io.Writer, opt textOptions, dirs []direction, ms ...meas.Multipath) error {
	var addrs []netip.Addr
	for _, m := range ms {
		for _, ifc := range m.Interfaces {
			addrs = append(addrs, ifc.Addr)
		}
	}
	t := newTable(ctx, w, opt, addrs)
	defer t.close()
	for i, m := range ms {
		if i > 0 {
			t.printf("\n")
		}
		t.printf("%s multipath from %s to %s, %v\n", dirs[i], m.Src, m.Dst, m.Proto)
		for j := 0; j < len(m.Interfaces); {
			ttl := m.Interfaces[j].TTL
			var b strings.Builder
			for ; j < len(m.Interfaces) && m.Interfaces[j].TTL == ttl; j++ {
				b.WriteString(" " + t.addr(m.Interfaces[j].Addr))
			}
			t.printf("%2d %s\n", ttl, b.String())
		}
		t.printf("%s after %d probes, %d interfaces, %d links\n", m.Stop, m.Probes, len(m.Interfaces), len(m.Links))
	}
	return t.err
}
