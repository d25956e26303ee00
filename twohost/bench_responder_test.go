package twohost

import (
	"io"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/revtr/revtr/internal/rawsock"
	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/topo/topotest"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/wire"
)

// BenchmarkResponder measures the responder's work per request on a lab
// host (run with -cpu 1 for one core): "answer" is a TTL-0 request
// (parse, checks, answer sent); "probe" is a TTL-1 UDP request through
// the whole session (probe sent, the router's time exceeded read and
// matched by the responder's readers, answer sent), b.N requests in flight
// as fast as the table allows. Reported: requests/s, and the heap in use
// once all sessions are done.
func BenchmarkResponder(b *testing.B) {
	tp, err := topotest.Chain(1)
	if err != nil {
		b.Fatal(err)
	}
	l := labtest.Up(b, tp)
	r, ll := benchResponder(b, l)
	defer r.Close()
	n0, _ := tp.Node("h0")
	n1, _ := tp.Node("h1")
	h0, h1 := tp.HostAddr(n0.ID, false), tp.HostAddr(n1.ID, false)
	for _, ttl := range []uint8{0, 1} {
		name := map[uint8]string{0: "answer", 1: "probe"}[ttl]
		pkt := benchRequest(b, h0, h1, ttl)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				for r.tbl.full() {
					runtime.Gosched() // let the readers close sessions
				}
				r.handleRequest(pkt, ll, time.Now())
			}
			for n, _ := r.tbl.len(); n > 0; n, _ = r.tbl.len() {
				runtime.Gosched()
			}
			el := time.Since(start)
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(b.N)/el.Seconds(), "req/s")
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
		})
	}
	if st := r.Stats(); st.Refused[ReasonSendFailed] > 0 || st.Refused[ReasonMalformed] > 0 {
		b.Fatalf("requests failed: %v", st.Refused)
	}
}

// benchResponder starts an unlimited responder on h1 and returns the link
// address of h0's interface, where answers go.
func benchResponder(b *testing.B, l *lab.Lab) (*Responder, rawsock.LinkAddr) {
	var mac net.HardwareAddr
	var ifindex int
	err := l.Do("h0", func() error {
		ifc, err := net.InterfaceByName("e0")
		if err == nil {
			mac = ifc.HardwareAddr
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	var r *Responder
	err = l.Do("h1", func() error {
		ifc, err := net.InterfaceByName("e0")
		if err != nil {
			return err
		}
		ifindex = ifc.Index
		r, err = NewResponder(ResponderConfig{Interface: "e0", Rate: -1, RequesterRate: -1, MaxSessions: 4096,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	ll := rawsock.LinkAddr{Ifindex: ifindex, Protocol: ethIPv4, Halen: uint8(len(mac))}
	copy(ll.Addr[:], mac)
	return r, ll
}

// benchRequest builds an IPv4 request packet from src to dst.
func benchRequest(b *testing.B, src, dst netip.Addr, ttl uint8) []byte {
	req := wire.TwoHostRequest{ID: 7, TTL: ttl, Proto: wire.ProtoUDP, Flow: 33434}
	req.SetChecksum(src, dst)
	icmp, err := req.AppendBinary(nil)
	if err != nil {
		b.Fatal(err)
	}
	return ipv4Packet(b, wire.ProtoICMP, src, dst, icmp)
}
