package wire_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/revtr/revtr/wire"
)

// TestValidGolden decodes every real capture under testdata/valid-*,
// verifies its checksums, re-encodes each layer byte for byte and checks
// that decoding did not allocate.
func TestValidGolden(t *testing.T) {
	for name, g := range loadGolden(t, "valid-*.hex") {
		t.Run(name, func(t *testing.T) {
			var p packet
			if err := p.decode(g.data); err != nil {
				t.Fatalf("decode: %v", err)
			}
			checkChecksums(t, name, &p)
			checkReencode(t, &p)
			if n := testing.AllocsPerRun(50, func() { p = packet{}; _ = p.decode(g.data) }); n != 0 {
				t.Errorf("decode allocated %v times, want 0", n)
			}
		})
	}
}

func checkChecksums(t *testing.T, name string, p *packet) {
	t.Helper()
	if !p.V6 {
		if c := wire.Checksum(p.IPHdr); c != 0 {
			t.Errorf("IPv4 header checksum does not verify (residue %#04x)", c)
		}
		h := p.IPv4
		if err := h.SetChecksum(); err != nil || h.Checksum != p.IPv4.Checksum {
			t.Errorf("SetChecksum = %#04x, %v; captured %#04x", h.Checksum, err, p.IPv4.Checksum)
		}
	}
	if partialChecksum[name] {
		// Sent by a kernel UDP/TCP socket over veth with checksum offload:
		// the capture holds the partial sum, the folded pseudo-header sum
		// that hardware would complete.
		want := ^wire.TransportChecksum(p.Proto, p.src(), p.dst(), make([]byte, len(p.L4)))
		if got := transportChecksumField(p); got != want {
			t.Errorf("offloaded %v checksum field %#04x, want the pseudo-header partial sum %#04x", p.Proto, got, want)
		}
		return
	}
	if c := wire.TransportChecksum(p.Proto, p.src(), p.dst(), p.L4); c != 0 {
		t.Errorf("%v checksum does not verify (residue %#04x)", p.Proto, c)
	}
}

// partialChecksum names the captures whose transport checksum was left to
// offload (see checkChecksums).
var partialChecksum = map[string]bool{
	"valid-ipv4-udp-ttl1-probe":  true,
	"valid-ipv4-udp-ttl2-probe":  true,
	"valid-ipv6-udp-ttl1-probe":  true,
	"valid-ipv6-udp-ttl2-probe":  true,
	"valid-ipv4-tcp-open-synack": true,
}

func transportChecksumField(p *packet) uint16 {
	if p.Proto == wire.ProtoUDP {
		return p.UDP.Checksum
	}
	return p.TCP.Checksum
}

func checkReencode(t *testing.T, p *packet) {
	t.Helper()
	var hdr []byte
	var err error
	if p.V6 {
		hdr, err = p.IPv6.AppendBinary(nil)
	} else {
		hdr, err = p.IPv4.AppendBinary(nil)
	}
	if err != nil || !bytes.Equal(hdr, p.IPHdr) {
		t.Errorf("IP header re-encodes to %x, %v; want %x", hdr, err, p.IPHdr)
	}
	type appender interface{ AppendBinary([]byte) ([]byte, error) }
	var m appender
	switch {
	case p.Echo.Data != nil || p.Echo.ID != 0:
		m = &p.Echo
	case p.IsTE:
		m = &p.TE
	case p.IsDU:
		m = &p.DU
	case p.Proto == wire.ProtoUDP:
		m = &p.UDP
	case p.Proto == wire.ProtoTCP:
		m = &p.TCP
	default:
		t.Fatalf("no transport decoded")
	}
	enc, err := m.AppendBinary(nil)
	if err != nil || !bytes.HasPrefix(p.L4, enc) {
		t.Errorf("%T re-encodes to %x, %v; want a prefix of %x", m, enc, err, p.L4)
	}
	if p.IsTE || p.IsDU {
		orig := p.TE.Original()
		if p.IsDU {
			orig = p.DU.Original()
		}
		if o := p.ICMP.Original(p.V6); !bytes.Equal(o, orig) {
			t.Errorf("ICMP.Original = %x, want %x", o, orig)
		}
		q, err := p.Quote.AppendBinary(nil)
		if err != nil || !bytes.HasPrefix(p.L4[8:], q) {
			t.Errorf("quote re-encodes to %x, %v; want a prefix of %x", q, err, p.L4[8:])
		}
	}
}

// TestInvalidGolden decodes every testdata/invalid-* file (real captures,
// damaged as their first comment line says) and checks the error: the
// second comment line names the sentinel and a word the message must hold.
func TestInvalidGolden(t *testing.T) {
	sentinels := map[string]error{"ErrTruncated": wire.ErrTruncated, "ErrMalformed": wire.ErrMalformed, "ErrType": wire.ErrType}
	for name, g := range loadGolden(t, "invalid-*.hex") {
		t.Run(name, func(t *testing.T) {
			if len(g.comment) < 2 {
				t.Fatalf("want two comment lines: what is wrong, then 'want ErrX word'")
			}
			f := strings.Fields(g.comment[1])
			if len(f) != 3 || f[0] != "want" || sentinels[f[1]] == nil {
				t.Fatalf("bad want line %q", g.comment[1])
			}
			err := decodeInvalid(name, g.data)
			if !errors.Is(err, sentinels[f[1]]) || !strings.Contains(err.Error(), f[2]) {
				t.Fatalf("error %v, want %s mentioning %q", err, f[1], f[2])
			}
		})
	}
}

// decodeInvalid decodes a packet; two-host files are decoded as the
// two-host message their name says.
func decodeInvalid(name string, b []byte) error {
	var p packet
	if err := p.decode(b); err != nil || !strings.Contains(name, "twohost") {
		return err
	}
	if strings.Contains(name, "response") {
		var r wire.TwoHostResponse
		return r.Decode(p.L4)
	}
	var r wire.TwoHostRequest
	return r.Decode(p.L4)
}
