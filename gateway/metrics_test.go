package gateway

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/mlango/mlango/gateway/metrics"
	"github.com/mlango/mlango/handlers"
	"github.com/rs/zerolog"
)

// metricsRig is a gateway over the rig's JetStream with Prometheus metrics:
// Africa's Talking behind a token, TalkNTalk signed, one shared failure
// limiter that refuses a source after one failure.
func metricsRig(t *testing.T, r *rig) (*echo.Echo, *metrics.Metrics) {
	t.Helper()
	clock := &testClock{t: fixedNow}
	sources := handlers.NewSources(handlers.SourcesOptions{FailureLimit: 1, FailureWindow: time.Hour, Now: clock.now})
	tnt, err := handlers.TalkNTalk([]string{testTalkNTalkSecret}, handlers.Guard{Sources: sources})
	if err != nil {
		t.Fatal(err)
	}
	at := handlers.Guarded(handlers.AfricasTalking(), handlers.Guard{Tokens: []string{metricsToken}, Sources: sources})
	m := metrics.New(metrics.Options{
		NATSConnected: func() bool { return r.store.Conn().IsConnected() },
		Spool:         func() (int, int64, time.Time) { return 3, 1234, fixedNow.Add(-90 * time.Second) },
		Now:           func() time.Time { return fixedNow },
	})
	e, err := New(Options{Providers: []handlers.Provider{at, tnt}, Store: m.Store(r.store), BodyLimit: 1024,
		Log: zerolog.New(io.Discard), Now: func() time.Time { return fixedNow }, Observer: m, Metrics: m.Handler()})
	if err != nil {
		t.Fatal(err)
	}
	return e, m
}

const metricsToken = "m3tr1cs-t0ken-42"

// TestMetrics sends real callbacks, good and bad, through the router to
// JetStream, then scrapes /metrics and checks every Mlango series exactly:
// route patterns (never a token or a stray path), canonical statuses,
// unknown values, duplicates, each rejection by provider and reason, and
// publish outcomes.
func TestMetrics(t *testing.T) {
	r := newRig(t)
	e, _ := metricsRig(t, r)
	key := "?key=" + metricsToken
	dlr := "/api/sms/delivery-reports"
	steps := []struct {
		method, target, remote, ct, body string
		headers                          map[string]string
		want                             int
	}{
		{"POST", dlr + key, "", form, "id=ATXid_m1&status=Success&phoneNumber=%2B254711000111", nil, 200},
		{"POST", "/t/" + metricsToken + dlr, "", form, "id=ATXid_m2&status=Failed&failureReason=UserInBlackList", nil, 200},
		{"POST", dlr + key, "", form, "id=ATXid_m2&status=Failed&failureReason=UserInBlackList", nil, 200}, // a retry
		{"POST", dlr + key, "", form, "id=ATXid_m3&status=Vanished", nil, 200},                             // drift
		{"POST", "/api/sms/twoway" + key, "", form, "id=1&to=21512&date=2026-03-04", nil, 400},
		{"POST", dlr + key, "", form, "id=ATXid_m4&status=" + strings.Repeat("x", 2000), nil, 413},
		{"POST", dlr + key, "", "text/xml", "<id>1</id>", nil, 415},
		{"POST", dlr, "198.51.100.7:1", form, "id=ATXid_m5&status=Success", nil, 401},
		{"POST", "/webhooks/talkntalk", "", "application/json", tntDelivered, tntHeaders(tntDelivered), 200},
		{"POST", "/webhooks/talkntalk", "203.0.113.66:1", "application/json", tntDelivered,
			map[string]string{handlers.TalkNTalkSignature: "sha256=" + strings.Repeat("0", 64)}, 401},
		{"POST", "/webhooks/talkntalk", "203.0.113.66:1", "application/json", tntDelivered, tntHeaders(tntDelivered), 429},
		{"GET", "/wp-login.php", "", "", "", nil, 404},
		{"POST", "/t/" + metricsToken + "/api/sms/no-such-route", "", form, "a=b", nil, 404},
		{"GET", dlr, "", "", "", nil, 405},
	}
	for i, s := range steps {
		if got := sendReq(e, s.method, s.target, s.remote, s.ct, s.body, s.headers); got.Code != s.want {
			t.Fatalf("step %d %s %s: %d %q, want %d", i, s.method, s.target, got.Code, got.Body, s.want)
		}
	}
	// JetStream loses the stream: the next callback is not kept.
	if err := jsOf(t, r.url).DeleteStream(context.Background(), "TELECOM"); err != nil {
		t.Fatal(err)
	}
	if got := sendReq(e, "POST", dlr+key, "", form, "id=ATXid_m6&status=Success", nil); got.Code != 503 {
		t.Fatalf("without a stream: %d, want 503", got.Code)
	}

	got := scrape(t, e)
	const at, tnt = `provider="africastalking"`, `provider="talkntalk"`
	checkSeries(t, got, "mlango_requests_total", map[string]float64{
		`{code="200",` + at + `,route="/api/sms/delivery-reports"}`:          3,
		`{code="200",` + at + `,route="/t/:token/api/sms/delivery-reports"}`: 1,
		`{code="400",` + at + `,route="/api/sms/twoway"}`:                    1,
		`{code="413",` + at + `,route="/api/sms/delivery-reports"}`:          1,
		`{code="415",` + at + `,route="/api/sms/delivery-reports"}`:          1,
		`{code="401",` + at + `,route="/api/sms/delivery-reports"}`:          1,
		`{code="503",` + at + `,route="/api/sms/delivery-reports"}`:          1,
		`{code="200",` + tnt + `,route="/webhooks/talkntalk"}`:               1,
		`{code="401",` + tnt + `,route="/webhooks/talkntalk"}`:               1,
		`{code="429",` + tnt + `,route="/webhooks/talkntalk"}`:               1,
		`{code="404",provider="",route="unmatched"}`:                         2,
		`{code="405",provider="",route="/api/sms/delivery-reports"}`:         1,
	})
	checkSeries(t, got, "mlango_events_total", map[string]float64{
		`{` + at + `,status="delivered",type="sms.delivery"}`:  1,
		`{` + at + `,status="failed",type="sms.delivery"}`:     2,
		`{` + at + `,status="unknown",type="sms.delivery"}`:    1,
		`{` + tnt + `,status="delivered",type="sms.delivery"}`: 1,
	})
	checkSeries(t, got, "mlango_unknown_values_total", map[string]float64{
		`{field="status",` + at + `,type="sms.delivery"}`: 1,
	})
	checkSeries(t, got, "mlango_duplicates_total", map[string]float64{`{` + at + `}`: 1})
	checkSeries(t, got, "mlango_rejected_total", map[string]float64{
		`{` + at + `,reason="malformed"}`:           1,
		`{` + at + `,reason="too_large"}`:           1,
		`{` + at + `,reason="unsupported"}`:         1,
		`{` + at + `,reason="unauthorized"}`:        1,
		`{` + at + `,reason="unavailable"}`:         1,
		`{` + tnt + `,reason="unauthorized"}`:       1,
		`{` + tnt + `,reason="rate_limited"}`:       1,
		`{provider="",reason="not_found"}`:          2,
		`{provider="",reason="method_not_allowed"}`: 1,
	})
	checkSeries(t, got, "mlango_publish_duration_seconds_count", map[string]float64{
		`{outcome="ok"}`: 5, `{outcome="error"}`: 1, `{outcome="timeout"}`: 0,
	})
	checkSeries(t, got, "mlango_request_duration_seconds_count", map[string]float64{
		`{` + at + `,route="/api/sms/delivery-reports"}`:          7,
		`{` + at + `,route="/t/:token/api/sms/delivery-reports"}`: 1,
		`{` + at + `,route="/api/sms/twoway"}`:                    1,
		`{` + tnt + `,route="/webhooks/talkntalk"}`:               3,
		`{provider="",route="unmatched"}`:                         2,
		`{provider="",route="/api/sms/delivery-reports"}`:         1,
	})
	for name, want := range map[string]float64{
		"mlango_nats_connected": 1, "mlango_spool_records": 3, "mlango_spool_bytes": 1234,
		"mlango_spool_oldest_age_seconds": 90,
	} {
		if v, ok := got[name]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", name, v, ok, want)
		}
	}
	if _, ok := got["go_goroutines"]; !ok {
		t.Error("no Go runtime metrics")
	}
	if _, ok := got["process_start_time_seconds"]; !ok {
		t.Error("no process metrics")
	}
	// The first scrape was observed after it answered; a second sees it,
	// at debug level in the log like the probes.
	if v := scrape(t, e)[`mlango_requests_total{code="200",provider="",route="/metrics"}`]; v != 1 {
		t.Errorf("/metrics requests = %v, want 1", v)
	}
}

