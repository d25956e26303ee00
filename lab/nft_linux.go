package lab

import (
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"github.com/revtr/revtr/topo"
	"golang.org/x/sys/unix"
)

// nftTable is the name of the inet table holding a node's rules.
const nftTable = "revtr"

// rrMark is the mark bit a non-stamping router sets at prerouting on
// packets whose Record Route option has a free slot; the ECMP bucket uses
// the low byte (markMask).
const rrMark = 0x100

// nftables registers: two 16-byte ones, and the 32-bit ones (NFT_REG32_00 is
// 8) that hold the ECMP hash input back to back.
const (
	reg1   = unix.NFT_REG_1
	reg2   = unix.NFT_REG_2
	reg32k = unix.NFT_REG32_00
)

// IPv4 options (RFC 791).
const (
	offOptions = 20 // first option byte in the IPv4 header
	optNOP     = 1
	rrType     = 7
	rrMaxLen   = 39 // 9 slots
)

// needsNft reports whether node n needs any rule.
func needsNft(n *topo.Node) bool {
	_, e4, e6 := routePlan(n)
	b := n.Behaviour
	return e4 || e6 || b.NoRRStamp || b.DropOptions || b.NoTimeExceeded ||
		(n.Kind == topo.Host && n.Role.DropOptions)
}

// addNft programs node n's nftables table through c (one batch).
func addNft(c *nftables.Conn, t *topo.Topology, n *topo.Node) error {
	tbl := c.AddTable(&nftables.Table{Family: nftables.TableFamilyINet, Name: nftTable})
	_, e4, e6 := routePlan(n)
	b := n.Behaviour
	var preRules [][]expr.Any // the prerouting chain, in order
	if e4 || e6 {
		preRules = append(preRules, ecmpRules(t.HashSeed)...)
	}
	if b.NoRRStamp {
		for _, o := range rrLayouts {
			rr := c.AddChain(&nftables.Chain{Name: rrChain(o), Table: tbl})
			for l := 7; l <= rrMaxLen; l += 4 {
				c.AddRule(&nftables.Rule{Table: tbl, Chain: rr, Exprs: rrMarkRule(o, l)})
			}
			preRules = append(preRules, rrJumpRule(o))
		}
		if err := addRRUnstamp(c, tbl); err != nil {
			return err
		}
	}
	if len(preRules) > 0 {
		ch := baseChain(c, tbl, "prerouting", nftables.ChainHookPrerouting, nftables.ChainPriorityMangle)
		for _, r := range preRules {
			c.AddRule(&nftables.Rule{Table: tbl, Chain: ch, Exprs: r})
		}
	}
	if b.DropOptions && n.Kind == topo.Router {
		ch := baseChain(c, tbl, "forwarding", nftables.ChainHookForward, nftables.ChainPriorityFilter)
		c.AddRule(&nftables.Rule{Table: tbl, Chain: ch, Exprs: dropOptionsRule()})
	}
	if n.Kind == topo.Host && n.Role.DropOptions {
		ch := baseChain(c, tbl, "inbound", nftables.ChainHookInput, nftables.ChainPriorityFilter)
		c.AddRule(&nftables.Rule{Table: tbl, Chain: ch, Exprs: dropOptionsRule()})
	}
	if b.NoTimeExceeded {
		ch := baseChain(c, tbl, "outbound", nftables.ChainHookOutput, nftables.ChainPriorityFilter)
		c.AddRule(&nftables.Rule{Table: tbl, Chain: ch, Exprs: dropICMPRule(unix.NFPROTO_IPV4, unix.IPPROTO_ICMP, 11)})
		c.AddRule(&nftables.Rule{Table: tbl, Chain: ch, Exprs: dropICMPRule(unix.NFPROTO_IPV6, unix.IPPROTO_ICMPV6, 3)})
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("node %s: nftables: %w", n.Name, err)
	}
	return nil
}

func baseChain(c *nftables.Conn, tbl *nftables.Table, name string, hook *nftables.ChainHook, prio *nftables.ChainPriority) *nftables.Chain {
	accept := nftables.ChainPolicyAccept
	return c.AddChain(&nftables.Chain{
		Name: name, Table: tbl, Type: nftables.ChainTypeFilter,
		Hooknum: hook, Priority: prio, Policy: &accept,
	})
}

