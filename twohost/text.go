package twohost

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/revtr/revtr/ipasn"
	"github.com/revtr/revtr/meas"
)

// Resolver finds the names of an address (reverse DNS); *net.Resolver
// implements it.
type Resolver interface {
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// ASLookup gives the origin AS of an address as text ("64512", or a set
// "64512_64513"); IPASN adapts an *ipasn.Map.
type ASLookup interface {
	LookupAS(addr netip.Addr) (string, bool)
}

// IPASN adapts a prefix-to-AS map to ASLookup.
func IPASN(m *ipasn.Map) ASLookup { return ipasnLookup{m} }

type ipasnLookup struct{ m *ipasn.Map }

func (l ipasnLookup) LookupAS(a netip.Addr) (string, bool) {
	_, o, ok := l.m.Lookup(a)
	if !ok || o.Len() == 0 {
		return "", false
	}
	return o.String(), true
}

// TextOptions tune the text table.
type TextOptions struct {
	// Resolver names hops; nil prints addresses only (traceroute -n).
	Resolver Resolver
	// AS adds the origin AS of each address; nil leaves it out.
	AS ASLookup
}

// WriteText writes paths as traceroute does: a header line per path, then
// one line per TTL with the address (and name, and AS) of each answer and
// its RTT, "*" for silent queries, and why the trace stopped.
func WriteText(ctx context.Context, w io.Writer, opt TextOptions, paths ...Path) error {
	var b strings.Builder
	for i, p := range paths {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s path from %s to %s, %s\n", p.Direction, p.Src, p.Dst, flowText(p.Direction, p.Flow))
		for i, q := range p.Queries {
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
func writeQueries(ctx context.Context, b *strings.Builder, opt TextOptions, q []meas.Hop) {
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
		fmt.Fprintf(b, "  %s", rttText(h.RTT))
	}
}

func addrText(ctx context.Context, opt TextOptions, a netip.Addr) string {
	if !a.IsValid() {
		return "*"
	}
	s := a.String()
	if opt.Resolver != nil {
		if names, err := opt.Resolver.LookupAddr(ctx, s); err == nil && len(names) > 0 {
			s = strings.TrimSuffix(names[0], ".") + " (" + s + ")"
		}
	}
	if opt.AS != nil {
		if as, ok := opt.AS.LookupAS(a); ok {
			s += " [AS" + as + "]"
		}
	}
	return s
}

func rttText(d time.Duration) string {
	return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond))
}

// flowText describes the probes of a flow.
func flowText(d Direction, f meas.Flow) string {
	if f.Proto == meas.ICMP {
		return fmt.Sprintf("icmp flow %d (echo checksum)", f.ID)
	}
	sport, dport := f.Ports()
	if d == Reverse {
		return fmt.Sprintf("%v flow %d (probes from port %d to port %d)", f.Proto, dport, sport, dport)
	}
	return fmt.Sprintf("%v from port %d to port %d", f.Proto, sport, dport)
}

// silentText lists the silent TTLs of a path.
func silentText(p Path) string {
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

// WriteMultipathText writes multipath results: per TTL, every address
// found, then the probes spent.
func WriteMultipathText(ctx context.Context, w io.Writer, opt TextOptions, dirs []Direction, ms ...meas.Multipath) error {
	var b strings.Builder
	for i, m := range ms {
		if i > 0 {
			b.WriteByte('\n')
		}
		dir := Forward
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
