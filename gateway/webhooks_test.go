package gateway

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/mlango/mlango/handlers"
	"github.com/rs/zerolog"
)

const tntDelivered = `{"event":"sms.delivered","timestamp":"2026-05-20T11:30:04+03:00","data":{"id":7001,"mobile":"254712345678","status":"delivered","network":"safaricom"}}`

// testClock is a settable clock for the timestamp tolerance and the
// failure limiter.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

// serve builds a gateway over the rig's store with other providers.
func (r *rig) serve(tb testing.TB, log io.Writer, providers ...handlers.Provider) *echo.Echo {
	tb.Helper()
	e, err := New(Options{Providers: providers, Store: r.store, BodyLimit: 1 << 20,
		Log: zerolog.New(log), Now: func() time.Time { return fixedNow }})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func send(e *echo.Echo, target, remote, body string, headers map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	req.RemoteAddr = remote
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func tntHeaders(body string) map[string]string {
	return map[string]string{handlers.TalkNTalkSignature: "sha256=" + hex.EncodeToString(mac([]byte(testTalkNTalkSecret), []byte(body)))}
}

// TestWebhookRedelivery: TalkNTalk retries the same bytes after 1, 5 and
// 30 minutes; a Standard Webhooks sender re-signs each retry with a new
// timestamp but the same webhook-id. Either way one event is stored.
func TestWebhookRedelivery(t *testing.T) {
	r := newRig(t)
	for i := 0; i < 4; i++ {
		if rec := r.post(t, "/webhooks/talkntalk", "application/json", ""); rec.Code != 401 {
			t.Fatalf("unsigned try: %d", rec.Code)
		}
		if rec := send(r.e, "/webhooks/talkntalk", "192.0.2.1:1", tntDelivered, tntHeaders(tntDelivered)); rec.Code != 200 {
			t.Fatalf("try %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	clock := &testClock{t: fixedNow}
	katembe := katembeProvider(t, clock)
	e := r.serve(t, io.Discard, katembe)
	body := `{"type":"message.delivered","data":{"message_id":"ktb_1","status":"delivered"}}`
	for _, after := range []time.Duration{0, time.Minute, 5 * time.Minute, 30 * time.Minute} {
		clock.t = fixedNow.Add(after)
		if rec := send(e, "/webhooks/katembe", "192.0.2.1:1", body, signedAt(clock.t, "msg_retry", body)); rec.Code != 200 {
			t.Fatalf("retry after %s: %d %s", after, rec.Code, rec.Body)
		}
	}
	if msgs := r.messages(t); len(msgs) != 2 || msgs[0].Subject != "telecom.talkntalk.sms.delivery" || msgs[1].Subject != "telecom.katembe.sms.delivery" {
		t.Fatalf("stored %d messages, want one per provider: %v", len(msgs), msgs)
	}
}

func katembeProvider(tb testing.TB, c *testClock) handlers.Provider {
	tb.Helper()
	p, err := handlers.WebhookProvider(handlers.Webhook{
		Name:      "katembe",
		Signature: handlers.Signature{Scheme: handlers.SchemeStandardWebhooks, Secrets: []string{testKatembeSecret}, Now: c.now},
		Parse:     katembeMapping.Parse,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// TestWebhookReplay: a captured Standard Webhooks request replayed within
// the tolerance is stored once; replayed later it is refused.
func TestWebhookReplay(t *testing.T) {
	r := newRig(t)
	clock := &testClock{t: fixedNow}
	e := r.serve(t, io.Discard, katembeProvider(t, clock))
	body := `{"type":"message.sent","data":{"message_id":"ktb_2","status":"sent"}}`
	captured := signedAt(fixedNow, "msg_replayed", body)
	for _, after := range []time.Duration{0, 4 * time.Minute, 5 * time.Minute} {
		clock.t = fixedNow.Add(after)
		if rec := send(e, "/webhooks/katembe", "192.0.2.1:1", body, captured); rec.Code != 200 {
			t.Fatalf("replay after %s: %d %s", after, rec.Code, rec.Body)
		}
	}
	clock.t = fixedNow.Add(5*time.Minute + time.Second)
	if rec := send(e, "/webhooks/katembe", "192.0.2.1:1", body, captured); rec.Code != 401 || rec.Body.String() != "webhook-timestamp is too old" {
		t.Fatalf("late replay: %d %q", rec.Code, rec.Body)
	}
	if n := len(r.messages(t)); n != 1 {
		t.Fatalf("%d events stored, want 1", n)
	}
}

// TestAuthFailureLimit: a source that keeps failing gets 429 even with a
// right signature until its failures are forgiven; other sources and
// genuine traffic are untouched.
func TestAuthFailureLimit(t *testing.T) {
	r := newRig(t)
	clock := &testClock{t: fixedNow}
	sources := handlers.NewSources(handlers.SourcesOptions{FailureLimit: 2, FailureWindow: time.Minute, Now: clock.now})
	tnt, err := handlers.TalkNTalk([]string{testTalkNTalkSecret}, handlers.Guard{Sources: sources})
	if err != nil {
		t.Fatal(err)
	}
	at := handlers.Guarded(handlers.AfricasTalking(), handlers.Guard{Tokens: []string{"at-token-0123456789"}, Sources: sources})
	e := r.serve(t, io.Discard, tnt, at)
	good := tntHeaders(tntDelivered)
	for i := 0; i < 20; i++ {
		if rec := send(e, "/webhooks/talkntalk", "192.0.2.1:1", tntDelivered, good); rec.Code != 200 {
			t.Fatalf("genuine request %d: %d", i, rec.Code)
		}
	}
	attacker := "203.0.113.66:4000"
	if rec := send(e, "/webhooks/talkntalk", attacker, tntDelivered, map[string]string{handlers.TalkNTalkSignature: "sha256=" + strings.Repeat("0", 64)}); rec.Code != 401 {
		t.Fatalf("wrong signature: %d", rec.Code)
	}
	if rec := send(e, "/api/sms/opt-out?key=guess", attacker, `{"phoneNumber":"+254711000111","senderId":"X"}`, nil); rec.Code != 401 {
		t.Fatalf("wrong token: %d", rec.Code)
	}
	rec := send(e, "/webhooks/talkntalk", attacker, tntDelivered, good)
	if rec.Code != http.StatusTooManyRequests || !strings.HasPrefix(rec.Body.String(), "too many failed authentications") {
		t.Fatalf("exhausted source: %d %q, want 429", rec.Code, rec.Body)
	}
	if rec := send(e, "/webhooks/talkntalk", "192.0.2.1:1", tntDelivered, good); rec.Code != 200 {
		t.Fatalf("another source was limited: %d", rec.Code)
	}
	clock.t = clock.t.Add(30 * time.Second)
	if rec := send(e, "/webhooks/talkntalk", attacker, tntDelivered, good); rec.Code != 200 {
		t.Fatalf("after a failure was forgiven: %d", rec.Code)
	}
	if n := len(r.messages(t)); n != 1 {
		t.Fatalf("%d events stored, want 1", n)
	}
}

// TestATTokenGuard: with a token, Africa's Talking's routes need it as
// ?key= or /t/<token>/; it never reaches an event or the log.
func TestATTokenGuard(t *testing.T) {
	const token = "b7f3c2a9d4e8f1a6c5b0"
	r := newRig(t)
	var logs bytes.Buffer
	e := r.serve(t, &logs, handlers.Guarded(handlers.AfricasTalking(), handlers.Guard{Tokens: []string{token}}))
	dlr := "id=ATXid_g1&status=Success&phoneNumber=%2B254711000111"
	post := func(target string) int {
		req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(dlr))
		req.Header.Set("Content-Type", form)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec.Code
	}
	// In order: the first 200 is the one whose raw copy is checked below;
	// the second is the same callback, stored once.
	for _, tc := range []struct {
		target string
		want   int
	}{
		{"/api/sms/delivery-reports", 401},
		{"/api/sms/delivery-reports?key=wrong", 401},
		{"/t/wrong/api/sms/delivery-reports", 401},
		{"/api/sms/delivery-reports?key=" + token + "&campaign=c1", 200},
		{"/t/" + token + "/api/sms/delivery-reports", 200},
		{"/t/" + token + "/api/sms/no-such-route?key=" + token, 404},
		{"/t/" + token + "/api/sms/delivery-reports/extra?key=" + token, 404},
	} {
		if got := post(tc.target); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.target, got, tc.want)
		}
	}
	msgs := r.messages(t)
	if len(msgs) != 1 { // the second 200 is the same callback, stored once
		t.Fatalf("%d events stored, want 1", len(msgs))
	}
	raw := msgs[0].Event["data"].(map[string]any)["raw"].(map[string]any)
	if _, leaked := raw["key"]; leaked || raw["campaign"] != "c1" {
		t.Errorf("raw = %v: want the other query fields and no key", raw)
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("the token reached the log:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), `"route":"/t/:token/api/sms/delivery-reports"`) {
		t.Errorf("the path form is not logged by its pattern:\n%s", logs.String())
	}
}

// TestWebhookLogLines: one line per request naming the provider and the
// problem, never a secret or a signature.
func TestWebhookLogLines(t *testing.T) {
	r := newRig(t)
	var logs bytes.Buffer
	e := r.serve(t, &logs, testProviders(t)...)
	sig := tntHeaders(tntDelivered)
	send(e, "/webhooks/talkntalk", "192.0.2.1:1", tntDelivered, sig)
	send(e, "/webhooks/talkntalk", "192.0.2.1:1", tntDelivered+" ", sig)
	unknown := `{"event":"sms.queued","data":{"id":1}}`
	send(e, "/webhooks/talkntalk", "192.0.2.1:1", unknown, tntHeaders(unknown))
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines for 3 requests:\n%s", len(lines), logs.String())
	}
	for _, secret := range []string{testTalkNTalkSecret, sig[handlers.TalkNTalkSignature][7:]} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log shows %q:\n%s", secret, logs.String())
		}
	}
	var ok, bad, drift map[string]any
	_ = json.Unmarshal([]byte(lines[0]), &ok)
	_ = json.Unmarshal([]byte(lines[1]), &bad)
	_ = json.Unmarshal([]byte(lines[2]), &drift)
	if ok["provider"] != "talkntalk" || ok["event_type"] != "sms.delivery" || ok["route"] != "/webhooks/talkntalk" {
		t.Errorf("accepted request's line = %v", ok)
	}
	if bad["status"] != 401.0 || bad["problem"] != "X-TalkNTalk-Signature does not match the body" || bad["provider"] != "talkntalk" {
		t.Errorf("refused request's line = %v", bad)
	}
	if u, _ := drift["unknown_values"].([]any); len(u) != 1 || u[0] != "event" {
		t.Errorf("unknown event's line = %v", drift)
	}
}
