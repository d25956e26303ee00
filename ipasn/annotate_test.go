package ipasn_test

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/revtr/revtr/ipasn"
)

// hop mimics an archive hop record embedding the annotation.
type hop struct {
	HopIP string `json:"hop_ip"`
	ipasn.Annotation
}

func TestAnnotate(t *testing.T) {
	m := mustLoad(t, sample)
	for _, tc := range []struct{ addr, want string }{
		{"10.1.2.200", `{"hop_ip":"10.1.2.200","cidr":"10.1.2.128/25","asn":64505}`},
		{"2001:db8:1::7", `{"hop_ip":"2001:db8:1::7","cidr":"2001:db8:1::/48","asn":64511}`},
		{"2001:db9::1", `{"hop_ip":"2001:db9::1","cidr":null,"asn":null}`},
	} {
		h := hop{tc.addr, m.Annotate(netip.MustParseAddr(tc.addr))}
		b, err := json.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.want {
			t.Errorf("Annotate(%s) marshals to %s, want %s", tc.addr, b, tc.want)
		}
		var back hop
		if err := json.Unmarshal(b, &back); err != nil || back != h {
			t.Errorf("unmarshal %s = %+v, %v; want %+v", b, back, err, h)
		}
	}
}

func TestAnnotationJSONErrors(t *testing.T) {
	for _, in := range []string{
		`{"cidr":5}`,
		`{"cidr":"10.0.0.0"}`,
		`{"cidr":"nonsense/8"}`,
		`{"asn":"64500"}`,
		`{"asn":-1}`,
		`{"asn":4294967296}`,
		`{"asn":1.5}`,
	} {
		var a ipasn.Annotation
		err := json.Unmarshal([]byte(in), &a)
		if err == nil || !strings.Contains(err.Error(), "unmarshal") {
			t.Errorf("Unmarshal(%s) = %v, want an error", in, err)
		}
	}
	var a ipasn.Annotation
	if err := json.Unmarshal([]byte(`{"cidr":null,"asn":null}`), &a); err != nil || a != (ipasn.Annotation{}) {
		t.Errorf("nulls decode to %+v, %v", a, err)
	}
	if a.CIDR.String() != "" {
		t.Errorf("unknown CIDR String = %q", a.CIDR.String())
	}
}
