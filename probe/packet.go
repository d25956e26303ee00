package probe

import (
	"net/netip"
	"time"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/wire"
)

// Payload sizes. Two bytes of each steer a checksum.
const (
	echoDataLen = 8
	udpDataLen  = 12
)

// Probe is one packet to send: ICMP echo, UDP or TCP SYN of a Paris flow
// at a TTL, optionally (IPv4 ICMP echo only) with an empty 9-slot Record
// Route option. It is what measurements are built of, and what the
// two-host responder sends (AppendProbe builds both).
type Probe struct {
	// Src is the source address: zero means the host's first address of
	// Dst's family; another host's address needs Config.AllowSpoof.
	Src, Dst netip.Addr
	// Flow fixes the header fields load balancers hash (meas.Flow: the
	// zero Flow is ICMP echo with checksum meas.DefaultICMPChecksum).
	Flow meas.Flow
	// TTL is the IPv4 TTL or IPv6 hop limit; 0 means meas.DefaultTTL.
	TTL int
	// RecordRoute adds an empty Record Route option (IPv4 ICMP only),
	// first in the options area, as lab routers expect it.
	RecordRoute bool
	// TOS is the IPv4 TOS or IPv6 traffic class, FlowLabel the IPv6 flow
	// label (a two-host responder copies the request's, so that load
	// balancers treat its probe like the request).
	TOS       uint8
	FlowLabel uint32
	// Timeout is how long to wait for the answer; 0 means the prober's.
	Timeout time.Duration
}

// ipHeader is what the IP header of a probe carries.
type ipHeader struct {
	src, dst  netip.Addr
	ttl, tos  uint8
	flowLabel uint32 // IPv6
	id        uint16 // IPv4 identification
	rr        bool
}

// appendIP appends the IPv4 or IPv6 header for a transport segment of n
// bytes of protocol proto.
func appendIP(b []byte, h ipHeader, proto wire.Proto, n int) ([]byte, error) {
	if h.dst.Is6() {
		ip := wire.IPv6{TrafficClass: h.tos, FlowLabel: h.flowLabel, PayloadLen: uint16(n), NextHeader: proto,
			HopLimit: h.ttl, Src: h.src, Dst: h.dst}
		return ip.AppendBinary(b)
	}
	ip := wire.IPv4{TOS: h.tos, ID: h.id, TTL: h.ttl, Protocol: proto, Src: h.src, Dst: h.dst}
	if h.rr {
		rr := wire.NewRecordRoute(wire.RRMaxSlots)
		var opts [wire.MaxOptionsLen]byte
		o, err := rr.AppendBinary(opts[:0])
		if err != nil {
			return b, err
		}
		ip.Options = o
	}
	ip.TotalLen = uint16(ip.Len() + n)
	if err := ip.SetChecksum(); err != nil {
		return b, err
	}
	return ip.AppendBinary(b)
}

// appendEcho appends an ICMP or ICMPv6 echo request with identifier id and
// sequence seq whose checksum is steered to csum by the first data bytes.
func appendEcho(b []byte, h ipHeader, id, seq, csum uint16) ([]byte, error) {
	var data [echoDataLen]byte
	e := wire.Echo{V6: h.dst.Is6(), ID: id, Seq: seq, Data: data[:]}
	if err := e.SteerChecksum(h.src, h.dst, csum, wire.SteerData); err != nil {
		return b, err
	}
	proto := wire.ProtoICMP
	if e.V6 {
		proto = wire.ProtoICMPv6
	}
	b, err := appendIP(b, h, proto, e.Len())
	if err != nil {
		return b, err
	}
	return e.AppendBinary(b)
}

// appendUDP appends a UDP probe from sport to dport whose checksum is tag.
func appendUDP(b []byte, h ipHeader, sport, dport, tag uint16) ([]byte, error) {
	var data [udpDataLen]byte
	u := wire.UDP{SrcPort: sport, DstPort: dport}
	if err := u.SteerChecksum(h.src, h.dst, data[:], tag); err != nil {
		return b, err
	}
	b, err := appendIP(b, h, wire.ProtoUDP, int(u.Length))
	if err != nil {
		return b, err
	}
	if b, err = u.AppendBinary(b); err != nil {
		return b, err
	}
	return append(b, data[:]...), nil
}

// appendTCP appends a TCP SYN from sport to dport with sequence seq.
func appendTCP(b []byte, h ipHeader, sport, dport uint16, seq uint32) ([]byte, error) {
	t := wire.TCP{SrcPort: sport, DstPort: dport, Seq: seq, Flags: wire.TCPSyn, Window: 65535}
	if err := t.SetChecksum(h.src, h.dst, nil); err != nil {
		return b, err
	}
	b, err := appendIP(b, h, wire.ProtoTCP, t.Len())
	if err != nil {
		return b, err
	}
	return t.AppendBinary(b)
}

// AppendProbe appends to b the complete IP packet of pr, marked as a
// prober of the given instance marks its probe tag (see the package
// documentation), for callers that send packets themselves, such as the
// two-host responder. pr.Src must be set; defaults apply to protocol and
// TTL. It does not allocate when b has room.
func AppendProbe(b []byte, pr Probe, instance, tag uint16) ([]byte, error) {
	const op = "build probe"
	if err := normalize(op, &pr); err != nil {
		return b, err
	}
	switch {
	case !pr.Src.IsValid():
		return b, badRequest(op, "missing source")
	case tag == 0 && pr.Flow.Proto == meas.UDP:
		return b, badRequest(op, "UDP probes carry the tag as checksum, which cannot be 0")
	}
	b, err := appendProbe(b, &pr, instance, tag)
	if err != nil {
		return b, opError(op, err)
	}
	return b, nil
}

// keyOf returns the key the replies to pr must show.
func keyOf(pr *Probe) key {
	k := key{proto: wire.Proto(pr.Flow.Proto.Number(pr.Dst.Is6())), src: pr.Src, dst: pr.Dst}
	k.sport, k.dport = pr.Flow.Ports()
	return k
}

// appendProbe appends probe pr (validated, defaults applied) tagged tag
// by a prober of instance inst.
func appendProbe(b []byte, pr *Probe, inst, tag uint16) ([]byte, error) {
	h := ipHeader{src: pr.Src, dst: pr.Dst, ttl: uint8(pr.TTL), tos: pr.TOS, flowLabel: pr.FlowLabel, id: inst, rr: pr.RecordRoute}
	sport, dport := pr.Flow.Ports()
	switch pr.Flow.Proto {
	case meas.UDP:
		return appendUDP(b, h, sport, dport, tag)
	case meas.TCP:
		return appendTCP(b, h, sport, dport, uint32(inst)<<16|uint32(tag))
	}
	return appendEcho(b, h, inst, tag, pr.Flow.Checksum())
}
