package revtr_test

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/revtr/revtr/revtr"
)

// archiveSample is the archive record of docs/protocols.md §1, comments removed.
const archiveSample = `{"id": 20525506, "stop_reason": "REACHES", "fail_reason": "",
 "src": "173.205.3.25", "dst": "182.75.124.57",
 "runtime": 1095979593,
 "date": 1669835097,
 "label": "bgp_survey_no_timestamp_test_load",
 "revtr_hops": [
   {"hop_number": 0, "hop_ip": "182.75.124.57", "hop_type": 1, "measurement_id": 0,
    "rtt": 274242, "rtt_measurement_id": 1774720375, "cidr": null, "asn": null},
   {"hop_number": 1, "hop_ip": "203.101.87.155", "hop_type": 5, "measurement_id": 1774718425,
    "rtt": 263928, "rtt_measurement_id": 1774720373, "cidr": null, "asn": null},
   {"hop_number": 2, "hop_ip": "173.205.3.25", "hop_type": 5, "measurement_id": 1774718425,
    "rtt": 34, "rtt_measurement_id": 1774720530, "cidr": null, "asn": null}]}`

// TestArchiveRoundTrip reads the reference's record and writes it back
// byte for byte (modulo whitespace), through Result.
func TestArchiveRoundTrip(t *testing.T) {
	var rec revtr.Record
	if err := json.Unmarshal([]byte(archiveSample), &rec); err != nil {
		t.Fatal(err)
	}
	res, err := rec.Result()
	if err != nil {
		t.Fatal(err)
	}
	if res.Stop != revtr.Reaches || len(res.Hops) != 3 || res.Hops[1].Type != revtr.HopRR ||
		res.Hops[0].RTT != 274242*time.Microsecond || res.Runtime != 1095979593 {
		t.Fatalf("result %+v", res)
	}
	got, err := json.Marshal(&res)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := json.Compact(&want, []byte(archiveSample)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("got  %s\nwant %s", got, want.Bytes())
	}
}

// TestRecordAnnotations: known prefixes and ASes are written, unknown ones
// are null; fail reasons are the sentences; symmetry hops keep 11/12.
func TestRecordAnnotations(t *testing.T) {
	res := revtr.Result{ID: 7, Stop: revtr.Failed, Fail: revtr.FailSymmetryInterdomain,
		Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.1.1"), Date: time.Unix(100, 0),
		Hops: []revtr.Hop{
			{Addr: netip.MustParseAddr("10.0.1.1"), Type: revtr.HopDestination, Prefix: netip.MustParsePrefix("10.0.1.0/24"), ASN: 64513, RTT: 1500 * time.Microsecond},
			{Addr: netip.MustParseAddr("10.0.2.1"), Type: revtr.HopSymmetryInter},
		}}
	b, err := json.Marshal(&res)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":7,"stop_reason":"FAILED","fail_reason":"Assume symmetry on an interdomain link","src":"10.0.0.1","dst":"10.0.1.1","runtime":0,"date":100,"label":"","revtr_hops":[` +
		`{"hop_number":0,"hop_ip":"10.0.1.1","hop_type":1,"measurement_id":0,"rtt":1500,"rtt_measurement_id":0,"cidr":"10.0.1.0/24","asn":64513},` +
		`{"hop_number":1,"hop_ip":"10.0.2.1","hop_type":12,"measurement_id":0,"rtt":0,"rtt_measurement_id":0,"cidr":null,"asn":null}]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	if l := res.LegacyRecord(); l.Hops[1].HopType != revtr.HopSymmetry || l.Hops[0].HopType != revtr.HopDestination {
		t.Errorf("legacy record hop types %v, %v", l.Hops[0].HopType, l.Hops[1].HopType)
	}
}

func TestEnumStrings(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range revtr.FailReasons() {
		s := f.String()
		if s == "" || seen[s] {
			t.Errorf("fail reason %d: sentence %q empty or repeated", f, s)
		}
		seen[s] = true
		if g, ok := revtr.ParseFailReason(s); !ok || g != f {
			t.Errorf("ParseFailReason(%q) = %v, %v", s, g, ok)
		}
	}
	for _, h := range revtr.HopTypes() {
		if h.String() == "" || h.Legacy() == 0 {
			t.Errorf("hop type %d: %q", h, h)
		}
	}
	if revtr.HopSymmetryInter.Legacy() != revtr.HopSymmetry || !revtr.HopSymmetryIntra.Symmetry() || revtr.HopRR.Symmetry() {
		t.Error("symmetry hop types do not map to type 2")
	}
	var s revtr.Stop
	for _, name := range []string{"REACHES", "FAILED", "TRIVIAL", "CANCELED"} {
		if err := s.UnmarshalText([]byte(name)); err != nil || s.String() != name {
			t.Errorf("stop %q: %v %v", name, s, err)
		}
	}
	if err := s.UnmarshalText([]byte("DONE")); err == nil {
		t.Error("unknown stop reason accepted")
	}
}
