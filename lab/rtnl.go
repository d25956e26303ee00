package lab

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/mdlayher/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// routeBatch is how many RTM_NEWROUTE requests go to the kernel in one
// sendmsg. Route installation dominates build time; batching saves a
// syscall pair per route. Acknowledgements of a full batch (capped to
// their headers) stay far below the socket's receive buffer.
const routeBatch = 256

// routeWriter installs routes in one namespace through a raw rtnetlink
// socket, many requests per write.
type routeWriter struct {
	c *netlink.Conn
}

func newRouteWriter(ns netns.NsHandle) (*routeWriter, error) {
	c, err := netlink.Dial(unix.NETLINK_ROUTE, &netlink.Config{NetNS: int(ns)})
	if err != nil {
		return nil, fmt.Errorf("rtnetlink: %w", err)
	}
	if err := c.SetOption(netlink.CapAcknowledge, true); err != nil {
		c.Close()
		return nil, fmt.Errorf("rtnetlink: %w", err)
	}
	if err := c.SetOption(netlink.ExtendedAcknowledge, true); err != nil {
		c.Close()
		return nil, fmt.Errorf("rtnetlink: %w", err)
	}
	return &routeWriter{c: c}, nil
}

func (w *routeWriter) Close() error { return w.c.Close() }

// add installs rs (ifindex maps interface positions to kernel indexes),
// routeBatch at a time, and returns the first error the kernel reports,
// naming the route.
func (w *routeWriter) add(rs []routeSpec, ifindex []int) error {
	msgs := make([]netlink.Message, 0, routeBatch)
	for start := 0; start < len(rs); start += routeBatch {
		batch := rs[start:min(start+routeBatch, len(rs))]
		msgs = msgs[:0]
		for _, r := range batch {
			m, err := newRouteMsg(r, ifindex)
			if err != nil {
				return err
			}
			msgs = append(msgs, m)
		}
		sent, err := w.c.SendMessages(msgs)
		if err != nil {
			return fmt.Errorf("send routes: %w", err)
		}
		if err := w.acks(sent, batch); err != nil {
			return err
		}
	}
	return nil
}

// acks waits for one acknowledgement per sent request. The kernel answers
// requests in order; the first failure ends the wait.
func (w *routeWriter) acks(sent []netlink.Message, batch []routeSpec) error {
	first := sent[0].Header.Sequence
	for got := 0; got < len(sent); {
		msgs, err := w.c.Receive()
		if err != nil {
			var oe *netlink.OpError
			if errors.As(err, &oe) && got < len(batch) {
				r := batch[got]
				return fmt.Errorf("route %s via %s table %d: %w", r.dst, r.gw, r.table, err)
			}
			return fmt.Errorf("route acknowledgements: %w", err)
		}
		for _, m := range msgs {
			if m.Header.Type == netlink.Error && m.Header.Sequence-first < uint32(len(sent)) {
				got++
			}
		}
	}
	return nil
}

// rtmsg is struct rtmsg of <linux/rtnetlink.h>.
type rtmsg struct {
	Family, DstLen, SrcLen, Tos, Table, Protocol, Scope, Type uint8
	Flags                                                     uint32
}

// newRouteMsg encodes one RTM_NEWROUTE request (create, fail if present,
// acknowledge).
func newRouteMsg(r routeSpec, ifindex []int) (netlink.Message, error) {
	hdr := rtmsg{
		Family: unix.AF_INET, DstLen: uint8(r.dst.Bits()), Table: uint8(r.table),
		Protocol: unix.RTPROT_STATIC, Scope: unix.RT_SCOPE_UNIVERSE, Type: unix.RTN_UNICAST,
	}
	if r.dst.Addr().Is6() {
		hdr.Family = unix.AF_INET6
	}
	ae := netlink.NewAttributeEncoder()
	ae.Bytes(unix.RTA_DST, r.dst.Addr().AsSlice())
	if r.gw.IsValid() {
		ae.Bytes(unix.RTA_GATEWAY, r.gw.AsSlice())
	} else {
		hdr.Scope = unix.RT_SCOPE_LINK
	}
	ae.Uint32(unix.RTA_OIF, uint32(ifindex[r.iface]))
	ae.Uint32(unix.RTA_TABLE, uint32(r.table))
	attrs, err := ae.Encode()
	if err != nil {
		return netlink.Message{}, fmt.Errorf("encode route %s: %w", r.dst, err)
	}
	const hdrLen = int(unsafe.Sizeof(rtmsg{}))
	data := make([]byte, hdrLen, hdrLen+len(attrs))
	*(*rtmsg)(unsafe.Pointer(&data[0])) = hdr
	return netlink.Message{
		Header: netlink.Header{
			Type:  unix.RTM_NEWROUTE,
			Flags: netlink.Request | netlink.Acknowledge | netlink.Create | netlink.Excl,
		},
		Data: append(data, attrs...),
	}, nil
}
