package meas_test

import (
	"encoding/json"
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
)

// TestProtoNumbers holds the one conversion from protocols to the numbers
// IP headers carry: ICMP is 1 over IPv4 and 58 over IPv6.
func TestProtoNumbers(t *testing.T) {
	for _, c := range []struct {
		p      meas.Proto
		v4, v6 uint8
	}{{meas.ICMP, 1, 58}, {meas.UDP, 17, 17}, {meas.TCP, 6, 6}} {
		if c.p.Number(false) != c.v4 || c.p.Number(true) != c.v6 {
			t.Errorf("%v: numbers %d, %d; want %d, %d", c.p, c.p.Number(false), c.p.Number(true), c.v4, c.v6)
		}
		for v6, n := range map[bool]uint8{false: c.v4, true: c.v6} {
			if p, ok := meas.ProtoOf(n, v6); !ok || p != c.p {
				t.Errorf("ProtoOf(%d, v6=%v) = %v, %v; want %v", n, v6, p, ok, c.p)
			}
		}
	}
	for _, c := range []struct {
		n  uint8
		v6 bool
	}{{58, false}, {1, true}, {0, false}, {47, true}} {
		if p, ok := meas.ProtoOf(c.n, c.v6); ok {
			t.Errorf("ProtoOf(%d, v6=%v) = %v: not a probe protocol of that family", c.n, c.v6, p)
		}
	}
	var zero meas.Proto
	if zero != meas.ICMP || meas.Proto(3).Valid() {
		t.Error("the zero protocol must be ICMP and 3 invalid")
	}
	if _, err := meas.Proto(3).MarshalText(); err == nil {
		t.Error("an invalid protocol marshalled")
	}
}

// TestFlowFields holds what each flow puts on the wire, defaults included.
func TestFlowFields(t *testing.T) {
	for _, c := range []struct {
		f            meas.Flow
		sport, dport uint16
		checksum     uint16
		wire         string
	}{
		{meas.Flow{}, 0, 0, 0xbeaf, "icmp checksum 0xbeaf"},
		{meas.Flow{Proto: meas.ICMP, ID: 7}, 0, 0, 7, "icmp checksum 0x0007"},
		{meas.Flow{Proto: meas.ICMP, ID: 0xffff}, 0, 0, 0xffff, "icmp checksum 0xffff"},
		{meas.Flow{Proto: meas.UDP}, 33456, 53, 0, "udp 33456 > 53"},
		{meas.Flow{Proto: meas.TCP}, 33456, 80, 0, "tcp 33456 > 80"},
		{meas.Flow{Proto: meas.UDP, ID: 33434, SrcPort: 1021}, 1021, 33434, 0, "udp 1021 > 33434"},
	} {
		sport, dport := c.f.Ports()
		if sport != c.sport || dport != c.dport || c.f.Checksum() != c.checksum {
			t.Errorf("%+v: ports %d > %d, checksum %#x", c.f, sport, dport, c.f.Checksum())
		}
		n, err := c.f.Normalize()
		if err != nil || n.String() != c.wire || c.f.String() != c.wire {
			t.Errorf("%+v: normalised %+v (%v), %q, %q; want %q", c.f, n, err, n, c.f, c.wire)
		}
		if again, _ := n.Normalize(); again != n {
			t.Errorf("%+v: Normalize is not idempotent: %+v then %+v", c.f, n, again)
		}
	}
	for _, bad := range []meas.Flow{{Proto: 3}, {Proto: meas.ICMP, SrcPort: 9}} {
		if _, err := bad.Normalize(); !errors.Is(err, meas.ErrBadRequest) {
			t.Errorf("%+v: %v, want ErrBadRequest", bad, err)
		}
	}
}

var (
	src4, dst4 = netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.9")
	dst6       = netip.MustParseAddr("2001:db8::9")
)

// TestZeroRequests holds the defaults of every request's zero fields.
func TestZeroRequests(t *testing.T) {
	ping, err := meas.PingRequest{Dst: dst4}.Normalize()
	if err != nil || ping.Count != 1 || ping.Timeout != 0 || ping.Src.IsValid() {
		t.Errorf("ping: %+v, %v", ping, err)
	}
	tr, err := meas.TraceRequest{Dst: dst6}.Normalize()
	want := meas.TraceRequest{Dst: dst6, Flow: meas.Flow{ID: meas.DefaultICMPChecksum}, FirstTTL: 1, MaxTTL: meas.DefaultMaxTTL,
		GapLimit: meas.DefaultGapLimit, Attempts: 1, Window: meas.DefaultWindow}
	if err != nil || tr != want {
		t.Errorf("traceroute: %+v, %v; want %+v", tr, err, want)
	}
	mp, err := meas.MultipathRequest{Dst: dst4}.Normalize()
	if err != nil || mp.Proto != meas.ICMP || mp.Epsilon != meas.DefaultEpsilon || mp.MaxTTL != meas.DefaultMaxTTL || mp.GapLimit != meas.DefaultGapLimit {
		t.Errorf("multipath: %+v, %v", mp, err)
	}
	th, err := meas.TwoHostRequest{Dst: dst4, Flow: meas.Flow{Proto: meas.UDP}}.Normalize()
	if err != nil || th.Flow != (meas.Flow{Proto: meas.UDP, ID: 53, SrcPort: meas.TwoHostSrcPort}) || th.Queries != 1 || th.GapLimit != meas.DefaultGapLimit {
		t.Errorf("two-host: %+v, %v", th, err)
	}
	rr, err := meas.RRRequest{Src: src4, Dst: netip.MustParseAddr("::ffff:10.0.0.9"), Sender: src4}.Normalize()
	if err != nil || rr.Dst != dst4 || rr.Sender.IsValid() || rr.Spoofed() {
		t.Errorf("record route: %+v, %v; want the destination unmapped, the sender cleared", rr, err)
	}
}

