package demo

import (
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// bar shows the progress of one step on Config.Progress (a terminal):
// counts, rate and time left, or a spinner with the time spent when the
// step cannot count. Without Config.Progress it shows nothing; every
// step also prints a line when done.
type bar struct {
	mu   sync.Mutex
	pb   *progressbar.ProgressBar // nil: nothing shown
	seen int
}

func (c Config) newBar(max int, what string, opts ...progressbar.Option) *bar {
	if c.Progress == nil {
		return &bar{}
	}
	opts = append([]progressbar.Option{
		progressbar.OptionSetWriter(c.Progress),
		progressbar.OptionSetDescription(what),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionClearOnFinish(),
	}, opts...)
	b := &bar{pb: progressbar.NewOptions(max, opts...)}
	b.pb.RenderBlank()
	return b
}

// bar counts total things done, with the time left predicted.
func (c Config) bar(total int, what string) *bar {
	return c.newBar(total, what, progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true))
}

// spinner is for a step that cannot count: the time it has taken.
func (c Config) spinner(what string) *bar {
	return c.newBar(-1, what, progressbar.OptionSpinnerType(14), progressbar.OptionSetElapsedTime(true))
}

// set says n things are done (calls may race: the most wins).
func (b *bar) set(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pb == nil || n <= b.seen {
		return
	}
	b.seen = n
	b.pb.Set(n)
}

// setOf says done of total things are done.
func (b *bar) setOf(done, total int) {
	b.mu.Lock()
	if b.pb != nil && b.pb.GetMax() != total {
		b.pb.ChangeMax(total)
	}
	b.mu.Unlock()
	b.set(done)
}

// done ends the display and clears it.
func (b *bar) done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pb != nil {
		b.pb.Finish()
		b.pb = nil
	}
}
