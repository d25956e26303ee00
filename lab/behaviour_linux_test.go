package lab

import (
	"strings"
	"testing"
)

func TestDropOptions(t *testing.T) {
	needTool(t, "ping")
	for _, who := range []string{"r1", "h1"} {
		t.Run(who, func(t *testing.T) {
			tp := chain(t, 3)
			n := node(t, tp, who)
			n.Behaviour.DropOptions = who == "r1" // a router drops in forward
			n.Role.DropOptions = who == "h1"      // a host on input
			l := upLab(t, tp)
			dst := mustAddr(t, l, "h1").String()
			if out, err := run(t, l, "h0", "ping", "-c1", "-W2", dst); err != nil {
				t.Errorf("plain ping through %s failed: %v\n%s", who, err, out)
			}
			if out, err := run(t, l, "h0", "ping", "-R", "-c1", "-W1", dst); err == nil || !strings.Contains(out, " 0 received") {
				t.Errorf("ping -R through option-dropping %s was answered:\n%s", who, out)
			}
		})
	}
}

func TestNoTimeExceeded(t *testing.T) {
	needTool(t, "traceroute")
	tp := chain(t, 3)
	node(t, tp, "r1").Behaviour.NoTimeExceeded = true
	l := upLab(t, tp)
	for _, v6 := range []bool{false, true} {
		dst, err := l.Addr("h1")
		args := []string{"traceroute", "-n", "-q1", "-w1"}
		if v6 {
			dst, err = l.Addr6("h1")
			args = append(args, "-6")
		}
		if err != nil {
			t.Fatal(err)
		}
		out, err := exe(t, l, "h0", append(args, dst.String())...)
		if err != nil {
			t.Fatalf("traceroute: %v\n%s", err, out)
		}
		hops := traceHops(out)
		r0, r2 := node(t, tp, "r0"), node(t, tp, "r2")
		if len(hops) != 4 || hops[1] != "*" || !ownedBy(l, hops[0], r0.ID) || !ownedBy(l, hops[2], r2.ID) || hops[3] != dst.String() {
			t.Errorf("traceroute (v6 %v): want r0, *, r2, %s; got %v\n%s", v6, dst, hops, out)
		}
	}
}

// TestICMPRateLimit sends bursts of TTL-limited pings: the rate-limited
// router answers a few, its unlimited neighbour all. Fresh namespaces: the
// limiter's credit carries over.
func TestICMPRateLimit(t *testing.T) {
	needTool(t, "ping")
	tp := chain(t, 3)
	node(t, tp, "r1").Behaviour.ICMPRateLimitMS = 1000
	l := upLab(t, tp)
	const burst = 20
	for _, fam := range []string{"-4", "-6"} {
		dst, _ := l.Addr("h1")
		if fam == "-6" {
			dst, _ = l.Addr6("h1")
		}
		count := func(ttl string) int {
			// Exit status is 1: no echo replies, only errors.
			out, _ := run(t, l, "h0", "ping", fam, "-n", "-c", "20", "-i", "0.002", "-W", "1", "-t", ttl, dst.String())
			return strings.Count(out, "exceeded")
		}
		if n := count("1"); n != burst {
			t.Errorf("%s: unlimited r0 answered %d of %d", fam, n, burst)
		}
		if n := count("2"); n < 1 || n > burst/2 {
			t.Errorf("%s: r1 limited to one per second answered %d of %d", fam, n, burst)
		}
	}
}

func TestNoEchoHost(t *testing.T) {
	needTool(t, "ping")
	tp := chain(t, 2)
	node(t, tp, "h1").Role.NoEcho = true
	l := upLab(t, tp)
	for _, fam := range []string{"-4", "-6"} {
		h1, r1 := mustAddr(t, l, "h1"), mustAddr(t, l, "r1")
		if fam == "-6" {
			h1, _ = l.Addr6("h1")
			r1, _ = l.Addr6("r1")
		}
		if out, err := run(t, l, "h0", "ping", fam, "-c1", "-W2", r1.String()); err != nil {
			t.Errorf("ping %s r1: %v\n%s", fam, err, out)
		}
		if out, err := run(t, l, "h0", "ping", fam, "-c1", "-W1", h1.String()); err == nil {
			t.Errorf("ping %s to echo-ignoring h1 was answered:\n%s", fam, out)
		}
	}
}
