package ipasn

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"net/netip"
	"slices"
	"strconv"

	"github.com/gaissmai/bart"
)

// maxOrigins bounds the origins of one prefix. Real AS sets and MOAS
// conflicts have a handful of members; thousands mean a broken file.
const maxOrigins = 1024

// Map is a prefix-to-AS mapping answering longest-prefix-match queries for
// IPv4 and IPv6 addresses.
//
// The zero value is an empty Map ready to use. A Map must not be copied
// after first use. Lookups may run concurrently with each other but not with
// Insert.
type Map struct {
	t       bart.Table[entry]
	origins []uint32 // every prefix's origins, back to back
}

// entry is the payload bart stores per prefix: where the prefix's origins
// sit in Map.origins, and the prefix length, so that Lookup can rebuild the
// matched prefix from the address without bart's slower LookupPrefixLPM.
type entry struct {
	off  uint32
	n    uint16
	bits uint8
}

// Origins are the ASes that originate one prefix, in the order the file
// listed them, without repeats. An Origins is a read-only view into its Map;
// the zero value is the empty set.
type Origins struct{ as []uint32 }

// Len returns the number of origins.
func (o Origins) Len() int { return len(o.as) }

// At returns the i-th origin; it panics if i is out of range, as indexing
// a slice does.
func (o Origins) At(i int) uint32 { return o.as[i] }

// First returns the first origin listed, or 0 when there is none.
func (o Origins) First() uint32 {
	if len(o.as) == 0 {
		return 0
	}
	return o.as[0]
}

// Contains reports whether as is one of the origins.
func (o Origins) Contains(as uint32) bool { return slices.Contains(o.as, as) }

// All yields the origins in order.
func (o Origins) All() iter.Seq[uint32] { return slices.Values(o.as) }

// AppendTo appends the origins to dst and returns the extended slice.
func (o Origins) AppendTo(dst []uint32) []uint32 { return append(dst, o.as...) }

// Equal reports whether o and p list the same origins in the same order.
func (o Origins) Equal(p Origins) bool { return slices.Equal(o.as, p.as) }

// String returns the origins in pfx2as notation, joined by "_"
// ("3356_174"), or "" for none.
func (o Origins) String() string { return string(o.appendText(nil)) }

func (o Origins) appendText(b []byte) []byte {
	for i, as := range o.as {
		if i > 0 {
			b = append(b, '_')
		}
		b = strconv.AppendUint(b, uint64(as), 10)
	}
	return b
}

// Errors Insert wraps; ParseError carries them too.
var (
	errPrefix       = errors.New("bad prefix")
	errHostBits     = errors.New("prefix has host bits set")
	errNoOrigin     = errors.New("no origin AS")
	errASZero       = errors.New("AS 0 cannot originate a prefix (RFC 7607)")
	errManyOrigins  = fmt.Errorf("more than %d origin ASes", maxOrigins)
	errDuplicate    = errors.New("prefix listed twice")
	errMapFull      = errors.New("too many origins in one map")
	errMappedPrefix = errors.New("IPv4-mapped IPv6 prefix: write it as IPv4")
)

// Insert maps prefix p to the given origin ASes, keeping their order and
// dropping repeats. p must be valid and masked (no host bits set), not an
// IPv4-mapped IPv6 prefix, and not mapped already; the origins must be one
// or more non-zero AS numbers. On error the Map is unchanged.
func (m *Map) Insert(p netip.Prefix, origins ...uint32) error {
	if err := checkPrefix(p); err != nil {
		return fmt.Errorf("insert %v: %w", p, err)
	}
	if err := checkOrigins(origins); err != nil {
		return fmt.Errorf("insert %v: %w", p, err)
	}
	if _, dup := m.t.Get(p); dup {
		return fmt.Errorf("insert %v: %w", p, errDuplicate)
	}
	off := len(m.origins)
	for _, as := range origins {
		if !slices.Contains(m.origins[off:], as) {
			m.origins = append(m.origins, as)
		}
	}
	if uint64(len(m.origins)) > math.MaxUint32 {
		m.origins = m.origins[:off]
		return fmt.Errorf("insert %v: %w", p, errMapFull)
	}
	n := len(m.origins) - off
	m.t.Insert(p, entry{off: uint32(off), n: uint16(n), bits: uint8(p.Bits())})
	return nil
}

func checkPrefix(p netip.Prefix) error {
	switch {
	case !p.IsValid():
		return errPrefix
	case p.Addr().Is4In6():
		return errMappedPrefix
	case p.Masked() != p:
		return fmt.Errorf("%w (want %v)", errHostBits, p.Masked())
	}
	return nil
}

func checkOrigins(origins []uint32) error {
	switch {
	case len(origins) == 0:
		return errNoOrigin
	case len(origins) > maxOrigins:
		return errManyOrigins
	case slices.Contains(origins, 0):
		return errASZero
	}
	return nil
}

// Lookup returns the longest prefix containing addr and its origins, or
// ok == false when no prefix does. IPv4-mapped IPv6 addresses are looked up
// as the IPv4 addresses they carry; zones are ignored. Lookup does not
// allocate.
func (m *Map) Lookup(addr netip.Addr) (p netip.Prefix, o Origins, ok bool) {
	addr = addr.Unmap()
	e, ok := m.t.Lookup(addr)
	if !ok {
		return netip.Prefix{}, Origins{}, false
	}
	p, _ = addr.WithZone("").Prefix(int(e.bits))
	return p, m.view(e), true
}

// Get returns the origins of exactly prefix p, without longest-prefix
// matching; ok is false when p itself is not mapped.
func (m *Map) Get(p netip.Prefix) (o Origins, ok bool) {
	e, ok := m.t.Get(p)
	if !ok {
		return Origins{}, false
	}
	return m.view(e), true
}

func (m *Map) view(e entry) Origins {
	end := e.off + uint32(e.n)
	return Origins{m.origins[e.off:end:end]}
}

// Len returns the number of prefixes mapped.
func (m *Map) Len() int { return m.t.Size() }

// All yields every prefix and its origins, IPv4 before IPv6, each family in
// address order with shorter prefixes first.
func (m *Map) All() iter.Seq2[netip.Prefix, Origins] {
	return func(yield func(netip.Prefix, Origins) bool) {
		for p, e := range m.t.AllSorted() {
			if !yield(p, m.view(e)) {
				return
			}
		}
	}
}

// WriteTo writes the mapping in the pfx2as format Load reads, one line per
// prefix in the order of All, origins joined by "_".
func (m *Map) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriter(w)
	var n int64
	var line []byte
	for p, o := range m.All() {
		line = p.Addr().AppendTo(line[:0])
		line = append(line, '\t')
		line = strconv.AppendInt(line, int64(p.Bits()), 10)
		line = append(line, '\t')
		line = append(o.appendText(line), '\n')
		k, err := bw.Write(line)
		n += int64(k)
		if err != nil {
			return n, fmt.Errorf("write pfx2as: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("write pfx2as: %w", err)
	}
	return n, nil
}
