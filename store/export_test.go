package store

import "time"

// SetNow replaces the store's clock, for tests of the daily quota.
func SetNow(s *Store, now func() time.Time) { s.now = now }
