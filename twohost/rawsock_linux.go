package twohost

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rcvBuf is the receive buffer asked of reading sockets.
const rcvBuf = 4 << 20

// sock is one non-blocking socket driven by the runtime poller, so that
// closing it unblocks a reader.
type sock struct {
	f     *os.File
	rc    syscall.RawConn
	v6    bool
	proto int // the IP protocol a raw socket receives
	tx    *tx
	rx    *rx
}

// tx is a socket's send state: one send at a time, through a closure and
// addresses built once, so that sending allocates nothing.
type tx struct {
	mu  sync.Mutex
	b   []byte
	sa  unix.Sockaddr
	err error
	fn  func(fd uintptr) bool
	ll  unix.SockaddrLinklayer
	in4 unix.SockaddrInet4
	in6 unix.SockaddrInet6
}

func newTx() *tx {
	t := &tx{}
	t.fn = func(fd uintptr) bool {
		t.err = unix.Sendto(int(fd), t.b, 0, t.sa)
		return t.err != unix.EAGAIN
	}
	return t
}

// openSock opens a socket of the calling thread's network namespace.
func openSock(domain, typ, proto int, v6 bool, name string) (*sock, error) {
	fd, err := unix.Socket(domain, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	switch {
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return nil, fmt.Errorf("open %s socket: %w", name, ErrNeedRoot)
	case errors.Is(err, unix.EAFNOSUPPORT):
		return nil, fmt.Errorf("open %s socket: %w", name, ErrNoIPv6)
	case err != nil:
		return nil, fmt.Errorf("open %s socket: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s socket: %w", name, err)
	}
	return &sock{f: f, rc: rc, v6: v6, tx: newTx(), rx: newRx()}, nil
}

// openRaw opens a raw IP socket of protocol proto; IPPROTO_RAW ones send
// whole packets (IP_HDRINCL), others receive with a large buffer.
func openRaw(v6 bool, proto int, name string) (*sock, error) {
	domain := unix.AF_INET
	if v6 {
		domain = unix.AF_INET6
	}
	s, err := openSock(domain, unix.SOCK_RAW, proto, v6, name)
	if err != nil || proto == unix.IPPROTO_RAW {
		return s, err
	}
	s.proto = proto
	err = s.control(func(fd int) error {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvBuf); err != nil {
			return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvBuf)
		}
		if v6 && proto == unix.IPPROTO_ICMPV6 {
			return icmp6Filter(fd, 1, 3, 129)
		}
		return nil
	})
	if err != nil {
		s.close()
		return nil, fmt.Errorf("configure %s socket: %w", name, err)
	}
	return s, nil
}

// icmp6Filter lets only the given ICMPv6 types through (RFC 3542 3.2).
func icmp6Filter(fd int, types ...uint8) error {
	var f unix.ICMPv6Filter
	for i := range f.Data {
		f.Data[i] = ^uint32(0)
	}
	for _, t := range types {
		f.Data[t>>5] &^= 1 << (t & 31)
	}
	return unix.SetsockoptICMPv6Filter(fd, unix.SOL_ICMPV6, unix.ICMPV6_FILTER, &f)
}

func (s *sock) control(fn func(fd int) error) error {
	var ferr error
	if err := s.rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// peer is where a packet came from: its source address (raw sockets) or
// its link-layer origin (packet sockets).
type peer struct {
	addr netip.Addr
	link linkAddr
}

// rx is a socket's receive state, for its one reader: the closure and
// the address buffer are built once, so that receiving allocates nothing.
type rx struct {
	b    []byte
	n    int
	rsa  unix.RawSockaddrAny
	rlen uint32
	err  error
	fn   func(fd uintptr) bool
}

func newRx() *rx {
	r := &rx{}
	r.fn = func(fd uintptr) bool {
		r.rlen = uint32(unsafe.Sizeof(r.rsa))
		n, _, e := unix.Syscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(unsafe.SliceData(r.b))), uintptr(len(r.b)),
			0, uintptr(unsafe.Pointer(&r.rsa)), uintptr(unsafe.Pointer(&r.rlen)))
		if e != 0 {
			r.n, r.err = 0, e
			return e != unix.EAGAIN
		}
		r.n, r.err = int(n), nil
		return true
	}
	return r
}

