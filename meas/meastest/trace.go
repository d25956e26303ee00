package meastest

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/revtr/revtr/meas"
)

// flows are the flows every traceroute check runs: each protocol's
// default (ID 0, the zero Flow for ICMP) and another; ICMP also 0xffff,
// the checksum carried as negative zero.
var flows = []meas.Flow{{}, {Proto: meas.ICMP, ID: 4242}, {Proto: meas.ICMP, ID: 0xffff}, {Proto: meas.UDP}, {Proto: meas.UDP, ID: 40001},
	{Proto: meas.TCP}, {Proto: meas.TCP, ID: 40002, SrcPort: 40003}}

// addrsOf returns the address of every hop, zero for silent ones.
func addrsOf(hops []meas.Hop) []netip.Addr {
	as := make([]netip.Addr, len(hops))
	for i, h := range hops {
		as[i] = h.Addr
	}
	return as
}

// checkHops compares a trace with the truth: every TTL from first on
// shows the true address, the destination answers last.
func checkHops(tr meas.Trace, want []netip.Addr, first int) error {
	if got := addrsOf(tr.Hops); !slices.Equal(got, want[first-1:]) {
		return fmt.Errorf("hops %v, truth %v", got, want[first-1:])
	}
	for i, h := range tr.Hops {
		if h.TTL != first+i {
			return fmt.Errorf("hop %d has TTL %d, want %d", i, h.TTL, first+i)
		}
	}
	if last := tr.Hops[len(tr.Hops)-1]; tr.Stop != meas.StopCompleted || !last.Reply.FromDestination() {
		return fmt.Errorf("stop %v, last reply %v; want COMPLETED at the destination", tr.Stop, last.Reply)
	}
	if tr.Probes < len(tr.Hops) {
		return fmt.Errorf("%d probes for %d hops", tr.Probes, len(tr.Hops))
	}
	return nil
}

// checkCodes checks the ICMP codes of a complete trace: 0 for time
// exceeded, port unreachable (3, ICMPv6 4) for a destination's
// destination unreachable.
func checkCodes(tr meas.Trace) error {
	port := uint8(3)
	if tr.Dst.Is6() {
		port = 4
	}
	for _, h := range tr.Hops {
		want := uint8(0)
		if h.Reply == meas.DestUnreach {
			want = port
		}
		if h.Code != want {
			return fmt.Errorf("TTL %d: %v code %d, want %d", h.TTL, h.Reply, h.Code, want)
		}
	}
	return nil
}

func checkTrace(ctx context.Context, t *testing.T, p meas.Tracer, w World) {
	for _, v6 := range []bool{false, true} {
		src, dst := w.Src, w.Dst
		if v6 {
			src, dst = w.Src6, w.Dst6
		}
		for _, f := range flows {
			want, err := w.trace(src, dst, f)
			if err != nil {
				t.Fatal(err)
			}
			nf, _ := f.Normalize()
			tr, err := p.Traceroute(ctx, meas.TraceRequest{Src: src, Dst: dst, Flow: f})
			if err == nil {
				err = checkHops(tr, want, 1)
			}
			if err == nil {
				err = checkCodes(tr)
			}
			if err == nil && (tr.Src != src || tr.Dst != dst || tr.Flow != nf) {
				err = fmt.Errorf("src %v dst %v flow %+v; want %v %v %+v", tr.Src, tr.Dst, tr.Flow, src, dst, nf)
			}
			if err != nil {
				t.Errorf("v6=%v %v: %v", v6, f, err)
			}
		}
	}
	checkTraceFields(ctx, t, p, w)
}

// checkTraceFields checks the TTL fields, the zero source and bad
// requests.
func checkTraceFields(ctx context.Context, t *testing.T, p meas.Tracer, w World) {
	want, err := w.trace(w.Src, w.Dst, meas.Flow{})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := p.Traceroute(ctx, meas.TraceRequest{Src: w.Src, Dst: w.Dst, FirstTTL: 2, Attempts: 2, Window: 1})
	if err == nil {
		err = checkHops(tr, want, 2)
	}
	if err != nil {
		t.Errorf("first TTL 2: %v", err)
	}
	short := len(want) - 1
	tr, err = p.Traceroute(ctx, meas.TraceRequest{Src: w.Src, Dst: w.Dst, MaxTTL: short})
	if err != nil || tr.Stop != meas.StopMaxTTL || !slices.Equal(addrsOf(tr.Hops), want[:short]) {
		t.Errorf("max TTL %d: %v %v, %v; want MAXTTL after %v", short, addrsOf(tr.Hops), tr.Stop, err, want[:short])
	}
	src, srcErr := w.source(false)
	tr, err = p.Traceroute(ctx, meas.TraceRequest{Dst: w.Dst})
	if err := wantErr(err, srcErr); err != nil {
		t.Errorf("zero source: %v", err)
	} else if srcErr == nil && (tr.Src != src || tr.Stop != meas.StopCompleted) {
		t.Errorf("zero source: from %v, stop %v; want %v, COMPLETED", tr.Src, tr.Stop, src)
	}
	for name, req := range map[string]meas.TraceRequest{
		"no destination": {Src: w.Src},
		"two families":   {Src: w.Src, Dst: w.Dst6},
		"TTLs":           {Src: w.Src, Dst: w.Dst, FirstTTL: 9, MaxTTL: 3},
		"max TTL":        {Src: w.Src, Dst: w.Dst, MaxTTL: 256},
		"gap limit":      {Src: w.Src, Dst: w.Dst, GapLimit: -1},
		"attempts":       {Src: w.Src, Dst: w.Dst, Attempts: -1},
		"window":         {Src: w.Src, Dst: w.Dst, Window: -1},
		"protocol":       {Src: w.Src, Dst: w.Dst, Flow: meas.Flow{Proto: 9}},
	} {
		if _, err := p.Traceroute(ctx, req); wantErr(err, meas.ErrBadRequest) != nil {
			t.Errorf("%s: %v", name, wantErr(err, meas.ErrBadRequest))
		}
	}
	if _, err := p.Traceroute(ctx, meas.TraceRequest{Src: w.Stranger, Dst: w.Dst}); wantErr(err, meas.ErrNoSource) != nil {
		t.Errorf("foreign source: %v", wantErr(err, meas.ErrNoSource))
	}
}

