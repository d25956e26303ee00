package wire

import (
	"encoding/binary"
	"net/netip"
)

// Checksum returns the Internet checksum of b (RFC 1071): the one's
// complement of the one's complement sum of b's 16-bit big-endian words, b
// padded with a zero byte if its length is odd. Over data that includes a
// correct checksum field it returns 0.
func Checksum(b []byte) uint16 {
	return ^fold(sum(0, b))
}

// TransportChecksum returns the checksum of the transport segment seg (UDP,
// TCP or ICMPv6 header and payload) sent from src to dst, including the
// IPv4 (RFC 768, RFC 793) or IPv6 (RFC 8200 section 8.1) pseudo-header. For
// ProtoICMP (ICMPv4) there is no pseudo-header and src and dst are ignored.
// With seg's checksum field zeroed it returns the value to store there; over
// a segment with a correct checksum it returns 0. It does not apply UDP's
// rule that a computed 0 is sent as 0xffff; UDP.SetChecksum does.
func TransportChecksum(proto Proto, src, dst netip.Addr, seg []byte) uint16 {
	return ^fold(sum(pseudoSum(proto, src, dst, len(seg)), seg))
}

// pseudoSum returns the unfolded sum of the pseudo-header for a segment of
// length n. Because 2^16 = 1 modulo 0xffff, the 32-bit IPv6 length and the
// 16-bit IPv4 length both simply add n.
func pseudoSum(proto Proto, src, dst netip.Addr, n int) uint64 {
	if proto == ProtoICMP {
		return 0
	}
	acc := uint64(proto) + uint64(n)
	if src.Is4() {
		s, d := src.As4(), dst.As4()
		return sum(sum(acc, s[:]), d[:])
	}
	s, d := src.As16(), dst.As16()
	return sum(sum(acc, s[:]), d[:])
}

// sum adds b's 16-bit big-endian words to acc without folding. Summing
// 32-bit words is equivalent modulo 0xffff and twice as fast; a uint64
// cannot overflow for any packet.
func sum(acc uint64, b []byte) uint64 {
	for len(b) >= 8 {
		acc += uint64(binary.BigEndian.Uint32(b)) + uint64(binary.BigEndian.Uint32(b[4:]))
		b = b[8:]
	}
	if len(b) >= 4 {
		acc += uint64(binary.BigEndian.Uint32(b))
		b = b[4:]
	}
	if len(b) >= 2 {
		acc += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint64(b[0]) << 8
	}
	return acc
}

// fold reduces acc to a 16-bit one's complement sum (end-around carry).
func fold(acc uint64) uint16 {
	for acc > 0xffff {
		acc = acc>>16 + acc&0xffff
	}
	return uint16(acc)
}

// solveWord returns the value x of one 16-bit word, at an even offset of
// the checksummed data, such that the checksum becomes want, given acc, the
// unfolded sum of everything else (the free word and the checksum field
// counted as zero). One's complement sums of data that is not all zero
// never fold to 0x0000, so want 0xffff cannot be reached: ok is false.
func solveWord(acc uint64, want uint16) (x uint16, ok bool) {
	s0 := fold(acc)
	x = fold(uint64(^want) + uint64(^s0))
	return x, ^fold(uint64(s0)+uint64(x)) == want
}
