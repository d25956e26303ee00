package store

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Onboarding is the report of one address's onboarding tests in one
// role ("source" or "vantage_point"): Report is JSON (the checks and
// their outcomes, readable as they are).
type Onboarding struct {
	Addr   netip.Addr
	Role   string
	Agent  string
	Tested time.Time
	Passed bool
	Report []byte
}

// SaveOnboarding keeps a report, replacing the address's earlier one in
// that role.
func (s *Store) SaveOnboarding(ctx context.Context, o Onboarding) error {
	passed := 0
	if o.Passed {
		passed = 1
	}
	_, err := s.w.exec(ctx, `INSERT INTO onboarding (addr, role, agent, tested, passed, report) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (addr, role) DO UPDATE SET agent = excluded.agent, tested = excluded.tested, passed = excluded.passed, report = excluded.report`,
		o.Addr.String(), o.Role, o.Agent, o.Tested.UnixNano(), passed, string(o.Report))
	if err != nil {
		return fmt.Errorf("store: save onboarding of %v: %w", o.Addr, err)
	}
	return nil
}

// OnboardingOf returns the report of addr in role, or ErrNotFound.
func (s *Store) OnboardingOf(ctx context.Context, addr netip.Addr, role string) (Onboarding, error) {
	o, err := scanOnboarding(s.r.queryRow(ctx, "SELECT addr, role, agent, tested, passed, report FROM onboarding WHERE addr = ? AND role = ?", addr.String(), role))
	if errors.Is(err, errNoRows) {
		return o, ErrNotFound
	}
	return o, err
}

// Onboardings lists every report.
func (s *Store) Onboardings(ctx context.Context) ([]Onboarding, error) {
	rs, err := s.r.query(ctx, "SELECT addr, role, agent, tested, passed, report FROM onboarding ORDER BY addr, role")
	if err != nil {
		return nil, fmt.Errorf("store: list onboarding: %w", err)
	}
	defer rs.Close()
	var out []Onboarding
	for rs.Next() {
		o, err := scanOnboarding(rs)
		if err != nil {
			return nil, fmt.Errorf("store: list onboarding: %w", err)
		}
		out = append(out, o)
	}
	return out, rs.Err()
}

func scanOnboarding(r row) (Onboarding, error) {
	var o Onboarding
	var addr, report string
	var tested int64
	var passed int
	if err := r.Scan(&addr, &o.Role, &o.Agent, &tested, &passed, &report); err != nil {
		return o, err
	}
	a, err := netip.ParseAddr(addr)
	o.Addr, o.Tested, o.Passed, o.Report = a, time.Unix(0, tested), passed == 1, []byte(report)
	return o, err
}
