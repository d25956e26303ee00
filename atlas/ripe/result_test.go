package ripe

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
)

func ripeMS(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }

func ripeAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestParseTracesRecorded(t *testing.T) {
	trs, skipped, err := ParseTraces(ripeTestdata(t, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if skipped != 2 || len(trs) != 3 {
		t.Fatalf("%d traces, %d skipped; want 3 and 2 (probes 1003 and 1004 report errors)", len(trs), skipped)
	}
	flow := meas.Flow{Proto: meas.ICMP, ID: 16}
	want := []meas.Trace{{
		// Probe 1001: the late reply at hop 3 is set aside; at hop 4 two
		// replies of three come from .21, so .21 it is, with its first RTT.
		Src: ripeAddr("203.0.113.10"), Dst: ripeSrc, Flow: flow, Stop: meas.StopCompleted, Probes: 15,
		Hops: []meas.Hop{
			{TTL: 1, Addr: ripeAddr("198.51.100.1"), RTT: ripeMS(1.234), Reply: meas.TimeExceeded},
			{TTL: 2},
			{TTL: 3, Addr: ripeAddr("198.51.100.13"), RTT: ripeMS(12.5), Reply: meas.TimeExceeded},
			{TTL: 4, Addr: ripeAddr("198.51.100.21"), RTT: ripeMS(21.7), Reply: meas.TimeExceeded},
			{TTL: 5, Addr: ripeSrc, RTT: ripeMS(30.003), Reply: meas.EchoReply},
		},
	}, {
		Src: ripeAddr("203.0.113.20"), Dst: ripeSrc, Flow: flow, Stop: meas.StopUnreachable, Probes: 9,
		Hops: []meas.Hop{
			{TTL: 1, Addr: ripeAddr("192.168.1.1"), RTT: ripeMS(0.61), Reply: meas.TimeExceeded},
			{TTL: 2, Addr: ripeAddr("198.51.100.37"), RTT: ripeMS(4.412), Reply: meas.TimeExceeded},
			{TTL: 3, Addr: ripeAddr("198.51.100.41"), RTT: ripeMS(15.1), Reply: meas.DestUnreach},
		},
	}, {
		// Probe 1005: the reply-level error is not an answer; hop 255
		// after the gap is dropped; the trace ends in silence.
		Src: ripeAddr("203.0.113.50"), Dst: ripeSrc, Flow: flow, Stop: meas.StopGapLimit, Probes: 18,
		Hops: []meas.Hop{
			{TTL: 1, Addr: ripeAddr("198.51.100.65"), RTT: ripeMS(0.512), Reply: meas.TimeExceeded},
			{TTL: 2, Addr: ripeAddr("198.51.100.69"), RTT: ripeMS(3.3), Reply: meas.TimeExceeded},
			{TTL: 3}, {TTL: 4}, {TTL: 5},
		},
	}}
	for i := range want {
		if !reflect.DeepEqual(trs[i], want[i]) {
			t.Errorf("trace %d\n got %+v\nwant %+v", i, trs[i], want[i])
		}
	}
}

// ripeOne wraps hops in one IPv4 result toward 192.0.2.1 from 203.0.113.10.
func ripeOne(proto, hops string) []byte {
	return []byte(`[{"af":4,"dst_addr":"192.0.2.1","from":"203.0.113.10","src_addr":"192.168.1.10","proto":"` +
		proto + `","paris_id":3,"type":"traceroute","result":[` + hops + `]}]`)
}

func TestParseTracesCases(t *testing.T) {
	tests := []struct {
		name  string
		in    []byte
		hops  []meas.Hop // nil: the result is skipped
		stop  meas.StopReason
		proto meas.Proto
	}{{
		name:  "UDP port unreachable from the destination",
		in:    ripeOne("UDP", `{"hop":1,"result":[{"from":"192.0.2.1","rtt":5,"err":"p"}]}`),
		hops:  []meas.Hop{{TTL: 1, Addr: ripeSrc, RTT: ripeMS(5), Reply: meas.DestUnreach}},
		stop:  meas.StopCompleted,
		proto: meas.UDP,
	}, {
		name:  "TCP SYN-ACK",
		in:    ripeOne("TCP", `{"hop":1,"result":[{"from":"192.0.2.1","rtt":5,"flags":"SA"}]}`),
		hops:  []meas.Hop{{TTL: 1, Addr: ripeSrc, RTT: ripeMS(5), Reply: meas.TCPSynAck}},
		stop:  meas.StopCompleted,
		proto: meas.TCP,
	}, {
		name:  "TCP reset",
		in:    ripeOne("TCP", `{"hop":1,"result":[{"from":"192.0.2.1","rtt":5,"flags":"R"}]}`),
		hops:  []meas.Hop{{TTL: 1, Addr: ripeSrc, RTT: ripeMS(5), Reply: meas.TCPReset}},
		stop:  meas.StopCompleted,
		proto: meas.TCP,
	}, {
		name: "numeric err code",
		in:   ripeOne("ICMP", `{"hop":1,"result":[{"from":"198.51.100.1","rtt":1,"err":13}]}`),
		hops: []meas.Hop{{TTL: 1, Addr: ripeAddr("198.51.100.1"), RTT: ripeMS(1), Reply: meas.DestUnreach}},
		stop: meas.StopUnreachable,
	}, {
		name: "skipped TTLs are silent, hops out of order",
		in:   ripeOne("ICMP", `{"hop":3,"result":[{"from":"192.0.2.1","rtt":3}]},{"hop":1,"result":[{"from":"198.51.100.1","rtt":1}]}`),
		hops: []meas.Hop{{TTL: 1, Addr: ripeAddr("198.51.100.1"), RTT: ripeMS(1), Reply: meas.TimeExceeded}, {TTL: 2},
			{TTL: 3, Addr: ripeSrc, RTT: ripeMS(3), Reply: meas.EchoReply}},
		stop: meas.StopCompleted,
	}, {
		name: "tie between two routers: the earliest",
		in:   ripeOne("ICMP", `{"hop":1,"result":[{"from":"198.51.100.2","rtt":2},{"from":"198.51.100.1","rtt":1}]}`),
		hops: []meas.Hop{{TTL: 1, Addr: ripeAddr("198.51.100.2"), RTT: ripeMS(2), Reply: meas.TimeExceeded}},
		stop: meas.StopMaxTTL,
	}, {
		name: "only late replies: silent",
		in:   ripeOne("ICMP", `{"hop":1,"result":[{"from":"198.51.100.2","late":2}]}`),
		hops: []meas.Hop{{TTL: 1}},
		stop: meas.StopGapLimit,
	}, {
		name: "repeated hop number keeps its first answer",
		in:   ripeOne("ICMP", `{"hop":1,"result":[{"x":"*"}]},{"hop":1,"result":[{"from":"198.51.100.1","rtt":1}]},{"hop":1,"result":[{"from":"198.51.100.9","rtt":9}]}`),
		hops: []meas.Hop{{TTL: 1, Addr: ripeAddr("198.51.100.1"), RTT: ripeMS(1), Reply: meas.TimeExceeded}},
		stop: meas.StopMaxTTL,
	}, {
		name: "absurd RTTs become 0, bad addresses silent",
		in:   ripeOne("ICMP", `{"hop":1,"result":[{"from":"198.51.100.1","rtt":-4}]},{"hop":2,"result":[{"from":"198.51.100.2","rtt":1e300}]},{"hop":3,"result":[{"from":"router.example","rtt":1}]}`),
		hops: []meas.Hop{{TTL: 1, Addr: ripeAddr("198.51.100.1"), Reply: meas.TimeExceeded},
			{TTL: 2, Addr: ripeAddr("198.51.100.2"), Reply: meas.TimeExceeded}, {TTL: 3}},
		stop: meas.StopGapLimit,
	}, {
		name: "hop numbers out of range only",
		in:   ripeOne("ICMP", `{"hop":0,"result":[{"from":"198.51.100.1","rtt":1}]},{"hop":256,"result":[{"x":"*"}]}`),
	}, {
		name: "legacy text result",
		in:   []byte(`[{"fw":1,"from":"203.0.113.10","result":"traceroute to 192.0.2.1 NEWLINE 1 198.51.100.1 1.9 ms"}]`),
	}, {
		name: "not a traceroute",
		in:   []byte(`[{"type":"ping","dst_addr":"192.0.2.1","result":[{"rtt":3}]}]`),
	}, {
		name: "a result that is not an object",
		in:   []byte(`[42]`),
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			trs, skipped, err := ParseTraces(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if tc.hops == nil {
				if len(trs) != 0 || skipped != 1 {
					t.Fatalf("%d traces, %d skipped; want the result skipped", len(trs), skipped)
				}
				return
			}
			if len(trs) != 1 {
				t.Fatalf("%d traces (%d skipped), want 1", len(trs), skipped)
			}
			tr := trs[0]
			if !reflect.DeepEqual(tr.Hops, tc.hops) || tr.Stop != tc.stop {
				t.Errorf("hops %+v stop %v\nwant %+v stop %v", tr.Hops, tr.Stop, tc.hops, tc.stop)
			}
			if tc.proto != 0 && tr.Flow != (meas.Flow{Proto: tc.proto, ID: 3}) {
				t.Errorf("flow %+v", tr.Flow)
			}
		})
	}
}

func TestParseTracesSourceFallback(t *testing.T) {
	// No public "from": the probe's own address stands in; no dst_addr:
	// the measured source does.
	in := []byte(`[{"src_addr":"198.51.100.200","proto":"ICMP","result":[{"hop":1,"result":[{"from":"192.0.2.1","rtt":1}]}]}]`)
	trs, _, err := parseRIPETraces(in, ripeSrc)
	if err != nil || len(trs) != 1 {
		t.Fatalf("%v, %v", trs, err)
	}
	if trs[0].Src != ripeAddr("198.51.100.200") || trs[0].Dst != ripeSrc || trs[0].Stop != meas.StopCompleted {
		t.Errorf("trace %+v", trs[0])
	}
}

func TestParseTracesMalformed(t *testing.T) {
	for _, in := range []string{"", "{", `{"measurements":[1]}`, `"x"`, "[1,"} {
		if _, _, err := ParseTraces([]byte(in)); err == nil || !strings.Contains(err.Error(), "parse results") {
			t.Errorf("ParseTraces(%q): error %v, want one", in, err)
		}
	}
	if trs, skipped, err := ParseTraces([]byte("[]")); err != nil || len(trs) != 0 || skipped != 0 {
		t.Errorf("empty array: %v %d %v", trs, skipped, err)
	}
}

func FuzzParseTraces(f *testing.F) {
	for _, name := range []string{"results.json", "results-v6.json", "results-partial.json"} {
		f.Add(ripeTestdata(f, name))
	}
	f.Add(ripeOne("UDP", `{"hop":255,"result":[{"x":"*"}]},{"hop":1,"result":[{"from":"192.0.2.1","late":1,"err":"N"}]}`))
	f.Add([]byte(`[{"result":[{"hop":2,"result":[{"from":"::ffff:192.0.2.1","rtt":1,"err":null}]}]}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		trs, skipped, err := ParseTraces(b)
		if err != nil {
			if len(trs) != 0 || skipped != 0 {
				t.Fatalf("error %v with results", err)
			}
			return
		}
		for _, tr := range trs {
			checkRIPETrace(t, tr)
		}
		GlobalHops(trs)
		for _, tr := range trs {
			checkRIPETrace(t, tr)
		}
	})
}

// checkRIPETrace checks what every converted trace promises.
func checkRIPETrace(t *testing.T, tr meas.Trace) {
	t.Helper()
	if len(tr.Hops) == 0 || len(tr.Hops) > ripeMaxHop {
		t.Fatalf("%d hops", len(tr.Hops))
	}
	for i, h := range tr.Hops {
		if h.TTL != i+1 || h.RTT < 0 || h.RTT > time.Hour {
			t.Fatalf("hop %d: %+v", i, h)
		}
		if !h.Addr.IsValid() && (h.RTT != 0 || h.Reply != meas.NoReply) {
			t.Fatalf("silent hop %d with an answer: %+v", i, h)
		}
		if h.Addr.Is4In6() || h.Addr.Zone() != "" {
			t.Fatalf("hop %d address %v not normalised", i, h.Addr)
		}
	}
	last := tr.Hops[len(tr.Hops)-1]
	if (tr.Stop == meas.StopCompleted) != (last.Addr.IsValid() && last.Addr == tr.Dst) {
		t.Fatalf("stop %v with last hop %v and dst %v", tr.Stop, last.Addr, tr.Dst)
	}
	if tr.Probes < 0 {
		t.Fatalf("%d probes", tr.Probes)
	}
}

func TestGlobalHops(t *testing.T) {
	hops := func(as ...string) []meas.Hop {
		out := make([]meas.Hop, len(as))
		for i, a := range as {
			out[i] = meas.Hop{TTL: i + 1, Addr: ripeAddr(a), RTT: ripeMS(1), Reply: meas.TimeExceeded}
		}
		return out
	}
	trs := []meas.Trace{
		{Dst: ripeSrc, Hops: hops("192.168.1.1", "100.64.0.1", "100.128.0.1", "198.51.100.7", "10.0.0.1"), Stop: meas.StopMaxTTL},
		{Dst: ripeSrc, Hops: hops("fe80::1", "fd00::1", "2001:db8:5::1", "127.0.0.1", "172.16.0.1", "224.0.0.1")},
	}
	GlobalHops(trs)
	var kept []netip.Addr
	for _, tr := range trs {
		kept = append(kept, tr.Path()...)
	}
	want := []netip.Addr{ripeAddr("100.128.0.1"), ripeAddr("198.51.100.7"), ripeAddr("2001:db8:5::1")}
	if !reflect.DeepEqual(kept, want) {
		t.Errorf("kept %v, want %v", kept, want)
	}
	if h := trs[0].Hops[0]; h != (meas.Hop{TTL: 1}) {
		t.Errorf("silenced hop %+v keeps an answer", h)
	}
	if trs[0].Stop != meas.StopGapLimit {
		t.Errorf("stop %v after the last hop went silent, want GAPLIMIT", trs[0].Stop)
	}
}
