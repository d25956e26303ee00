package twohost

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
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
	return &sock{f: f, rc: rc, v6: v6}, nil
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

// recv reads one packet into b; it blocks until one arrives or the socket
// is closed.
func (s *sock) recv(b []byte) (int, unix.Sockaddr, error) {
	var n int
	var from unix.Sockaddr
	var rerr error
	err := s.rc.Read(func(fd uintptr) bool {
		n, from, rerr = unix.Recvfrom(int(fd), b, 0)
		return rerr != unix.EAGAIN
	})
	if err != nil {
		return 0, nil, err
	}
	return n, from, rerr
}

// sendto writes b to sa.
func (s *sock) sendto(b []byte, sa unix.Sockaddr) error {
	var serr error
	err := s.rc.Write(func(fd uintptr) bool {
		serr = unix.Sendto(int(fd), b, 0, sa)
		return serr != unix.EAGAIN
	})
	if err != nil {
		return err
	}
	return serr
}

// sendIP writes the complete IP packet b to dst on an IPPROTO_RAW socket.
func (s *sock) sendIP(b []byte, dst netip.Addr) error {
	if s.v6 {
		return s.sendto(b, &unix.SockaddrInet6{Addr: dst.As16()})
	}
	return s.sendto(b, &unix.SockaddrInet4{Addr: dst.As4()})
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
func (s *sock) recvHopLimit(b, oob []byte) (int, unix.Sockaddr, uint8, error) {
	var n, oobn int
	var from unix.Sockaddr
	var rerr error
	err := s.rc.Read(func(fd uintptr) bool {
		n, oobn, _, from, rerr = unix.Recvmsg(int(fd), b, oob, 0)
		return rerr != unix.EAGAIN
	})
	if err != nil {
		return 0, nil, 0, err
	}
	if rerr != nil {
		return 0, nil, 0, rerr
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return n, from, 0, nil
	}
	for _, m := range msgs {
		if m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_HOPLIMIT && len(m.Data) >= 4 {
			return n, from, uint8(*(*int32)(unsafe.Pointer(&m.Data[0]))), nil
		}
	}
	return n, from, 0, nil
}
