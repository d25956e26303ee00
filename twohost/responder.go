package twohost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/revtr/revtr/internal/rawsock"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/wire"
)

// Responder answers two-host requests on one interface. Create it with
// NewResponder inside the network namespace it serves (or on the stack
// ResponderConfig.Stack names); its methods are safe for concurrent use;
// Close stops it.
type Responder struct {
	cfg      ResponderConfig
	log      *slog.Logger
	instance uint16 // rides in a second quoted field, to tell our probes from others'
	m        *metrics
	lim      *limits
	tbl      *sessions
	stack    ResponderStack
	kernel   *kernelResponder // the stack, when it is the kernel's
	pkt      RequestConn      // requests in, answers out
	send4    probe.Conn
	send6    probe.Conn // nil without IPv6
	readers  []replySocket
	guard    *echoGuard
	local    *localAddrs
	bufs     sync.Pool // of *packetBuf
	stop     chan struct{}
	wg       sync.WaitGroup
	closed   atomic.Bool
}

// replySocket is a socket the answers to probes arrive on.
type replySocket struct {
	probe.Conn
	v6    bool
	proto wire.Proto
}

// NewResponder opens the responder's sockets on cfg.Stack — by default in
// the calling thread's network namespace, where it also installs its
// nftables rule — and starts serving. Errors name what failed:
// ErrNoInterface, ErrNeedRoot, ErrConfig.
func NewResponder(cfg ResponderConfig) (*Responder, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("twohost: new responder: %w", err)
	}
	r := &Responder{cfg: cfg, log: cfg.Logger.With("interface", cfg.Interface), stack: cfg.Stack,
		instance: uint16(rand.Uint32()), m: newMetrics(cfg.Interface), lim: newLimits(cfg),
		tbl: newSessions(cfg.MaxSessions, uint16(rand.Uint32())), stop: make(chan struct{})}
	if err := r.open(); err != nil {
		r.closeAll()
		return nil, fmt.Errorf("twohost: responder on %s: %w", cfg.Interface, err)
	}
	if err := r.m.register(cfg.Registry); err != nil {
		r.closeAll()
		return nil, fmt.Errorf("twohost: responder on %s: %w", cfg.Interface, err)
	}
	r.start()
	r.log.Info("responder started", "max_sessions", cfg.MaxSessions, "timeout", cfg.Timeout,
		"rate", cfg.Rate, "requester_rate", cfg.RequesterRate, "min_request_len", cfg.MinRequestLen,
		"ipv6", r.send6 != nil, "kernel_echo_suppressed", r.guard != nil)
	return r, nil
}

// open opens every socket; IPv6 ones are skipped when the stack has no
// IPv6. Only the kernel's stack echoes requests itself and gets the
// nftables rule against it.
func (r *Responder) open() error {
	var err error
	if r.stack == nil {
		if r.kernel, err = openKernelResponder(); err != nil {
			return err
		}
		r.stack = r.kernel
	}
	if r.local, err = newLocalAddrs(r.stack.Addrs, time.Now()); err != nil {
		return err
	}
	if r.pkt, err = r.stack.OpenRequests(r.cfg.Interface); err != nil {
		return err
	}
	if r.send4, err = r.stack.OpenSend(false); err != nil {
		return err
	}
	if err := r.openReaders(false, wire.ProtoICMP, wire.ProtoTCP); err != nil {
		return err
	}
	if err := r.open6(); err != nil && !errors.Is(err, ErrNoIPv6) && !errors.Is(err, meas.ErrNotSupported) {
		return err
	}
	if r.kernel != nil && !r.cfg.KeepKernelEcho {
		if r.guard, err = installGuard(r.cfg.Interface); err != nil {
			return err
		}
	}
	return nil
}

func (r *Responder) open6() error {
	s, err := r.stack.OpenSend(true)
	if err != nil {
		return err
	}
	r.send6 = s
	return r.openReaders(true, wire.ProtoICMPv6, wire.ProtoTCP)
}

