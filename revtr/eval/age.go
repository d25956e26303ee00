package eval

import (
	"sync"
	"time"

	"github.com/revtr/revtr/revtr"
)

// Ages of reused hops. A hop taken from an earlier measurement — a
// reverse path another reverse traceroute measured (HopPathAtlas), an
// atlas traceroute (HopTrace) or an atlas Record Route ping (HopRRAtlas) —
// is as old as that measurement when it is used; under route churn
// (Config.Churn) its accuracy falls with age. The score counts such hops
// and the wrong ones per kind and age bucket.

// AgeKind is what a reused hop was taken from.
type AgeKind uint8

// Kinds of reused hops.
const (
	AgePathAtlas AgeKind = iota // revtr.HopPathAtlas
	AgeTrace                    // revtr.HopTrace
	AgeRRAtlas                  // revtr.HopRRAtlas
	ageKinds
)

var ageKindNames = [ageKinds]string{"path-atlas", "tr", "rr-atlas"}

// String names the kind as the hop type it counts.
func (k AgeKind) String() string { return ageKindNames[k] }

// AgeBuckets are the upper bounds of the age buckets (the last bucket,
// past them all, is open).
var AgeBuckets = [...]time.Duration{5 * time.Minute, 15 * time.Minute, time.Hour, 4 * time.Hour, 12 * time.Hour}

// ageBuckets counts the buckets, the open one included.
const ageBuckets = len(AgeBuckets) + 1

// AgeBucketNames label the buckets.
var AgeBucketNames = [ageBuckets]string{"<5m", "5-15m", "15-60m", "1-4h", "4-12h", ">12h"}

// bucketOf returns the bucket of an age.
func bucketOf(d time.Duration) int {
	for i, b := range AgeBuckets {
		if d < b {
			return i
		}
	}
	return len(AgeBuckets)
}

// ager dates the measurements reused hops come from: atlas traceroutes by
// their time, earlier reverse traceroutes of a policy's run by the oldest
// part of their path, as the engine dates the paths it keeps (its start,
// or the time of an atlas traceroute or reverse path it took hops from,
// if older).
type ager struct {
	atlas map[uint64]time.Time // atlas traceroute ID → when measured
	mu    sync.Mutex
	kept  map[uint64]time.Time // reverse traceroute ID → its path's date
}

func (w *World) newAger() *ager {
	a := &ager{atlas: make(map[uint64]time.Time, len(w.Paths)), kept: make(map[uint64]time.Time)}
	for _, p := range w.Paths {
		a.atlas[p.ID] = p.Time
	}
	return a
}

// age returns what a hop of res was taken from and how old it was then;
// ok false for a hop measured by res itself, or from a measurement not
// dated (yet).
func (a *ager) age(res revtr.Result, h revtr.Hop) (AgeKind, time.Duration, bool) {
	at, ok := a.date(h)
	k := AgePathAtlas
	switch h.Type {
	case revtr.HopTrace:
		k = AgeTrace
	case revtr.HopRRAtlas:
		k = AgeRRAtlas
	}
	return k, res.Date.Sub(at), ok
}

// date is when the measurement a reused hop was taken from was made.
func (a *ager) date(h revtr.Hop) (time.Time, bool) {
	switch h.Type {
	case revtr.HopPathAtlas:
		a.mu.Lock()
		defer a.mu.Unlock()
		at, ok := a.kept[h.MeasurementID]
		return at, ok
	case revtr.HopTrace, revtr.HopRRAtlas:
		at, ok := a.atlas[h.MeasurementID]
		return at, ok
	}
	return time.Time{}, false
}

// keep dates res's path for the reverse traceroutes that reuse it.
func (a *ager) keep(res revtr.Result) {
	date := res.Date
	for _, h := range res.Hops {
		if at, ok := a.date(h); ok && at.Before(date) {
			date = at
		}
	}
	a.mu.Lock()
	a.kept[res.ID] = date
	a.mu.Unlock()
}
