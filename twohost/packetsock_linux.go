package twohost

import (
	"fmt"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// linkAddr is where a request came from at the link layer: the answer
// goes back the same way, out of the interface the request arrived on,
// whatever the routing table says (as the reference server does).
type linkAddr struct {
	ifindex  int
	protocol uint16 // EtherType, host order
	halen    uint8
	addr     [8]byte
}

// Ethernet types (host order).
const (
	ethIPv4 = 0x0800
	ethIPv6 = 0x86dd
)

// requestFilter is a classic BPF program passing only packets addressed
// to this host that are ICMP echo requests with code 1 (IPv4, not a
// fragment) or ICMPv6 echo requests with code 1 right after the fixed
// IPv6 header. On a SOCK_DGRAM packet socket offset 0 is the IP header.
func requestFilter() ([]bpf.RawInstruction, error) {
	const drop, pass = 0, 1 << 16
	prog := []bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtType},
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: unix.PACKET_HOST, SkipTrue: 17},
		bpf.LoadExtension{Num: bpf.ExtProto},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: ethIPv4, SkipTrue: 2},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: ethIPv6, SkipTrue: 8},
		bpf.RetConstant{Val: drop},
		// IPv4: protocol 1, no fragment offset, type 8 code 1.
		bpf.LoadAbsolute{Off: 9, Size: 1},
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 1, SkipTrue: 11},
		bpf.LoadAbsolute{Off: 6, Size: 2},
		bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: 0x1fff, SkipTrue: 9},
		bpf.LoadMemShift{Off: 0},
		bpf.LoadIndirect{Off: 0, Size: 2},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 8<<8 | 1, SkipTrue: 5, SkipFalse: 6},
		// IPv6: next header 58, type 128 code 1.
		bpf.LoadAbsolute{Off: 6, Size: 1},
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 58, SkipTrue: 4},
		bpf.LoadAbsolute{Off: 40, Size: 2},
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 128<<8 | 1, SkipTrue: 2},
		bpf.RetConstant{Val: pass},
		bpf.RetConstant{Val: pass},
		bpf.RetConstant{Val: drop},
	}
	return bpf.Assemble(prog)
}

// openPacket opens a SOCK_DGRAM packet socket bound to interface ifindex
// that receives only two-host requests (requestFilter).
func openPacket(ifindex int) (*sock, error) {
	const name = "packet"
	s, err := openSock(unix.AF_PACKET, unix.SOCK_DGRAM, int(htons(unix.ETH_P_ALL)), false, name)
	if err != nil {
		return nil, err
	}
	prog, err := requestFilter()
	if err == nil {
		err = s.control(func(fd int) error {
			if err := attachFilter(fd, prog); err != nil {
				return err
			}
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvBuf); err != nil {
				_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvBuf)
			}
			return unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifindex})
		})
	}
	if err != nil {
		s.close()
		return nil, fmt.Errorf("configure %s socket: %w", name, err)
	}
	return s, nil
}

func attachFilter(fd int, prog []bpf.RawInstruction) error {
	f := make([]unix.SockFilter, len(prog))
	for i, ins := range prog {
		f[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	return unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]})
}

// sendLink writes the IP packet b to the link-layer address l.
func (s *sock) sendLink(b []byte, l linkAddr) error {
	s.tx.mu.Lock()
	defer s.tx.mu.Unlock()
	s.tx.ll = unix.SockaddrLinklayer{Protocol: htons(l.protocol), Ifindex: l.ifindex, Halen: l.halen, Addr: l.addr}
	return s.sendLocked(b, &s.tx.ll)
}

// htons swaps a 16-bit value to network order (on little-endian hosts; the
// swap is its own inverse, so it also converts back).
func htons(v uint16) uint16 { return v<<8 | v>>8 }
