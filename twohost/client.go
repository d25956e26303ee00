package twohost

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/revtr/revtr/internal/rawsock"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/wire"
)

// Client defaults. The reference client sends one request every 0.1 s and
// waits 2 s for each; ours keeps several in flight within a token bucket
// and waits meas.DefaultTimeout, as every prober does.
const (
	DefaultClientRate  = 50 // requests per second
	DefaultClientBurst = 10
)

// ErrClientClosed means the client was closed while a request waited.
var ErrClientClosed = errors.New("twohost client closed")

// ClientConfig tunes a Client. The zero value is usable.
type ClientConfig struct {
	// Rate and Burst bound the requests per second (token bucket); 0 means
	// DefaultClientRate and DefaultClientBurst.
	Rate  float64
	Burst int
	// Timeout is how long a request waits for its answer when the
	// request gives none; 0 means meas.DefaultTimeout.
	Timeout time.Duration
	// RequestLen pads requests with zeros to this many ICMP bytes, for
	// responders that enforce a minimum request size; 0 or less than 12
	// sends the reference's 12-byte requests.
	RequestLen int
	// TOS is the IPv4 TOS / IPv6 traffic class of requests; responders
	// copy it onto their probes, so the reverse path of a DSCP class can
	// be traced (0xb8: EF).
	TOS uint8
	// Stack is the network stack the client sends and receives on; nil
	// means the kernel's raw sockets and interface addresses, in the
	// network namespace of the thread calling NewClient.
	Stack ClientStack
	// ForwardTo, when set, asks responders of its family for indirect
	// traces (the reference's newer revision): their probes go to
	// ForwardTo instead of back to the client, and a trace ends where
	// ForwardTo answers. Responders serve it only when their operator
	// enabled it.
	ForwardTo netip.Addr
}

// Client sends two-host requests from the host of its stack — by default
// the network namespace it was created in. Its methods are safe for
// concurrent use; Close releases it.
type Client struct {
	cfg     ClientConfig
	limiter *rate.Limiter
	s4, s6  EchoConn // s6 nil without IPv6
	addrs   []netip.Addr
	faults  [2]atomic.Pointer[error] // by family (1: IPv6): why its reads fail, nil while they succeed
	mu      sync.Mutex
	pending map[pendingKey]chan answer
	padded  map[netip.Addr]bool // responders that refused unpadded requests
	nextID  uint16
	wg      sync.WaitGroup
	closed  atomic.Bool
	done    chan struct{} // closed by Close
}

type pendingKey struct {
	peer netip.Addr
	id   uint16
}

// answer is what came back for one request, as read.
type answer struct {
	msg []byte // the ICMP message
	at  time.Time
	ttl uint8 // the IPv4 TTL or IPv6 hop limit it arrived with; 0: unknown
}

// NewClient opens the client's ICMP sockets on cfg.Stack, by default in
// the calling thread's network namespace.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.Rate <= 0 {
		cfg.Rate = DefaultClientRate
	}
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultClientBurst
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = meas.DefaultTimeout
	}
	if cfg.Stack == nil {
		cfg.Stack = kernelClient{}
	}
	cfg.ForwardTo = cfg.ForwardTo.Unmap()
	c := &Client{cfg: cfg, limiter: rate.NewLimiter(rate.Limit(cfg.Rate), cfg.Burst),
		pending: make(map[pendingKey]chan answer), padded: make(map[netip.Addr]bool), done: make(chan struct{}),
		nextID: uint16(time.Now().UnixNano())}
	var err error
	if c.s4, err = cfg.Stack.OpenEcho(false, cfg.TOS); err != nil {
		return nil, fmt.Errorf("twohost: new client: %w", err)
	}
	c.s6, err = cfg.Stack.OpenEcho(true, cfg.TOS)
	if errors.Is(err, ErrNoIPv6) {
		c.s6, err = nil, nil
	}
	if err == nil {
		c.addrs, err = cfg.Stack.Addrs()
	}
	if err != nil {
		c.closeSockets()
		return nil, fmt.Errorf("twohost: new client: %w", err)
	}
	for i, s := range []EchoConn{c.s4, c.s6} {
		if s != nil {
			c.wg.Go(func() { c.read(s, i == 1) })
		}
	}
	return c, nil
}

// Local reports whether a is one of the client's own addresses.
func (c *Client) Local(a netip.Addr) bool { return slices.Contains(c.addrs, a.Unmap()) }

// source returns the client's first address of dst's family.
func (c *Client) source(dst netip.Addr) netip.Addr {
	for _, a := range c.addrs {
		if a.Is4() == dst.Is4() {
			return a
		}
	}
	return netip.Addr{}
}

// read delivers echo replies with code 1 to the requests waiting for
// them. A read that fails other than by Close is retried after a pause
// (rawsock.ReadLoop); while reads of a family fail, its requests that
// time out fail with the read error rather than claim no answer came.
func (c *Client) read(s EchoConn, v6 bool) {
	buf := make([]byte, 1<<16)
	fault := &c.faults[familyIndex(v6)]
	rawsock.ReadLoop(c.done, func() error {
		n, from, ttl, err := s.Recv(buf)
		if err != nil {
			return err
		}
		c.handle(buf[:n], from, ttl, v6)
		return nil
	}, func(err error) {
		if err != nil {
			err = fmt.Errorf("read answers: %w", err)
			fault.Store(&err)
		} else {
			fault.Store(nil)
		}
	})
}

// handle delivers the packet b read from from, if it is an answer.
func (c *Client) handle(b []byte, from netip.Addr, ttl uint8, v6 bool) {
	at := time.Now()
	if !v6 {
		var ip wire.IPv4
		if ip.Decode(b) != nil {
			return
		}
		b, ttl = ip.Payload(b), ip.TTL
	}
	var e wire.Echo
	if e.Decode(b) != nil || !e.Reply || e.Code != wire.TwoHostCode {
		return
	}
	c.deliver(pendingKey{from.Unmap(), e.ID}, answer{msg: slices.Clone(b), at: at, ttl: ttl})
}

// readFault returns why reading the answers of a family fails, nil while
// it does not.
func (c *Client) readFault(v6 bool) error {
	if err := c.faults[familyIndex(v6)].Load(); err != nil {
		return *err
	}
	return nil
}

func familyIndex(v6 bool) int {
	if v6 {
		return 1
	}
	return 0
}

func (c *Client) deliver(k pendingKey, a answer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch, ok := c.pending[k]; ok {
		select {
		case ch <- a:
		default: // a duplicate: the first answer counts
		}
	}
}

// register reserves a query id toward peer.
func (c *Client) register(peer netip.Addr) (uint16, chan answer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return 0, nil, ErrClientClosed
	}
	for range 1 << 16 {
		c.nextID++
		k := pendingKey{peer, c.nextID}
		if _, taken := c.pending[k]; !taken {
			ch := make(chan answer, 1)
			c.pending[k] = ch
			return c.nextID, ch, nil
		}
	}
	return 0, nil, fmt.Errorf("every query id toward %s is in use", peer)
}

func (c *Client) unregister(peer netip.Addr, id uint16) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, pendingKey{peer, id})
}

// Close stops the readers and closes the sockets; waiting requests fail
// with ErrClientClosed.
func (c *Client) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	close(c.done)
	err := c.closeSockets()
	c.wg.Wait()
	if err != nil {
		return fmt.Errorf("twohost: close client: %w", err)
	}
	return nil
}

func (c *Client) closeSockets() error {
	var errs []error
	for _, s := range []EchoConn{c.s4, c.s6} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}
