package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/store"
)

// UploadRequest is a two-host trace a client measured itself and hands
// over (revtr traceroute --transmit): the reverse path from the host
// running the responder back to the client, and the forward path if one
// was measured. It is kept as a finished reverse traceroute of the key's,
// whose hops after the destination are of type 20 (two-host), fetched by
// label or batch like any other.
type UploadRequest struct {
	Label   string        `json:"label" maxLength:"256" doc:"The handle to fetch the trace by."`
	Reverse ForwardTrace  `json:"reverse" doc:"The path from src, the host running the responder, back to dst, the client, one hop per TTL; rtt in microseconds, as the responder measured it."`
	Forward *ForwardTrace `json:"forward,omitempty" required:"false" doc:"The forward path from the client to the responder, if measured."`
}

// UploadResult names the stored trace.
type UploadResult struct {
	BatchID uint32      `json:"batchId" doc:"The batch holding the trace."`
	ID      Int64String `json:"id" doc:"The reverse traceroute's ID."`
}

type uploadInput struct {
	KeyHeader
	Body UploadRequest
}

type uploadOutput struct{ Body UploadResult }

// failNoReach is the fail reason of an uploaded trace that did not reach
// the client.
const failNoReach = "The two-host trace did not reach the source."

func (c *Controller) registerUpload(api huma.API) {
	huma.Register(api, op("uploadTrace", http.MethodPost, "/api/v2/traces", "Keep a two-host trace measured by the client", c.cfg.API.MaxBody), c.upload)
}

// upload keeps an uploaded two-host trace as a finished reverse
// traceroute: accepted, started and finished at once, within the key's
// quotas.
func (c *Controller) upload(ctx context.Context, in *uploadInput) (*uploadOutput, error) {
	u, err := c.user(ctx, in.Key)
	if err != nil {
		return nil, err
	}
	b := in.Body
	rec, err := uploadRecord(b)
	if err != nil {
		return nil, apiError(http.StatusBadRequest, codeBadRequest, "%v", err)
	}
	if c.bogons.IsBogon(rec.Dst) {
		return nil, apiError(http.StatusBadRequest, codeBadDestination, "reverse.src %v: not a public unicast address", rec.Dst)
	}
	opts, _ := json.Marshal(RevtrRequest{Src: rec.Src.String(), Dst: rec.Dst.String(), Label: b.Label, TwoHost: true})
	batch, err := c.store.Submit(ctx, u.ID, []store.NewRevtr{{Src: rec.Src, Dst: rec.Dst, Label: b.Label, Options: string(opts)}},
		func(context.Context, *store.Tx, []int64) error { return nil })
	if err != nil {
		return nil, c.submitError(err)
	}
	id, err := c.keep(ctx, store.Filter{UserID: u.ID, BatchID: batch}, rec, b)
	if err != nil {
		return nil, c.internal(err)
	}
	return &uploadOutput{Body: UploadResult{BatchID: uint32(batch), ID: Int64String(id)}}, nil
}

// keep starts and finishes the upload's reverse traceroute, the one of
// the batch f selects.
func (c *Controller) keep(ctx context.Context, f store.Filter, rec revtr.Record, b UploadRequest) (int64, error) {
	rs, err := c.store.Revtrs(ctx, f, 0, 1)
	switch {
	case err != nil:
		return 0, err
	case len(rs) != 1:
		return 0, fmt.Errorf("upload: batch %d holds no reverse traceroute", f.BatchID)
	}
	if _, _, err := c.store.Start(ctx, []int64{rs[0].ID}, 0); err != nil {
		return 0, err
	}
	rec.ID = uint64(rs[0].ID)
	recB, _ := json.Marshal(rec) // plain fields
	stats, _ := json.Marshal(Stats{TwoHostProbes: int32(b.Reverse.Probes)})
	done := store.Finished{ID: rs[0].ID, Stop: rec.StopReason, FailReason: rec.FailReason, Record: recB, Stats: stats}
	if b.Forward != nil {
		done.Forward, _ = json.Marshal(b.Forward)
	}
	_, err = c.store.Finish(ctx, c.cfg.Name, []store.Finished{done}, nil)
	return rs[0].ID, err
}

// submitError turns the store's refusal of a submission into its API
// error.
func (c *Controller) submitError(err error) error {
	switch {
	case errors.Is(err, store.ErrQuotaDay):
		return apiError(http.StatusTooManyRequests, codeQuotaPerDay, msgQuotaPerDay)
	case errors.Is(err, store.ErrQuotaParallel):
		return apiError(http.StatusTooManyRequests, codeQuotaParallel, msgQuotaParallel)
	case errors.Is(err, store.ErrUnknownKey):
		return apiError(http.StatusUnauthorized, codeUnauthorized, "revoked API key")
	}
	return c.internal(err)
}

// uploadRecord checks an upload and returns its archive record: the
// responder (reverse.src) as the destination, hop 0, then every answered
// TTL as a two-host hop; REACHES when the trace completed at the client.
func uploadRecord(b UploadRequest) (revtr.Record, error) {
	if err := checkLabel(b.Label); err != nil {
		return revtr.Record{}, fmt.Errorf("label: %v", err)
	}
	dst, err := parseAddr(b.Reverse.Src)
	if err != nil {
		return revtr.Record{}, fmt.Errorf("reverse.src %q: %v", b.Reverse.Src, err)
	}
	src, err := parseAddr(b.Reverse.Dst)
	if err != nil {
		return revtr.Record{}, fmt.Errorf("reverse.dst %q: %v", b.Reverse.Dst, err)
	}
	if src.Is4() != dst.Is4() {
		return revtr.Record{}, fmt.Errorf("reverse: %v and %v are of different families", dst, src)
	}
	rec := revtr.Record{StopReason: revtr.Reaches.String(), Src: src, Dst: dst, Date: time.Now().Unix(), Label: b.Label,
		Hops: []revtr.RecordHop{{HopIP: dst, HopType: revtr.HopDestination}}}
	last := netip.Addr{}
	for i, h := range b.Reverse.Hops {
		if h.Addr == "" {
			continue
		}
		a, err := parseAddr(h.Addr)
		if err != nil || a.Is4() != src.Is4() {
			return revtr.Record{}, fmt.Errorf("reverse.hops[%d].addr %q: not an address of the trace's family", i, h.Addr)
		}
		rec.Hops = append(rec.Hops, revtr.RecordHop{HopNumber: len(rec.Hops), HopIP: a, HopType: revtr.HopTwoHost, RTT: h.RTT})
		last = a
	}
	if b.Reverse.Stop != "COMPLETED" || last != src {
		rec.StopReason, rec.FailReason = revtr.Failed.String(), failNoReach
	}
	return rec, nil
}

// TraceOf is tr in the form an UploadRequest carries it (no AS
// annotation): what revtr traceroute --transmit sends.
func TraceOf(tr meas.Trace) ForwardTrace { return forwardTrace(tr, noAS{}) }

// noAS annotates nothing.
type noAS struct{}

func (noAS) Lookup(netip.Addr) (netip.Prefix, uint32, bool) { return netip.Prefix{}, 0, false }
