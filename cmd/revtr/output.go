package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/revtr/revtr/meas"
)

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// ms formats a duration in milliseconds as the classic tools do.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond))
}

// printPing writes a ping result like iputils' summary lines.
func printPing(w io.Writer, p meas.Ping) {
	fmt.Fprintf(w, "PING %s from %s\n", p.Dst, p.Src)
	for i, rtt := range p.RTTs {
		fmt.Fprintf(w, "reply %d from %s: time=%s\n", i+1, p.Dst, ms(rtt))
	}
	loss := 100.0
	if p.Sent > 0 {
		loss = 100 * float64(p.Sent-len(p.RTTs)) / float64(p.Sent)
	}
	fmt.Fprintf(w, "--- %s ping statistics ---\n%d packets transmitted, %d received, %.0f%% packet loss\n", p.Dst, p.Sent, len(p.RTTs), loss)
}

// printRR writes a Record Route ping: the forward slots, the destination's
// stamps and the reverse slots, each numbered.
func printRR(w io.Writer, r meas.RRPing) {
	fmt.Fprintf(w, "RR ping %s -> %s", r.Src, r.Dst)
	if r.Sender.IsValid() && r.Sender != r.Src {
		fmt.Fprintf(w, " (spoofed, sent by %s)", r.Sender)
	}
	fmt.Fprintln(w)
	if !r.Replied {
		fmt.Fprintln(w, "no reply")
		return
	}
	fmt.Fprintf(w, "reply in %s, %d of %d slots used\n", ms(r.RTT), len(r.Recorded), meas.RRSlots)
	printAddrs(w, "forward", r.Forward)
	if _, _, ok := meas.SplitRecorded(r.Recorded, r.Dst); ok {
		fmt.Fprintf(w, "destination %s\n", r.Dst)
		printAddrs(w, "reverse", r.Reverse)
	} else {
		fmt.Fprintln(w, "the slots filled before the destination: no reverse hops")
	}
}

func printAddrs(w io.Writer, title string, as []netip.Addr) {
	fmt.Fprintf(w, "%s:\n", title)
	if len(as) == 0 {
		fmt.Fprintln(w, "   (none)")
	}
	for i, a := range as {
		fmt.Fprintf(w, "  %2d  %s\n", i+1, a)
	}
}
