package lab

import (
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// A router that forwards Record Route packets without stamping (RFC 791
// §3.1 says every router must stamp; some do not). No sysctl disables the
// stamp, so the kernel stamps and nftables undoes it:
//
//   - prerouting (before the kernel parses options): packets whose first
//     option is Record Route with a free slot (pointer + 3 <= length, the
//     kernel's own test) get mark bit rrMark;
//   - postrouting (after the kernel stamped and advanced the pointer by 4):
//     marked packets get the pointer moved back by 4, so the next router
//     overwrites the slot, and the last byte of the stamped address gets
//     +4. Both bytes sit in the same half of 16-bit words (pointer at
//     o+2, slot end at o-2 + pointer, pointer a multiple of 4), so the
//     header's one's-complement sum, and the checksum, stay as the kernel
//     left them. Hence interface addresses of such routers end in a byte
//     <= 251.
//
// The option starts at o = 20, or at o = 21 after one No Operation option
// (iputils `ping -R` sends that layout; replies echo it at 20).
// nftables cannot address a byte at a variable offset, so there is one rule
// per layout and pointer value; it has no addition either, so a constant map
// adds 4.

// plus4Map is the name of the map b -> b+4 for b in 0..251.
const plus4Map = "plus4"

// rrLayouts are the IP header offsets at which a Record Route option is
// recognised.
var rrLayouts = []uint32{offOptions, offOptions + 1}

// matchRRAt matches IPv4 packets carrying Record Route at offset o, as
// their first option or after one No Operation.
func matchRRAt(o uint32) []expr.Any {
	r := matchNfproto(unix.NFPROTO_IPV4)
	r = append(r, matchIHLOptions()...)
	if o > offOptions {
		r = append(r, load(expr.PayloadBaseNetworkHeader, offOptions, 1, reg1), cmp(expr.CmpOpEq, reg1, optNOP))
	}
	return append(r, load(expr.PayloadBaseNetworkHeader, o, 1, reg1), cmp(expr.CmpOpEq, reg1, rrType))
}

// rrChain is the name of the chain marking Record Route options at o.
func rrChain(o uint32) string { return fmt.Sprintf("rrmark%d", o) }

// rrJumpRule sends packets with Record Route at o to its marking chain.
func rrJumpRule(o uint32) []expr.Any {
	return append(matchRRAt(o), &expr.Verdict{Kind: expr.VerdictJump, Chain: rrChain(o)})
}

// rrMarkRule marks Record Route options at o of length l with a free slot:
// the (length, pointer) pair lies in [(l, 4), (l, l-3)].
func rrMarkRule(o uint32, l int) []expr.Any {
	r := []expr.Any{
		load(expr.PayloadBaseNetworkHeader, o+1, 2, reg1),
		&expr.Range{Op: expr.CmpOpEq, Register: reg1,
			FromData: []byte{byte(l), 4}, ToData: []byte{byte(l), byte(l - 3)}},
	}
	return append(r, markOr(rrMark)...)
}

// addRRUnstamp adds the plus4 map and the postrouting chain undoing the
// stamp of marked packets.
func addRRUnstamp(c *nftables.Conn, tbl *nftables.Table) error {
	// An explicit ID (unique in the batch: the only set) keeps AddSet from
	// bumping google/nftables v0.3.0's unsynchronised global counter,
	// which races when namespaces are configured in parallel (fixed
	// upstream by google/nftables#307).
	set := &nftables.Set{Table: tbl, Name: plus4Map, ID: 1, IsMap: true, Constant: true,
		KeyType: nftables.TypeInteger, DataType: nftables.TypeInteger}
	elems := make([]nftables.SetElement, 0, 252)
	for b := 0; b <= 251; b++ {
		// A 1-byte payload load leaves the byte first in a zeroed
		// 4-byte register; keys and values are laid out the same way.
		elems = append(elems, nftables.SetElement{Key: []byte{byte(b), 0, 0, 0}, Val: []byte{byte(b + 4), 0, 0, 0}})
	}
	if err := c.AddSet(set, elems); err != nil {
		return fmt.Errorf("nftables map %s: %w", plus4Map, err)
	}
	ch := baseChain(c, tbl, "postrouting", nftables.ChainHookPostrouting, nftables.ChainPriorityFilter)
	for _, o := range rrLayouts {
		for ptr := 8; ptr <= rrMaxLen+1; ptr += 4 {
			c.AddRule(&nftables.Rule{Table: tbl, Chain: ch, Exprs: rrUnstampRule(set, o, ptr)})
		}
	}
	return nil
}

// rrUnstampRule handles marked packets with Record Route at o whose
// pointer, after the kernel's stamp, is ptr: the stamped slot ends at IP
// offset o-2+ptr.
func rrUnstampRule(set *nftables.Set, o uint32, ptr int) []expr.Any {
	last := o - 2 + uint32(ptr)
	r := matchMarkBit(rrMark)
	r = append(r, matchRRAt(o)...)
	return append(r,
		load(expr.PayloadBaseNetworkHeader, o+2, 1, reg1),
		cmp(expr.CmpOpEq, reg1, byte(ptr)),
		&expr.Immediate{Register: reg1, Data: []byte{byte(ptr - 4)}},
		&expr.Payload{OperationType: expr.PayloadWrite, Base: expr.PayloadBaseNetworkHeader,
			Offset: o + 2, Len: 1, SourceRegister: reg1},
		load(expr.PayloadBaseNetworkHeader, last, 1, reg2),
		&expr.Lookup{SourceRegister: reg2, DestRegister: reg2, IsDestRegSet: true, SetName: set.Name, SetID: set.ID},
		&expr.Payload{OperationType: expr.PayloadWrite, Base: expr.PayloadBaseNetworkHeader,
			Offset: last, Len: 1, SourceRegister: reg2})
}
