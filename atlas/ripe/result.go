package ripe

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/revtr/revtr/meas"
)

// ripeMaxHop is the largest hop number a RIPE Atlas traceroute reports
// (max_hops is at most 255).
const ripeMaxHop = 255

// ripeResult is one probe's traceroute result (RIPE Atlas measurement
// result format, firmware 4460 and later; the sagan library's
// TracerouteResult reads the same fields).
type ripeResult struct {
	Type    string          `json:"type"`
	DstAddr string          `json:"dst_addr"`
	From    string          `json:"from"`     // the probe's address as the controller sees it
	SrcAddr string          `json:"src_addr"` // the probe's own (often private) address
	Proto   string          `json:"proto"`
	ParisID int             `json:"paris_id"`
	Error   string          `json:"error"`  // set instead of hops when the probe could not run it
	Result  json.RawMessage `json:"result"` // []ripeHop; a string in firmware 1
}

// ripeHop is one TTL: its replies, or an error sending the probe.
type ripeHop struct {
	Hop    int         `json:"hop"`
	Error  string      `json:"error"`
	Result []ripeReply `json:"result"`
}

// ripeReply is one reply (or timeout) at a hop.
type ripeReply struct {
	X     string          `json:"x"`    // "*" for a timeout
	From  string          `json:"from"` // who answered
	RTT   *float64        `json:"rtt"`  // milliseconds; absent on late replies
	Late  int             `json:"late"` // the reply answers a probe this many packets earlier
	Err   json.RawMessage `json:"err"`  // ICMP unreachable: "N", "H", "A", "P", "p", "h" or a code number
	Error string          `json:"error"`
	Flags string          `json:"flags"` // TCP flags of the reply, e.g. "SA" or "R"
}

// ParseTraces converts a RIPE Atlas traceroute results array (the
// body of GET /api/v2/measurements/<id>/results/) to traces, one per
// probe result that holds at least one hop. skipped counts the results
// that did not (an "error" instead of hops, a legacy text result, every
// hop an error, not a traceroute). Malformed JSON is an error; odd
// values inside a result never are.
//
// Conversion, per result:
//   - Src is the probe's public address ("from"), else "src_addr"; Dst
//     is "dst_addr"; Flow is the protocol with the Paris ID as its ID.
//   - Hops[i] is TTL i+1 up to the highest hop reported; TTLs the result
//     skips are silent. A silent hop 255 after a gap (older firmware's
//     "gave up" marker) is dropped. Of repeated hop numbers, the first
//     that answered counts.
//   - At each hop, replies that are timeouts ("x": "*"), late ("late":
//     they answer an earlier probe, so may come from another TTL) or
//     errors are set aside. Of the rest, the hop takes the address that
//     most replies came from (ties: the earliest) and the RTT of its
//     first reply; no such reply leaves the hop silent. This keeps one
//     address per TTL, as a Paris traceroute should see, and ignores the
//     odd reply from another path.
//   - Reply kind: from Dst, the protocol's answer (echo reply, TCP
//     SYN-ACK or RST by the "flags", port unreachable for UDP); an "err"
//     from a router is destination unreachable; else time exceeded.
//   - Stop is COMPLETED when the last answering hop is Dst and no hop
//     follows it, UNREACH when it sent an unreachable, GAPLIMIT when the
//     trace ends in silent hops, MAXTTL otherwise.
//   - Probes counts the replies and timeouts that are not late.
func ParseTraces(b []byte) (traces []meas.Trace, skipped int, err error) {
	return parseRIPETraces(b, netip.Addr{})
}

// parseRIPETraces is ParseTraces with the destination to assume
// when a result does not name a valid one.
func parseRIPETraces(b []byte, dst netip.Addr) (traces []meas.Trace, skipped int, err error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, 0, fmt.Errorf("RIPE Atlas: parse results: %w", err)
	}
	for _, one := range raw {
		tr, ok := parseRIPEResult(one, dst)
		if !ok {
			skipped++
			continue
		}
		traces = append(traces, tr)
	}
	return traces, skipped, nil
}

// parseRIPEResult converts one result; ok is false when it holds no hop.
func parseRIPEResult(b []byte, dst netip.Addr) (meas.Trace, bool) {
	var r ripeResult
	if json.Unmarshal(b, &r) != nil || r.Error != "" || (r.Type != "" && r.Type != "traceroute") {
		return meas.Trace{}, false
	}
	var hops []ripeHop
	if json.Unmarshal(r.Result, &hops) != nil {
		return meas.Trace{}, false
	}
	if a := parseRIPEAddr(r.DstAddr); a.IsValid() {
		dst = a
	}
	tr := meas.Trace{Src: parseRIPEAddr(r.From), Dst: dst, Flow: ripeFlow(r.Proto, r.ParisID)}
	if !tr.Src.IsValid() {
		tr.Src = parseRIPEAddr(r.SrcAddr)
	}
	byTTL, probes := ripeHopsByTTL(hops, dst, tr.Flow.Proto)
	last := ripeLastHop(byTTL)
	if last == 0 {
		return meas.Trace{}, false
	}
	tr.Probes = probes
	tr.Hops = make([]meas.Hop, last)
	for i := range tr.Hops {
		tr.Hops[i] = byTTL[i+1]
		tr.Hops[i].TTL = i + 1
	}
	tr.Stop = ripeStop(tr.Hops, dst)
	return tr, true
}

