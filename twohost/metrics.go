package twohost

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/revtr/revtr/wire"
)

// Reason is why the responder refused or dropped a request; each has its
// own counter (revtr_responder_refused_total{reason}).
type Reason uint8

// Refusal reasons. ReasonTooSmall and ReasonIndirect are answered with wire.StateRefused; every
// other reason is dropped silently, so that refusals never feed a flood.
const (
	ReasonMalformed     Reason = iota // not a well-formed request (length, checksum, header)
	ReasonDenied                      // the requester is on the deny list or not on the allow list
	ReasonBadRequester                // the requester address cannot be probed (multicast, loopback, ours...)
	ReasonGlobalRate                  // the global rate limit is exhausted
	ReasonRequesterRate               // the requester's rate limit is exhausted
	ReasonTooSmall                    // shorter than MinRequestLen (answered: refused)
	ReasonTableFull                   // the session table is full
	ReasonSendFailed                  // the probe could not be sent
	ReasonDuplicate                   // the requester's query id already has a live session
	ReasonIndirect                    // an extension or indirect target not served (answered: refused, with the object's class and type)
	numReasons
)

var reasonNames = [numReasons]string{"malformed", "denied", "bad_requester", "global_rate",
	"requester_rate", "too_small", "table_full", "send_failed", "duplicate", "indirect"}

func (r Reason) String() string {
	if r < numReasons {
		return reasonNames[r]
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// metrics are the responder's Prometheus collectors.
type metrics struct {
	requests  *prometheus.CounterVec // by family
	refused   [numReasons]prometheus.Counter
	answers   [wire.StateRefused + 1]prometheus.Counter
	probes    *prometheus.CounterVec // by protocol
	replies   *prometheus.CounterVec // by kind of probe reply
	unmatched prometheus.Counter
	timeouts  prometheus.Counter
	sessions  prometheus.Gauge
	rtt       prometheus.Histogram
	sendErrs  prometheus.Counter
	all       []prometheus.Collector
}

func newMetrics(iface string) *metrics {
	labels := prometheus.Labels{"interface": iface}
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: "revtr", Subsystem: "responder", Name: name, Help: help, ConstLabels: labels}
	}
	m := &metrics{
		requests:  prometheus.NewCounterVec(prometheus.CounterOpts(opts("requests_total", "Two-host requests received, by address family.")), []string{"family"}),
		probes:    prometheus.NewCounterVec(prometheus.CounterOpts(opts("probes_total", "Probes sent toward requesters, by protocol.")), []string{"proto"}),
		replies:   prometheus.NewCounterVec(prometheus.CounterOpts(opts("probe_replies_total", "Answers to probes matched to a session, by kind.")), []string{"kind"}),
		unmatched: prometheus.NewCounter(prometheus.CounterOpts(opts("replies_unmatched_total", "ICMP errors and TCP segments quoting a responder probe that matched no session."))),
		timeouts:  prometheus.NewCounter(prometheus.CounterOpts(opts("session_timeouts_total", "Sessions dropped unanswered after the timeout."))),
		sessions:  prometheus.NewGauge(prometheus.GaugeOpts(opts("sessions", "Sessions awaiting the answer to their probe."))),
		sendErrs:  prometheus.NewCounter(prometheus.CounterOpts(opts("send_errors_total", "Answers that could not be sent."))),
		rtt: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "revtr", Subsystem: "responder",
			Name: "probe_rtt_seconds", Help: "Round-trip time of answered probes.", ConstLabels: labels,
			Buckets: prometheus.ExponentialBuckets(1e-5, 4, 10)}),
	}
	refused := prometheus.NewCounterVec(prometheus.CounterOpts(opts("refused_total", "Requests refused or dropped, by reason.")), []string{"reason"})
	for r := range numReasons {
		m.refused[r] = refused.WithLabelValues(r.String())
	}
	answers := prometheus.NewCounterVec(prometheus.CounterOpts(opts("answers_total", "Answers sent, by state.")), []string{"state"})
	for s := range m.answers {
		m.answers[s] = answers.WithLabelValues(wire.TwoHostState(s).String())
	}
	m.all = []prometheus.Collector{m.requests, refused, answers, m.probes, m.replies, m.unmatched, m.timeouts, m.sessions, m.rtt, m.sendErrs}
	return m
}

// register registers every collector with r.
func (m *metrics) register(r prometheus.Registerer) error {
	if r == nil {
		return nil
	}
	var errs []error
	for _, c := range m.all {
		errs = append(errs, r.Register(c))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("register responder metrics: %w", err)
	}
	return nil
}

// value reads a counter or gauge.
func value(m prometheus.Metric) float64 {
	var d dto.Metric
	if m.Write(&d) != nil {
		return 0
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}
