package meas_test

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
)

func addrs(ss ...string) []netip.Addr {
	var as []netip.Addr
	for _, s := range ss {
		as = append(as, netip.MustParseAddr(s))
	}
	return as
}

func TestSplitRecorded(t *testing.T) {
	dst := netip.MustParseAddr("10.0.0.9")
	tests := []struct {
		name      string
		recorded  []netip.Addr
		fwd, rev  []netip.Addr
		wantFound bool
	}{
		{"twice", addrs("10.0.0.1", "10.0.0.9", "10.0.0.9", "10.0.0.2"), addrs("10.0.0.1"), addrs("10.0.0.2"), true},
		{"once at end", addrs("10.0.0.1", "10.0.0.9"), addrs("10.0.0.1"), nil, true},
		{"full before dst", addrs("10.0.0.1", "10.0.0.2"), addrs("10.0.0.1", "10.0.0.2"), nil, false},
		{"empty", nil, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fwd, rev, ok := meas.SplitRecorded(tt.recorded, dst)
			if ok != tt.wantFound || len(fwd) != len(tt.fwd) || len(rev) != len(tt.rev) {
				t.Fatalf("SplitRecorded = %v, %v, %v; want %v, %v, %v", fwd, rev, ok, tt.fwd, tt.rev, tt.wantFound)
			}
			for i := range fwd {
				if fwd[i] != tt.fwd[i] {
					t.Errorf("forward[%d] = %v, want %v", i, fwd[i], tt.fwd[i])
				}
			}
			for i := range rev {
				if rev[i] != tt.rev[i] {
					t.Errorf("reverse[%d] = %v, want %v", i, rev[i], tt.rev[i])
				}
			}
		})
	}
}

func TestTraceJSONRoundTrip(t *testing.T) {
	in := meas.Trace{
		Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.9"),
		Flow: meas.Flow{Proto: meas.UDP, ID: 4000, SrcPort: meas.DefaultSrcPort},
		Hops: []meas.Hop{
			{TTL: 1, Addr: netip.MustParseAddr("10.0.0.2"), RTT: 120 * time.Microsecond, Reply: meas.TimeExceeded},
			{TTL: 2},
			{TTL: 3, Addr: netip.MustParseAddr("10.0.0.9"), RTT: time.Millisecond, Reply: meas.DestUnreach},
		},
		Stop: meas.StopCompleted, Probes: 3,
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"proto":"udp"`, `"reply":"time-exceeded"`, `"stop_reason":"COMPLETED"`, `"addr":""`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
	var out meas.Trace
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip: got %+v, want %+v", out, in)
	}
}

func TestUnmarshalBadNames(t *testing.T) {
	var tr meas.Trace
	for _, bad := range []string{`{"stop_reason":"DONE"}`, `{"flow":{"proto":"sctp"}}`, `{"hops":[{"reply":"pong"}]}`} {
		if err := json.Unmarshal([]byte(bad), &tr); err == nil {
			t.Errorf("Unmarshal(%s) accepted a bad name", bad)
		}
	}
}

func TestParseProto(t *testing.T) {
	for s, want := range map[string]meas.Proto{"icmp": meas.ICMP, "UDP": meas.UDP, "tcp": meas.TCP} {
		got, err := meas.ParseProto(s)
		if err != nil || got != want {
			t.Errorf("ParseProto(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if _, err := meas.ParseProto("gre"); err == nil {
		t.Error("ParseProto(gre) accepted an unknown protocol")
	}
}
