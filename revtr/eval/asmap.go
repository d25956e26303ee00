package eval

import (
	"bytes"
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/ipasn"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/topo"
)

// ASMap is the IP-to-AS map a deployment would have of the topology: its
// RouteViews-format prefix-to-AS files (topo.WritePfx2AS, both families)
// loaded by package ipasn. Addresses of an inter-AS link map to the AS
// that numbers the link, on both of its routers: the border ambiguity of
// the real thing.
type ASMap struct {
	revtr.OriginAS
}

// NewASMap writes t's prefix-to-AS files and loads them.
func NewASMap(t *topo.Topology) (*ASMap, error) {
	var v4, v6 bytes.Buffer
	if err := t.WritePfx2AS(&v4, false); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	if err := t.WritePfx2AS(&v6, true); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	m, err := ipasn.Load(&v4, &v6)
	if err != nil {
		return nil, fmt.Errorf("eval: load prefix-to-AS: %w", err)
	}
	return &ASMap{revtr.OriginAS{M: m}}, nil
}

// Prefix returns the announced prefix covering addr, else its /24 (/48):
// the key vantage-point selectors learn by.
func (m *ASMap) Prefix(addr netip.Addr) netip.Prefix {
	if p, _, ok := m.Lookup(addr); ok {
		return p
	}
	bits := 24
	if addr.Is6() {
		bits = 48
	}
	p, _ := addr.Prefix(bits)
	return p
}
