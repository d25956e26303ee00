package main

import (
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
)

// TestMark covers the marks the lab cannot provoke (TestUnreachableMarks
// checks the rest against traceroute(8)).
func TestMark(t *testing.T) {
	v4, v6 := addr("10.0.0.1"), addr("2001:db8::1")
	for _, c := range []struct {
		h    meas.Hop
		want string
	}{
		{meas.Hop{Addr: v4, Reply: meas.DestUnreach, Code: 4}, "!F"},
		{meas.Hop{Addr: v4, Reply: meas.DestUnreach, Code: 5}, "!S"},
		{meas.Hop{Addr: v4, Reply: meas.DestUnreach, Code: 7}, "!H"},
		{meas.Hop{Addr: v4, Reply: meas.DestUnreach, Code: 14}, "!V"},
		{meas.Hop{Addr: v4, Reply: meas.DestUnreach, Code: 15}, "!C"},
		{meas.Hop{Addr: v4, Reply: meas.DestUnreach, Code: 16}, "!<16>"},
		{meas.Hop{Addr: v6, Reply: meas.DestUnreach, Code: 2}, "!H"},
		{meas.Hop{Addr: v6, Reply: meas.DestUnreach, Code: 7}, "!<7>"},
		{meas.Hop{Addr: v4, Reply: meas.TimeExceeded, Code: 1}, "!<11-1>"},
		{meas.Hop{Addr: v6, Reply: meas.TimeExceeded, Code: 1}, "!<3-1>"},
		{meas.Hop{Addr: v4, Reply: meas.TimeExceeded}, ""},
		{meas.Hop{Addr: v4, Reply: meas.TCPReset}, ""},
		{meas.Hop{}, ""},
	} {
		if got := mark(c.h); got != c.want {
			t.Errorf("mark(%+v) = %q, want %q", c.h, got, c.want)
		}
	}
}

// TestPingStats checks the summary by iputils ping's formulas (mdev is
// the population standard deviation): 63, 41 and 55 µs give
// min/avg/max/mdev = 0.041/0.053/0.063/0.009 ms.
func TestPingStats(t *testing.T) {
	us := func(n int) time.Duration { return time.Duration(n) * time.Microsecond }
	st := pingStats(4, []time.Duration{us(63), us(41), us(55)})
	if st.Replies != 3 || st.Loss != 25 || *st.Min != 0.041 || *st.Avg != 0.053 || *st.Max != 0.063 || *st.StdDev != 0.009 {
		t.Errorf("stats %+v (min %v avg %v max %v mdev %v); want 3 replies, 25%% loss, 0.041/0.053/0.063/0.009",
			st, *st.Min, *st.Avg, *st.Max, *st.StdDev)
	}
	if st := pingStats(2, nil); st.Replies != 0 || st.Loss != 100 || st.Min != nil {
		t.Errorf("no reply: %+v; want 100%% loss and no RTT figures", st)
	}
}