// graph is the ground truth of a multipath traceroute: every interface a
// probe of one of its flows may be answered from — the hop at the probe's
// TTL, or the destination itself at every TTL from its distance on — and
// the single path of the first flow.
type graph struct {
	ifs   map[meas.Interface]bool
	first []netip.Addr
}

// truthGraph is the graph of flows IDs meas.MultipathFlowBase.. of proto
// from src to dst, each flow's source port being srcPort (0: the
// prober's).
func (w World) truthGraph(src, dst netip.Addr, proto meas.Proto, srcPort uint16) (graph, error) {
	g := graph{ifs: make(map[meas.Interface]bool)}
	for i := range 2000 {
		f := meas.Flow{Proto: proto, ID: uint16(meas.MultipathFlowBase + i)}
		if proto != meas.ICMP {
			f.SrcPort = srcPort
		}
		as, err := w.trace(src, dst, f)
		if err != nil {
			return g, err
		}
		if i == 0 {
			g.first = as
		}
		for j, a := range as {
			g.ifs[meas.Interface{TTL: j + 1, Addr: a}] = true
		}
		for ttl := len(as) + 1; ttl <= meas.MaxTTL; ttl++ {
			g.ifs[meas.Interface{TTL: ttl, Addr: dst}] = true
		}
	}
	return g, nil
}

// checkGraph holds a multipath result to the truth: every interface one
// of its flows may be answered from, all of the single path for ICMP (whose
// probes carry no ports), and the measurement completed.
func checkGraph(m meas.Multipath, want graph, proto meas.Proto) error {
	found := make(map[meas.Interface]bool)
	for _, ifc := range m.Interfaces {
		if !want.ifs[ifc] {
			return fmt.Errorf("interface %v at TTL %d is on no true path", ifc.Addr, ifc.TTL)
		}
		found[ifc] = true
	}
	if m.Proto != proto || m.Stop != meas.StopCompleted || m.Probes < len(m.Interfaces) {
		return fmt.Errorf("proto %v, stop %v, %d probes for %d interfaces", m.Proto, m.Stop, m.Probes, len(m.Interfaces))
	}
	for i, a := range want.first {
		if proto == meas.ICMP && !found[meas.Interface{TTL: i + 1, Addr: a}] {
			return fmt.Errorf("ICMP: %v at TTL %d of the single path not found", a, i+1)
		}
	}
	return nil
}

func checkMultipath(ctx context.Context, t *testing.T, p meas.MultipathTracer, w World) {
	for _, proto := range []meas.Proto{meas.ICMP, meas.UDP, meas.TCP} {
		want, err := w.truthGraph(w.Src, w.Dst, proto, 0)
		if err != nil {
			t.Fatal(err)
		}
		m, err := p.Multipath(ctx, meas.MultipathRequest{Src: w.Src, Dst: w.Dst, Proto: proto})
		if err == nil {
			err = checkGraph(m, want, proto)
		}
		if err == nil && (m.Src != w.Src || m.Dst != w.Dst) {
			err = fmt.Errorf("from %v to %v", m.Src, m.Dst)
		}
		if err != nil {
			t.Errorf("%v: %v", proto, err)
		}
	}
	for name, req := range map[string]meas.MultipathRequest{
		"no destination": {Src: w.Src},
		"epsilon":        {Src: w.Src, Dst: w.Dst, Epsilon: 1},
		"protocol":       {Src: w.Src, Dst: w.Dst, Proto: 9},
		"TTLs":           {Src: w.Src, Dst: w.Dst, FirstTTL: 3, MaxTTL: 2},
	} {
		if _, err := p.Multipath(ctx, req); wantErr(err, meas.ErrBadRequest) != nil {
			t.Errorf("%s: %v", name, wantErr(err, meas.ErrBadRequest))
		}
	}
}
