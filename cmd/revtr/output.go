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

// printPing writes a ping result as iputils ping does: a line per reply,
// then the statistics and, when a reply came, the RTT summary.
func printPing(w io.Writer, target string, p meas.Ping) {
	name := target
	if name != p.Dst.String() {
		name = fmt.Sprintf("%s (%s)", target, p.Dst)
	}
	fmt.Fprintf(w, "PING %s from %s\n", name, p.Src)
	for i, rtt := range p.RTTs {
		fmt.Fprintf(w, "reply %d from %s: time=%s\n", i+1, p.Dst, ms(rtt))
	}
	st := pingStats(p.Sent, p.RTTs)
	fmt.Fprintf(w, "\n--- %s ping statistics ---\n%d packets transmitted, %d received, %g%% packet loss\n",
		target, p.Sent, st.Replies, st.Loss)
	if st.Replies > 0 {
		fmt.Fprintf(w, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", *st.Min, *st.Avg, *st.Max, *st.StdDev)
	}
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
