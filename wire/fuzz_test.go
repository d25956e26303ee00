package wire_test

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"reflect"
	"testing"

	"github.com/revtr/revtr/wire"
)

// codec is what every message type of the package implements.
type codec[T any] interface {
	*T
	Len() int
	AppendBinary([]byte) ([]byte, error)
	Decode([]byte) error
}

// roundTrip checks the codec invariants on arbitrary input: Decode never
// panics; whatever decodes encodes to Len() bytes; those bytes decode to a
// DeepEqual value and encode to the same bytes again. It returns the
// decoded value and whether b decoded.
func roundTrip[T any, P codec[T]](t *testing.T, b []byte) (T, bool) {
	var v1, v2 T
	if err := P(&v1).Decode(b); err != nil {
		return v1, false
	}
	enc1, err := P(&v1).AppendBinary(nil)
	if err != nil {
		t.Fatalf("decoded %T does not encode: %v (input %x)", v1, err, b)
	}
	if len(enc1) != P(&v1).Len() {
		t.Fatalf("%T encodes to %d bytes, Len() says %d", v1, len(enc1), P(&v1).Len())
	}
	if err := P(&v2).Decode(enc1); err != nil {
		t.Fatalf("re-decode %T: %v (encoded %x)", v1, err, enc1)
	}
	if !reflect.DeepEqual(v1, v2) {
		t.Fatalf("%T round trip differs:\n%+v\n%+v", v1, v1, v2)
	}
	enc2, err := P(&v2).AppendBinary(nil)
	if err != nil || !bytes.Equal(enc1, enc2) {
		t.Fatalf("%T second encoding %x, %v; first %x", v1, enc2, err, enc1)
	}
	return v1, true
}

// seeds adds every golden capture and the layer selected by cut to f.
func seeds(f *testing.F, cut func(p *packet) []byte) {
	for _, g := range loadGolden(f, "*.hex") {
		f.Add(g.data)
		var p packet
		if p.decode(g.data) == nil {
			if b := cut(&p); b != nil {
				f.Add(b)
			}
		}
	}
}

func whole(p *packet) []byte { return nil }
func l4(p *packet) []byte    { return p.L4 }
func options(p *packet) []byte {
	if len(p.IPv4.Options) > 1 && p.IPv4.Options[0] == byte(wire.OptNOP) {
		return p.IPv4.Options[1:]
	}
	return p.IPv4.Options
}
func original(p *packet) []byte {
	if p.IsTE {
		return p.TE.Original()
	}
	return p.DU.Original()
}

func FuzzIPv4(f *testing.F) {
	seeds(f, whole)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, ok := roundTrip[wire.IPv4](t, b)
		if ok && h.Len() != int(b[0]&15)*4 {
			t.Fatalf("Len() %d, IHL says %d", h.Len(), int(b[0]&15)*4)
		}
	})
}

func FuzzIPv6(f *testing.F) {
	seeds(f, whole)
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip[wire.IPv6](t, b) })
}

func FuzzOption(f *testing.F) {
	seeds(f, options)
	f.Fuzz(func(t *testing.T, b []byte) {
		o, ok := roundTrip[wire.Option](t, b)
		if ok && (len(o.Raw) == 0 || len(o.Raw) > len(b) || o.Raw[0] != byte(o.Type)) {
			t.Fatalf("option %v raw %x from %x", o.Type, o.Raw, b)
		}
	})
}

func FuzzRecordRoute(f *testing.F) {
	seeds(f, options)
	f.Fuzz(func(t *testing.T, b []byte) {
		rr, ok := roundTrip[wire.RecordRoute](t, b)
		if !ok {
			return
		}
		n := rr.NumRecorded()
		if n+rr.Free() != int(rr.Slots) || rr.Full() != (int(rr.Pointer) > rr.Len()) || len(rr.Recorded()) != n {
			t.Fatalf("pointer %d len %d: recorded %d free %d full %v", rr.Pointer, rr.Len(), n, rr.Free(), rr.Full())
		}
		if stamped := rr.Stamp(netip.AddrFrom4([4]byte{198, 18, 0, 1})); stamped == (n == int(rr.Slots)) {
			t.Fatalf("Stamp = %v with %d of %d recorded", stamped, n, rr.Slots)
		}
	})
}

func FuzzTimestamp(f *testing.F) {
	seeds(f, options)
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, ok := roundTrip[wire.Timestamp](t, b)
		if ok && (ts.NumRecorded()+ts.Free() != int(ts.Slots) || ts.Len() != int(b[1])) {
			t.Fatalf("recorded %d free %d slots %d", ts.NumRecorded(), ts.Free(), ts.Slots)
		}
	})
}

func FuzzICMP(f *testing.F) {
	seeds(f, l4)
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip[wire.ICMP](t, b) })
}

func FuzzEcho(f *testing.F) {
	seeds(f, l4)
	f.Fuzz(func(t *testing.T, b []byte) {
		e, ok := roundTrip[wire.Echo](t, b)
		if ok && e.Type() != b[0] {
			t.Fatalf("Type() %d, wire %d", e.Type(), b[0])
		}
	})
}

