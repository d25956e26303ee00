package main

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// nameTimeout bounds each reverse lookup. Lookups run in parallel, so a
// slow or unreachable resolver delays the table by about this once, not
// once per hop.
const nameTimeout = time.Second

// maxLookups bounds the reverse lookups in flight at once.
const maxLookups = 16

// namer looks up the names of addresses (reverse DNS) in parallel, each
// bounded by nameTimeout. Lookups start once the measurement is over, so
// they never change it; the table prints each line as soon as its names
// are in (mtr-like), in TTL order.
type namer struct {
	r   resolver
	sem chan struct{}
	wg  sync.WaitGroup
	mu  sync.Mutex
	m   map[netip.Addr]*lookup
}

// lookup is one address's lookup: name is set before done closes; "" when
// the address has no name or the lookup failed or timed out.
type lookup struct {
	done chan struct{}
	name string
}

func newNamer(r resolver) *namer {
	return &namer{r: r, sem: make(chan struct{}, maxLookups), m: map[netip.Addr]*lookup{}}
}

// start begins looking a up, once per address.
func (n *namer) start(ctx context.Context, a netip.Addr) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !a.IsValid() || n.m[a] != nil {
		return
	}
	l := &lookup{done: make(chan struct{})}
	n.m[a] = l
	n.wg.Go(func() {
		defer close(l.done)
		select {
		case n.sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		defer func() { <-n.sem }()
		ctx, cancel := context.WithTimeout(ctx, nameTimeout)
		defer cancel()
		if names, err := n.r.LookupAddr(ctx, a.String()); err == nil && len(names) > 0 {
			l.name = strings.TrimSuffix(names[0], ".")
		}
	})
}

// name waits for a's lookup (started with start) and returns its name, ""
// if none.
func (n *namer) name(a netip.Addr) string {
	n.mu.Lock()
	l := n.m[a]
	n.mu.Unlock()
	if l == nil {
		return ""
	}
	<-l.done
	return l.name
}

// wait waits for every lookup to end.
func (n *namer) wait() { n.wg.Wait() }
