package twohost

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/wire"
)

// Presence is what the TTL-0 presence check found.
type Presence uint8

// Presence check outcomes.
const (
	Silent     Presence = iota // nothing answered: host down, or requests filtered
	Running                    // a responder answered (state 1)
	NotRunning                 // a plain host echoed the request: no responder
	Refusing                   // a responder answered with another state (it refuses us)
)

var presenceNames = [...]string{"silent", "responder", "no-responder", "refused"}

func (p Presence) String() string {
	if int(p) < len(presenceNames) {
		return presenceNames[p]
	}
	return fmt.Sprintf("presence(%d)", uint8(p))
}

// Errors of the measurements, for callers to branch on.
var (
	// ErrNoResponder means the target echoed the presence check: it is a
	// plain host without a responder.
	ErrNoResponder = errors.New("target runs no two-host responder")
	// ErrSilent means the target answered no presence check.
	ErrSilent = errors.New("target did not answer the presence check")
	// ErrRefused means the responder refused the requests.
	ErrRefused = errors.New("responder refused the request")
	// ErrUnsupported means the responder does not support the protocol or
	// flow asked for.
	ErrUnsupported = errors.New("responder does not support this protocol or flow")
)

// Check sends TTL-0 presence checks to target (up to three, stopping at
// the first answer) and says whether a responder runs there.
func (c *Client) Check(ctx context.Context, target netip.Addr) (Presence, error) {
	p, _, err := c.check(ctx, target)
	return p, err
}

// check is Check that also returns the answer's Distance.
func (c *Client) check(ctx context.Context, target netip.Addr) (Presence, int, error) {
	for range 3 {
		a, err := c.Query(ctx, target, Query{TTL: 0, Proto: meas.UDP, Flow: ProbeSrcPort})
		switch {
		case err != nil:
			return Silent, 0, err
		case !a.Replied:
			continue
		case a.Echoed:
			return NotRunning, 0, nil
		case a.State == wire.StateTTLZero:
			return Running, a.Distance(), nil
		}
		return Refusing, 0, nil
	}
	return Silent, 0, nil
}

// require runs the presence check and turns a missing responder into an
// error naming the target; it returns the estimated reverse distance (0
// when unknown).
func (c *Client) require(ctx context.Context, target netip.Addr) (int, error) {
	p, dist, err := c.check(ctx, target)
	switch {
	case err != nil:
		return 0, err
	case p == NotRunning:
		return 0, fmt.Errorf("%s: %w (it echoed the TTL-0 check as plain Linux does)", target, ErrNoResponder)
	case p == Silent:
		return 0, fmt.Errorf("%s: %w", target, ErrSilent)
	case p == Refusing:
		return 0, fmt.Errorf("%s: %w (presence check)", target, ErrRefused)
	}
	return dist, nil
}