// TestMetricsOptional: without an observer or a handler the gateway has no
// /metrics route; without a spool function there are no spool gauges.
func TestMetricsOptional(t *testing.T) {
	r := newRig(t)
	if rec := r.do(t, httptest.NewRequest(http.MethodGet, "/metrics", nil)); rec.Code != 404 {
		t.Fatalf("/metrics without metrics = %d, want 404", rec.Code)
	}
	m := metrics.New(metrics.Options{NoRuntime: true})
	e, err := New(Options{Providers: []handlers.Provider{handlers.AfricasTalking()}, Store: r.store,
		BodyLimit: 1 << 20, Log: zerolog.Nop(), Observer: m, Metrics: m.Handler()})
	if err != nil {
		t.Fatal(err)
	}
	for name := range scrape(t, e) {
		if strings.HasPrefix(name, "mlango_spool") || strings.HasPrefix(name, "mlango_nats") || strings.HasPrefix(name, "go_") {
			t.Errorf("unexpected series %s", name)
		}
	}
}

func sendReq(e *echo.Echo, method, target, remote, ct, body string, headers map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if remote != "" {
		req.RemoteAddr = remote
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

// scrape reads /metrics through the router: every sample, keyed by its
// name and labels as exposed ("name{a="x",b="y"}").
func scrape(t *testing.T, e *echo.Echo) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics = %d %q", rec.Code, rec.Body)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad sample line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// checkSeries wants exactly the series want of metric name, no more.
func checkSeries(t *testing.T, got map[string]float64, name string, want map[string]float64) {
	t.Helper()
	for labels, v := range want {
		if g, ok := got[name+labels]; !ok || g != v {
			t.Errorf("%s%s = %v (present %v), want %v", name, labels, g, ok, v)
		}
	}
	for series := range got {
		if labels, ok := strings.CutPrefix(series, name+"{"); ok {
			if _, wanted := want["{"+labels]; !wanted {
				t.Errorf("unexpected series %s = %v", series, got[series])
			}
		}
	}
}
