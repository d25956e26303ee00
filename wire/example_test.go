package wire_test

import (
	"encoding/hex"
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/wire"
)

// Build an ICMP echo request carrying a 9-slot Record Route option, as a
// Record Route ping sends it.
func ExampleRecordRoute_AppendBinary() {
	src, dst := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.9.9")
	rr := wire.NewRecordRoute(wire.RRMaxSlots)
	opts, _ := rr.AppendBinary([]byte{byte(wire.OptNOP)}) // NOP aligns the 39-byte option
	echo := wire.Echo{ID: 0x4242, Seq: 1, Data: []byte("revtr")}
	echo.SetChecksum(src, dst)
	ip := wire.IPv4{TTL: 64, Protocol: wire.ProtoICMP, Src: src, Dst: dst, Options: opts}
	ip.TotalLen = uint16(ip.Len() + echo.Len())
	_ = ip.SetChecksum()
	pkt, _ := ip.AppendBinary(nil)
	pkt, _ = echo.AppendBinary(pkt)
	fmt.Println(len(pkt), "bytes, header", ip.Len(), "checksum ok:", wire.Checksum(pkt[:ip.Len()]) == 0)
	// Output: 73 bytes, header 60 checksum ok: true
}

// Read the Record Route slots of a captured echo reply (the header of
// testdata/valid-ipv4-rr-echo-reply: iputils ping -R between lab namespaces).
func ExampleIPv4_RecordRoute() {
	pkt, _ := hex.DecodeString("4f00007cb2ff00003f01fe820a4d02020a4d01010727180a4d01010a4d02010a4d02020a4d02020a4d01020000000000000000000000000000000000")
	var ip wire.IPv4
	var rr wire.RecordRoute
	if err := ip.Decode(pkt); err != nil {
		fmt.Println(err)
		return
	}
	if found, err := ip.RecordRoute(&rr); !found || err != nil {
		fmt.Println("no Record Route:", err)
		return
	}
	fmt.Println(rr.Recorded(), "free:", rr.Free(), "full:", rr.Full())
	// Output: [10.77.1.1 10.77.2.1 10.77.2.2 10.77.2.2 10.77.1.2] free: 4 full: false
}

// Match an ICMP time exceeded to the UDP probe that caused it, by the
// quoted addresses, ports and checksum (testdata/valid-ipv4-udp-ttl1-time-exceeded).
func ExampleQuote() {
	pkt, _ := hex.DecodeString("45c000586bbd00004001f78b0a4d01020a4d01010b007d0f000000004500003ce8a900000111b96b0a4d01010a4d0202e852829a002817d6404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f")
	var ip wire.IPv4
	var te wire.TimeExceeded
	var q wire.Quote
	if err := ip.Decode(pkt); err != nil {
		fmt.Println(err)
		return
	}
	if err := te.Decode(ip.Payload(pkt)); err != nil {
		fmt.Println(err)
		return
	}
	if err := q.Decode(te.Original()); err != nil {
		fmt.Println(err)
		return
	}
	sport, dport, _ := q.Ports()
	sum, _ := q.Checksum()
	fmt.Printf("hop %v: probe %v:%d > %v:%d %v checksum %#04x, TTL left %d\n", ip.Src, q.Src(), sport, q.Dst(), dport, q.Proto(), sum, q.TTL())
	// Output: hop 10.77.1.2: probe 10.77.1.1:59474 > 10.77.2.2:33434 udp checksum 0x17d6, TTL left 1
}

// Make a Paris UDP probe's checksum carry a probe identifier while the
// ports (the flow) stay fixed.
func ExampleUDP_SteerChecksum() {
	src, dst := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.9.9")
	payload := make([]byte, 12)
	u := wire.UDP{SrcPort: 40000, DstPort: 33434}
	if err := u.SteerChecksum(src, dst, payload, 0x0107); err != nil {
		fmt.Println(err)
		return
	}
	seg, _ := u.AppendBinary(nil)
	seg = append(seg, payload...)
	fmt.Printf("checksum %#04x, verifies: %v\n", u.Checksum, wire.TransportChecksum(wire.ProtoUDP, src, dst, seg) == 0)
	// Output: checksum 0x0107, verifies: true
}

// Ask a two-host responder for the hop at TTL 3 toward us, and read its
// answer.
func ExampleTwoHostRequest() {
	client, server := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	req := wire.TwoHostRequest{V6: true, ID: 77, TTL: 3, Proto: wire.ProtoUDP, Flow: 33434}
	req.SetChecksum(client, server)
	msg, _ := req.AppendBinary(nil)
	fmt.Println("request:", hex.EncodeToString(msg[:2]), len(msg), "bytes")

	answer := wire.TwoHostResponse{V6: true, ID: 77, Node: netip.MustParseAddr("2001:db8:1::1"), RTT: 1500}
	_ = answer.SetChecksum(server, client)
	msg, _ = answer.AppendBinary(nil)

	var resp wire.TwoHostResponse
	if err := resp.Decode(msg); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("response:", resp.State, resp.Node, resp.RTT)
	// Output:
	// request: 8001 12 bytes
	// response: success 2001:db8:1::1 1.5µs
}
