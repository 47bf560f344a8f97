package metrics

import (
	"sync"

	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/normalize"
	"github.com/prometheus/client_golang/prometheus"
)

// ObserveRequest implements handlers.Observer: one finished request's
// counters, events and problems. Label values come from bounded sets only:
// route patterns, configured providers, status codes, canonical values.
func (m *Metrics) ObserveRequest(o handlers.Observation) {
	rc := m.reqChildren.get(requestKey{route: o.Route, provider: o.Provider, status: o.Status})
	rc.count.Inc()
	rc.dur.Observe(o.Latency.Seconds())
	if o.Kind != 0 {
		m.rejectChildren.get(rejectKey{provider: o.Provider, reason: Reason(o.Kind)}).Inc()
	}
	if o.Duplicates > 0 {
		m.dupChildren.get(o.Provider).Add(float64(o.Duplicates))
	}
	if o.Status >= 500 || o.Kind == handlers.KindUnavailable || o.Kind == handlers.KindInternal {
		return // not kept: the events did not happen as far as consumers know
	}
	for i := range o.Events {
		ev := &o.Events[i]
		m.eventChildren.get(eventKey{provider: ev.Provider, typ: ev.Type, value: CanonicalStatus(ev)}).Inc()
		for _, field := range ev.Unknown {
			m.unknownChilds.get(eventKey{provider: ev.Provider, typ: ev.Type, value: field}).Inc()
		}
	}
}

// Reason names a handlers.Kind as mlango_rejected_total's reason label.
func Reason(k handlers.Kind) string {
	switch k {
	case handlers.KindBadRequest:
		return "malformed"
	case handlers.KindTooLarge:
		return "too_large"
	case handlers.KindUnsupported:
		return "unsupported"
	case handlers.KindUnauthorized:
		return "unauthorized"
	case handlers.KindTooManyRequests:
		return "rate_limited"
	case handlers.KindNotFound:
		return "not_found"
	case handlers.KindMethod:
		return "method_not_allowed"
	case handlers.KindUnavailable:
		return "unavailable"
	}
	return "internal"
}

// CanonicalStatus is the canonical outcome an event carries, the value
// people alert on (an sms.delivery's status above all); empty for types
// that have none (sms.inbound, voice.dtmf, ...).
func CanonicalStatus(ev *normalize.Event) string {
	switch d := ev.Data.(type) {
	case normalize.SMSDelivery:
		return d.Status
	case normalize.SMSSubscription:
		return d.Action
	case normalize.USSDSession:
		return d.Status
	case normalize.VoiceCall:
		return d.State
	case normalize.AirtimeStatus:
		return d.Status
	case normalize.AirtimeValidation:
		return d.Decision
	case normalize.SIMSwapStatus:
		return d.Status
	case normalize.CampaignStatus:
		return d.Status
	}
	return ""
}

type requestKey struct {
	route, provider string
	status          int
}

type requestChild struct {
	count prometheus.Counter
	dur   prometheus.Observer
}

// eventKey is a provider, an event type and one more value: the canonical
// status for events_total, the field for unknown_values_total.
type eventKey struct{ provider, typ, value string }

type rejectKey struct{ provider, reason string }

// childCache keeps resolved label children: WithLabelValues hashes every
// label on each call, a sync.Map lookup of a small key does not.
type childCache[K comparable, V any] struct {
	m    sync.Map
	make func(K) V
}

func (c *childCache[K, V]) get(k K) V {
	if v, ok := c.m.Load(k); ok {
		return v.(V)
	}
	v, _ := c.m.LoadOrStore(k, c.make(k))
	return v.(V)
}
