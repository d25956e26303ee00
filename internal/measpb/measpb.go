// Package measpb converts between package meas's values and the messages
// of the controller–agent protocol (rpc/agent/v1), which mirror them one
// to one. Encoding cannot fail; decoding fails, wrapping ErrMalformed,
// on an address that does not parse or a number out of its range, so
// that a peer's bad message is an error and never a wrong measurement.
package measpb

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/revtr/revtr/meas"
	agentv1 "github.com/revtr/revtr/rpc/agent/v1"
)

// ErrMalformed means a message no meas value corresponds to.
var ErrMalformed = errors.New("malformed message")

// decoder decodes fields, keeping the first error.
type decoder struct{ err error }

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
}

// addr parses an address; "" is the zero address.
func (d *decoder) addr(s string) netip.Addr {
	if s == "" {
		return netip.Addr{}
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		d.fail("address %q", s)
	}
	return a
}

func (d *decoder) addrs(ss []string) []netip.Addr {
	if ss == nil {
		return nil
	}
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = d.addr(s)
	}
	return out
}

func (d *decoder) u16(v uint32, what string) uint16 {
	if v > math.MaxUint16 {
		d.fail("%s %d over 16 bits", what, v)
	}
	return uint16(v)
}

func (d *decoder) proto(p agentv1.Proto) meas.Proto {
	if !meas.Proto(p).Valid() || p < 0 {
		d.fail("protocol %d", p)
	}
	return meas.Proto(p)
}

func (d *decoder) flow(f *agentv1.Flow) meas.Flow {
	return meas.Flow{Proto: d.proto(f.GetProto()), ID: d.u16(f.GetId(), "flow id"), SrcPort: d.u16(f.GetSrcPort(), "source port")}
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func addrStrings(as []netip.Addr) []string {
	if as == nil {
		return nil
	}
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = addrString(a)
	}
	return out
}

func ns(d time.Duration) int64 { return int64(d) }

func dur(n int64) time.Duration { return time.Duration(n) }

func flowPB(f meas.Flow) *agentv1.Flow {
	return &agentv1.Flow{Proto: agentv1.Proto(f.Proto), Id: uint32(f.ID), SrcPort: uint32(f.SrcPort)}
}