// openReaders opens the reply sockets of a family.
func (r *Responder) openReaders(v6 bool, protos ...wire.Proto) error {
	for _, p := range protos {
		s, err := r.stack.OpenRecv(v6, p)
		if err != nil {
			return err
		}
		r.readers = append(r.readers, replySocket{s, v6, p})
	}
	return nil
}

// start runs the request reader, one reader per reply socket and the
// session sweeper.
func (r *Responder) start() {
	r.wg.Go(r.readRequests)
	for _, s := range r.readers {
		r.wg.Go(func() { r.readReplies(s) })
	}
	r.wg.Go(r.sweep)
}

// readRequests serves requests until the packet socket is closed.
func (r *Responder) readRequests() {
	buf := make([]byte, 1<<16)
	rawsock.ReadLoop(r.stop, func() error {
		n, from, err := r.pkt.Recv(buf)
		if err != nil {
			return err
		}
		if from.Ifindex != 0 {
			r.handleRequest(buf[:n], from, time.Now())
		}
		return nil
	}, r.readFailed("requests"))
}

// readReplies matches the answers to probes read from s until it is
// closed.
func (r *Responder) readReplies(s replySocket) {
	buf := make([]byte, 1<<16)
	rawsock.ReadLoop(r.stop, func() error {
		n, from, err := s.Recv(buf)
		if err != nil {
			return err
		}
		r.handleReply(s.v6, s.proto, buf[:n], from, time.Now())
		return nil
	}, r.readFailed(s.label()))
}

// readFailed returns the logger of a reader's failures (rawsock.ReadLoop
// pauses between them, so that a persistent error cannot spin a core:
// an interface going down) and of its recovery.
func (r *Responder) readFailed(socket string) func(error) {
	return func(err error) {
		if err != nil {
			r.log.Warn("read failed", "socket", socket, "err", err)
		} else {
			r.log.Info("reads recovered", "socket", socket)
		}
	}
}

// label names a reply socket in logs: "IPv4 icmp".
func (s replySocket) label() string { return familyOf(s.v6).String() + " " + s.proto.String() }

// localRefresh is how often the responder rereads the host's addresses.
const localRefresh = 5 * time.Second

// sweep drops the sessions whose probe went unanswered for the timeout
// and rereads the host's addresses every localRefresh.
func (r *Responder) sweep() {
	t := time.NewTicker(min(max(r.cfg.Timeout/10, 10*time.Millisecond), 500*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case now := <-t.C:
			if n := r.tbl.expire(now.Add(-r.cfg.Timeout)); n > 0 {
				r.m.timeouts.Add(float64(n))
				r.m.sessions.Sub(float64(n))
			}
			if now.Sub(r.local.last) >= localRefresh {
				if err := r.local.refresh(now); err != nil {
					r.log.Warn("local addresses not refreshed", "err", err)
				}
			}
		}
	}
}

// Close stops serving, removes the nftables rule and closes the sockets.
// Sessions still open get no answer. It is safe to call more than once.
func (r *Responder) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	close(r.stop)
	err := r.closeAll()
	r.wg.Wait()
	r.log.Info("responder stopped")
	if err != nil {
		return fmt.Errorf("twohost: close responder on %s: %w", r.cfg.Interface, err)
	}
	return nil
}

func (r *Responder) closeAll() error {
	var errs []error
	if r.guard != nil {
		errs = append(errs, r.guard.remove())
	}
	if r.kernel != nil {
		r.kernel.close()
	}
	if r.pkt != nil {
		errs = append(errs, r.pkt.Close())
	}
	for _, s := range []probe.Conn{r.send4, r.send6} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	for _, s := range r.readers {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// Serve runs a responder with cfg until ctx ends, then closes it: the
// body of `revtr responder`.
func Serve(ctx context.Context, cfg ResponderConfig) error {
	r, err := NewResponder(cfg)
	if err != nil {
		return err
	}
	<-ctx.Done()
	return r.Close()
}
