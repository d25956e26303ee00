package pace_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"

	"github.com/revtr/revtr/internal/pace"
)

var errClosed = errors.New("closed")

// TestWait checks, in virtual time, that tokens come at the rate after
// the burst, that a cancelled or closed wait ends at once with its error
// and gives its token back, and that nothing waits once closed.
func TestWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lim := rate.NewLimiter(10, 2)
		closed := make(chan struct{})
		ctx := context.Background()
		start := time.Now()
		for range 4 {
			if err := pace.Wait(ctx, lim, closed, errClosed); err != nil {
				t.Fatal(err)
			}
		}
		if el := time.Since(start); el != 200*time.Millisecond {
			t.Errorf("4 tokens at 10/s, burst 2, took %v, want 200 ms", el)
		}
		cctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
		defer cancel()
		if err := pace.Wait(cctx, lim, closed, errClosed); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 230*time.Millisecond {
			t.Errorf("wait past the deadline: %v after %v", err, time.Since(start))
		}
		go func() {
			time.Sleep(10 * time.Millisecond)
			close(closed)
		}()
		if err := pace.Wait(ctx, lim, closed, errClosed); err != errClosed || time.Since(start) != 240*time.Millisecond {
			t.Errorf("wait at close: %v after %v", err, time.Since(start))
		}
		if err := pace.Wait(ctx, rate.NewLimiter(10, 1), closed, errClosed); err != errClosed {
			t.Errorf("wait after close: %v", err)
		}
		// The two cancelled waits gave their tokens back: the next is due
		// 100 ms after the last one taken, at 300 ms.
		if err := pace.Wait(ctx, lim, make(chan struct{}), errClosed); err != nil || time.Since(start) != 300*time.Millisecond {
			t.Errorf("next token: %v at %v, want 300 ms", err, time.Since(start))
		}
	})
}
