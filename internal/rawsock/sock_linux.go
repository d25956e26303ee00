package rawsock

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sock is one non-blocking socket driven by the runtime poller, so that
// Close unblocks a reader. Its send and receive state are built once, so
// that neither path allocates; it must not be copied.
type sock struct {
	f  *os.File
	rc syscall.RawConn
	tx tx
	rx rx
}

// open opens a socket of the calling thread's network namespace.
func open(domain, typ, proto int, name string) (*sock, error) {
	fd, err := unix.Socket(domain, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	switch {
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return nil, fmt.Errorf("open %s socket: %w (%w)", name, ErrNeedRoot, err)
	case errors.Is(err, unix.EAFNOSUPPORT):
		return nil, fmt.Errorf("open %s socket: %w (%w)", name, ErrNoFamily, err)
	case err != nil:
		return nil, fmt.Errorf("open %s socket: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s socket: %w", name, err)
	}
	s := &sock{f: f, rc: rc}
	s.tx.init()
	s.rx.init()
	return s, nil
}

// control runs fn on the socket's descriptor.
func (s *sock) control(fn func(fd int) error) error {
	var ferr error
	if err := s.rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// configure applies cfg to a socket of family f (0 for packet sockets)
// and protocol p, then runs then (a bind, a last option) when not nil.
func (s *sock) configure(name string, cfg Config, f Family, p int, then func(fd int) error) error {
	err := s.control(func(fd int) error {
		if err := setFilter(fd, cfg); err != nil {
			return err
		}
		if err := setRecvBuffer(fd, cfg.RecvBuffer); err != nil {
			return fmt.Errorf("set receive buffer: %w", err)
		}
		if err := setIPOptions(fd, cfg, f, p); err != nil {
			return err
		}
		if then != nil {
			return then(fd)
		}
		return nil
	})
	if err != nil {
		s.f.Close()
		return fmt.Errorf("configure %s socket: %w", name, err)
	}
	return nil
}

// setRecvBuffer asks for n bytes of receive buffer, beyond
// net.core.rmem_max where the process may (CAP_NET_ADMIN).
func setRecvBuffer(fd, n int) error {
	if n == 0 || unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, n) == nil {
		return nil
	}
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, n)
}

// setFilter attaches cfg.Filter.
func setFilter(fd int, cfg Config) error {
	if cfg.Filter == nil {
		return nil
	}
	if n := len(cfg.Filter); n == 0 || n > unix.BPF_MAXINSNS {
		return fmt.Errorf("attach filter: %d instructions, want 1 to %d", n, unix.BPF_MAXINSNS)
	}
	f := make([]unix.SockFilter, len(cfg.Filter))
	for i, ins := range cfg.Filter {
		f[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]})
	if err != nil {
		return fmt.Errorf("attach filter: %w", err)
	}
	return nil
}

// setIPOptions sets the IP-level options of cfg on a raw IP socket (a
// packet socket, of no family, has none).
func setIPOptions(fd int, cfg Config, f Family, p int) error {
	if f != IPv4 && f != IPv6 {
		return nil
	}
	if f == IPv6 && p == unix.IPPROTO_ICMPV6 && cfg.ICMPv6Types != nil {
		if err := setICMPv6Filter(fd, cfg); err != nil {
			return fmt.Errorf("set ICMPv6 filter: %w", err)
		}
	}
	if f == IPv6 && cfg.HopLimit {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_RECVHOPLIMIT, 1); err != nil {
			return fmt.Errorf("ask for hop limits: %w", err)
		}
	}
	if cfg.TrafficClass == 0 {
		return nil
	}
	level, opt := unix.IPPROTO_IP, unix.IP_TOS
	if f == IPv6 {
		level, opt = unix.IPPROTO_IPV6, unix.IPV6_TCLASS
	}
	if err := unix.SetsockoptInt(fd, level, opt, int(cfg.TrafficClass)); err != nil {
		return fmt.Errorf("set traffic class %#x: %w", cfg.TrafficClass, err)
	}
	return nil
}