// ripeHopsByTTL converts every valid hop, keyed by hop number, and counts
// the probes.
func ripeHopsByTTL(hops []ripeHop, dst netip.Addr, proto meas.Proto) (map[int]meas.Hop, int) {
	byTTL := make(map[int]meas.Hop, len(hops))
	total := 0
	for _, h := range hops {
		if h.Hop < 1 || h.Hop > ripeMaxHop || h.Error != "" {
			continue
		}
		hop, probes := convertRIPEHop(h, dst, proto)
		total += probes
		if old, dup := byTTL[h.Hop]; dup && old.Addr.IsValid() {
			continue // a repeated hop number keeps its first answer
		}
		byTTL[h.Hop] = hop
	}
	return byTTL, total
}

// ripeLastHop returns the highest hop number to keep, 0 for none: a
// silent hop 255 after a gap is older firmware's "gave up" marker, not a
// measured TTL.
func ripeLastHop(byTTL map[int]meas.Hop) int {
	last := 0
	for ttl := range byTTL {
		last = max(last, ttl)
	}
	if _, prev := byTTL[last-1]; last == ripeMaxHop && !prev && !byTTL[last].Addr.IsValid() {
		for last--; last > 0; last-- {
			if _, ok := byTTL[last]; ok {
				break
			}
		}
	}
	return last
}

// convertRIPEHop picks the hop's answer (see ParseTraces) and counts
// the probes it stands for.
func convertRIPEHop(h ripeHop, dst netip.Addr, proto meas.Proto) (meas.Hop, int) {
	probes := 0
	votes := make(map[netip.Addr]int, len(h.Result))
	var first []int // index of each address's first usable reply, in order
	for i, rep := range h.Result {
		if rep.Late > 0 {
			continue
		}
		probes++
		a := parseRIPEAddr(rep.From)
		if rep.X != "" || rep.Error != "" || !a.IsValid() {
			continue
		}
		if votes[a] == 0 {
			first = append(first, i)
		}
		votes[a]++
	}
	best := -1
	for _, i := range first {
		a := parseRIPEAddr(h.Result[i].From)
		if best < 0 || votes[a] > votes[parseRIPEAddr(h.Result[best].From)] {
			best = i
		}
	}
	if best < 0 {
		return meas.Hop{TTL: h.Hop}, probes
	}
	rep := h.Result[best]
	a := parseRIPEAddr(rep.From)
	return meas.Hop{TTL: h.Hop, Addr: a, RTT: ripeRTT(rep.RTT), Reply: ripeReplyKind(rep, a == dst, proto)}, probes
}

// ripeReplyKind classifies a reply.
func ripeReplyKind(rep ripeReply, fromDst bool, proto meas.Proto) meas.Reply {
	hasErr := len(rep.Err) > 0 && string(rep.Err) != "null"
	switch {
	case fromDst && proto == meas.TCP && strings.Contains(rep.Flags, "S"):
		return meas.TCPSynAck
	case fromDst && proto == meas.TCP:
		return meas.TCPReset
	case fromDst && proto == meas.UDP, hasErr:
		return meas.DestUnreach
	case fromDst:
		return meas.EchoReply
	}
	return meas.TimeExceeded
}

// ripeStop says why the trace ended (see ParseTraces).
func ripeStop(hops []meas.Hop, dst netip.Addr) meas.StopReason {
	h := hops[len(hops)-1]
	switch {
	case h.Addr.IsValid() && h.Addr == dst:
		return meas.StopCompleted
	case h.Reply == meas.DestUnreach:
		return meas.StopUnreachable
	case !h.Addr.IsValid():
		return meas.StopGapLimit
	}
	return meas.StopMaxTTL
}

// ripeRTT converts milliseconds; missing or absurd values (negative, over
// an hour) give 0.
func ripeRTT(ms *float64) time.Duration {
	if ms == nil || !(*ms >= 0) || *ms > float64(time.Hour/time.Millisecond) {
		return 0
	}
	return time.Duration(math.Round(*ms * float64(time.Millisecond)))
}

// ripeFlow maps a result's protocol and Paris ID to a flow.
func ripeFlow(proto string, paris int) meas.Flow {
	p, err := meas.ParseProto(proto)
	if err != nil {
		p = meas.ICMP
	}
	f := meas.Flow{Proto: p}
	if paris > 0 && paris <= math.MaxUint16 {
		f.ID = uint16(paris)
	}
	return f
}

// parseRIPEAddr parses an address as RIPE Atlas writes it; anything else
// (empty, a name, a zone) gives the zero Addr.
func parseRIPEAddr(s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" || a.IsUnspecified() {
		return netip.Addr{}
	}
	return a.Unmap()
}

// GlobalHops silences, in place, every hop that answered from an
// address that is not globally unique: private (RFC 1918, RFC 4193),
// shared (RFC 6598), loopback, link-local, multicast. Behind home
// gateways and carrier NATs, one such address at two probes is two
// routers, so it must not join paths in the atlas. Stop reasons are
// recomputed.
func GlobalHops(trs []meas.Trace) {
	for i := range trs {
		for j, h := range trs[i].Hops {
			if h.Addr.IsValid() && !ripeGlobal(h.Addr) {
				trs[i].Hops[j] = meas.Hop{TTL: h.TTL}
			}
		}
		if len(trs[i].Hops) > 0 {
			trs[i].Stop = ripeStop(trs[i].Hops, trs[i].Dst)
		}
	}
}

// ripeGlobal reports whether a is a globally unique unicast address.
func ripeGlobal(a netip.Addr) bool {
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	b := a.As16()
	return !a.Is4() || b[12] != 100 || b[13]&0xc0 != 64 // 100.64.0.0/10
}
