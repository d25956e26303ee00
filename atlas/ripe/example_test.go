package ripe_test

import (
	"fmt"

	"github.com/revtr/revtr/atlas/ripe"
)

// A RIPE Atlas traceroute result, as GET /api/v2/measurements/<id>/results/
// returns it, converted to a trace: hop 2 timed out, hop 3 holds a late
// reply (from an earlier probe) beside the real answer.
func ExampleParseTraces() {
	results := []byte(`[{"type": "traceroute", "af": 4, "proto": "ICMP", "paris_id": 16,
	  "dst_addr": "192.0.2.1", "from": "203.0.113.10", "src_addr": "192.168.1.10",
	  "result": [
	    {"hop": 1, "result": [{"from": "198.51.100.1", "rtt": 1.234, "ttl": 64}, {"from": "198.51.100.1", "rtt": 0.987, "ttl": 64}]},
	    {"hop": 2, "result": [{"x": "*"}, {"x": "*"}]},
	    {"hop": 3, "result": [{"from": "198.51.100.9", "late": 1}, {"from": "198.51.100.13", "rtt": 12.5}, {"from": "198.51.100.13", "rtt": 12.25}]},
	    {"hop": 4, "result": [{"from": "192.0.2.1", "rtt": 30.003}, {"from": "192.0.2.1", "rtt": 29.8}]}]}]`)
	trs, skipped, err := ripe.ParseTraces(results)
	if err != nil {
		fmt.Println(err)
		return
	}
	tr := trs[0]
	fmt.Println(tr.Src, "->", tr.Dst, tr.Flow.Proto, "paris", tr.Flow.ID, tr.Stop, "skipped", skipped)
	for _, h := range tr.Hops {
		fmt.Println(h.TTL, h.Addr, h.RTT, h.Reply)
	}
	// Output:
	// 203.0.113.10 -> 192.0.2.1 icmp paris 16 COMPLETED skipped 0
	// 1 198.51.100.1 1.234ms time-exceeded
	// 2 invalid IP 0s none
	// 3 198.51.100.13 12.5ms time-exceeded
	// 4 192.0.2.1 30.003ms echo-reply
}
