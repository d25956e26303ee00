package probe

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// rcvBuf is the receive buffer asked of reading sockets: thousands of
// replies may arrive between two reads at high rates.
const rcvBuf = 8 << 20

// rawSocket is one non-blocking raw socket driven by the runtime poller, so
// that Close unblocks a reader waiting in recv.
type rawSocket struct {
	f     *os.File
	rc    syscall.RawConn
	v6    bool
	proto int // IANA protocol number the socket receives
}

// openRaw opens a raw socket of the calling thread's network namespace.
func openRaw(v6 bool, proto int, name string) (*rawSocket, error) {
	family := unix.AF_INET
	if v6 {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		switch {
		case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
			return nil, fmt.Errorf("open %s socket: %w (%v)", name, ErrNeedRoot, err)
		case errors.Is(err, unix.EAFNOSUPPORT):
			return nil, fmt.Errorf("open %s socket: %w (%v)", name, ErrNotSupported, err)
		}
		return nil, fmt.Errorf("open %s socket: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s socket: %w", name, err)
	}
	return &rawSocket{f: f, rc: rc, v6: v6, proto: proto}, nil
}

// openSender opens the IPPROTO_RAW socket every probe of a family leaves
// by: the prober writes the whole IP header (IP_HDRINCL is implied, for
// IPv6 since Linux 4.5). It never receives, so its buffer is kept small.
func openSender(v6 bool) (*rawSocket, error) {
	s, err := openRaw(v6, unix.IPPROTO_RAW, family(v6)+" send")
	if err != nil {
		return nil, err
	}
	err = s.control(func(fd int) error {
		return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 0)
	})
	if err != nil {
		s.close()
		return nil, fmt.Errorf("configure %s send socket: %w", family(v6), err)
	}
	return s, nil
}

// openReceiver opens a raw socket receiving every packet of proto
// addressed to the namespace, with a large buffer; ICMPv6 sockets only
// pass the error and echo reply types the prober matches.
func openReceiver(v6 bool, proto int, name string) (*rawSocket, error) {
	s, err := openRaw(v6, proto, name)
	if err != nil {
		return nil, err
	}
	err = s.control(func(fd int) error {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvBuf); err != nil {
			return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvBuf)
		}
		if v6 && proto == unix.IPPROTO_ICMPV6 {
			return setICMPv6Filter(fd)
		}
		return nil
	})
	if err != nil {
		s.close()
		return nil, fmt.Errorf("configure %s socket: %w", name, err)
	}
	return s, nil
}

// setICMPv6Filter blocks every ICMPv6 type but destination unreachable,
// time exceeded and echo reply (RFC 3542 section 3.2: a set bit blocks).
func setICMPv6Filter(fd int) error {
	var f unix.ICMPv6Filter
	for i := range f.Data {
		f.Data[i] = ^uint32(0)
	}
	for _, t := range []uint8{1, 3, 129} {
		f.Data[t>>5] &^= 1 << (t & 31)
	}
	return unix.SetsockoptICMPv6Filter(fd, unix.SOL_ICMPV6, unix.ICMPV6_FILTER, &f)
}

func (s *rawSocket) control(fn func(fd int) error) error {
	var ferr error
	if err := s.rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// recv reads one packet into b and returns its length and source address.
// It blocks until a packet arrives or the socket is closed.
func (s *rawSocket) recv(b []byte) (int, netip.Addr, error) {
	var n int
	var from unix.Sockaddr
	var rerr error
	err := s.rc.Read(func(fd uintptr) bool {
		n, from, rerr = unix.Recvfrom(int(fd), b, 0)
		return rerr != unix.EAGAIN
	})
	if err != nil {
		return 0, netip.Addr{}, err
	}
	if rerr != nil {
		return 0, netip.Addr{}, rerr
	}
	switch sa := from.(type) {
	case *unix.SockaddrInet4:
		return n, netip.AddrFrom4(sa.Addr), nil
	case *unix.SockaddrInet6:
		return n, netip.AddrFrom16(sa.Addr), nil
	}
	return n, netip.Addr{}, nil
}

// send transmits the complete IP packet b to dst.
func (s *rawSocket) send(b []byte, dst netip.Addr) error {
	var sa unix.Sockaddr
	if s.v6 {
		sa = &unix.SockaddrInet6{Addr: dst.As16()}
	} else {
		sa = &unix.SockaddrInet4{Addr: dst.As4()}
	}
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

func (s *rawSocket) close() error { return s.f.Close() }

// Protocol numbers of the receive sockets.
const (
	protoICMP   = unix.IPPROTO_ICMP
	protoICMPv6 = unix.IPPROTO_ICMPV6
	protoTCP    = unix.IPPROTO_TCP
)

func family(v6 bool) string {
	if v6 {
		return "IPv6"
	}
	return "IPv4"
}
