package wire_test

import (
	"net/netip"
	"reflect"
	"regexp"
	"strconv"
	"testing"

	"github.com/revtr/revtr/wire"
)

// TestGoldenAgreesWithTcpdump checks the decoded fields against tcpdump's
// own reading of each capture (the comment line): addresses, ports, echo
// identifier and sequence, TCP sequence and acknowledgement numbers.
func TestGoldenAgreesWithTcpdump(t *testing.T) {
	addrRE := regexp.MustCompile(`^IP6? ((?:\d+\.){3}\d+|[0-9a-f:]+)(?:\.(\d+))? > ((?:\d+\.){3}\d+|[0-9a-f:]+)(?:\.(\d+))?: `)
	numRE := regexp.MustCompile(`\b(id|seq|ack) (\d+)`)
	for name, g := range loadGolden(t, "valid-*.hex") {
		t.Run(name, func(t *testing.T) {
			var p packet
			if err := p.decode(g.data); err != nil {
				t.Fatal(err)
			}
			m := addrRE.FindStringSubmatch(g.comment[0])
			if m == nil {
				t.Fatalf("cannot read %q", g.comment[0])
			}
			if p.src() != addr(m[1]) || p.dst() != addr(m[3]) {
				t.Errorf("addresses %v > %v, tcpdump says %s > %s", p.src(), p.dst(), m[1], m[3])
			}
			if m[2] != "" {
				sp, dp := ports(&p)
				if strconv.Itoa(int(sp)) != m[2] || strconv.Itoa(int(dp)) != m[4] {
					t.Errorf("ports %d > %d, tcpdump says %s > %s", sp, dp, m[2], m[4])
				}
			}
			for _, n := range numRE.FindAllStringSubmatch(g.comment[0], -1) {
				if got := numField(&p, n[1]); strconv.FormatUint(uint64(got), 10) != n[2] {
					t.Errorf("%s %d, tcpdump says %s", n[1], got, n[2])
				}
			}
		})
	}
}

func ports(p *packet) (uint16, uint16) {
	if p.Proto == wire.ProtoUDP {
		return p.UDP.SrcPort, p.UDP.DstPort
	}
	return p.TCP.SrcPort, p.TCP.DstPort
}

func numField(p *packet, name string) uint32 {
	switch {
	case name == "id":
		return uint32(p.Echo.ID)
	case name == "seq" && p.Proto == wire.ProtoTCP:
		return p.TCP.Seq
	case name == "seq":
		return uint32(p.Echo.Seq)
	}
	return p.TCP.Ack
}

// TestGoldenOptions checks what the Record Route and Timestamp options of
// the captures say, against what iputils ping printed for them.
func TestGoldenOptions(t *testing.T) {
	tests := []struct {
		name  string
		check func(t *testing.T, p *packet)
	}{
		{"valid-ipv4-rr-echo-request", func(t *testing.T, p *packet) {
			// iputils puts a NOP first and records the sender itself.
			if p.IPv4.Options[0] != byte(wire.OptNOP) {
				t.Errorf("first option byte %d, want NOP", p.IPv4.Options[0])
			}
			wantRR(t, &p.RR, 8, 8, addrs("10.77.1.1"))
		}},
		{"valid-ipv4-rr-echo-reply", func(t *testing.T, p *packet) {
			wantRR(t, &p.RR, 24, 4, addrs("10.77.1.1", "10.77.2.1", "10.77.2.2", "10.77.2.2", "10.77.1.2"))
		}},
		{"valid-ipv4-rr-ttl1-time-exceeded", func(t *testing.T, p *packet) {
			// Linux copies the RR option into the ICMP error it originates.
			wantRR(t, &p.RR, 16, 6, addrs("10.77.1.1", "10.77.1.2", "10.77.1.2"))
			if !p.QHasRR {
				t.Fatal("quoted header lost its Record Route option")
			}
			wantRR(t, &p.QRR, 12, 7, addrs("10.77.1.1", "10.77.1.2"))
			if p.Quote.TTL() != 1 || p.TE.Code != wire.CodeTTLExceeded {
				t.Errorf("quoted TTL %d code %d, want 1 and 0", p.Quote.TTL(), p.TE.Code)
			}
		}},
		{"valid-ipv4-ts-only-echo-reply", func(t *testing.T, p *packet) {
			wantTS(t, &p.TS, wire.TSOnly, 9, 5, 0, nil)
		}},
		{"valid-ipv4-ts-addr-echo-request", func(t *testing.T, p *packet) {
			wantTS(t, &p.TS, wire.TSAndAddr, 4, 1, 0, addrs("10.77.1.1"))
		}},
		{"valid-ipv4-ts-addr-echo-reply", func(t *testing.T, p *packet) {
			// Four pairs fill up; ping reported one more hop as overflow.
			wantTS(t, &p.TS, wire.TSAndAddr, 4, 4, 1, addrs("10.77.1.1", "10.77.1.2", "10.77.2.2", "10.77.2.2"))
		}},
		{"valid-ipv4-ts-prespec-echo-request", func(t *testing.T, p *packet) {
			wantTS(t, &p.TS, wire.TSPrespecified, 2, 0, 0, nil)
			if p.TS.Entries[0].Addr != addr("10.77.1.2") || p.TS.Entries[1].Addr != addr("10.77.2.2") {
				t.Errorf("prespecified %v, want 10.77.1.2 and 10.77.2.2", p.TS.Entries[:2])
			}
		}},
		{"valid-ipv4-ts-prespec-echo-reply", func(t *testing.T, p *packet) {
			wantTS(t, &p.TS, wire.TSPrespecified, 2, 2, 0, addrs("10.77.1.2", "10.77.2.2"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p packet
			if err := p.decode(mustGolden(t, tt.name)); err != nil {
				t.Fatal(err)
			}
			tt.check(t, &p)
		})
	}
}

func wantRR(t *testing.T, rr *wire.RecordRoute, ptr uint8, free int, rec []netip.Addr) {
	t.Helper()
	if rr.Slots != 9 || rr.Pointer != ptr || rr.Free() != free || rr.Full() != (free == 0) {
		t.Errorf("RR slots %d pointer %d free %d full %v, want 9, %d, %d", rr.Slots, rr.Pointer, rr.Free(), rr.Full(), ptr, free)
	}
	if got := rr.Recorded(); !reflect.DeepEqual(got, rec) {
		t.Errorf("RR recorded %v, want %v", got, rec)
	}
}

func wantTS(t *testing.T, ts *wire.Timestamp, flag wire.TSFlag, slots, recorded int, overflow uint8, addrs []netip.Addr) {
	t.Helper()
	if ts.Flag != flag || int(ts.Slots) != slots || ts.NumRecorded() != recorded || ts.Overflow != overflow {
		t.Fatalf("TS %v slots %d recorded %d overflow %d, want %v %d %d %d", ts.Flag, ts.Slots, ts.NumRecorded(), ts.Overflow, flag, slots, recorded, overflow)
	}
	if ts.Full() != (recorded == slots) {
		t.Errorf("Full() = %v with %d of %d recorded", ts.Full(), recorded, slots)
	}
	for i, e := range ts.Recorded() {
		if e.Time == 0 && i == 0 {
			t.Errorf("entry 0 has no timestamp")
		}
		if addrs != nil && e.Addr != addrs[i] {
			t.Errorf("entry %d address %v, want %v", i, e.Addr, addrs[i])
		}
		if addrs == nil && flag == wire.TSOnly && e.Addr.IsValid() {
			t.Errorf("timestamps-only entry %d has address %v", i, e.Addr)
		}
	}
}
