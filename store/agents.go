package store

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Agent credential errors.
var (
	ErrUnknownCredential = errors.New("unknown agent credential")
	ErrRevokedCredential = errors.New("revoked agent credential")
)

// credentialPrefix starts every agent credential.
const credentialPrefix = "revtr_agent_"

// AgentCred is an agent's credential record (the credential itself is
// not kept).
type AgentCred struct {
	ID   int64
	Name string
	// Addrs, if not empty, are the only addresses the agent may claim.
	Addrs            []netip.Addr
	Created, Revoked time.Time
}

// AddAgent makes a credential for an agent named name, which may claim
// only addrs (any, if none), and returns it: it is shown this once.
func (s *Store) AddAgent(ctx context.Context, name string, addrs []netip.Addr) (AgentCred, string, error) {
	if name == "" || strings.ContainsAny(name, ",\n") {
		return AgentCred{}, "", fmt.Errorf("store: add agent %q: %w: a name, without commas or newlines", name, ErrBadArgument)
	}
	key, hash := newKey()
	key = credentialPrefix + strings.TrimPrefix(key, keyPrefix)
	hash = hashKey(key)
	a := AgentCred{Name: name, Addrs: addrs, Created: s.now()}
	err := s.w.queryRow(ctx, "INSERT INTO agents (name, credential_hash, addrs, created) VALUES (?, ?, ?, ?) RETURNING id",
		name, hash, joinAddrs(addrs), a.Created.UnixNano()).Scan(&a.ID)
	if err != nil {
		return a, "", fmt.Errorf("store: add agent %s: %w", name, err)
	}
	return a, key, nil
}

// AgentByCredential returns the agent a credential belongs to.
func (s *Store) AgentByCredential(ctx context.Context, credential string) (AgentCred, error) {
	a, err := scanAgent(s.r.queryRow(ctx, "SELECT id, name, addrs, created, revoked FROM agents WHERE credential_hash = ?", hashKey(credential)))
	switch {
	case errors.Is(err, errNoRows):
		return a, ErrUnknownCredential
	case err != nil:
		return a, fmt.Errorf("store: agent credential: %w", err)
	case !a.Revoked.IsZero():
		return a, ErrRevokedCredential
	}
	return a, nil
}

// AgentCreds lists the agents' credential records by name.
func (s *Store) AgentCreds(ctx context.Context) ([]AgentCred, error) {
	rs, err := s.r.query(ctx, "SELECT id, name, addrs, created, revoked FROM agents ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("store: list agents: %w", err)
	}
	defer rs.Close()
	var out []AgentCred
	for rs.Next() {
		a, err := scanAgent(rs)
		if err != nil {
			return nil, fmt.Errorf("store: list agents: %w", err)
		}
		out = append(out, a)
	}
	return out, rs.Err()
}

// RevokeAgent revokes the agent's credential.
func (s *Store) RevokeAgent(ctx context.Context, name string) error {
	n, err := s.w.exec(ctx, "UPDATE agents SET revoked = ? WHERE name = ? AND revoked = 0", s.now().UnixNano(), name)
	if err != nil {
		return fmt.Errorf("store: revoke agent %s: %w", name, err)
	}
	if n == 0 {
		return fmt.Errorf("store: revoke agent %s: %w", name, ErrNotFound)
	}
	return nil
}

func scanAgent(r row) (AgentCred, error) {
	var a AgentCred
	var addrs string
	var created, revoked int64
	if err := r.Scan(&a.ID, &a.Name, &addrs, &created, &revoked); err != nil {
		return a, err
	}
	a.Created, a.Revoked = time.Unix(0, created), unixNano(revoked)
	for _, s := range strings.Split(addrs, ",") {
		if ad, err := netip.ParseAddr(s); err == nil {
			a.Addrs = append(a.Addrs, ad)
		}
	}
	return a, nil
}

func joinAddrs(as []netip.Addr) string {
	ss := make([]string, len(as))
	for i, a := range as {
		ss[i] = a.String()
	}
	return strings.Join(ss, ",")
}
