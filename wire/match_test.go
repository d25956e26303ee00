package wire_test

import (
	"fmt"
	"testing"

	"github.com/revtr/revtr/wire"
)

// matches reports whether reply answers probe, using only what the wire
// API exposes, the way a prober matches: echo replies by identifier and
// sequence; ICMP errors by the quoted addresses, protocol and the probe's
// identifying fields; TCP answers by ports and acknowledgement number.
func matches(probe, reply *packet) bool {
	switch {
	case reply.IsTE || reply.IsDU:
		q := &reply.Quote
		if q.Src() != probe.src() || q.Dst() != probe.dst() || q.Proto() != probe.Proto {
			return false
		}
		switch probe.Proto {
		case wire.ProtoICMP, wire.ProtoICMPv6:
			id, seq, ok := q.Echo()
			return ok && id == probe.Echo.ID && seq == probe.Echo.Seq
		case wire.ProtoUDP:
			sp, dp, ok := q.Ports()
			c, cok := q.Checksum()
			return ok && cok && sp == probe.UDP.SrcPort && dp == probe.UDP.DstPort && c == probe.UDP.Checksum
		case wire.ProtoTCP:
			sp, dp, ok := q.Ports()
			seq, sok := q.TCPSeq()
			return ok && sok && sp == probe.TCP.SrcPort && dp == probe.TCP.DstPort && seq == probe.TCP.Seq
		}
	case reply.Proto == wire.ProtoTCP:
		return reply.src() == probe.dst() && reply.TCP.SrcPort == probe.TCP.DstPort &&
			reply.TCP.DstPort == probe.TCP.SrcPort && reply.TCP.Ack == probe.TCP.Seq+1 &&
			(reply.TCP.IsRST() || reply.TCP.IsSynAck())
	case reply.Echo.Reply:
		return !probe.Echo.Reply && reply.src() == probe.dst() && reply.Echo.ID == probe.Echo.ID && reply.Echo.Seq == probe.Echo.Seq
	}
	return false
}

// TestMatchCapturedReplies matches every captured reply to the probe that
// caused it, and checks that no reply matches any other probe.
func TestMatchCapturedReplies(t *testing.T) {
	pairs := [][2]string{
		{"ipv4-rr-echo-request", "ipv4-rr-echo-reply"},
		{"ipv4-rr-ttl1-echo-request", "ipv4-rr-ttl1-time-exceeded"},
		{"ipv4-icmp-ttl1-echo-request", "ipv4-icmp-ttl1-time-exceeded"},
		{"ipv4-icmp-ttl2-echo-request", "ipv4-icmp-ttl2-echo-reply"},
		{"ipv4-udp-ttl1-probe", "ipv4-udp-ttl1-time-exceeded"},
		{"ipv4-udp-ttl2-probe", "ipv4-udp-ttl2-port-unreachable"},
		{"ipv4-tcp-ttl1-syn", "ipv4-tcp-ttl1-time-exceeded"},
		{"ipv4-tcp-ttl2-syn", "ipv4-tcp-ttl2-rst"},
		{"ipv4-tcp-open-syn", "ipv4-tcp-open-synack"},
		{"ipv6-echo-request", "ipv6-echo-reply"},
		{"ipv6-ttl1-echo-request", "ipv6-ttl1-time-exceeded"},
		{"ipv6-udp-ttl1-probe", "ipv6-udp-ttl1-time-exceeded"},
		{"ipv6-udp-ttl2-probe", "ipv6-udp-ttl2-port-unreachable"},
	}
	decoded := func(name string) *packet {
		var p packet
		if err := p.decode(mustGolden(t, "valid-"+name)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return &p
	}
	for i, pr := range pairs {
		reply := decoded(pr[1])
		for j, other := range pairs {
			probe := decoded(other[0])
			t.Run(fmt.Sprintf("%s/%s", pr[1], other[0]), func(t *testing.T) {
				if got := matches(probe, reply); got != (i == j) {
					t.Errorf("matches = %v, want %v", got, i == j)
				}
			})
		}
	}
}

// TestQuoteFields checks the quote accessors on captured errors, including
// the ones that must say "not present".
func TestQuoteFields(t *testing.T) {
	var p packet
	if err := p.decode(mustGolden(t, "valid-ipv4-tcp-ttl1-time-exceeded")); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := p.Quote.Echo(); ok {
		t.Error("Echo() ok on a quoted TCP probe")
	}
	var probe packet
	if err := probe.decode(mustGolden(t, "valid-ipv4-tcp-ttl1-syn")); err != nil {
		t.Fatal(err)
	}
	if c, ok := p.Quote.Checksum(); !ok || c != probe.TCP.Checksum {
		t.Errorf("quoted TCP checksum %#04x, %v; probe sent %#04x", c, ok, probe.TCP.Checksum)
	}
	if len(p.Quote.Transport) < 8 {
		t.Errorf("quoted %d transport bytes, RFC 792 guarantees 8", len(p.Quote.Transport))
	}
	if err := p.decode(mustGolden(t, "valid-ipv6-udp-ttl1-time-exceeded")); err != nil {
		t.Fatal(err)
	}
	if !p.Quote.V6 || p.Quote.TTL() != 1 || p.Quote.Proto() != wire.ProtoUDP {
		t.Errorf("quote v6=%v ttl %d proto %v, want IPv6, 1, udp", p.Quote.V6, p.Quote.TTL(), p.Quote.Proto())
	}
	if _, ok := p.Quote.TCPSeq(); ok {
		t.Error("TCPSeq() ok on a quoted UDP probe")
	}
}
