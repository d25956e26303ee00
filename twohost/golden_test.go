package twohost_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/twohost"
	"github.com/revtr/revtr/wire"
)

// ipPacket is a captured packet split into addresses, protocol, TTL and
// payload (icmp, for the ICMP messages of the protocol).
type ipPacket struct {
	src, dst netip.Addr
	v6       bool
	proto    wire.Proto
	ttl      uint8
	icmp     []byte
}

func splitIP(t *testing.T, name string, b []byte) ipPacket {
	t.Helper()
	if len(b) > 0 && b[0]>>4 == 6 {
		var h wire.IPv6
		if err := h.Decode(b); err != nil {
			t.Fatalf("%s: IPv6 header %+v, %v", name, h, err)
		}
		return ipPacket{src: h.Src, dst: h.Dst, v6: true, proto: h.NextHeader, ttl: h.HopLimit, icmp: h.Payload(b)}
	}
	var h wire.IPv4
	if err := h.Decode(b); err != nil || wire.Checksum(b[:h.Len()]) != 0 {
		t.Fatalf("%s: IPv4 header %+v, %v", name, h, err)
	}
	return ipPacket{src: h.Src, dst: h.Dst, proto: h.Protocol, ttl: h.TTL, icmp: h.Payload(b)}
}

// checkProbe checks a captured probe of case sc: sent toward the
// requester at the TTL asked for, from port 1021 to the flow (UDP, TCP
// SYN), or an echo request with code 0 whose checksum field is the flow;
// every checksum verifies.
func checkProbe(t *testing.T, name string, sc stateCase, p ipPacket) {
	t.Helper()
	f, m := sc.probe, p.icmp
	if p.proto != wire.Proto(f.Proto.Number(p.v6)) || p.ttl != sc.q.TTL || wire.TransportChecksum(p.proto, p.src, p.dst, m) != 0 {
		t.Fatalf("%s: probe protocol %v TTL %d (checksum verifies: %v); want %v TTL %d", name, p.proto, p.ttl,
			wire.TransportChecksum(p.proto, p.src, p.dst, m) == 0, f, sc.q.TTL)
	}
	if f.Proto == meas.ICMP {
		reqType := map[bool]byte{false: 8, true: 128}[p.v6]
		if len(m) < 8 || m[0] != reqType || m[1] != 0 || binary.BigEndian.Uint16(m[2:]) != f.ID {
			t.Errorf("%s: ICMP probe %x, want type %d code 0 and checksum %#04x", name, m, reqType, f.ID)
		}
		return
	}
	sport, dport := binary.BigEndian.Uint16(m), binary.BigEndian.Uint16(m[2:])
	if sport != f.SrcPort || dport != f.ID || (f.Proto == meas.TCP && m[13] != 0x02) {
		t.Errorf("%s: %v probe %d > %d (header %x), want %v", name, f.Proto, sport, dport, m, f)
	}
}

