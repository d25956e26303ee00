package revtr

import (
	"context"
	"net/netip"

	"github.com/revtr/revtr/meas"
)

// rtts pings every hop of a finished path from the source, all at once,
// and records each RTT with the ping's measurement ID; the cache answers
// for hops pinged lately. Hops that do not answer keep RTT 0. RTTs are
// skipped if the budget does not allow them.
func (r *run) rtts(ctx context.Context) {
	ws := make([]want, len(r.path))
	for i, h := range r.path {
		ws[i] = want{kind: cachePing, dst: h.Addr}
	}
	gs, err := fetch(ctx, r, ws, &r.res.Cost.RTT, func(ctx context.Context, i int) (meas.Ping, error) {
		return r.ping(ctx, r.path[i].Addr)
	}, r.keepPing)
	if err != nil {
		return
	}
	for i := range r.path {
		r.path[i].RTTMeasurementID = gs[i].id
		if p := gs[i].val; p.Replied() {
			r.path[i].RTT = p.RTTs[0]
			if gs[i].sent {
				r.e.noteRTT(r.req.Src, r.path[i].Addr, r.path[i].RTT)
			}
		}
	}
}

// ping pings a from the source.
func (r *run) ping(ctx context.Context, a netip.Addr) (meas.Ping, error) {
	p, err := r.e.cfg.Prober.Ping(ctx, meas.PingRequest{Src: r.req.Src, Dst: a, Timeout: r.e.timeout(r.req.Src, a)})
	if err != nil {
		return p, r.proberError("ping", a, err)
	}
	return p, nil
}
