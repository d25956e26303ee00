package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Errors callers branch on.
var (
	ErrUnknownKey  = errors.New("unknown API key")
	ErrRevokedKey  = errors.New("revoked API key")
	ErrNotFound    = errors.New("not found")
	ErrBadArgument = errors.New("bad argument")
)

// keyPrefix starts every API key, so that a key pasted in the wrong place
// is recognisable.
const keyPrefix = "revtr_"

// NewUser describes a key to make.
type NewUser struct {
	Name, Email string
	// Sources are the only sources the key may measure toward; each must
	// be an authorized source (AddSource).
	Sources []netip.Addr
	// PerDay and Parallel are the key's quotas: reverse traceroutes
	// accepted per UTC day, and accepted but unfinished at once.
	PerDay, Parallel int
}

// User is a key's holder, as listed (the key itself is not kept).
type User struct {
	ID               int64
	Name, Email      string
	Sources          []netip.Addr
	PerDay, Parallel int
	RunToday         int       // accepted so far today (UTC)
	InFlight         int       // accepted and unfinished
	Created, Revoked time.Time // Revoked is zero while the key works
	KeyID            string    // a fingerprint of the key's hash, to tell keys apart
}

// Active reports whether the key works.
func (u User) Active() bool { return u.Revoked.IsZero() }

// MaySource reports whether the key may measure toward src.
func (u User) MaySource(src netip.Addr) bool { return slices.Contains(u.Sources, src) }

// AddUser makes a key for u and returns its holder and the key, which is
// shown this once: only its hash is stored.
func (s *Store) AddUser(ctx context.Context, u NewUser) (User, string, error) {
	if err := checkNewUser(u); err != nil {
		return User{}, "", err
	}
	key, hash := newKey()
	var out User
	err := s.inTx(ctx, func(tx *Tx) error {
		for _, a := range u.Sources {
			if _, err := sourceIn(ctx, tx.q, a); err != nil {
				return fmt.Errorf("store: add key: source %v: %w (add it with 'revtr sources add' first)", a, err)
			}
		}
		now := s.now().UnixNano()
		var id int64
		err := tx.q.queryRow(ctx, `INSERT INTO users (name, email, key_hash, max_per_day, max_parallel, created)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, u.Name, u.Email, hash, u.PerDay, u.Parallel, now).Scan(&id)
		if err != nil {
			return fmt.Errorf("store: add key: %w", err)
		}
		for _, a := range u.Sources {
			if _, err := tx.q.exec(ctx, "INSERT INTO user_sources (user_id, addr) VALUES (?, ?)", id, a.String()); err != nil {
				return fmt.Errorf("store: add key: %w", err)
			}
		}
		out = User{ID: id, Name: u.Name, Email: u.Email, Sources: u.Sources, PerDay: u.PerDay, Parallel: u.Parallel,
			Created: time.Unix(0, now), KeyID: hash[:12]}
		return nil
	})
	if err != nil {
		return User{}, "", err
	}
	return out, key, nil
}

func checkNewUser(u NewUser) error {
	switch {
	case strings.TrimSpace(u.Name) == "":
		return fmt.Errorf("store: add key: empty name: %w", ErrBadArgument)
	case len(u.Sources) == 0:
		return fmt.Errorf("store: add key: no source: %w", ErrBadArgument)
	case u.PerDay <= 0 || u.Parallel <= 0:
		return fmt.Errorf("store: add key: quotas %d per day, %d in parallel: want both > 0: %w", u.PerDay, u.Parallel, ErrBadArgument)
	}
	for _, a := range u.Sources {
		if !a.IsValid() || a.Zone() != "" {
			return fmt.Errorf("store: add key: source %v: %w", a, ErrBadArgument)
		}
	}
	return nil
}

// newKey returns a fresh key (256 random bits) and its stored hash.
func newKey() (key, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it crashes the program first)
	key = keyPrefix + base64.RawURLEncoding.EncodeToString(b)
	return key, hashKey(key)
}

// hashKey is the stored form of a key. Keys carry 256 random bits, so a
// fast hash is as good as a slow one: there is nothing to guess.
func hashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

const userColumns = "id, name, email, max_per_day, max_parallel, quota_day, run_today, in_flight, created, revoked, key_hash"

func scanUser(r row, today int64) (User, error) {
	var u User
	var day, created, revoked int64
	var hash string
	if err := r.Scan(&u.ID, &u.Name, &u.Email, &u.PerDay, &u.Parallel, &day, &u.RunToday, &u.InFlight, &created, &revoked, &hash); err != nil {
		return u, err
	}
	if day != today {
		u.RunToday = 0
	}
	u.Created, u.KeyID = time.Unix(0, created), hash[:12]
	if revoked != 0 {
		u.Revoked = time.Unix(0, revoked)
	}
	return u, nil
}

// UserByKey returns the holder of key: ErrUnknownKey if no key matches,
// ErrRevokedKey if it was revoked.
func (s *Store) UserByKey(ctx context.Context, key string) (User, error) {
	if !strings.HasPrefix(key, keyPrefix) {
		return User{}, ErrUnknownKey
	}
	u, err := scanUser(s.r.queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE key_hash = ?", hashKey(key)), s.day())
	switch {
	case errors.Is(err, errNoRows):
		return User{}, ErrUnknownKey
	case err != nil:
		return User{}, fmt.Errorf("store: look key up: %w", err)
	case !u.Active():
		return User{}, ErrRevokedKey
	}
	u.Sources, err = s.userSources(ctx, u.ID)
	return u, err
}

func (s *Store) userSources(ctx context.Context, id int64) ([]netip.Addr, error) {
	rs, err := s.r.query(ctx, "SELECT addr FROM user_sources WHERE user_id = ? ORDER BY addr", id)
	if err != nil {
		return nil, fmt.Errorf("store: sources of key %d: %w", id, err)
	}
	defer rs.Close()
	var out []netip.Addr
	for rs.Next() {
		var a string
		if err := rs.Scan(&a); err != nil {
			return nil, fmt.Errorf("store: sources of key %d: %w", id, err)
		}
		addr, err := netip.ParseAddr(a)
		if err != nil {
			return nil, fmt.Errorf("store: sources of key %d: %w", id, err)
		}
		out = append(out, addr)
	}
	return out, rs.Err()
}

// Users lists every key's holder, revoked ones too, oldest first.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rs, err := s.r.query(ctx, "SELECT "+userColumns+" FROM users ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("store: list keys: %w", err)
	}
	var out []User
	for rs.Next() {
		u, err := scanUser(rs, s.day())
		if err != nil {
			rs.Close()
			return nil, fmt.Errorf("store: list keys: %w", err)
		}
		out = append(out, u)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: list keys: %w", err)
	}
	for i := range out {
		if out[i].Sources, err = s.userSources(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RevokeUser revokes key id for good; revoking a revoked key is no error.
func (s *Store) RevokeUser(ctx context.Context, id int64) error {
	n, err := s.w.exec(ctx, "UPDATE users SET revoked = ? WHERE id = ? AND revoked = 0", s.now().UnixNano(), id)
	if err != nil {
		return fmt.Errorf("store: revoke key %d: %w", id, err)
	}
	if n == 0 {
		var one int
		if err := s.w.queryRow(ctx, "SELECT 1 FROM users WHERE id = ?", id).Scan(&one); errors.Is(err, errNoRows) {
			return fmt.Errorf("store: revoke key %d: %w", id, ErrNotFound)
		}
	}
	return nil
}

// day is today's UTC day number, the unit of the daily quota.
func (s *Store) day() int64 { return s.now().UTC().Unix() / 86400 }
