package twohost

import (
	"fmt"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/revtr/revtr/internal/rawsock"
)

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
// that receives only two-host requests (requestFilter). Answers go back
// on it the way their request came, out of the interface it arrived on,
// whatever the routing table says (as the reference server does).
func openPacket(ifindex int) (*rawsock.PacketConn, error) {
	prog, err := requestFilter()
	if err != nil {
		return nil, fmt.Errorf("open packet socket: %w", err)
	}
	s, err := rawsock.OpenPacket(ifindex, rawsock.Config{Filter: prog, RecvBuffer: rcvBuf})
	return s, sockError(err)
}
