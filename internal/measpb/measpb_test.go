package measpb_test

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/revtr/revtr/internal/measpb"
	"github.com/revtr/revtr/meas"
	agentv1 "github.com/revtr/revtr/rpc/agent/v1"
)

var (
	a = netip.MustParseAddr("10.0.0.1")
	b = netip.MustParseAddr("10.0.0.9")
	c = netip.MustParseAddr("2001:db8::9")
)

func roundTrip[T any, M any](t *testing.T, name string, v T, enc func(T) M, dec func(M) (T, error)) {
	t.Helper()
	got, err := dec(enc(v))
	if err != nil || !reflect.DeepEqual(got, v) {
		t.Errorf("%s: %+v, %v after a round trip; want %+v", name, got, err, v)
	}
}

// TestRoundTrip holds every message to carry exactly the meas value it
// mirrors, zero fields and empty addresses included.
func TestRoundTrip(t *testing.T) {
	flow := meas.Flow{Proto: meas.UDP, ID: 53, SrcPort: 33456}
	hops := []meas.Hop{{TTL: 1, Addr: a, RTT: time.Millisecond, Reply: meas.TimeExceeded}, {TTL: 2}, {TTL: 3, Addr: b, Reply: meas.DestUnreach, Code: 3}}
	roundTrip(t, "ping request", meas.PingRequest{Src: a, Dst: b, Count: 3, Timeout: time.Second}, measpb.PingRequest, measpb.FromPingRequest)
	roundTrip(t, "zero ping request", meas.PingRequest{Dst: c}, measpb.PingRequest, measpb.FromPingRequest)
	roundTrip(t, "ping", meas.Ping{Src: a, Dst: b, Sent: 2, RTTs: []time.Duration{5, 7}}, measpb.Ping, measpb.FromPing)
	roundTrip(t, "rr request", meas.RRRequest{Src: a, Dst: b, Sender: c, Timeout: 9}, measpb.RRRequest, measpb.FromRRRequest)
	roundTrip(t, "rr ping", meas.RRPing{Src: a, Dst: b, Sender: a, Replied: true, RTT: 3, Recorded: []netip.Addr{a, b, b},
		Forward: []netip.Addr{a}, Reverse: []netip.Addr{}}, measpb.RRPing, measpb.FromRRPing)
	roundTrip(t, "expect", meas.RRExpectRequest{Src: a, Dst: b, Timeout: 4}, measpb.RRExpectRequest, measpb.FromRRExpectRequest)
	roundTrip(t, "probe", meas.RRProbe{Src: a, Dst: b, ID: 65535, Seq: 7}, measpb.RRProbe, measpb.FromRRProbe)
	roundTrip(t, "trace request", meas.TraceRequest{Src: a, Dst: b, Flow: flow, FirstTTL: 2, MaxTTL: 20, GapLimit: 3, Attempts: 2, Window: 4, Timeout: 5},
		measpb.TraceRequest, measpb.FromTraceRequest)
	roundTrip(t, "trace", meas.Trace{Src: a, Dst: b, Flow: flow, Hops: hops, Stop: meas.StopLoop, Probes: 4}, measpb.Trace, measpb.FromTrace)
	roundTrip(t, "multipath request", meas.MultipathRequest{Src: a, Dst: b, Proto: meas.TCP, Epsilon: 0.01, FirstTTL: 1, MaxTTL: 9, GapLimit: 2, Timeout: 3, Attempts: 2},
		measpb.MultipathRequest, measpb.FromMultipathRequest)
	roundTrip(t, "multipath", meas.Multipath{Src: a, Dst: b, Proto: meas.UDP, Interfaces: []meas.Interface{{TTL: 1, Addr: a}},
		Links: []meas.MPLink{{TTL: 1, From: a, To: b}}, Probes: 12, Stop: meas.StopGapLimit}, measpb.Multipath, measpb.FromMultipath)
	roundTrip(t, "two-host request", meas.TwoHostRequest{Src: a, Dst: b, Flow: flow, MaxTTL: 9, Queries: 3, Window: 2, Timeout: 1},
		measpb.TwoHostRequest, measpb.FromTwoHostRequest)
	roundTrip(t, "two-host trace", meas.TwoHostTrace{Trace: meas.Trace{Src: b, Dst: a, Flow: flow, Hops: hops, Probes: 3},
		Queries: [][]meas.Hop{hops[:1], hops[1:]}}, measpb.TwoHostTrace, measpb.FromTwoHostTrace)
}

// TestMalformed holds decoding to refuse what no meas value is.
func TestMalformed(t *testing.T) {
	for name, err := range map[string]error{
		"address":   second(measpb.FromPingRequest(&agentv1.PingRequest{Dst: "10.0.0.300"})),
		"protocol":  second(measpb.FromTraceRequest(&agentv1.TraceRequest{Dst: "10.0.0.1", Flow: &agentv1.Flow{Proto: 7}})),
		"port":      second(measpb.FromTraceRequest(&agentv1.TraceRequest{Dst: "10.0.0.1", Flow: &agentv1.Flow{Id: 70000}})),
		"echo id":   second(measpb.FromRRProbe(&agentv1.RRProbe{Src: "10.0.0.1", Id: 1 << 16})),
		"reply":     second(measpb.FromTrace(&agentv1.Trace{Hops: []*agentv1.Hop{{Reply: 9}}})),
		"icmp code": second(measpb.FromTrace(&agentv1.Trace{Hops: []*agentv1.Hop{{Code: 256}}})),
		"stop":      second(measpb.FromTrace(&agentv1.Trace{StopReason: 9})),
	} {
		if !errors.Is(err, measpb.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// TestErrors holds the errors callers branch on to cross the wire.
func TestErrors(t *testing.T) {
	for _, want := range []error{meas.ErrBadRequest, meas.ErrNoSource, meas.ErrNotSupported, meas.ErrNoResponder, measpb.ErrSpoofNotAllowed, measpb.ErrCanceled} {
		got := measpb.FromError(measpb.Error(errors.Join(errors.New("probe: x"), want), 0))
		if !errors.Is(got, want) {
			t.Errorf("%v crossed as %v", want, got)
		}
	}
	if err := measpb.FromError(measpb.Error(errors.New("disk on fire"), 0)); err.Error() != "disk on fire" {
		t.Errorf("a plain error crossed as %v", err)
	}
}
