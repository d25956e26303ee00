package probe

import (
	"errors"
	"fmt"
	"math/rand/v2"
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

// DefaultRate is Config.Rate's default: packets per second, the
// reference agent's rate.
const DefaultRate = 100

// Config tunes a Prober. The zero value is usable.
type Config struct {
	// Rate is the token bucket's rate in packets per second; 0 means
	// DefaultRate. Every probe, spoofed or not, takes a token.
	Rate float64
	// Burst is the bucket's depth: how many probes may leave at once after
	// a pause. 0 means meas.DefaultWindow, so that a traceroute's first
	// window leaves at once and a short trace takes about one round trip;
	// over any interval T, at most Burst + Rate·T probes are sent.
	Burst int
	// Timeout is a probe's timeout when the request gives none; 0 means
	// meas.DefaultTimeout.
	Timeout time.Duration
	// LateWait lets traceroutes hear late answers, as traceroute(8)'s
	// maximum wait does: a router that cannot resolve its next hop answers
	// host unreachable only when neighbour discovery gives up, about 3 s
	// on Linux. A TTL whose probes all waited their timeout keeps
	// listening until LateWait after its first probe left while no higher
	// TTL has answered, and once one has after RTT r, until 10 × (r + 1
	// ms) (traceroute(8)'s "near" rule), never beyond LateWait. 0, or
	// anything not longer than the timeout, turns it off.
	LateWait time.Duration
	// AllowSpoof lists the source addresses, not the host's own, that this
	// prober may put on probes (a vantage point's authorised sources).
	// Nothing else is ever spoofed: ErrSpoofNotAllowed.
	AllowSpoof []netip.Addr
	// Addrs overrides the host's own addresses; nil means the stack's
	// when New runs (Stack.Addrs).
	Addrs []netip.Addr
	// Stack is the network stack the prober sends and receives on; nil
	// means the kernel's raw sockets and interface addresses, in the
	// network namespace of the thread calling New.
	Stack Stack
}

// Prober sends probes from the host of its stack — by default the network
// namespace it was created in — and matches their replies. It implements,
// for the host it runs on, meas.Prober (Record Route pings not spoofed:
// the reply to a spoofed one goes to another host), meas.MultipathTracer,
// meas.RRCapturer and meas.RRSender. Its methods are safe for concurrent
// use; Close releases its sockets and goroutines.
type Prober struct {
	cfg      Config
	addrs    []netip.Addr
	instance uint16
	limiter  *rate.Limiter
	tbl      *table
	send4    Conn
	send6    Conn // nil without IPv6
	readers  []reader
	faults   [2]atomic.Pointer[error] // by family (1: IPv6): why its reads fail, nil while they succeed
	readErrs atomic.Uint64
	wg       sync.WaitGroup
	done     chan struct{} // closed by Close
	closed   atomic.Bool
	sent     atomic.Uint64
}

// reader is a receive socket and what it receives.
type reader struct {
	c     Conn
	v6    bool
	proto wire.Proto
}

// New opens the prober's sockets on cfg.Stack — by default in the calling
// thread's network namespace (inside lab.Do for a lab host) — and starts
// one reader per receive socket. Without privilege it fails with
// ErrNeedRoot.
func New(cfg Config) (*Prober, error) {
	cfg = withDefaults(cfg)
	addrs, err := localAddrs(cfg)
	if err != nil {
		return nil, opError("new prober", err)
	}
	p := &Prober{cfg: cfg, addrs: addrs, instance: uint16(rand.Uint32()),
		limiter: rate.NewLimiter(rate.Limit(cfg.Rate), cfg.Burst),
		tbl:     newTable(uint16(rand.Uint32())), done: make(chan struct{})}
	p.tbl.readFault = p.readFault
	if err := p.open(); err != nil {
		p.closeSockets()
		return nil, opError("new prober", err)
	}
	for _, r := range p.readers {
		p.wg.Go(func() { p.read(r) })
	}
	return p, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Rate <= 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = meas.DefaultTimeout
	}
	if cfg.Burst <= 0 {
		cfg.Burst = meas.DefaultWindow
	}
	if cfg.Stack == nil {
		cfg.Stack = kernel{}
	}
	return cfg
}

