package twohost_test

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/twohost"
	"github.com/revtr/revtr/wire"
)

// requestFilter passes the two-host requests (echo requests with code 1)
// of both families.
const requestFilter = "(icmp and icmp[0] == 8 and icmp[1] == 1) or " +
	"(ip6 and ip6[6] == 58 and ip6[40] == 128 and ip6[41] == 1)"

// TestRequestsOnWire runs a one-TTL TwoHostTrace of each protocol's
// default flow (ID 0) over both families and checks, in a tcpdump capture
// on the responder's interface, what the client's requests carry: the
// protocol number of the family (ICMP over IPv6: 58, as the reference's
// IPv6 server requires; IPv4: 1), never the responder's default flow 0
// but the explicit default the result reports (UDP 53, TCP 80, ICMP
// 0xbeaf) at TTL 1, after the presence check at TTL 0.
func TestRequestsOnWire(t *testing.T) {
	needRoot(t)
	needTcpdump(t)
	tp, err := topotest.Chain(2)
	l := upLab(t, tp, err)
	startResponder(t, l, "h1", twohost.ResponderConfig{})
	c := newClient(t, l, "h0", fastClient())
	type want struct {
		v6    bool
		proto byte
		flow  uint16
	}
	var wants []want
	for _, v6 := range []bool{false, true} {
		for _, p := range []meas.Proto{meas.UDP, meas.TCP, meas.ICMP} {
			wants = append(wants, want{v6, p.Number(v6), map[meas.Proto]uint16{meas.UDP: meas.DefaultUDPPort,
				meas.TCP: meas.DefaultTCPPort, meas.ICMP: meas.DefaultICMPChecksum}[p]})
		}
	}
	pcap := filepath.Join(t.TempDir(), "requests.pcap")
	wait := startTcpdump(t, l, "h1", pcap, 2*len(wants), requestFilter)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, w := range wants {
		proto, _ := meas.ProtoOf(w.proto, w.v6)
		res, err := c.TwoHostTrace(ctx, meas.TwoHostRequest{Dst: hostAddr(t, tp, "h1", w.v6), Flow: meas.Flow{Proto: proto},
			FirstTTL: 1, MaxTTL: 1, Queries: 1})
		if err != nil || res.Probes != 2 || res.Flow.ID != w.flow {
			t.Fatalf("%v v6=%v: %d requests, flow %v, %v; want 2 requests, flow %d", proto, w.v6, res.Probes, res.Flow, err, w.flow)
		}
	}
	if err := wait(); err != nil {
		t.Fatalf("tcpdump: %v", err)
	}
	pkts, err := readPcap(pcap)
	if err != nil || len(pkts) != 2*len(wants) {
		t.Fatalf("capture: %d packets, %v; want %d", len(pkts), err, 2*len(wants))
	}
	for i, b := range pkts {
		w, p := wants[i/2], splitIP(t, "request", b)
		var q wire.TwoHostRequest
		if err := q.Decode(p.icmp); err != nil {
			t.Fatalf("request %d %x: %v", i, b, err)
		}
		m, flow := p.icmp, binary.BigEndian.Uint16(p.icmp[10:])
		if i%2 == 0 { // the presence check: TTL 0, whatever the flow
			if p.v6 != w.v6 || m[8] != 0 {
				t.Errorf("request %d (v6=%v): TTL %d, want the presence check's 0 first", i, p.v6, m[8])
			}
			continue
		}
		if p.v6 != w.v6 || m[8] != 1 || m[9] != w.proto || flow != w.flow {
			t.Errorf("request %d (v6=%v): TTL %d protocol %d flow %d on the wire; want TTL 1 protocol %d flow %d",
				i, p.v6, m[8], m[9], flow, w.proto, w.flow)
		}
	}
}
