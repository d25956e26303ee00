package rawsock

import (
	"encoding/binary"
	"unsafe"

	"golang.org/x/sys/unix"
)

// PacketConn is an AF_PACKET datagram socket bound to one interface: it
// reads and writes IP packets, the link layer left to the kernel, ahead
// of the IP stack (packet(7)). Made by OpenPacket (the zero value fails
// every call). Send is safe for concurrent use; Recv is for one reader at
// a time; Close may be called at any time.
type PacketConn struct {
	*sock
}

// OpenPacket opens a packet socket receiving every protocol on interface
// ifindex, in the calling thread's network namespace, tuned by cfg
// (Filter, RecvBuffer). It receives nothing until it is bound to the
// interface, after the filter is attached, so that nothing unfiltered or
// from another interface is ever queued.
func OpenPacket(ifindex int, cfg Config) (*PacketConn, error) {
	const name = "packet"
	s, err := open(unix.AF_PACKET, unix.SOCK_DGRAM, 0, name)
	if err != nil {
		return nil, err
	}
	err = s.configure(name, cfg, 0, 0, func(fd int) error {
		return unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifindex})
	})
	if err != nil {
		return nil, err
	}
	return &PacketConn{sock: s}, nil
}

// Send writes the IP packet b to the link-layer address to. It allocates
// nothing.
func (c *PacketConn) Send(b []byte, to LinkAddr) error {
	if !c.ok() {
		return errClosed
	}
	t := &c.tx
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ll = unix.SockaddrLinklayer{Protocol: htons(to.Protocol), Ifindex: to.Ifindex, Halen: to.Halen, Addr: to.Addr}
	return c.sendLocked(b, &t.ll)
}

// Recv reads one packet into b and returns its length and where it came
// from (Ifindex 0: unknown). It blocks until a packet arrives or the
// socket is closed (os.ErrClosed), and allocates nothing.
func (c *PacketConn) Recv(b []byte) (int, LinkAddr, error) {
	if !c.ok() {
		return 0, LinkAddr{}, errClosed
	}
	n, err := c.recv(b, c.rx.from, "recvfrom")
	if err != nil || c.rx.rsa.Addr.Family != unix.AF_PACKET {
		return n, LinkAddr{}, err
	}
	ll := (*unix.RawSockaddrLinklayer)(unsafe.Pointer(&c.rx.rsa))
	return n, LinkAddr{Ifindex: int(ll.Ifindex), Protocol: htons(ll.Protocol), Halen: ll.Halen, Addr: ll.Addr}, nil
}

// Close closes the socket; a pending Recv returns os.ErrClosed.
func (c *PacketConn) Close() error {
	if !c.ok() {
		return errClosed
	}
	return c.f.Close()
}

func (c *PacketConn) ok() bool { return c != nil && c.sock != nil }

// htons converts a 16-bit value between host and network order (the
// conversion is its own inverse).
func htons(v uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], v)
	return binary.NativeEndian.Uint16(b[:])
}
