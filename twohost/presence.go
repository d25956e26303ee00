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

// Errors of the measurements, for callers to branch on. A destination
// that echoes the presence check as a plain host does gives
// meas.ErrNoResponder; ErrSilent and ErrRefused wrap it too, so that
// callers who only need to know whether a responder can be used test
// meas.ErrNoResponder.
var (
	// ErrSilent means the target answered no presence check.
	ErrSilent = errors.New("target did not answer the presence check")
	// ErrRefused means the responder refused the requests.
	ErrRefused = errors.New("responder refused the request")
	// ErrUnsupported means the responder does not support the protocol or
	// flow asked for.
	ErrUnsupported = errors.New("responder does not support this protocol or flow")
)

// presenceTries is how many presence checks Check sends at most.
const presenceTries = 3

// Check sends TTL-0 presence checks to target (up to three, stopping at
// the first answer) and says whether a responder runs there.
func (c *Client) Check(ctx context.Context, target netip.Addr) (Presence, error) {
	p, _, _, err := c.check(ctx, target)
	return p, err
}

// check is Check that also returns the answer's Distance and the checks
// sent. A responder that refuses the check as too short (a refusal
// without an extension named) is asked again with requests as long as a
// success answer, which it then gets from this client.
func (c *Client) check(ctx context.Context, target netip.Addr) (p Presence, dist, sent int, err error) {
	for sent < presenceTries {
		sent++
		a, err := c.Query(ctx, target, Query{TTL: 0, Proto: wire.ProtoUDP, Flow: meas.TwoHostSrcPort})
		switch {
		case err != nil:
			return Silent, 0, sent, err
		case !a.Replied:
			continue
		case a.Echoed:
			return NotRunning, 0, sent, nil
		case a.State == wire.StateTTLZero:
			return Running, a.Distance(), sent, nil
		case a.State == wire.StateRefused && a.Reserved == 0 && c.padFrom(target.Unmap()):
			continue
		}
		return Refusing, 0, sent, nil
	}
	return Silent, 0, sent, nil
}

// require runs the presence check and turns a missing responder into an
// error naming the target; it returns the estimated reverse distance (0
// when unknown) and the checks sent.
func (c *Client) require(ctx context.Context, target netip.Addr) (dist, sent int, err error) {
	p, dist, sent, err := c.check(ctx, target)
	switch {
	case err != nil:
		return 0, sent, err
	case p == NotRunning:
		return 0, sent, fmt.Errorf("%s: %w (it echoed the TTL-0 check as plain Linux does)", target, meas.ErrNoResponder)
	case p == Silent:
		return 0, sent, fmt.Errorf("%s: %w: %w", target, meas.ErrNoResponder, ErrSilent)
	case p == Refusing:
		return 0, sent, fmt.Errorf("%s: %w: %w (presence check)", target, meas.ErrNoResponder, ErrRefused)
	}
	return dist, sent, nil
}
