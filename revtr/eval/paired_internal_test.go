package eval

import "testing"

// TestPaired: reaching is compared over every pair, the exact path and
// all ASes only over the pairs both reached; runs over different pairs
// do not compare.
func TestPaired(t *testing.T) {
	both := MarkReached | MarkExact | MarkAllASes
	a := Summary{Marks: []Mark{both, MarkReached, both, 0, MarkReached | MarkExact}}
	b := Summary{Marks: []Mark{MarkReached, both, 0, MarkReached, MarkReached | MarkExact}}
	reached, exact, all, ok := Paired(a, b)
	if !ok {
		t.Fatal("same pairs: not comparable")
	}
	if want := (Discordant{OnlyFirst: 1, OnlySecond: 1}); reached != want {
		t.Errorf("reached %v, want %v", reached, want)
	}
	// Pair 2 (reached by a only) is not judged for exact or ASes.
	if want := (Discordant{OnlyFirst: 1, OnlySecond: 1}); exact != want || all != want {
		t.Errorf("exact %v, all ASes %v, want %v each", exact, all, want)
	}
	if got := (Discordant{OnlyFirst: 58, OnlySecond: 31}).SE(); got < 2.8 || got > 2.9 {
		t.Errorf("58 against 31: %.2f s.e., want 2.86", got)
	}
	if _, _, _, ok := Paired(a, Summary{Marks: b.Marks[:4]}); ok {
		t.Error("runs over different pairs compared")
	}
}

// TestCommonSet: accuracy is counted only on the pairs both runs
// reached, per run.
func TestCommonSet(t *testing.T) {
	both := MarkReached | MarkExact | MarkAllASes
	a := Summary{Marks: []Mark{both, MarkReached, both, 0, MarkReached | MarkExact}}
	b := Summary{Marks: []Mark{MarkReached | MarkAllASes, both, 0, MarkReached, MarkReached | MarkExact}}
	c, ok := CommonSet(a, b)
	if !ok {
		t.Fatal("same pairs: not comparable")
	}
	// Pairs 0, 1 and 4 were reached by both; pair 2 (a only) is not judged.
	if want := (Common{N: 3, Exact: [2]int{2, 2}, AllASes: [2]int{1, 2}}); c != want {
		t.Errorf("common set %+v, want %+v", c, want)
	}
	if _, ok := CommonSet(a, Summary{Marks: b.Marks[:4]}); ok {
		t.Error("runs over different pairs compared")
	}
}
