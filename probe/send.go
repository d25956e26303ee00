package probe

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/revtr/revtr/internal/pace"
	"github.com/revtr/revtr/meas"
)

// Inflight is a probe sent and not yet answered (or an expected reply, see
// ExpectRR). Wait returns its result.
type Inflight struct {
	t  *table
	pd *pending
}

// Wait blocks until the probe is answered, times out (a Result with
// meas.NoReply and a nil error), the prober is closed (ErrClosed) or ctx
// ends (the probe is then abandoned and ctx's error returned).
func (f *Inflight) Wait(ctx context.Context) (Result, error) {
	select {
	case <-f.pd.done:
	case <-ctx.Done():
		f.t.resolve(f.pd, Result{}, ctx.Err())
		<-f.pd.done
	}
	return f.pd.res, f.pd.err
}

// Done is closed when the result is known.
func (f *Inflight) Done() <-chan struct{} { return f.pd.done }

// Probe sends pr and waits for its answer.
func (p *Prober) Probe(ctx context.Context, pr Probe) (Result, error) {
	f, err := p.Start(ctx, pr)
	if err != nil {
		return Result{}, err
	}
	return f.Wait(ctx)
}

// Start registers pr, waits for a token, sends it and returns without
// waiting for the answer. The probe's timeout runs from its sending.
func (p *Prober) Start(ctx context.Context, pr Probe) (*Inflight, error) {
	const op = "send probe"
	if err := p.prepare(op, &pr); err != nil {
		return nil, err
	}
	pd, err := p.tbl.add(keyOf(&pr))
	if err != nil {
		return nil, opError(op, err)
	}
	var buf [128]byte
	b, err := appendProbe(buf[:0], &pr, p.instance, pd.tag)
	if err == nil {
		_, err = p.transmit(ctx, b, pr.Dst, pd)
	}
	if err != nil {
		p.tbl.resolve(pd, Result{}, err)
		return nil, opError(fmt.Sprintf("%s %s to %s", op, pr.Flow.Proto, pr.Dst), err)
	}
	p.tbl.arm(pd, p.timeout(pr.Timeout))
	return &Inflight{t: p.tbl, pd: pd}, nil
}

// transmit waits for a token and sends the packet b to dst. It returns
// the time taken just before sending, which pd, when not nil, records:
// a reply may be read before sendto returns.
func (p *Prober) transmit(ctx context.Context, b []byte, dst netip.Addr, pd *pending) (time.Time, error) {
	// Close ends the wait: the probe fails with ErrClosed.
	if err := pace.Wait(ctx, p.limiter, p.done, ErrClosed); err != nil {
		return time.Time{}, err
	}
	s := p.send4
	if dst.Is6() {
		s = p.send6
	}
	if s == nil {
		return time.Time{}, fmt.Errorf("%w: no IPv6 in this namespace", meas.ErrNotSupported)
	}
	now := time.Now()
	if pd != nil {
		p.tbl.stamp(pd, now)
	}
	if err := s.Send(b, dst); err != nil {
		if p.closed.Load() {
			return time.Time{}, ErrClosed
		}
		return time.Time{}, err
	}
	p.sent.Add(1)
	return now, nil
}

// prepare validates pr and applies defaults: protocol, TTL, source.
func (p *Prober) prepare(op string, pr *Probe) error {
	if err := normalize(op, pr); err != nil {
		return err
	}
	src, err := p.source(op, pr.Src, pr.Dst)
	pr.Src = src
	return err
}

// normalize validates pr's fields other than the source's ownership and
// applies the defaults of flow and TTL.
func normalize(op string, pr *Probe) error {
	if pr.TTL == 0 {
		pr.TTL = meas.DefaultTTL
	}
	pr.Src, pr.Dst = pr.Src.Unmap(), pr.Dst.Unmap()
	f, err := pr.Flow.Normalize()
	if err != nil {
		return fmt.Errorf("probe: %s: %w", op, err)
	}
	pr.Flow = f
	switch {
	case !pr.Dst.IsValid():
		return badRequest(op, "missing destination")
	case pr.Src.IsValid() && pr.Src.Is4() != pr.Dst.Is4():
		return badRequest(op, "source %s, destination %s: address families differ", pr.Src, pr.Dst)
	case pr.TTL < 1 || pr.TTL > meas.MaxTTL:
		return badRequest(op, "TTL %d not in 1..%d", pr.TTL, meas.MaxTTL)
	case pr.RecordRoute && (pr.Flow.Proto != meas.ICMP || !pr.Dst.Is4()):
		return badRequest(op, "Record Route needs an IPv4 ICMP echo")
	}
	return nil
}

// source returns a (normalised) request's source: the given one if the
// host owns it or spoofing it is allowed, else, when zero, the host's
// first address of dst's family.
func (p *Prober) source(op string, src, dst netip.Addr) (netip.Addr, error) {
	if !src.IsValid() {
		for _, a := range p.addrs {
			if a.Is4() == dst.Is4() {
				return a, nil
			}
		}
		return src, fmt.Errorf("probe: %s: %w: no local address of %s's family", op, meas.ErrNoSource, dst)
	}
	if !slices.Contains(p.addrs, src) && !slices.Contains(p.cfg.AllowSpoof, src) {
		return src, fmt.Errorf("probe: %s: %w: %w: %s (allow it in Config.AllowSpoof)", op, meas.ErrNoSource, ErrSpoofNotAllowed, src)
	}
	return src, nil
}

func (p *Prober) timeout(d time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return p.cfg.Timeout
}
