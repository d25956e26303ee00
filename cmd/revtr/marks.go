package main

import (
	"fmt"

	"github.com/revtr/revtr/meas"
)

// ICMP types of the errors a traceroute hop may carry (RFC 792, RFC 4443).
const (
	icmpv4EchoReply    = 0
	icmpv6EchoReply    = 129
	icmpv4DstUnreach   = 3
	icmpv4TimeExceeded = 11
	icmpv6DstUnreach   = 1
	icmpv6TimeExceeded = 3
)

// traceroute(8)'s annotations of ICMP destination unreachable codes
// (IPv4, RFC 792 and RFC 1812; IPv6, RFC 4443). Port unreachable means the
// destination was reached: no mark.
var (
	unreachMarks4 = map[uint8]string{
		0: "!N", 1: "!H", 2: "!P", 3: "", 4: "!F", 5: "!S", 6: "!N", 7: "!H", 8: "!N",
		9: "!X", 10: "!X", 11: "!N", 12: "!H", 13: "!X", 14: "!V", 15: "!C",
	}
	unreachMarks6 = map[uint8]string{0: "!N", 1: "!X", 2: "!H", 3: "!H", 4: ""}
)

// mark is what traceroute(8) prints after the RTT of a forward hop's
// answer: !H, !N, !P, !X, ... for a destination unreachable, !<code> for
// an unknown code, !<type-code> for a time exceeded other than in transit
// (reassembly), nothing otherwise.
func mark(h meas.Hop) string {
	v6 := h.Addr.Is6()
	switch {
	case h.Reply == meas.DestUnreach:
		m, ok := unreachMarks4[h.Code]
		if v6 {
			m, ok = unreachMarks6[h.Code]
		}
		if !ok {
			return fmt.Sprintf("!<%d>", h.Code)
		}
		return m
	case h.Reply == meas.TimeExceeded && h.Code != 0:
		typ, _ := icmpType(h)
		return fmt.Sprintf("!<%d-%d>", typ, h.Code)
	}
	return ""
}

// icmpType is the ICMP type of a hop's answer; ok is false for silence
// and TCP answers.
func icmpType(h meas.Hop) (typ uint8, ok bool) {
	v6 := h.Addr.Is6()
	switch h.Reply {
	case meas.TimeExceeded:
		return pick(v6, icmpv6TimeExceeded, icmpv4TimeExceeded), true
	case meas.DestUnreach:
		return pick(v6, icmpv6DstUnreach, icmpv4DstUnreach), true
	case meas.EchoReply:
		return pick(v6, icmpv6EchoReply, icmpv4EchoReply), true
	}
	return 0, false
}

func pick(v6 bool, a6, a4 uint8) uint8 {
	if v6 {
		return a6
	}
	return a4
}
