package meas

import (
	"context"
	"time"
)

// Capabilities. Each is one kind of measurement, small enough that a
// prober implements exactly those its hosts can perform: a remote agent
// on a source captures spoofed replies, one on a vantage point sends
// them, one with a two-host client traces back from responders. Methods
// are safe for concurrent use, validate their request with its Normalize
// and answer every field with the meaning documented on the request.

// Pinger sends pings.
type Pinger interface {
	Ping(ctx context.Context, req PingRequest) (Ping, error)
}

// RecordRouter sends Record Route pings; a spoofed one (req.Sender set)
// only if the prober has both hosts, ErrNotSupported otherwise.
type RecordRouter interface {
	RecordRoute(ctx context.Context, req RRRequest) (RRPing, error)
}

// RRCapturer expects, at a source, the reply to a spoofed Record Route
// ping another host sends.
type RRCapturer interface {
	ExpectRR(ctx context.Context, req RRExpectRequest) (RRCapture, error)
}

// RRSender sends, from a vantage point, the spoofed Record Route echo a
// capturer described, and returns when it left. A sender only spoofs the
// sources it is authorised for.
type RRSender interface {
	SendRR(ctx context.Context, p RRProbe) (time.Time, error)
}

// Tracer runs Paris traceroutes.
type Tracer interface {
	Traceroute(ctx context.Context, req TraceRequest) (Trace, error)
}

// MultipathTracer runs multipath traceroutes.
type MultipathTracer interface {
	Multipath(ctx context.Context, req MultipathRequest) (Multipath, error)
}

// TwoHostTracer traces paths back from two-host responders. A
// destination without a usable responder gives an error wrapping
// ErrNoResponder. The result's Probes counts the requests sent even when
// an error is returned, so that callers can account for them.
type TwoHostTracer interface {
	TwoHostTrace(ctx context.Context, req TwoHostRequest) (TwoHostTrace, error)
}

// TwoHostMultipathTracer enumerates the load-balanced paths back from a
// two-host responder: req.Dst is the responder, req.Src the client; the
// flows are those of the responder's probes.
type TwoHostMultipathTracer interface {
	TwoHostMultipath(ctx context.Context, req MultipathRequest) (Multipath, error)
}

// Prober is what the reverse traceroute engine measures with.
// Implementations: probe.Prober (raw sockets, one host), probe.Group (the
// hosts of a lab), sim.Network (in memory, any host) and, later, the
// controller's prober over remote agents.
type Prober interface {
	Pinger
	RecordRouter
	Tracer
}