// TestBadRequests holds what Normalize refuses.
func TestBadRequests(t *testing.T) {
	for name, err := range map[string]error{
		"ping without destination":  second(meas.PingRequest{Src: src4}.Normalize()),
		"ping of two families":      second(meas.PingRequest{Src: src4, Dst: dst6}.Normalize()),
		"ping count":                second(meas.PingRequest{Dst: dst4, Count: -1}.Normalize()),
		"RR over IPv6":              second(meas.RRRequest{Dst: dst6}.Normalize()),
		"spoofed RR without source": second(meas.RRRequest{Dst: dst4, Sender: src4}.Normalize()),
		"RR sender IPv6":            second(meas.RRRequest{Src: src4, Dst: dst4, Sender: dst6}.Normalize()),
		"expect without source":     second(meas.RRExpectRequest{Dst: dst4}.Normalize()),
		"trace TTLs":                second(meas.TraceRequest{Dst: dst4, FirstTTL: 9, MaxTTL: 3}.Normalize()),
		"trace max TTL":             second(meas.TraceRequest{Dst: dst4, MaxTTL: 256}.Normalize()),
		"trace gap":                 second(meas.TraceRequest{Dst: dst4, GapLimit: -1}.Normalize()),
		"trace window":              second(meas.TraceRequest{Dst: dst4, Window: -2}.Normalize()),
		"trace attempts":            second(meas.TraceRequest{Dst: dst4, Attempts: -1}.Normalize()),
		"trace timeout":             second(meas.TraceRequest{Dst: dst4, Timeout: -time.Second}.Normalize()),
		"trace protocol":            second(meas.TraceRequest{Dst: dst4, Flow: meas.Flow{Proto: 9}}.Normalize()),
		"multipath epsilon":         second(meas.MultipathRequest{Dst: dst4, Epsilon: 1}.Normalize()),
		"multipath protocol":        second(meas.MultipathRequest{Dst: dst4, Proto: 7}.Normalize()),
		"multipath attempts":        second(meas.MultipathRequest{Dst: dst4, Attempts: -1}.Normalize()),
		"two-host source port":      second(meas.TwoHostRequest{Dst: dst4, Flow: meas.Flow{Proto: meas.UDP, SrcPort: 33456}}.Normalize()),
		"two-host queries":          second(meas.TwoHostRequest{Dst: dst4, Queries: -1}.Normalize()),
	} {
		if !errors.Is(err, meas.ErrBadRequest) {
			t.Errorf("%s: %v, want ErrBadRequest", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// TestTraceEnd holds where traces end, in scamper's order of rules.
func TestTraceEnd(t *testing.T) {
	r1, r2 := netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.3")
	te := func(a netip.Addr) meas.Hop { return meas.Hop{Addr: a, Reply: meas.TimeExceeded} }
	for _, c := range []struct {
		name string
		hops []meas.Hop
		n    int
		stop meas.StopReason
		done bool
	}{
		{"destination", []meas.Hop{te(r1), {}, {Addr: dst4, Reply: meas.DestUnreach}}, 3, meas.StopCompleted, true},
		{"gap", []meas.Hop{te(r1), {}, {}, te(r2)}, 3, meas.StopGapLimit, true},
		{"gap reset", []meas.Hop{{}, te(r1), {}, te(r2)}, 4, 0, false},
		{"unreachable", []meas.Hop{te(r1), {Addr: r2, Reply: meas.DestUnreach}}, 2, meas.StopUnreachable, true},
		{"loop", []meas.Hop{te(r1), te(r2), te(r1)}, 3, meas.StopLoop, true},
	} {
		end := meas.NewTraceEnd(dst4, 2)
		n, stop, done := 0, meas.StopReason(0), false
		for _, h := range c.hops {
			n++
			if stop, done = end.Next(h); done {
				break
			}
		}
		if n != c.n || done != c.done || (done && stop != c.stop) {
			t.Errorf("%s: ended after %d hops (%v %v), want %d (%v %v)", c.name, n, stop, done, c.n, c.stop, c.done)
		}
	}
}

// TestRequestJSON holds the requests' JSON names, stable for the wire
// protocol: zero fields are left out and mean their defaults.
func TestRequestJSON(t *testing.T) {
	in := meas.TwoHostRequest{Src: src4, Dst: dst4, Flow: meas.Flow{Proto: meas.TCP, ID: 443}, MaxTTL: 20, Queries: 3, Timeout: time.Second}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"src":"10.0.0.1","dst":"10.0.0.9","flow":{"proto":"tcp","id":443},"max_ttl":20,"queries":3,"timeout_ns":1000000000}`
	if string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
	var out meas.TwoHostRequest
	if err := json.Unmarshal(b, &out); err != nil || !reflect.DeepEqual(in, out) {
		t.Errorf("round trip: %+v, %v", out, err)
	}
	if b, _ := json.Marshal(meas.TraceRequest{Dst: dst4}); string(b) != `{"src":"","dst":"10.0.0.9","flow":{"proto":"icmp","id":0}}` {
		t.Errorf("zero trace request: %s", b)
	}
}
