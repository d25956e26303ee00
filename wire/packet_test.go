package wire_test

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/revtr/revtr/wire"
)

// packet is a whole IP packet decoded the way a prober decodes what its raw
// sockets receive: IP header, then ICMP, UDP or TCP, then the quote of an
// ICMP error. Only the fields of the layers present are set.
type packet struct {
	V6     bool
	IPv4   wire.IPv4
	IPv6   wire.IPv6
	IPHdr  []byte // encoded IP header as received
	Proto  wire.Proto
	L4     []byte // transport bytes as received
	ICMP   wire.ICMP
	Echo   wire.Echo
	TE     wire.TimeExceeded
	DU     wire.DstUnreach
	IsTE   bool
	IsDU   bool
	Quote  wire.Quote
	UDP    wire.UDP
	TCP    wire.TCP
	RR     wire.RecordRoute
	HasRR  bool
	TS     wire.Timestamp
	HasTS  bool
	QRR    wire.RecordRoute // Record Route of the quoted header
	QHasRR bool
}

// decode walks b; it must not allocate on success.
func (p *packet) decode(b []byte) error {
	if len(b) > 0 && b[0]>>4 == 6 {
		p.V6 = true
		if err := p.IPv6.Decode(b); err != nil {
			return err
		}
		p.IPHdr, p.Proto, p.L4 = b[:wire.IPv6HeaderLen], p.IPv6.NextHeader, p.IPv6.Payload(b)
	} else {
		if err := p.IPv4.Decode(b); err != nil {
			return err
		}
		p.IPHdr, p.Proto, p.L4 = b[:p.IPv4.Len()], p.IPv4.Protocol, p.IPv4.Payload(b)
		var err error
		if p.HasTS, err = p.IPv4.Timestamp(&p.TS); err != nil {
			return err
		}
		if p.HasRR, err = p.IPv4.RecordRoute(&p.RR); err != nil {
			return err
		}
	}
	switch p.Proto {
	case wire.ProtoICMP, wire.ProtoICMPv6:
		return p.decodeICMP()
	case wire.ProtoUDP:
		return p.UDP.Decode(p.L4)
	case wire.ProtoTCP:
		return p.TCP.Decode(p.L4)
	}
	return nil
}

func (p *packet) decodeICMP() error {
	if err := p.ICMP.Decode(p.L4); err != nil {
		return err
	}
	var orig []byte
	switch {
	case !p.V6 && (wire.ICMPv4Type(p.ICMP.Type) == wire.ICMPv4Echo || wire.ICMPv4Type(p.ICMP.Type) == wire.ICMPv4EchoReply),
		p.V6 && (wire.ICMPv6Type(p.ICMP.Type) == wire.ICMPv6Echo || wire.ICMPv6Type(p.ICMP.Type) == wire.ICMPv6EchoReply):
		return p.Echo.Decode(p.L4)
	case !p.V6 && wire.ICMPv4Type(p.ICMP.Type) == wire.ICMPv4TimeExceeded,
		p.V6 && wire.ICMPv6Type(p.ICMP.Type) == wire.ICMPv6TimeExceeded:
		if err := p.TE.Decode(p.L4); err != nil {
			return err
		}
		p.IsTE, orig = true, p.TE.Original()
	case !p.V6 && wire.ICMPv4Type(p.ICMP.Type) == wire.ICMPv4DstUnreach,
		p.V6 && wire.ICMPv6Type(p.ICMP.Type) == wire.ICMPv6DstUnreach:
		if err := p.DU.Decode(p.L4); err != nil {
			return err
		}
		p.IsDU, orig = true, p.DU.Original()
	default:
		return nil
	}
	if err := p.Quote.Decode(orig); err != nil {
		return err
	}
	if p.Quote.V6 {
		return nil
	}
	var err error
	p.QHasRR, err = p.Quote.IPv4.RecordRoute(&p.QRR)
	return err
}

// src and dst return the packet's addresses.
func (p *packet) src() netip.Addr {
	if p.V6 {
		return p.IPv6.Src
	}
	return p.IPv4.Src
}

func (p *packet) dst() netip.Addr {
	if p.V6 {
		return p.IPv6.Dst
	}
	return p.IPv4.Dst
}

// golden is one testdata file: a comment (the tcpdump summary, or what is
// wrong with an invalid packet) and the bytes of one IP packet.
type golden struct {
	name    string
	comment []string
	data    []byte
}

func readGolden(tb testing.TB, path string) golden {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	g := golden{name: strings.TrimSuffix(filepath.Base(path), ".hex")}
	var hx strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if c, ok := strings.CutPrefix(line, "#"); ok {
			g.comment = append(g.comment, strings.TrimSpace(c))
			continue
		}
		hx.WriteString(line)
	}
	if g.data, err = hex.DecodeString(hx.String()); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return g
}

func loadGolden(tb testing.TB, pattern string) map[string]golden {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no testdata matching %s (%v)", pattern, err)
	}
	m := make(map[string]golden)
	for _, p := range paths {
		g := readGolden(tb, p)
		m[g.name] = g
	}
	return m
}

func mustGolden(tb testing.TB, name string) []byte {
	tb.Helper()
	return readGolden(tb, filepath.Join("testdata", name+".hex")).data
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func addrs(ss ...string) []netip.Addr {
	var r []netip.Addr
	for _, s := range ss {
		r = append(r, addr(s))
	}
	return r
}

func hexOf(b []byte) string { return fmt.Sprintf("%x", b) }

func mustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
