package twohost

import (
	"errors"
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// echoGuard keeps the kernel from echoing two-host requests itself: Linux
// answers any echo request, code 1 included, with an echo reply that
// existing clients would misread. The responder reads requests on a packet
// socket, which sees them before the IP stack; an nftables rule in its own
// table then drops them at prerouting, on the responder's interface only.
type echoGuard struct {
	c   *nftables.Conn
	tbl *nftables.Table
}

// guardTable names the nftables table of the responder on iface.
func guardTable(iface string) string { return "revtr_responder_" + iface }

// installGuard adds the table in the calling thread's network namespace;
// a table left by a responder that died is replaced.
func installGuard(iface string) (*echoGuard, error) {
	const op = "install nftables rule against kernel echoes"
	c, err := nftables.New(nftables.AsLasting())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	tbl := &nftables.Table{Family: nftables.TableFamilyINet, Name: guardTable(iface)}
	c.DelTable(tbl)
	_ = c.Flush() // fails when there is no stale table: nothing to remove
	c.AddTable(tbl)
	accept := nftables.ChainPolicyAccept
	ch := c.AddChain(&nftables.Chain{Name: "requests", Table: tbl, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookPrerouting, Priority: nftables.ChainPriorityRaw, Policy: &accept})
	c.AddRule(&nftables.Rule{Table: tbl, Chain: ch, Exprs: dropRequests(iface, unix.NFPROTO_IPV4, unix.IPPROTO_ICMP, 8)})
	c.AddRule(&nftables.Rule{Table: tbl, Chain: ch, Exprs: dropRequests(iface, unix.NFPROTO_IPV6, unix.IPPROTO_ICMPV6, 128)})
	if err := c.Flush(); err != nil {
		c.CloseLasting()
		if errors.Is(err, unix.EPERM) {
			err = fmt.Errorf("%w (CAP_NET_ADMIN): %v", ErrNeedRoot, err)
		}
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return &echoGuard{c: c, tbl: tbl}, nil
}

// dropRequests is: iifname iface, fib daddr type local, nfproto family,
// l4proto proto, the first two transport bytes are echoType and code 1:
// drop. Requests in transit (a responder on a router) pass untouched.
func dropRequests(iface string, family, proto, echoType byte) []expr.Any {
	name := make([]byte, unix.IFNAMSIZ)
	copy(name, iface)
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyIIFNAME, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: name},
		&expr.Fib{Register: 1, FlagDADDR: true, ResultADDRTYPE: true},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(unix.RTN_LOCAL)},
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{family}},
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 0, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{echoType, 1}},
		&expr.Verdict{Kind: expr.VerdictDrop},
	}
}

// remove deletes the table and closes the netlink connection.
func (g *echoGuard) remove() error {
	g.c.DelTable(g.tbl)
	err := g.c.Flush()
	if cerr := g.c.CloseLasting(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("remove nftables table %s: %w", g.tbl.Name, err)
	}
	return nil
}
