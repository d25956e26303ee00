package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
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

func forwardPath(t meas.Trace) path {
	p := path{dir: forward, Trace: t}
	for _, h := range t.Hops {
		p.queries = append(p.queries, []meas.Hop{h})
	}
	return p
}

// writeText writes paths as traceroute does: a header line per path, then
// one line per TTL with the address (and name, and AS) of each answer and
// its RTT, "*" for silent queries, and why the trace stopped.
func writeText(ctx context.Context, w io.Writer, opt textOptions, paths ...path) error {
	var b strings.Builder
	for i, p := range paths {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s path from %s to %s, %v (flow %d)\n", p.dir, p.Src, p.Dst, p.Flow, p.Flow.ID)
		for i, q := range p.queries {
			fmt.Fprintf(&b, "%2d ", p.Hops[i].TTL)
			writeQueries(ctx, &b, opt, q)
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s after %d probes%s\n", p.Stop, p.Probes, silentText(p))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeQueries writes one TTL's answers; an address is shown again only
// when it changes, as traceroute does.
func writeQueries(ctx context.Context, b *strings.Builder, opt textOptions, q []meas.Hop) {
	var last netip.Addr
	for _, h := range q {
		if h.Reply == meas.NoReply {
			b.WriteString(" *")
			continue
		}
		if h.Addr != last {
			b.WriteString(" " + addrText(ctx, opt, h.Addr))
			last = h.Addr
		}
		fmt.Fprintf(b, "  %s", ms(h.RTT))
	}
}

func addrText(ctx context.Context, opt textOptions, a netip.Addr) string {
	if !a.IsValid() {
		return "*"
	}
	s := a.String()
	if opt.resolver != nil {
		if names, err := opt.resolver.LookupAddr(ctx, s); err == nil && len(names) > 0 {
			s = strings.TrimSuffix(names[0], ".") + " (" + s + ")"
		}
	}
	if opt.as != nil {
		if as, ok := opt.as.LookupAS(a); ok {
			s += " [AS" + as + "]"
		}
	}
	return s
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
	var b strings.Builder
	for i, m := range ms {
		if i > 0 {
			b.WriteByte('\n')
		}
		dir := forward
		if i < len(dirs) {
			dir = dirs[i]
		}
		fmt.Fprintf(&b, "%s multipath from %s to %s, %v\n", dir, m.Src, m.Dst, m.Proto)
		for j := 0; j < len(m.Interfaces); {
			ttl := m.Interfaces[j].TTL
			fmt.Fprintf(&b, "%2d ", ttl)
			for ; j < len(m.Interfaces) && m.Interfaces[j].TTL == ttl; j++ {
				b.WriteString(" " + addrText(ctx, opt, m.Interfaces[j].Addr))
			}
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s after %d probes, %d interfaces, %d links\n", m.Stop, m.Probes, len(m.Interfaces), len(m.Links))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