// checkGolden checks one captured request, probe or answer byte by byte
// against docs/protocols.md section 3: echo request/reply types, code 1,
// a valid checksum, 12-byte requests carrying the case's TTL, protocol
// (ICMPv6: 58) and flow, 12-byte error answers and 36-byte success
// answers with the node as v4-mapped IPv6 and the RTT in the first 4
// bytes of the time field; probes as checkProbe says.
func checkGolden(t *testing.T, name string, b []byte) {
	t.Helper()
	p := splitIP(t, name, b)
	sc := caseOf(t, name)
	if strings.HasSuffix(name, "probe") {
		checkProbe(t, name, sc, p)
		return
	}
	proto := map[bool]wire.Proto{false: wire.ProtoICMP, true: wire.ProtoICMPv6}[p.v6]
	if p.proto != proto {
		t.Fatalf("%s: protocol %v, want %v", name, p.proto, proto)
	}
	if c := wire.TransportChecksum(proto, p.src, p.dst, p.icmp); (p.v6 && c != 0) || (!p.v6 && wire.Checksum(p.icmp) != 0) {
		t.Errorf("%s: checksum does not verify", name)
	}
	m := p.icmp
	reqType, repType := byte(8), byte(0)
	if p.v6 {
		reqType, repType = 128, 129
	}
	if strings.HasSuffix(name, "request") {
		q := sc.query(p.v6)
		want := []byte{q.TTL, byte(q.Proto), byte(q.Flow >> 8), byte(q.Flow)}
		if len(m) != 12 || m[0] != reqType || m[1] != 1 || !bytes.Equal(m[8:12], want) || m[6] != 0 || m[7] != 0 {
			t.Errorf("%s: request %x, want type %d code 1, seq 0, then %x", name, m, reqType, want)
		}
		return
	}
	wantLen := map[bool]int{true: 36, false: 12}[sc.state == wire.StateSuccess]
	if len(m) != wantLen || m[0] != repType || m[1] != 1 || m[8] != byte(sc.state) || m[9] != 0 || m[10] != 0 || m[11] != 0 {
		t.Errorf("%s: answer %x, want %d bytes, type %d code 1, state %d", name, m, wantLen, repType, sc.state)
	}
	if wantLen == 36 {
		node := netip.AddrFrom16([16]byte(m[12:28]))
		if node.Is4In6() == p.v6 || !bytes.Equal(m[32:36], []byte{0, 0, 0, 0}) || m[28]|m[29]|m[30]|m[31] == 0 {
			t.Errorf("%s: node %v, time field %x: want a v4-mapped node for IPv4 and a nonzero 4-byte RTT then zeros", name, node, m[28:36])
		}
	}
}

func caseOf(t *testing.T, name string) stateCase {
	t.Helper()
	for _, sc := range goldenCases {
		if strings.HasSuffix(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "-request"), "-probe"), "-response"), "-"+sc.name) {
			return sc
		}
	}
	t.Fatalf("%s: no state case", name)
	return stateCase{}
}

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	s, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	b, err := hex.DecodeString(strings.TrimSpace(string(s)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

// TestGolden checks the captured exchanges (TestCapture -update wrote
// them): each answer matches its request (addresses swapped, same query
// id and sequence), decodes, and the responder's encoder reproduces it
// byte for byte, IP header included; each probe goes from the responder
// to the requester with the fields of its flow.
func TestGolden(t *testing.T) {
	for _, fam := range []string{"ipv4", "ipv6"} {
		for _, sc := range goldenCases {
			base := "valid-" + fam + "-" + sc.name + "-"
			reqB, respB := readGolden(t, base+"request"), readGolden(t, base+"response")
			checkGolden(t, base+"request", reqB)
			checkGolden(t, base+"response", respB)
			req, resp := splitIP(t, base+"request", reqB), splitIP(t, base+"response", respB)
			var q wire.TwoHostRequest
			var r wire.TwoHostResponse
			if err := q.Decode(req.icmp); err != nil {
				t.Fatalf("%s: %v", base, err)
			}
			if err := r.Decode(resp.icmp); err != nil || r.ID != q.ID || r.Seq != q.Seq || r.State != sc.state {
				t.Fatalf("%s: answer %+v, %v to %+v", base, r, err, q)
			}
			if resp.src != req.dst || resp.dst != req.src {
				t.Errorf("%s: answer %v->%v to request %v->%v", base, resp.src, resp.dst, req.src, req.dst)
			}
			if sc.state == wire.StateSuccess {
				pb := readGolden(t, base+"probe")
				checkGolden(t, base+"probe", pb)
				if p := splitIP(t, base+"probe", pb); p.src != req.dst || p.dst != req.src {
					t.Errorf("%s: probe %v->%v to request %v->%v", base, p.src, p.dst, req.src, req.dst)
				}
			}
			r.Checksum = 0
			b, err := twohost.AppendResponse(nil, resp.src, resp.dst, r)
			if err != nil || !bytes.Equal(b, respB) {
				t.Errorf("%s: encoder gives %x, %v; captured %x", base, b, err, respB)
			}
		}
	}
}
