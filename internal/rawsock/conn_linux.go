package rawsock

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/revtr/revtr/wire"
)

// Conn is a raw IPv4 or IPv6 socket, made by OpenSend or OpenRecv (the
// zero value fails every call). Send is safe for concurrent use; Recv and
// RecvHopLimit are for one reader at a time; Close may be called at any
// time.
type Conn struct {
	*sock
	family Family
	proto  wire.Proto
}

// OpenSend opens the IPPROTO_RAW socket of family f in the calling
// thread's network namespace: Send writes whole IP packets, header
// included. It never receives, so its receive buffer is the smallest.
func OpenSend(f Family) (*Conn, error) {
	c, err := openIP(f, protoRaw)
	if err != nil {
		return nil, err
	}
	err = c.configure(socketName(f, protoRaw), Config{}, f, unix.IPPROTO_RAW, func(fd int) error {
		return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 0)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// OpenRecv opens a raw socket of family f and protocol p in the calling
// thread's network namespace, tuned by cfg. Recv returns every packet of
// p addressed to the namespace: IPv4 packets with their header, IPv6 ones
// without. Send writes payloads, behind a header the kernel builds.
func OpenRecv(f Family, p wire.Proto, cfg Config) (*Conn, error) {
	if p == 0 || p == protoRaw {
		return nil, fmt.Errorf("open %s socket: protocol %d does not receive", socketName(f, p), p)
	}
	c, err := openIP(f, p)
	if err != nil {
		return nil, err
	}
	if err := c.configure(socketName(f, p), cfg, f, int(p), nil); err != nil {
		return nil, err
	}
	return c, nil
}

func openIP(f Family, p wire.Proto) (*Conn, error) {
	domain := unix.AF_INET
	switch f {
	case IPv4:
	case IPv6:
		domain = unix.AF_INET6
	default:
		return nil, fmt.Errorf("open %s socket: no such family", socketName(f, p))
	}
	s, err := open(domain, unix.SOCK_RAW, int(p), socketName(f, p))
	if err != nil {
		return nil, err
	}
	return &Conn{sock: s, family: f, proto: p}, nil
}

// Family returns the socket's IP family.
func (c *Conn) Family() Family { return c.family }

// Proto returns the protocol the socket receives (255, IPPROTO_RAW, for a
// send socket).
func (c *Conn) Proto() wire.Proto { return c.proto }

// Send writes b to dst, an address of the socket's family (an
// IPv4-mapped address counts as IPv4). It allocates nothing.
func (c *Conn) Send(b []byte, dst netip.Addr) error {
	if !c.ok() {
		return errClosed
	}
	if FamilyOf(dst) != c.family {
		return fmt.Errorf("send to %v on %s socket: %w", dst, socketName(c.family, c.proto), errAddr)
	}
	t := &c.tx
	t.mu.Lock()
	defer t.mu.Unlock()
	if c.family == IPv6 {
		t.in6.Addr = dst.As16()
		return c.sendLocked(b, &t.in6)
	}
	t.in4.Addr = dst.Unmap().As4()
	return c.sendLocked(b, &t.in4)
}

// Recv reads one packet into b and returns its length and source
// address. It blocks until a packet arrives or the socket is closed
// (os.ErrClosed), and allocates nothing.
func (c *Conn) Recv(b []byte) (int, netip.Addr, error) {
	if !c.ok() {
		return 0, netip.Addr{}, errClosed
	}
	n, err := c.recv(b, c.rx.from, "recvfrom")
	if err != nil {
		return 0, netip.Addr{}, err
	}
	return n, c.rx.source(), nil
}

// RecvHopLimit is Recv that also returns the hop limit the packet arrived
// with, on an IPv6 socket opened with Config.HopLimit; 0 means the kernel
// gave none.
func (c *Conn) RecvHopLimit(b []byte) (int, netip.Addr, uint8, error) {
	if !c.ok() {
		return 0, netip.Addr{}, 0, errClosed
	}
	n, err := c.recv(b, c.rx.msgs, "recvmsg")
	if err != nil {
		return 0, netip.Addr{}, 0, err
	}
	return n, c.rx.source(), hopLimit(c.rx.oob[:c.rx.oobn]), nil
}

// Close closes the socket; a pending Recv returns os.ErrClosed.
func (c *Conn) Close() error {
	if !c.ok() {
		return errClosed
	}
	return c.f.Close()
}

func (c *Conn) ok() bool { return c != nil && c.sock != nil }

// source decodes the sender address of the last packet read.
func (r *rx) source() netip.Addr {
	switch r.rsa.Addr.Family {
	case unix.AF_INET:
		return netip.AddrFrom4((*unix.RawSockaddrInet4)(unsafe.Pointer(&r.rsa)).Addr)
	case unix.AF_INET6:
		return netip.AddrFrom16((*unix.RawSockaddrInet6)(unsafe.Pointer(&r.rsa)).Addr)
	}
	return netip.Addr{}
}

// hopLimit returns the IPV6_HOPLIMIT control message's value in oob, or 0.
func hopLimit(oob []byte) uint8 {
	var h unix.Cmsghdr // copied out: oob need not be aligned
	for len(oob) >= unix.SizeofCmsghdr {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&h)), unix.SizeofCmsghdr), oob)
		l := int(h.Len)
		if l < unix.SizeofCmsghdr || l > len(oob) {
			return 0
		}
		if h.Level == unix.IPPROTO_IPV6 && h.Type == unix.IPV6_HOPLIMIT && l >= unix.CmsgLen(4) {
			return uint8(binary.NativeEndian.Uint32(oob[unix.CmsgLen(0):]))
		}
		oob = oob[min(unix.CmsgSpace(l-unix.CmsgLen(0)), len(oob)):]
	}
	return 0
}
