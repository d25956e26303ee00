package rawsock

import (
	"errors"
	"os"
	"time"
)

// Pauses after failed reads: a reader that keeps failing waits
// MinReadPause, then twice as long each time, up to MaxReadPause.
const (
	MinReadPause = 10 * time.Millisecond
	MaxReadPause = time.Second
)

// ReadLoop is the loop of a socket's reader goroutine: it calls read,
// which reads one packet and handles it, until read fails with an error
// wrapping os.ErrClosed or done is closed. Any other failure (an
// interface going down, a full kernel buffer) is not the end: ReadLoop
// calls failing with the error, pauses so that a persistent error cannot
// spin a core — MinReadPause, doubling up to MaxReadPause while reads
// keep failing — and reads again; after the first read that succeeds
// again it calls failing(nil). failing is how the owner surfaces a
// persistent error: count it, log it, fail what waits for an answer.
func ReadLoop(done <-chan struct{}, read func() error, failing func(error)) {
	pause := time.Duration(0)
	for {
		err := read()
		switch {
		case err == nil:
			if pause > 0 {
				pause = 0
				failing(nil)
			}
			continue
		case errors.Is(err, os.ErrClosed):
			return
		}
		select {
		case <-done:
			return
		default:
		}
		failing(err)
		pause = min(max(2*pause, MinReadPause), MaxReadPause)
		t := time.NewTimer(pause)
		select {
		case <-done:
			t.Stop()
			return
		case <-t.C:
		}
	}
}
