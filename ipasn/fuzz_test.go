package ipasn_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/revtr/revtr/ipasn"
)

func FuzzLoad(f *testing.F) {
	f.Add([]byte(sample))
	f.Add(gz(f, sample))
	f.Add([]byte("10.0.0.0\t8\t1,2_3\n::\t0\t4294967295\n"))
	f.Add([]byte("10.0.0.1\t8\t1\n"))
	f.Add([]byte("10.0.0.0 8 1\r\n# c\n\n2001:db8::\t32\t1__2"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ipasn.Load(bytes.NewReader(data))
		if err != nil {
			if m != nil {
				t.Fatal("Map returned with an error")
			}
			var pe *ipasn.ParseError
			if errors.As(err, &pe) && pe.Line < 1 {
				t.Fatalf("ParseError without a line: %v", err)
			}
			return
		}
		for p, o := range m.All() {
			if o.Len() == 0 || o.Contains(0) || p.Masked() != p {
				t.Fatalf("accepted %v -> %v", p, o)
			}
			q, o2, ok := m.Lookup(p.Addr())
			if !ok || q.Bits() < p.Bits() || !q.Contains(p.Addr()) || q == p && !o.Equal(o2) {
				t.Fatalf("Lookup(%v) = %v %v %v inside mapped %v %v", p.Addr(), q, o2, ok, p, o)
			}
		}
		var out bytes.Buffer
		if _, err := m.WriteTo(&out); err != nil {
			t.Fatal(err)
		}
		back, err := ipasn.Load(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("reloading %q: %v", out.Bytes(), err)
		}
		if !sameMapping(m, back) {
			t.Fatalf("re-serialised mapping differs:\n%s", out.Bytes())
		}
		var again bytes.Buffer
		if _, err := back.WriteTo(&again); err != nil || !bytes.Equal(out.Bytes(), again.Bytes()) {
			t.Fatalf("WriteTo not stable: %v\n%s\n%s", err, out.Bytes(), again.Bytes())
		}
	})
}

func FuzzAnnotationJSON(f *testing.F) {
	f.Add([]byte(`{"cidr":"10.0.0.0/8","asn":64500}`))
	f.Add([]byte(`{"cidr":null,"asn":null}`))
	f.Add([]byte(`{"cidr":"2001:db8::/32","asn":0}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var a ipasn.Annotation
		if json.Unmarshal(data, &a) != nil {
			return
		}
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var back ipasn.Annotation
		if err := json.Unmarshal(b, &back); err != nil || back != a {
			t.Fatalf("%s -> %+v -> %s -> %+v, %v", data, a, b, back, err)
		}
	})
}
