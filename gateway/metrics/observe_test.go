package metrics

import (
	"testing"
	"time"

	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/normalize"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func deliveryObservation() handlers.Observation {
	ev := normalize.Event{ID: "e1", Provider: "africastalking", Type: normalize.TypeSMSDelivery,
		Data: normalize.SMSDelivery{MessageID: "ATXid_1", Status: normalize.DeliveryFailed}}
	return handlers.Observation{Route: "/api/sms/delivery-reports", Provider: "africastalking", Status: 200,
		Events: []normalize.Event{ev}, Latency: 3 * time.Millisecond}
}

// TestCanonicalStatus: every type with a canonical outcome gives it; the
// others give nothing, so events_total's status label stays bounded.
func TestCanonicalStatus(t *testing.T) {
	for _, tc := range []struct {
		data any
		want string
	}{
		{normalize.SMSDelivery{Status: "failed"}, "failed"},
		{normalize.SMSSubscription{Action: "subscribed"}, "subscribed"},
		{normalize.USSDSession{Status: "completed"}, "completed"},
		{normalize.VoiceCall{State: "not_answered"}, "not_answered"},
		{normalize.AirtimeStatus{Status: "succeeded"}, "succeeded"},
		{normalize.AirtimeValidation{Decision: "validated"}, "validated"},
		{normalize.SIMSwapStatus{Status: "swapped"}, "swapped"},
		{normalize.CampaignStatus{Status: "sent"}, "sent"},
		{normalize.SMSInbound{Text: "hello"}, ""},
		{nil, ""},
	} {
		if got := CanonicalStatus(&normalize.Event{Data: tc.data}); got != tc.want {
			t.Errorf("%T: %q, want %q", tc.data, got, tc.want)
		}
	}
}

// TestNotKeptIsNotAnEvent: a request whose events were not stored counts
// as a request and a rejection, never as events.
func TestNotKeptIsNotAnEvent(t *testing.T) {
	m := New(Options{NoRuntime: true})
	o := deliveryObservation()
	o.Status, o.Kind = 503, handlers.KindUnavailable
	m.ObserveRequest(o)
	if n := testutil.CollectAndCount(m.events); n != 0 {
		t.Errorf("%d event series, want 0", n)
	}
	if v := testutil.ToFloat64(m.rejected.WithLabelValues("africastalking", "unavailable")); v != 1 {
		t.Errorf("rejected unavailable = %v, want 1", v)
	}
}

// BenchmarkObserveRequest is what metrics add to each request: one
// delivery report observed (request counter, duration histogram, one event).
//
//	go test -run - -bench ObserveRequest -benchmem ./gateway/metrics
func BenchmarkObserveRequest(b *testing.B) {
	m := New(Options{NoRuntime: true})
	o := deliveryObservation()
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveRequest(o)
	}
}

// BenchmarkObserveRequestParallel is the same with every core observing
// at once: the resolved children are shared, the counters atomic.
func BenchmarkObserveRequestParallel(b *testing.B) {
	m := New(Options{NoRuntime: true})
	o := deliveryObservation()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveRequest(o)
		}
	})
}

// BenchmarkWithLabelValues is the cost the child cache avoids: resolving
// the same labels through the vectors on every request.
func BenchmarkWithLabelValues(b *testing.B) {
	m := New(Options{NoRuntime: true})
	o := deliveryObservation()
	b.ReportAllocs()
	for b.Loop() {
		m.requests.WithLabelValues(o.Route, o.Provider, "200").Inc()
		m.duration.WithLabelValues(o.Route, o.Provider).Observe(o.Latency.Seconds())
		m.events.WithLabelValues(o.Provider, normalize.TypeSMSDelivery, "failed").Inc()
	}
}
