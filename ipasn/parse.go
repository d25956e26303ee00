package ipasn

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
)

// maxLine bounds a pfx2as line; real lines are under 100 bytes.
const maxLine = 64 << 10

// ParseError reports a malformed line of a prefix-to-AS file.
type ParseError struct {
	File int    // index of the reader among those passed to Load
	Line int    // 1-based line number
	Text string // the line, cut to 80 bytes
	Err  error  // what is wrong with it
}

// Error names the line, shows it and says what is wrong.
func (e *ParseError) Error() string {
	return fmt.Sprintf("pfx2as file %d line %d %q: %v", e.File, e.Line, e.Text, e.Err)
}

// Unwrap returns what is wrong with the line.
func (e *ParseError) Unwrap() error { return e.Err }

// Load reads prefix-to-AS files in the CAIDA RouteViews pfx2as format (see
// the package doc) into a new Map, IPv4 and IPv6 alike. Each reader may be
// gzip-compressed; Load recognises gzip by its magic bytes (RFC 1952).
// A prefix listed twice, within a file or across files, is an error. On any
// error Load returns a nil Map and an error wrapping a *ParseError when a
// line was at fault.
func Load(rs ...io.Reader) (*Map, error) {
	m := new(Map)
	for i, r := range rs {
		if err := m.load(i, r); err != nil {
			return nil, fmt.Errorf("load pfx2as: %w", err)
		}
	}
	return m, nil
}

func (m *Map) load(file int, r io.Reader) error {
	src, err := decompress(r)
	if err != nil {
		return fmt.Errorf("file %d: %w", file, err)
	}
	sc := bufio.NewScanner(src)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	line := 0
	for sc.Scan() {
		line++
		if err := m.loadLine(sc.Bytes()); err != nil {
			return &ParseError{File: file, Line: line, Text: clip(sc.Text()), Err: err}
		}
	}
	err = sc.Err()
	if errors.Is(err, bufio.ErrTooLong) {
		return &ParseError{File: file, Line: line + 1, Err: fmt.Errorf("line longer than %d bytes", maxLine)}
	}
	if err != nil {
		return fmt.Errorf("file %d: read after line %d: %w", file, line, err)
	}
	return nil
}

// decompress returns r, or a gzip reader over it when r starts with the
// gzip magic bytes 1f 8b.
func decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read: %w", err)
	}
	if !bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return zr, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// loadLine parses and inserts one line; blank lines and comments are no-ops.
func (m *Map) loadLine(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] == '#' {
		return nil
	}
	var f [3][]byte
	n := fields(b, &f)
	if n != 3 {
		return fmt.Errorf("%d fields, want 3: prefix, length, asn separated by tabs", n)
	}
	p, err := parsePrefix(f[0], f[1])
	if err != nil {
		return err
	}
	var buf [4]uint32 // most prefixes have one origin: avoid allocating
	origins, err := parseOrigins(f[2], buf[:0])
	if err != nil {
		return err
	}
	return m.Insert(p, origins...)
}

// fields splits b at runs of tabs and spaces into f, returning how many
// fields b has (which may exceed len(f)).
func fields(b []byte, f *[3][]byte) int {
	n := 0
	for len(b) > 0 {
		i := bytes.IndexAny(b, "\t ")
		if i < 0 {
			i = len(b)
		}
		if i > 0 {
			if n < len(f) {
				f[n] = b[:i]
			}
			n++
		}
		b = b[i:]
		if len(b) > 0 {
			b = b[1:]
		}
	}
	return n
}

func parsePrefix(addrField, lenField []byte) (netip.Prefix, error) {
	addr, err := netip.ParseAddr(string(addrField))
	switch {
	case err != nil:
		return netip.Prefix{}, fmt.Errorf("%w address: %w", errPrefix, err)
	case addr.Zone() != "":
		return netip.Prefix{}, fmt.Errorf("%w address %q: has a zone", errPrefix, addrField)
	case addr.Is4In6():
		return netip.Prefix{}, errMappedPrefix
	}
	bits, ok := parseDecimal(lenField, uint64(addr.BitLen()))
	if !ok {
		return netip.Prefix{}, fmt.Errorf("%w length %q: want 0-%d for %s",
			errPrefix, lenField, addr.BitLen(), family(addr))
	}
	p := netip.PrefixFrom(addr, int(bits))
	if err := checkPrefix(p); err != nil {
		return netip.Prefix{}, fmt.Errorf("%v/%d: %w", addr, bits, err)
	}
	return p, nil
}

func family(a netip.Addr) string {
	if a.Is4() {
		return "IPv4"
	}
	return "IPv6"
}

// parseOrigins parses "a", "a_b", "a,b" or mixtures into dst.
func parseOrigins(field []byte, dst []uint32) ([]uint32, error) {
	for rest := field; ; {
		i := bytes.IndexAny(rest, "_,")
		tok := rest
		if i >= 0 {
			tok = rest[:i]
		}
		as, err := parseASN(tok)
		if err != nil {
			return nil, fmt.Errorf("origin %q: %w", field, err)
		}
		if len(dst) == maxOrigins {
			return nil, fmt.Errorf("origin %q: %w", field, errManyOrigins)
		}
		dst = append(dst, as)
		if i < 0 {
			return dst, nil
		}
		rest = rest[i+1:]
	}
}

var errASN = errors.New("bad AS number")

func parseASN(tok []byte) (uint32, error) {
	if len(tok) == 0 {
		return 0, fmt.Errorf("%w: empty", errASN)
	}
	if bytes.IndexByte(tok, '.') >= 0 {
		return 0, fmt.Errorf("%w %q: asdot notation, want asplain (RFC 5396)", errASN, tok)
	}
	as, ok := parseDecimal(tok, math.MaxUint32)
	if !ok {
		return 0, fmt.Errorf("%w %q: want a decimal in 1-4294967295", errASN, tok)
	}
	if as == 0 {
		return 0, errASZero
	}
	return uint32(as), nil
}

// parseDecimal parses unsigned decimal digits up to max; unlike
// strconv.ParseUint it does not allocate (no string conversion).
func parseDecimal(b []byte, max uint64) (uint64, bool) {
	if len(b) == 0 || len(b) > 10 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, n <= max
}
