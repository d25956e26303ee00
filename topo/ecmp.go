package topo

import (
	"encoding/binary"
	"net/netip"

	"github.com/revtr/revtr/meas"
)

// ECMPSlots is the number of hash buckets the per-flow ECMP hash maps a flow
// into. A route with n next hops (n ≤ MaxECMP) sends bucket b to next hop
// b mod n; 12 is divisible by 1, 2, 3 and 4, so every next hop gets an equal
// share.
const ECMPSlots = 12

// MaxECMP is the largest number of next hops a route may have.
const MaxECMP = 4

// FlowKey is a packet as the ECMP hash reads it: both addresses and the
// Paris flow (meas.Flow), whose protocol gives the number in the IP header
// (ICMP 1 over IPv4, 58 over IPv6) and whose ports, defaults applied, are
// read for UDP and TCP only. The ICMP checksum is not hashed.
type FlowKey struct {
	Src, Dst netip.Addr
	Flow     meas.Flow
}

// Key returns the bytes the hash reads, laid out as nftables registers hold
// them in lab/'s prerouting rule: source and destination address (4 or 16
// bytes each, network order), the protocol number in a zero-padded 4-byte
// register, then source and destination port (network order, zero for
// ICMP) in one 4-byte register.
func (k FlowKey) Key(buf []byte) []byte {
	buf = append(buf, k.Src.AsSlice()...)
	buf = append(buf, k.Dst.AsSlice()...)
	buf = append(buf, k.Flow.Proto.Number(k.Dst.Is6()), 0, 0, 0)
	var ports [4]byte
	sport, dport := k.Flow.Ports()
	binary.BigEndian.PutUint16(ports[0:], sport)
	binary.BigEndian.PutUint16(ports[2:], dport)
	return append(buf, ports[:]...)
}

// ECMPBucket returns the hash bucket in [0, ECMPSlots) of a flow, exactly as
// the kernel's nftables "jhash ... mod 12 seed HashSeed" expression computes
// it over Key: Bob Jenkins' lookup3 hash (the kernel's jhash) scaled into
// the bucket range with reciprocal_scale.
func (t *Topology) ECMPBucket(k FlowKey) int {
	var buf [40]byte
	key := k.Key(buf[:0])
	h := jhash(key, t.HashSeed)
	return int(uint64(h) * ECMPSlots >> 32)
}

// ECMPIndex returns which of n next hops a forwarded packet of flow k takes.
// Packets a node originates itself always take next hop 0.
func (t *Topology) ECMPIndex(k FlowKey, n int) int {
	if n <= 1 {
		return 0
	}
	return t.ECMPBucket(k) % n
}

// jhash is the Linux kernel's jhash() (include/linux/jhash.h): lookup3's
// hashlittle reading 32-bit words in little-endian order, as the kernel does
// on x86 and arm64.
func jhash(key []byte, initval uint32) uint32 {
	const initValue = 0xdeadbeef
	a := initValue + uint32(len(key)) + initval
	b, c := a, a
	for len(key) > 12 {
		a += binary.LittleEndian.Uint32(key[0:])
		b += binary.LittleEndian.Uint32(key[4:])
		c += binary.LittleEndian.Uint32(key[8:])
		a, b, c = jhashMix(a, b, c)
		key = key[12:]
	}
	if len(key) == 0 {
		return c
	}
	var tail [12]byte
	copy(tail[:], key)
	a += binary.LittleEndian.Uint32(tail[0:])
	b += binary.LittleEndian.Uint32(tail[4:])
	c += binary.LittleEndian.Uint32(tail[8:])
	return jhashFinal(a, b, c)
}

func rol32(w uint32, s uint) uint32 { return w<<s | w>>(32-s) }

func jhashMix(a, b, c uint32) (uint32, uint32, uint32) {
	a -= c
	a ^= rol32(c, 4)
	c += b
	b -= a
	b ^= rol32(a, 6)
	a += c
	c -= b
	c ^= rol32(b, 8)
	b += a
	a -= c
	a ^= rol32(c, 16)
	c += b
	b -= a
	b ^= rol32(a, 19)
	a += c
	c -= b
	c ^= rol32(b, 4)
	b += a
	return a, b, c
}

func jhashFinal(a, b, c uint32) uint32 {
	c ^= b
	c -= rol32(b, 14)
	a ^= c
	a -= rol32(c, 11)
	b ^= a
	b -= rol32(a, 25)
	c ^= b
	c -= rol32(b, 16)
	a ^= c
	a -= rol32(c, 4)
	b ^= a
	b -= rol32(a, 14)
	c ^= b
	c -= rol32(b, 24)
	return c
}
