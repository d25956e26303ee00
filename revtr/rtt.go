package revtr

import (
	"context"

	"github.com/revtr/revtr/meas"
)

// rtts pings every hop of a finished path from the source, all at once,
// and records each RTT with the ping's measurement ID. Hops that do not
// answer keep RTT 0. RTTs are skipped if the budget does not allow them.
func (r *run) rtts(ctx context.Context) {
	n := len(r.path)
	if r.spend(n, &r.res.Cost.RTT) != nil {
		return
	}
	pings := make([]meas.Ping, n)
	r.parallel(ctx, n, func(ctx context.Context, i int) {
		a := r.path[i].Addr
		pings[i], _ = r.e.cfg.Prober.Ping(ctx, meas.PingRequest{Src: r.req.Src, Dst: a, Timeout: r.e.timeout(r.req.Src, a)})
	})
	for i := range r.path {
		r.path[i].RTTMeasurementID = r.nextID()
		if pings[i].Replied() {
			r.path[i].RTT = pings[i].RTTs[0]
			r.e.noteRTT(r.req.Src, r.path[i].Addr, r.path[i].RTT)
		}
	}
}
