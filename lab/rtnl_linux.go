package lab

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"syscall"
	"unsafe"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// rtnlBatch sends rtnetlink requests to one namespace many per sendmsg.
// Building a lab is hundreds of thousands of small requests (routes above
// all); one syscall pair each would dominate the build. The kernel handles
// the requests of a write in order; only failures and the last request of
// a write are answered (one acknowledgement per request would overflow the
// receive buffer), and the first failure is reported with its request.
type rtnlBatch struct {
	fd   int
	seq  uint32   // sequence number of the first pending request
	buf  []byte   // pending requests
	last int      // offset of the last pending request in buf
	what []string // description of each pending request, by seq
	rbuf []byte
}

// batchBytes bounds one write, well below the socket's send buffer.
const batchBytes = 32 << 10

// dialRTNL opens an rtnetlink socket in namespace ns.
func dialRTNL(ns netns.NsHandle) (*rtnlBatch, error) {
	fd := -1
	err := inNS(ns, func() error {
		var err error
		fd, err = unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("rtnetlink socket: %w", err)
	}
	b := &rtnlBatch{fd: fd, seq: 1, rbuf: make([]byte, 64<<10)}
	if err := b.setup(); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("rtnetlink socket: %w", err)
	}
	return b, nil
}

func (b *rtnlBatch) setup() error {
	if err := unix.Bind(b.fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	for _, opt := range []int{unix.NETLINK_CAP_ACK, unix.NETLINK_EXT_ACK} {
		if err := unix.SetsockoptInt(b.fd, unix.SOL_NETLINK, opt, 1); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the socket; pending requests are dropped.
func (b *rtnlBatch) Close() error { return unix.Close(b.fd) }

// add queues one request (header flags besides REQUEST and ACK in flags)
// whose body is fixed followed by attributes.
func (b *rtnlBatch) add(what string, typ, flags uint16, fixed []byte, attrs ...[]byte) error {
	n := unix.NLMSG_HDRLEN + len(fixed)
	for _, a := range attrs {
		n += len(a)
	}
	if len(b.buf)+n > batchBytes {
		if err := b.flush(); err != nil {
			return err
		}
	}
	var h [unix.NLMSG_HDRLEN]byte
	binary.NativeEndian.PutUint32(h[0:], uint32(n))
	binary.NativeEndian.PutUint16(h[4:], typ)
	binary.NativeEndian.PutUint16(h[6:], flags|unix.NLM_F_REQUEST)
	binary.NativeEndian.PutUint32(h[8:], b.seq+uint32(len(b.what)))
	b.last = len(b.buf)
	b.buf = append(append(b.buf, h[:]...), fixed...)
	for _, a := range attrs {
		b.buf = append(b.buf, a...)
	}
	b.what = append(b.what, what)
	return nil
}

// flush writes the pending requests, the last one asking for an
// acknowledgement, and waits for it or the first failure.
func (b *rtnlBatch) flush() error {
	if len(b.what) == 0 {
		return nil
	}
	first, count := b.seq, uint32(len(b.what))
	what := b.what
	b.seq += count
	defer func() { b.buf, b.what = b.buf[:0], b.what[:0] }()
	fl := binary.NativeEndian.Uint16(b.buf[b.last+6:])
	binary.NativeEndian.PutUint16(b.buf[b.last+6:], fl|unix.NLM_F_ACK)
	if err := unix.Sendto(b.fd, b.buf, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("rtnetlink send: %w", err)
	}
	for {
		n, _, err := unix.Recvfrom(b.fd, b.rbuf, 0)
		if err != nil {
			return fmt.Errorf("rtnetlink receive: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(b.rbuf[:n])
		if err != nil {
			return fmt.Errorf("rtnetlink receive: %w", err)
		}
		for _, m := range msgs {
			i := m.Header.Seq - first
			if m.Header.Type != unix.NLMSG_ERROR || i >= count || len(m.Data) < 4 {
				continue
			}
			if errno := int32(binary.NativeEndian.Uint32(m.Data)); errno != 0 {
				return fmt.Errorf("%s: %w", what[i], syscall.Errno(-errno))
			}
			if i == count-1 {
				return nil
			}
		}
	}
}

// attr encodes one rtnetlink attribute, padded to 4 bytes.
func attr(typ uint16, data []byte) []byte {
	l := unix.SizeofRtAttr + len(data)
	a := make([]byte, (l+3)&^3)
	binary.NativeEndian.PutUint16(a[0:], uint16(l))
	binary.NativeEndian.PutUint16(a[2:], typ)
	copy(a[unix.SizeofRtAttr:], data)
	return a
}

func attrU32(typ uint16, v uint32) []byte {
	return attr(typ, binary.NativeEndian.AppendUint32(nil, v))
}

func family(a netip.Addr) uint8 {
	if a.Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// raw returns the bytes of a kernel struct.
func raw[T any](v *T) []byte { return unsafe.Slice((*byte)(unsafe.Pointer(v)), unsafe.Sizeof(*v)) }

// linkUp queues bringing interface index up.
func (b *rtnlBatch) linkUp(name string, index int) error {
	m := unix.IfInfomsg{Index: int32(index), Flags: unix.IFF_UP, Change: unix.IFF_UP}
	return b.add("set "+name+" up", unix.RTM_NEWLINK, 0, raw(&m))
}

// addr queues an interface address; IPv6 without duplicate address
// detection.
func (b *rtnlBatch) addr(ifname string, index int, p netip.Prefix) error {
	m := unix.IfAddrmsg{Family: family(p.Addr()), Prefixlen: uint8(p.Bits()), Index: uint32(index)}
	var flags uint32
	if p.Addr().Is6() {
		flags = unix.IFA_F_NODAD
	}
	a := p.Addr().AsSlice()
	return b.add(fmt.Sprintf("address %s on %s", p, ifname), unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_EXCL, raw(&m),
		attr(unix.IFA_LOCAL, a), attr(unix.IFA_ADDRESS, a), attrU32(unix.IFA_FLAGS, flags))
}

// neigh queues a permanent neighbour entry.
func (b *rtnlBatch) neigh(ifname string, index int, ip netip.Addr, mac []byte) error {
	m := unix.NdMsg{Family: family(ip), Ifindex: int32(index), State: unix.NUD_PERMANENT}
	return b.add(fmt.Sprintf("neighbour %s on %s", ip, ifname), unix.RTM_NEWNEIGH, unix.NLM_F_CREATE|unix.NLM_F_EXCL, raw(&m),
		attr(unix.NDA_DST, ip.AsSlice()), attr(unix.NDA_LLADDR, mac))
}

// route queues a single-next-hop route.
func (b *rtnlBatch) route(r routeSpec, ifindex int) error {
	m := unix.RtMsg{
		Family: family(r.dst.Addr()), Dst_len: uint8(r.dst.Bits()), Table: uint8(r.table),
		Protocol: unix.RTPROT_STATIC, Scope: unix.RT_SCOPE_UNIVERSE, Type: unix.RTN_UNICAST,
	}
	attrs := [][]byte{attr(unix.RTA_DST, r.dst.Addr().AsSlice()), attrU32(unix.RTA_OIF, uint32(ifindex)), attrU32(unix.RTA_TABLE, uint32(r.table))}
	if r.gw.IsValid() {
		attrs = append(attrs, attr(unix.RTA_GATEWAY, r.gw.AsSlice()))
	} else {
		m.Scope = unix.RT_SCOPE_LINK
	}
	return b.add(fmt.Sprintf("route %s via %s table %d", r.dst, r.gw, r.table), unix.RTM_NEWROUTE,
		unix.NLM_F_CREATE|unix.NLM_F_EXCL, raw(&m), attrs...)
}

// fibRuleHdr is struct fib_rule_hdr of <linux/fib_rules.h>.
type fibRuleHdr struct {
	Family, DstLen, SrcLen, Tos, Table, Res1, Res2, Action uint8
	Flags                                                  uint32
}

// markRule queues the policy rule "fwmark mark/mask lookup table".
func (b *rtnlBatch) markRule(fam uint8, mark, mask uint32, table, prio int) error {
	m := fibRuleHdr{Family: fam, Table: uint8(table), Action: unix.FR_ACT_TO_TBL}
	return b.add(fmt.Sprintf("rule fwmark %d/%#x lookup %d", mark, mask, table), unix.RTM_NEWRULE,
		unix.NLM_F_CREATE|unix.NLM_F_EXCL, raw(&m),
		attrU32(unix.FRA_FWMARK, mark), attrU32(unix.FRA_FWMASK, mask),
		attrU32(unix.FRA_PRIORITY, uint32(prio)), attrU32(unix.FRA_TABLE, uint32(table)))
}
