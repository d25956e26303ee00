package sim

import (
	"net/netip"
	"sync"
	"time"

	"github.com/revtr/revtr/topo"
)

// burstFactor is the kernel's XRLIM_BURST_FACTOR: a peer's bucket holds six
// messages' worth of tokens.
const burstFactor = 6

// limiter models the Linux per-destination ICMP rate limit
// (net/ipv4/icmp.c icmpv4_xrlim_allow, net/ipv4/inetpeer.c
// inet_peer_xrlim_allow): each router keeps, per destination address of its
// ICMP errors, a token bucket counted in jiffies. A message costs
// icmp_ratelimit (converted to jiffies); the bucket holds six of them and
// starts full, since a new peer's last refill is set 60 s in the past.
//
// Not modelled: the global icmp_msgs_per_sec limiter, which the kernel
// randomises (see docs/lab.md), and the garbage collection of idle peers, which
// makes no difference as an idle bucket refills within 6 × icmp_ratelimit.
type limiter struct {
	jiffy time.Duration
	mu    sync.Mutex
	peers map[peerKey]*peer
}

type peerKey struct {
	node topo.NodeID
	dst  netip.Addr
}

type peer struct {
	tokens, last int64 // in jiffies
}

func newLimiter(hz int) *limiter {
	return &limiter{jiffy: time.Second / time.Duration(hz), peers: make(map[peerKey]*peer)}
}

// jiffies converts milliseconds as the sysctl does (msecs_to_jiffies:
// rounded up).
func (l *limiter) jiffies(ms int) int64 {
	j := int64(time.Duration(ms) * time.Millisecond / l.jiffy)
	if time.Duration(j)*l.jiffy < time.Duration(ms)*time.Millisecond {
		j++
	}
	return j
}

// allow reports whether node may send an ICMP error to dst at virtual time
// at, given its icmp_ratelimit in milliseconds, and takes the tokens.
func (l *limiter) allow(node topo.NodeID, dst netip.Addr, ms int, at time.Duration) bool {
	if ms <= 0 {
		return true
	}
	timeout := l.jiffies(ms)
	return l.take(node, dst, at, timeout, burstFactor*timeout)
}

// allowUnreachable is ip_error's own limit (net/ipv4/route.c) on the
// destination unreachable a router sends for a packet it has no route for:
// net.ipv4.route.error_cost (1 s) per message, error_burst (5 s) at most,
// counted on the same per-address peer as the ICMP rate limit. lab/ leaves
// both sysctls at their defaults.
func (l *limiter) allowUnreachable(node topo.NodeID, src netip.Addr, at time.Duration) bool {
	hz := int64(time.Second / l.jiffy)
	return l.take(node, src, at, hz, 5*hz)
}

// take refills the bucket of node's peer addr up to burst jiffies and takes
// cost from it if it holds that much.
//
// Concurrent timelines (see WithClock) may present times out of order; the
// kernel's jiffies never go back, so an earlier time refills nothing.
func (l *limiter) take(node topo.NodeID, addr netip.Addr, at time.Duration, cost, burst int64) bool {
	now := int64(at / l.jiffy)
	l.mu.Lock()
	defer l.mu.Unlock()
	k := peerKey{node, addr}
	p, ok := l.peers[k]
	if !ok {
		p = &peer{last: now - 60*int64(time.Second/l.jiffy)}
		l.peers[k] = p
	}
	if now > p.last {
		p.tokens += now - p.last
		p.last = now
	}
	p.tokens = min(p.tokens, burst)
	if p.tokens < cost {
		return false
	}
	p.tokens -= cost
	return true
}