func FuzzTimeExceeded(f *testing.F) {
	seeds(f, l4)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, ok := roundTrip[wire.TimeExceeded](t, b)
		if ok && len(m.Original())+len(m.Extensions()) != len(m.Body) {
			t.Fatalf("original %d + extensions %d != body %d", len(m.Original()), len(m.Extensions()), len(m.Body))
		}
	})
}

func FuzzDstUnreach(f *testing.F) {
	seeds(f, l4)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, ok := roundTrip[wire.DstUnreach](t, b)
		if ok && len(m.Original())+len(m.Extensions()) != len(m.Body) {
			t.Fatalf("original %d + extensions %d != body %d", len(m.Original()), len(m.Extensions()), len(m.Body))
		}
	})
}

func FuzzQuote(f *testing.F) {
	seeds(f, original)
	f.Fuzz(func(t *testing.T, b []byte) {
		q, ok := roundTrip[wire.Quote](t, b)
		if !ok {
			return
		}
		if sp, dp, ok := q.Ports(); ok && (sp != binary.BigEndian.Uint16(q.Transport) || dp != binary.BigEndian.Uint16(q.Transport[2:])) {
			t.Fatalf("ports %d %d from %x", sp, dp, q.Transport)
		}
		if q.Src().Is4() == q.V6 || q.Dst().Is4() == q.V6 {
			t.Fatalf("v6=%v with addresses %v %v", q.V6, q.Src(), q.Dst())
		}
	})
}

func FuzzUDP(f *testing.F) {
	seeds(f, l4)
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip[wire.UDP](t, b) })
}

func FuzzTCP(f *testing.F) {
	seeds(f, l4)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, ok := roundTrip[wire.TCP](t, b)
		if ok && h.Len() != int(b[12]>>4)*4 {
			t.Fatalf("Len() %d, data offset says %d", h.Len(), int(b[12]>>4)*4)
		}
	})
}

func FuzzTwoHostRequest(f *testing.F) {
	seeds(f, l4)
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip[wire.TwoHostRequest](t, b) })
}

func FuzzTwoHostResponse(f *testing.F) {
	seeds(f, l4)
	f.Add(mustHex(f, "8101000042420000000000000000000000000000ffff0a4d0202000012340000000000"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, ok := roundTrip[wire.TwoHostResponse](t, b)
		if ok && (r.State == wire.StateSuccess) != r.Node.IsValid() {
			t.Fatalf("state %v with node %v", r.State, r.Node)
		}
	})
}

// FuzzPacket walks whole packets as a prober does: it must never panic,
// and a packet that decodes has consistent layers.
func FuzzPacket(f *testing.F) {
	seeds(f, whole)
	f.Fuzz(func(t *testing.T, b []byte) {
		var p packet
		if p.decode(b) != nil {
			return
		}
		if p.IsTE || p.IsDU {
			if n := p.Quote.Len(); n > len(b) {
				t.Fatalf("a %d-byte quote in a %d-byte packet", n, len(b))
			}
		}
		if p.HasRR && p.RR.NumRecorded() > int(p.RR.Slots) {
			t.Fatalf("recorded %d of %d slots", p.RR.NumRecorded(), p.RR.Slots)
		}
	})
}

// FuzzChecksum compares Checksum and TransportChecksum with a slow model
// that follows RFC 1071 to the letter (16-bit words, end-around carry).
func FuzzChecksum(f *testing.F) {
	seeds(f, l4)
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := wire.Checksum(b), slowChecksum(b); got != want {
			t.Fatalf("Checksum %#04x, model %#04x for %x", got, want, b)
		}
		src, dst := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.200.7")
		ph := append(append(append(src.AsSlice(), dst.AsSlice()...), 0, byte(wire.ProtoUDP)), byte(len(b)>>8), byte(len(b)))
		if len(b) <= 0xffff {
			if got, want := wire.TransportChecksum(wire.ProtoUDP, src, dst, b), slowChecksum(append(ph, b...)); got != want {
				t.Fatalf("TransportChecksum %#04x, model %#04x", got, want)
			}
		}
	})
}

func slowChecksum(b []byte) uint16 {
	var s uint32
	for i := 0; i < len(b); i += 2 {
		w := uint32(b[i]) << 8
		if i+1 < len(b) {
			w |= uint32(b[i+1])
		}
		s += w
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// FuzzICMPOriginal checks that ICMP.Original agrees with the typed error
// messages on arbitrary input.
func FuzzICMPOriginal(f *testing.F) {
	seeds(f, l4)
	f.Fuzz(func(t *testing.T, b []byte) {
		var m wire.ICMP
		var te wire.TimeExceeded
		if m.Decode(b) != nil || te.Decode(b) != nil {
			return
		}
		if !bytes.Equal(m.Original(te.V6), te.Original()) {
			t.Fatalf("ICMP.Original %x, TimeExceeded.Original %x", m.Original(te.V6), te.Original())
		}
	})
}