// ecmpRules computes, for every IPv4 and IPv6 packet, the flow's bucket
// jhash(saddr . daddr . proto . ports) mod 12 + 1 into the mark: ports are
// read for TCP and UDP and are zero otherwise, exactly as topo.FlowKey lays
// the key out. The mark is set, not merged: it enters the namespace as 0
// (crossing namespaces clears it) and the Record Route rule that follows
// ORs its bit in.
func ecmpRules(seed uint32) [][]expr.Any {
	var rules [][]expr.Any
	for _, f := range []struct {
		nfproto          byte
		saddr, daddr, pr uint32 // header offsets
		alen             uint32
	}{
		{unix.NFPROTO_IPV4, 12, 16, 9, 4},
		{unix.NFPROTO_IPV6, 8, 24, 6, 16},
	} {
		regPr := reg32k + 2*f.alen/4 // after both addresses
		for _, proto := range []int{unix.IPPROTO_TCP, unix.IPPROTO_UDP, -1} {
			r := matchNfproto(f.nfproto)
			r = append(r, load(expr.PayloadBaseNetworkHeader, f.pr, 1, reg1))
			if proto >= 0 {
				r = append(r, cmp(expr.CmpOpEq, reg1, byte(proto)))
			} else {
				r = append(r, cmp(expr.CmpOpNeq, reg1, unix.IPPROTO_TCP), cmp(expr.CmpOpNeq, reg1, unix.IPPROTO_UDP))
			}
			r = append(r,
				load(expr.PayloadBaseNetworkHeader, f.saddr, f.alen, reg32k),
				load(expr.PayloadBaseNetworkHeader, f.daddr, f.alen, reg32k+f.alen/4),
				load(expr.PayloadBaseNetworkHeader, f.pr, 1, regPr))
			if proto >= 0 {
				r = append(r, load(expr.PayloadBaseTransportHeader, 0, 4, regPr+1))
			} else {
				r = append(r, &expr.Immediate{Register: regPr + 1, Data: []byte{0, 0, 0, 0}})
			}
			r = append(r,
				&expr.Hash{SourceRegister: reg32k, DestRegister: reg1, Length: 2*f.alen + 8,
					Modulus: topo.ECMPSlots, Seed: seed, Offset: 1, Type: expr.HashTypeJenkins},
				&expr.Meta{Key: expr.MetaKeyMARK, SourceRegister: true, Register: reg1})
			rules = append(rules, r)
		}
	}
	return rules
}

// dropOptionsRule drops IPv4 packets whose header is longer than 20 bytes.
func dropOptionsRule() []expr.Any {
	r := matchNfproto(unix.NFPROTO_IPV4)
	r = append(r, matchIHLOptions()...)
	return append(r, &expr.Verdict{Kind: expr.VerdictDrop})
}

// dropICMPRule drops ICMP (or ICMPv6) messages of one type.
func dropICMPRule(nfproto byte, l4proto byte, typ byte) []expr.Any {
	r := matchNfproto(nfproto)
	return append(r,
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: reg1},
		cmp(expr.CmpOpEq, reg1, l4proto),
		load(expr.PayloadBaseTransportHeader, 0, 1, reg1),
		cmp(expr.CmpOpEq, reg1, typ),
		&expr.Verdict{Kind: expr.VerdictDrop})
}

func matchNfproto(p byte) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: reg1},
		cmp(expr.CmpOpEq, reg1, p),
	}
}

// matchIHLOptions matches IPv4 headers with options (IHL > 5).
func matchIHLOptions() []expr.Any {
	return []expr.Any{
		load(expr.PayloadBaseNetworkHeader, 0, 1, reg1),
		&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 1, Mask: []byte{0x0f}, Xor: []byte{0}},
		cmp(expr.CmpOpGt, reg1, 5),
	}
}

func load(base expr.PayloadBase, off, n, reg uint32) *expr.Payload {
	return &expr.Payload{OperationType: expr.PayloadLoad, Base: base, Offset: off, Len: n, DestRegister: reg}
}

func cmp(op expr.CmpOp, reg uint32, data ...byte) *expr.Cmp {
	return &expr.Cmp{Op: op, Register: reg, Data: data}
}

// markOr sets bits in the packet mark, keeping the others.
func markOr(bits uint32) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyMARK, Register: reg1},
		&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 4,
			Mask: binaryutil.NativeEndian.PutUint32(^bits), Xor: binaryutil.NativeEndian.PutUint32(bits)},
		&expr.Meta{Key: expr.MetaKeyMARK, SourceRegister: true, Register: reg1},
	}
}

// matchMarkBit matches packets whose mark has bit set.
func matchMarkBit(bit uint32) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyMARK, Register: reg1},
		&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 4,
			Mask: binaryutil.NativeEndian.PutUint32(bit), Xor: make([]byte, 4)},
		cmp(expr.CmpOpNeq, reg1, 0, 0, 0, 0),
	}
}