// peer decodes the sender address of the last packet read.
func (r *rx) peer() peer {
	switch r.rsa.Addr.Family {
	case unix.AF_INET:
		return peer{addr: netip.AddrFrom4((*unix.RawSockaddrInet4)(unsafe.Pointer(&r.rsa)).Addr)}
	case unix.AF_INET6:
		return peer{addr: netip.AddrFrom16((*unix.RawSockaddrInet6)(unsafe.Pointer(&r.rsa)).Addr)}
	case unix.AF_PACKET:
		ll := (*unix.RawSockaddrLinklayer)(unsafe.Pointer(&r.rsa))
		return peer{link: linkAddr{ifindex: int(ll.Ifindex), protocol: htons(ll.Protocol), halen: ll.Halen, addr: ll.Addr}}
	}
	return peer{}
}

// recv reads one packet into b; it blocks until one arrives or the socket
// is closed. Only one goroutine may receive on a socket.
func (s *sock) recv(b []byte) (int, peer, error) {
	r := s.rx
	r.b = b
	err := s.rc.Read(r.fn)
	r.b = nil
	if err == nil {
		err = r.err
	}
	if err != nil {
		return 0, peer{}, err
	}
	return r.n, r.peer(), nil
}

// sendLocked writes b to sa; s.tx.mu is held and sa is one of its
// addresses.
func (s *sock) sendLocked(b []byte, sa unix.Sockaddr) error {
	t := s.tx
	t.b, t.sa = b, sa
	err := s.rc.Write(t.fn)
	if err == nil {
		err = t.err
	}
	t.b, t.sa, t.err = nil, nil, nil
	return err
}

// sendIP writes b to dst: a whole IP packet on an IPPROTO_RAW socket, the
// payload on a raw socket of one protocol (the kernel adds the header).
func (s *sock) sendIP(b []byte, dst netip.Addr) error {
	s.tx.mu.Lock()
	defer s.tx.mu.Unlock()
	if s.v6 {
		s.tx.in6.Addr = dst.As16()
		return s.sendLocked(b, &s.tx.in6)
	}
	s.tx.in4.Addr = dst.As4()
	return s.sendLocked(b, &s.tx.in4)
}

func (s *sock) close() error { return s.f.Close() }

// sourceOf returns the address of a raw socket's sender.
func sourceOf(sa unix.Sockaddr) netip.Addr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(a.Addr)
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(a.Addr)
	}
	return netip.Addr{}
}

// sendIPPayload writes b to dst on a raw socket of a protocol: the kernel
// adds the IP header.
func (s *sock) sendIPPayload(b []byte, dst netip.Addr) error { return s.sendIP(b, dst) }

// recvHopLimit reads one packet from an IPv6 raw socket with
// IPV6_RECVHOPLIMIT set and returns the hop limit it arrived with (0 when
// the kernel gave none).
func (s *sock) recvHopLimit(b, oob []byte) (int, peer, uint8, error) {
	var n, oobn int
	var from unix.Sockaddr
	var rerr error
	err := s.rc.Read(func(fd uintptr) bool {
		n, oobn, _, from, rerr = unix.Recvmsg(int(fd), b, oob, 0)
		return rerr != unix.EAGAIN
	})
	if err != nil {
		return 0, peer{}, 0, err
	}
	if rerr != nil {
		return 0, peer{}, 0, rerr
	}
	p := peer{addr: sourceOf(from)}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return n, p, 0, nil
	}
	for _, m := range msgs {
		if m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_HOPLIMIT && len(m.Data) >= 4 {
			return n, p, uint8(*(*int32)(unsafe.Pointer(&m.Data[0]))), nil
		}
	}
	return n, p, 0, nil
}
