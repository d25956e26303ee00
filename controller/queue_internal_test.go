package controller

import (
	"testing"
	"time"
)

// TestRiverRetention: a retention of 0 keeps River's jobs forever (its
// -1); River would read 0 as its default.
func TestRiverRetention(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{0: -1, time.Hour: time.Hour} {
		if got := riverRetention(in); got != want {
			t.Errorf("riverRetention(%v) = %v, want %v", in, got, want)
		}
	}
}
