package wire_test

import (
	"bytes"
	"net"
	"testing"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"github.com/revtr/revtr/wire"
)

// TestAgreesWithXNet decodes every capture with golang.org/x/net as a
// reference and compares: IPv4 headers with ipv4.ParseHeader, IPv6 with
// ipv6.ParseHeader, ICMP with icmp.ParseMessage (echo identifier, sequence
// and data, and the quoted datagram of errors).
func TestAgreesWithXNet(t *testing.T) {
	for name, g := range loadGolden(t, "valid-*.hex") {
		t.Run(name, func(t *testing.T) {
			var p packet
			if err := p.decode(g.data); err != nil {
				t.Fatal(err)
			}
			if p.V6 {
				compareIPv6(t, &p, g.data)
			} else {
				compareIPv4(t, &p, g.data)
			}
			if p.Proto == wire.ProtoICMP || p.Proto == wire.ProtoICMPv6 {
				compareICMP(t, &p)
			}
		})
	}
}

func compareIPv4(t *testing.T, p *packet, b []byte) {
	h, err := ipv4.ParseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	ours := p.IPv4
	if h.Len != ours.Len() || h.TOS != int(ours.TOS) || h.TotalLen != int(ours.TotalLen) || h.ID != int(ours.ID) ||
		int(h.Flags) != int(ours.Flags) || h.FragOff != int(ours.FragOff) || h.TTL != int(ours.TTL) ||
		h.Protocol != int(ours.Protocol) || h.Checksum != int(ours.Checksum) ||
		!h.Src.Equal(net.IP(ours.Src.AsSlice())) || !h.Dst.Equal(net.IP(ours.Dst.AsSlice())) || !bytes.Equal(h.Options, ours.Options) {
		t.Errorf("x/net reads %+v, we read %+v", h, ours)
	}
}

func compareIPv6(t *testing.T, p *packet, b []byte) {
	h, err := ipv6.ParseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	ours := p.IPv6
	if h.TrafficClass != int(ours.TrafficClass) || h.FlowLabel != int(ours.FlowLabel) || h.PayloadLen != int(ours.PayloadLen) ||
		h.NextHeader != int(ours.NextHeader) || h.HopLimit != int(ours.HopLimit) ||
		!h.Src.Equal(net.IP(ours.Src.AsSlice())) || !h.Dst.Equal(net.IP(ours.Dst.AsSlice())) {
		t.Errorf("x/net reads %+v, we read %+v", h, ours)
	}
}

func compareICMP(t *testing.T, p *packet) {
	m, err := icmp.ParseMessage(int(p.Proto), p.L4)
	if err != nil {
		t.Fatal(err)
	}
	if m.Code != int(p.ICMP.Code) || m.Checksum != int(p.ICMP.Checksum) {
		t.Errorf("x/net reads code %d checksum %#04x, we read %d %#04x", m.Code, m.Checksum, p.ICMP.Code, p.ICMP.Checksum)
	}
	switch body := m.Body.(type) {
	case *icmp.Echo:
		if body.ID != int(p.Echo.ID) || body.Seq != int(p.Echo.Seq) || !bytes.Equal(body.Data, p.Echo.Data) {
			t.Errorf("x/net echo %d/%d, we read %d/%d", body.ID, body.Seq, p.Echo.ID, p.Echo.Seq)
		}
	case *icmp.TimeExceeded:
		if !p.IsTE || !bytes.Equal(body.Data, p.TE.Original()) {
			t.Errorf("x/net time exceeded quotes %x, we quote %x", body.Data, p.TE.Original())
		}
	case *icmp.DstUnreach:
		if !p.IsDU || !bytes.Equal(body.Data, p.DU.Original()) {
			t.Errorf("x/net destination unreachable quotes %x, we quote %x", body.Data, p.DU.Original())
		}
	default:
		t.Errorf("x/net reads body %T", body)
	}
}