// setICMPv6Filter blocks every ICMPv6 type but cfg.ICMPv6Types (RFC 3542
// section 3.2: a set bit blocks).
func setICMPv6Filter(fd int, cfg Config) error {
	var f unix.ICMPv6Filter
	for i := range f.Data {
		f.Data[i] = ^uint32(0)
	}
	for _, t := range cfg.ICMPv6Types {
		f.Data[t>>5] &^= 1 << (t & 31)
	}
	return unix.SetsockoptICMPv6Filter(fd, unix.SOL_ICMPV6, unix.ICMPV6_FILTER, &f)
}

// tx is a socket's send state: one send at a time, through a closure and
// addresses built once.
type tx struct {
	mu  sync.Mutex
	b   []byte
	sa  unix.Sockaddr
	err error
	fn  func(fd uintptr) bool
	in4 unix.SockaddrInet4
	in6 unix.SockaddrInet6
	ll  unix.SockaddrLinklayer
}

func (t *tx) init() {
	t.fn = func(fd uintptr) bool {
		t.err = unix.Sendto(int(fd), t.b, 0, t.sa)
		return t.err != unix.EAGAIN
	}
}

// sendLocked writes b to sa, one of s.tx's addresses; s.tx.mu is held.
func (s *sock) sendLocked(b []byte, sa unix.Sockaddr) error {
	t := &s.tx
	t.b, t.sa = b, sa
	err := s.rc.Write(t.fn)
	if err != nil {
		err = errClosed
	} else if t.err != nil {
		err = os.NewSyscallError("sendto", t.err)
	}
	t.b, t.sa, t.err = nil, nil, nil
	return err
}

// rx is a socket's receive state, for its one reader: the closures, the
// message header and the address and control buffers are built once.
type rx struct {
	b    []byte
	n    int
	_    [0]uint64 // aligns rsa for the sockaddr types it is read as
	rsa  unix.RawSockaddrAny
	rlen uint32
	oob  [64]byte
	oobn int
	msg  unix.Msghdr
	iov  unix.Iovec
	err  error
	from func(fd uintptr) bool // recvfrom
	msgs func(fd uintptr) bool // recvmsg, with control messages
}

func (r *rx) init() {
	r.from = func(fd uintptr) bool {
		r.rsa.Addr.Family, r.rlen = 0, uint32(unsafe.Sizeof(r.rsa))
		n, _, e := unix.Syscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(unsafe.SliceData(r.b))), uintptr(len(r.b)),
			0, uintptr(unsafe.Pointer(&r.rsa)), uintptr(unsafe.Pointer(&r.rlen)))
		return r.done(n, e)
	}
	r.msgs = func(fd uintptr) bool {
		r.rsa.Addr.Family = 0
		r.iov.Base = unsafe.SliceData(r.b)
		r.iov.SetLen(len(r.b))
		r.msg = unix.Msghdr{Name: (*byte)(unsafe.Pointer(&r.rsa)), Namelen: uint32(unsafe.Sizeof(r.rsa)),
			Iov: &r.iov, Control: &r.oob[0]}
		r.msg.SetIovlen(1)
		r.msg.SetControllen(len(r.oob))
		n, _, e := unix.Syscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&r.msg)), 0)
		r.oobn = int(r.msg.Controllen)
		return r.done(n, e)
	}
}

// done records a receive's outcome; false means wait for the socket to
// become readable again.
func (r *rx) done(n uintptr, e unix.Errno) bool {
	if e != 0 {
		r.n, r.err = 0, e
		return e != unix.EAGAIN
	}
	r.n, r.err = int(n), nil
	return true
}

// recv reads one packet into b through fn, one of s.rx's closures, the
// system call op.
func (s *sock) recv(b []byte, fn func(fd uintptr) bool, op string) (int, error) {
	r := &s.rx
	r.b = b
	err := s.rc.Read(fn)
	r.b = nil
	if err != nil {
		err = errClosed
	} else if r.err != nil {
		err = os.NewSyscallError(op, r.err)
	}
	if err != nil {
		return 0, err
	}
	return r.n, nil
}
