package main

import (
	"math"
	"net/netip"
	"time"

	"github.com/revtr/revtr/meas"
)

// The JSON that 'ping --json' and 'traceroute --json' print: one schema
// per command, documented in docs/cli-json.md, with scamper's field names
// (scamper -O json) where the concept is the same. Lists are never null.

// jsonVersion is the version of the schemas below.
const jsonVersion = 1

// msec is a duration in milliseconds, as scamper writes RTTs.
func msec(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

// pingOut is the JSON of one ping (scamper's "ping" object).
type pingOut struct {
	Type    string       `json:"type"` // "ping"
	Version int          `json:"version"`
	Method  string       `json:"method"` // "icmp-echo"
	Src     netip.Addr   `json:"src"`
	Dst     netip.Addr   `json:"dst"`
	Sender  *netip.Addr  `json:"sender,omitempty"` // spoofed: the host that sent it
	Sent    int          `json:"ping_sent"`
	Replies []pingReply  `json:"responses"`
	Stats   pingStatsOut `json:"statistics"`
	// RecordRoute is the -R result: the recorded addresses split at the
	// destination's stamps.
	RecordRoute *rrOut `json:"record_route,omitempty"`
}

type pingReply struct {
	From netip.Addr   `json:"from"`
	RTT  float64      `json:"rtt"`          // ms
	RR   []netip.Addr `json:"RR,omitempty"` // -R: every recorded address, as scamper names it
}

type pingStatsOut struct {
	Replies int      `json:"replies"`
	Loss    float64  `json:"loss"` // percent
	Min     *float64 `json:"min,omitempty"`
	Avg     *float64 `json:"avg,omitempty"`
	Max     *float64 `json:"max,omitempty"`
	StdDev  *float64 `json:"stddev,omitempty"` // iputils' mdev
}

type rrOut struct {
	// ReachedDestination says the destination's stamps were found: the
	// slots after them are reverse hops.
	ReachedDestination bool         `json:"reached_destination"`
	Forward            []netip.Addr `json:"forward"`
	Reverse            []netip.Addr `json:"reverse"`
}

// pingStats summarises RTTs as iputils ping does (mdev is the population
// standard deviation).
func pingStats(sent int, rtts []time.Duration) pingStatsOut {
	st := pingStatsOut{Replies: len(rtts), Loss: 100}
	if sent > 0 {
		st.Loss = math.Round(1e4*float64(sent-len(rtts))/float64(sent)) / 100
	}
	if len(rtts) == 0 {
		return st
	}
	lo, hi, sum, sq := rtts[0], rtts[0], 0.0, 0.0
	for _, r := range rtts {
		lo, hi = min(lo, r), max(hi, r)
		sum += msec(r)
		sq += msec(r) * msec(r)
	}
	n := float64(len(rtts))
	avg := sum / n
	dev := math.Sqrt(max(0, sq/n-avg*avg))
	mn, mx := msec(lo), msec(hi)
	avg, dev = math.Round(avg*1000)/1000, math.Round(dev*1000)/1000
	st.Min, st.Avg, st.Max, st.StdDev = &mn, &avg, &mx, &dev
	return st
}

func pingJSON(p meas.Ping) pingOut {
	out := pingOut{Type: "ping", Version: jsonVersion, Method: "icmp-echo", Src: p.Src, Dst: p.Dst, Sent: p.Sent,
		Replies: []pingReply{}, Stats: pingStats(p.Sent, p.RTTs)}
	for _, r := range p.RTTs {
		out.Replies = append(out.Replies, pingReply{From: p.Dst, RTT: msec(r)})
	}
	return out
}

func rrPingJSON(r meas.RRPing) pingOut {
	out := pingOut{Type: "ping", Version: jsonVersion, Method: "icmp-echo", Src: r.Src, Dst: r.Dst, Sent: 1,
		Replies: []pingReply{}}
	if r.Sender.IsValid() && r.Sender != r.Src {
		out.Sender = &r.Sender
	}
	var rtts []time.Duration
	rr := &rrOut{Forward: nonNil(r.Forward), Reverse: nonNil(r.Reverse)}
	if r.Replied {
		rtts = append(rtts, r.RTT)
		out.Replies = append(out.Replies, pingReply{From: r.Dst, RTT: msec(r.RTT), RR: nonNil(r.Recorded)})
		_, _, rr.ReachedDestination = meas.SplitRecorded(r.Recorded, r.Dst)
	}
	out.Stats, out.RecordRoute = pingStats(1, rtts), rr
	return out
}

// nonNil returns s, or an empty list for nil, so that JSON says [].
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// tracerouteOut is what 'traceroute --json' prints: the directions
// measured, forward first, each a traceOut (single path) or a tracelbOut
// (--multipath).
type tracerouteOut struct {
	Version int   `json:"version"`
	Traces  []any `json:"traces"`
}

// traceOut is one single-path trace (scamper's "trace" object).
type traceOut struct {
	Type       string     `json:"type"`      // "trace"
	Direction  string     `json:"direction"` // "forward" or "reverse"
	Method     string     `json:"method"`    // "udp-paris", "tcp" or "icmp-echo-paris", as scamper names them
	Src        netip.Addr `json:"src"`       // where the probes left: for "reverse", the responder
	Dst        netip.Addr `json:"dst"`
	Sport      *uint16    `json:"sport,omitempty"`    // UDP, TCP
	Dport      *uint16    `json:"dport,omitempty"`    // UDP, TCP
	ICMPSum    *uint16    `json:"icmp_sum,omitempty"` // ICMP
	Flow       uint16     `json:"flow"`               // --flow: dport, or the ICMP checksum
	StopReason string     `json:"stop_reason"`
	FirstHop   int        `json:"firsthop"`
	HopCount   int        `json:"hop_count"`   // TTLs from firsthop to the one that ended the trace
	ProbeCount int        `json:"probe_count"` // probes (two-host requests) sent
	Hops       []hopOut   `json:"hops"`        // every answer, in TTL order; silent TTLs have none
}

// hopOut is one answer of a trace (scamper's hop).
type hopOut struct {
	Addr     netip.Addr `json:"addr"`
	ProbeTTL int        `json:"probe_ttl"`
	ProbeID  *int       `json:"probe_id,omitempty"` // "reverse": which query of the TTL this answers, from 1
	RTT      float64    `json:"rtt"`                // ms
	// ICMPType and ICMPCode are the answer's ICMP type and code;
	// TCPFlags the flags of a TCP answer (0x14 RST-ACK, 0x12 SYN-ACK).
	// Two-host responders report none of them: absent in "reverse".
	ICMPType *uint8 `json:"icmp_type,omitempty"`
	ICMPCode *uint8 `json:"icmp_code,omitempty"`
	TCPFlags *uint8 `json:"tcp_flags,omitempty"`
}

// tracelbOut is one multipath trace (scamper's "tracelb" object).
type tracelbOut struct {
	Type       string     `json:"type"` // "tracelb"
	Direction  string     `json:"direction"`
	Method     string     `json:"method"` // "udp-dport", "tcp-dport" or "icmp-echo": flows differ in that field
	Src        netip.Addr `json:"src"`
	Dst        netip.Addr `json:"dst"`
	Confidence float64    `json:"confidence"` // percent: 100 × (1 − --epsilon)
	FirstHop   int        `json:"firsthop"`
	GapLimit   int        `json:"gaplimit"`
	StopReason string     `json:"stop_reason"`
	ProbeCount int        `json:"probec"`
	NodeCount  int        `json:"nodec"`
	LinkCount  int        `json:"linkc"`
	Nodes      []nodeOut  `json:"nodes"`
	Links      []linkOut  `json:"links"`
}

type nodeOut struct {
	Addr     netip.Addr `json:"addr"`
	ProbeTTL int        `json:"probe_ttl"`
}

type linkOut struct {
	From     netip.Addr `json:"from"`
	To       netip.Addr `json:"to"`
	ProbeTTL int        `json:"probe_ttl"` // of From; To is one TTL further
}

// traceMethods are scamper's names of our single-path and multipath
// methods, by protocol.
var traceMethods = map[meas.Proto][2]string{
	meas.UDP:  {"udp-paris", "udp-dport"},
	meas.TCP:  {"tcp", "tcp-dport"},
	meas.ICMP: {"icmp-echo-paris", "icmp-echo"},
}

func traceJSON(p path, firstHop int) traceOut {
	out := traceOut{Type: "trace", Direction: p.dir.String(), Method: traceMethods[p.Flow.Proto][0], Src: p.Src, Dst: p.Dst,
		Flow: p.Flow.ID, StopReason: p.Stop.String(), FirstHop: firstHop, HopCount: len(p.Hops), ProbeCount: p.Probes,
		Hops: []hopOut{}}
	if p.Flow.Proto == meas.ICMP {
		sum := p.Flow.Checksum()
		out.ICMPSum = &sum
	} else {
		sport, dport := p.Flow.Ports()
		out.Sport, out.Dport = &sport, &dport
	}
	for _, q := range p.queries {
		for i, h := range q {
			if h.Reply != meas.NoReply {
				out.Hops = append(out.Hops, hopJSON(h, i+1, p.dir))
			}
		}
	}
	return out
}

// hopJSON is answer id of a TTL: reverse, which of its queries; forward
// (one answer per TTL, from whichever attempt), what came back.
func hopJSON(h meas.Hop, id int, d direction) hopOut {
	out := hopOut{Addr: h.Addr, ProbeTTL: h.TTL, RTT: msec(h.RTT)}
	if d == reverse {
		out.ProbeID = &id
		return out
	}
	if typ, ok := icmpType(h); ok {
		code := h.Code
		out.ICMPType, out.ICMPCode = &typ, &code
	}
	if flags, ok := tcpFlags[h.Reply]; ok {
		out.TCPFlags = &flags
	}
	return out
}

// tcpFlags are the flags of TCP answers.
var tcpFlags = map[meas.Reply]uint8{meas.TCPReset: 0x14, meas.TCPSynAck: 0x12}

func tracelbJSON(d direction, m meas.Multipath, req meas.MultipathRequest) tracelbOut {
	out := tracelbOut{Type: "tracelb", Direction: d.String(), Method: traceMethods[m.Proto][1], Src: m.Src, Dst: m.Dst,
		Confidence: math.Round(1e4*(1-req.Epsilon)) / 100, FirstHop: req.FirstTTL, GapLimit: req.GapLimit,
		StopReason: m.Stop.String(), ProbeCount: m.Probes, NodeCount: len(m.Interfaces), LinkCount: len(m.Links),
		Nodes: []nodeOut{}, Links: []linkOut{}}
	for _, ifc := range m.Interfaces {
		out.Nodes = append(out.Nodes, nodeOut{Addr: ifc.Addr, ProbeTTL: ifc.TTL})
	}
	for _, l := range m.Links {
		out.Links = append(out.Links, linkOut{From: l.From, To: l.To, ProbeTTL: l.TTL})
	}
	return out
}