// open opens the send and receive sockets; IPv6 ones are skipped when the
// stack has no IPv6.
func (p *Prober) open() error {
	st := p.cfg.Stack
	var err error
	if p.send4, err = st.OpenSend(false); err != nil {
		return err
	}
	if err := p.openReceivers(false, wire.ProtoICMP, wire.ProtoTCP); err != nil {
		return err
	}
	if p.send6, err = st.OpenSend(true); errors.Is(err, meas.ErrNotSupported) {
		p.send6 = nil
		return nil
	} else if err != nil {
		return err
	}
	return p.openReceivers(true, wire.ProtoICMPv6, wire.ProtoTCP)
}

func (p *Prober) openReceivers(v6 bool, protos ...wire.Proto) error {
	for _, proto := range protos {
		c, err := p.cfg.Stack.OpenRecv(v6, proto)
		if err != nil {
			return err
		}
		p.readers = append(p.readers, reader{c: c, v6: v6, proto: proto})
	}
	return nil
}

// localAddrs returns the configured addresses or the stack's.
func localAddrs(cfg Config) ([]netip.Addr, error) {
	if cfg.Addrs != nil {
		return slices.Clone(cfg.Addrs), nil
	}
	return cfg.Stack.Addrs()
}

// Addrs returns the host's own addresses, the sources the prober sends
// from without spoofing.
func (p *Prober) Addrs() []netip.Addr { return slices.Clone(p.addrs) }

// Stats returns the prober's counters.
func (p *Prober) Stats() Stats {
	s := p.tbl.snapshot()
	s.Sent, s.ReadErrors = p.sent.Load(), p.readErrs.Load()
	return s
}

// Outstanding returns how many probes wait for an answer.
func (p *Prober) Outstanding() int { return p.tbl.outstanding() }

// read is the reader goroutine of one receive socket. A read that fails
// other than by Close is retried after a pause (rawsock.ReadLoop); while
// reads of a family fail, the probes of that family that time out fail
// with the read error rather than claim no answer came.
func (p *Prober) read(r reader) {
	buf := make([]byte, 1<<16)
	fault := &p.faults[familyIndex(r.v6)]
	rawsock.ReadLoop(p.done, func() error {
		n, from, err := r.c.Recv(buf)
		if err != nil {
			return err
		}
		now := time.Now()
		if r.v6 {
			p.handleIPv6(buf[:n], r.proto, from, now)
		} else {
			p.handleIPv4(buf[:n], now)
		}
		return nil
	}, func(err error) {
		if err == nil {
			fault.Store(nil)
			return
		}
		p.readErrs.Add(1)
		err = fmt.Errorf("read %v answers: %w", r.proto, err)
		fault.Store(&err)
	})
}

// readFault returns why reading the answers of a family fails, nil while
// it does not.
func (p *Prober) readFault(v6 bool) error {
	if err := p.faults[familyIndex(v6)].Load(); err != nil {
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

// Close stops the readers, closes the sockets and fails every outstanding
// probe, and every probe still waiting for its rate token, with
// ErrClosed. It is safe to call more than once.
func (p *Prober) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	close(p.done)
	err := p.closeSockets()
	p.wg.Wait()
	p.tbl.closeAll(ErrClosed)
	if err != nil {
		return opError("close", err)
	}
	return nil
}

func (p *Prober) closeSockets() error {
	var errs []error
	for _, c := range []Conn{p.send4, p.send6} {
		if c != nil {
			errs = append(errs, c.Close())
		}
	}
	for _, r := range p.readers {
		errs = append(errs, r.c.Close())
	}
	return errors.Join(errs...)
}
