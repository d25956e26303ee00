package rawsock_test

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/revtr/revtr/internal/rawsock"
)

// TestReadLoop runs a reader whose reads fail five times, succeed, fail
// again and then find the socket closed: it pauses 10, 20, 40, 80, 160
// ms (virtual time) between the failures, reports each and the recovery,
// starts over at 10 ms, and returns on the closing.
func TestReadLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		broken := errors.New("network is down")
		script := []error{broken, broken, broken, broken, broken, nil, broken, fmt.Errorf("recv: %w", os.ErrClosed)}
		var at []time.Duration
		var reported []error
		start := time.Now()
		rawsock.ReadLoop(make(chan struct{}), func() error {
			at = append(at, time.Since(start))
			err := script[0]
			script = script[1:]
			return err
		}, func(err error) { reported = append(reported, err) })
		ms := time.Millisecond
		want := []time.Duration{0, 10 * ms, 30 * ms, 70 * ms, 150 * ms, 310 * ms, 310 * ms, 320 * ms}
		if !slices.Equal(at, want) {
			t.Errorf("reads at %v, want %v", at, want)
		}
		if wantErrs := []error{broken, broken, broken, broken, broken, nil, broken}; !slices.Equal(reported, wantErrs) {
			t.Errorf("reported %v, want %v", reported, wantErrs)
		}
	})
}

// TestReadLoopDone checks that closing done ends a reader in its pause,
// and that a long failure is paced at MaxReadPause.
func TestReadLoopDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		done := make(chan struct{})
		reads := 0
		ended := make(chan struct{})
		go func() {
			rawsock.ReadLoop(done, func() error { reads++; return errors.New("no buffer space") }, func(error) {})
			close(ended)
		}()
		time.Sleep(time.Minute)
		synctest.Wait()
		if reads < 60 || reads > 70 {
			t.Errorf("%d reads in a minute of failures, want about one a second", reads)
		}
		close(done)
		<-ended
	})
}
