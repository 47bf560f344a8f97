// Package metrics is Mlango's Prometheus face: a handlers.Observer that
// counts every finished request, the canonical events it produced and the
// problems it had; an EventStore decorator that times publishing; gauges
// for the NATS connection and the durable spool; and the /metrics handler.
//
// It owns a private registry (never Prometheus's global default), so two
// gateways in one test binary do not share counters. It imports handlers
// and normalize, never the concrete publisher: cmd hands it functions.
// docs/operations.md documents every metric and the alerts built on them.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every metric Mlango defines.
const Namespace = "mlango"

// Options are what the metrics read beyond the requests they observe. A nil
// function registers no metric for it.
type Options struct {
	// NATSConnected reports whether the NATS connection is up, at scrape
	// time.
	NATSConnected func() bool
	// Spool reports the durable spool at scrape time: records waiting,
	// their bytes, and the oldest record's time (zero when empty).
	Spool func() (records int, bytes int64, oldest time.Time)
	// Now is the clock the spool's oldest age is measured against; nil is
	// time.Now.
	Now func() time.Time
	// NoRuntime leaves out the Go runtime and process collectors (the
	// benchmark and tests that compare whole scrapes).
	NoRuntime bool
}

// Metrics holds every collector. Its zero value is not usable; use New.
type Metrics struct {
	reg *prometheus.Registry

	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	events     *prometheus.CounterVec
	unknown    *prometheus.CounterVec
	rejected   *prometheus.CounterVec
	duplicates *prometheus.CounterVec
	publish    *prometheus.HistogramVec

	// Label children resolved once and kept: the hot path does a map
	// lookup, not a label hash per request.
	reqChildren    childCache[requestKey, requestChild]
	eventChildren  childCache[eventKey, prometheus.Counter]
	unknownChilds  childCache[eventKey, prometheus.Counter]
	rejectChildren childCache[rejectKey, prometheus.Counter]
	dupChildren    childCache[string, prometheus.Counter]
	publishOK      prometheus.Observer
	publishTimeout prometheus.Observer
	publishError   prometheus.Observer
}

// Buckets of the request duration histogram, in seconds: carriers expect
// an answer within a few seconds, Africa's Talking's USSD within 10.
var requestBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Buckets of the publish latency histogram, in seconds: a JetStream ack is
// usually sub-millisecond to a few milliseconds; the timeout is 5 s.
var publishBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// New builds the collectors and registers them on a private registry.
func New(o Options) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "requests_total",
		Help: "HTTP requests answered, by route pattern (unmatched for no route), provider and status code.",
	}, []string{"route", "provider", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "request_duration_seconds", Buckets: requestBuckets,
		Help: "Time from receiving a request to its answer, JetStream's ack included, by route pattern and provider.",
	}, []string{"route", "provider"})
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "events_total",
		Help: "Canonical events accepted, duplicates included, by provider, type and canonical status (empty for types without one).",
	}, []string{"provider", "type", "status"})
	m.unknown = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "unknown_values_total",
		Help: "Provider values outside the known enumeration, published as unknown, by provider, event type and field.",
	}, []string{"provider", "type", "field"})
	m.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "rejected_total",
		Help: "Requests with a problem, by provider and reason (malformed, too_large, unsupported, unauthorized, rate_limited, not_found, method_not_allowed, unavailable, internal).",
	}, []string{"provider", "reason"})
	m.duplicates = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "duplicates_total",
		Help: "Events the stream already held (a provider's retry or a repeated callback), stored once, by provider.",
	}, []string{"provider"})
	m.publish = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "publish_duration_seconds", Buckets: publishBuckets,
		Help: "Time from handing events to the store to its acknowledgement, by outcome (ok, timeout, error).",
	}, []string{"outcome"})
	m.reg.MustRegister(m.requests, m.duration, m.events, m.unknown, m.rejected, m.duplicates, m.publish)
	m.initChildren()
	m.registerGauges(o)
	if !o.NoRuntime {
		m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	return m
}

func (m *Metrics) initChildren() {
	m.reqChildren.make = func(k requestKey) requestChild {
		return requestChild{
			count: m.requests.WithLabelValues(k.route, k.provider, strconv.Itoa(k.status)),
			dur:   m.duration.WithLabelValues(k.route, k.provider),
		}
	}
	m.eventChildren.make = func(k eventKey) prometheus.Counter {
		return m.events.WithLabelValues(k.provider, k.typ, k.value)
	}
	m.unknownChilds.make = func(k eventKey) prometheus.Counter {
		return m.unknown.WithLabelValues(k.provider, k.typ, k.value)
	}
	m.rejectChildren.make = func(k rejectKey) prometheus.Counter {
		return m.rejected.WithLabelValues(k.provider, k.reason)
	}
	m.dupChildren.make = func(provider string) prometheus.Counter {
		return m.duplicates.WithLabelValues(provider)
	}
	m.publishOK = m.publish.WithLabelValues("ok")
	m.publishTimeout = m.publish.WithLabelValues("timeout")
	m.publishError = m.publish.WithLabelValues("error")
}

func (m *Metrics) registerGauges(o Options) {
	if o.NATSConnected != nil {
		connected := o.NATSConnected
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "nats_connected",
			Help: "1 while the NATS connection is up, 0 while it is down or reconnecting.",
		}, func() float64 {
			if connected() {
				return 1
			}
			return 0
		}))
	}
	if o.Spool != nil {
		now := o.Now
		if now == nil {
			now = time.Now
		}
		m.reg.MustRegister(newSpoolCollector(o.Spool, now))
	}
}

// Registry is the private registry, for tests and for adding collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in Prometheus's text (or OpenMetrics) format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
