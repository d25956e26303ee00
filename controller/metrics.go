package controller

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/revtr/revtr/revtr"
)

// metrics are the controller's Prometheus metrics, registered on the
// registry the caller passes in.
type metrics struct {
	revtrs   *prometheus.CounterVec // by stop and fail reason
	accepted prometheus.Counter
	probes   *prometheus.CounterVec // by type
	inFlight prometheus.Gauge
	pending  prometheus.Gauge
	api      *prometheus.HistogramVec // by route, method and status code
	archived prometheus.Counter
	swept    prometheus.Counter
	purged   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		revtrs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "revtr_revtrs_total",
			Help: "Reverse traceroutes done, by stop reason and fail reason."}, []string{"stop", "fail_reason"}),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{Name: "revtr_accepted_total",
			Help: "Reverse traceroutes accepted by this controller's API."}),
		probes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "revtr_probes_total",
			Help: "Probes the reverse traceroutes this controller measured sent, by type."}, []string{"type"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "revtr_in_flight",
			Help: "Reverse traceroutes measuring in this controller now."}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{Name: "revtr_queue_depth",
			Help: "Reverse traceroutes accepted and not started, service-wide (sampled)."}),
		api: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "revtr_api_request_duration_seconds",
			Help: "API request latency, by route, method and status code.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)},
			[]string{"route", "method", "code"}),
		archived: prometheus.NewCounter(prometheus.CounterOpts{Name: "revtr_archived_total",
			Help: "Records this controller wrote into archive files."}),
		swept: prometheus.NewCounter(prometheus.CounterOpts{Name: "revtr_abandoned_total",
			Help: "Reverse traceroutes failed because their job ran out of attempts."}),
		purged: prometheus.NewCounter(prometheus.CounterOpts{Name: "revtr_purged_total",
			Help: "Archived reverse traceroutes this controller deleted from the database (retention.results)."}),
	}
	for _, c := range []prometheus.Collector{m.revtrs, m.accepted, m.probes, m.inFlight, m.pending, m.api, m.archived, m.swept, m.purged} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// done counts a finished reverse traceroute and its probes.
func (m *metrics) done(res *revtr.Result) {
	m.revtrs.WithLabelValues(res.Stop.String(), res.Fail.String()).Inc()
	c := res.Cost
	for _, p := range []struct {
		t string
		n int
	}{{"rr", c.RR}, {"spoofed_rr", c.SpoofedRR}, {"traceroute", c.Trace}, {"ping", c.Ping}, {"rtt", c.RTT}, {"two_host", c.TwoHost}} {
		if p.n > 0 {
			m.probes.WithLabelValues(p.t).Add(float64(p.n))
		}
	}
}
