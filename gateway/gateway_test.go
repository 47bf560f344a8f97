package gateway

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/normalize"
	"github.com/rs/zerolog"
)

const form = "application/x-www-form-urlencoded"

const twoway = "linkId=L1&text=Hi&to=21512&id=ATSMSid_1&date=2026-03-04+10%3A30%3A00&from=%2B254711000111"

// TestRequests holds each route's answer to good and bad input, and that a
// rejected callback stores nothing.
func TestRequests(t *testing.T) {
	big := "id=ATXid_1&status=Success&pad=" + strings.Repeat("x", 1<<20)
	cases := []struct {
		name, path, ct, body string
		status               int
		answer               string
		stored               []string // subjects
	}{
		{"twoway good", "/api/sms/twoway", form, twoway, 200, "GOOD", []string{"telecom.africastalking.sms.inbound"}},
		{"twoway missing id", "/api/sms/twoway", form, strings.Replace(twoway, "id=ATSMSid_1&", "", 1), 400, "BAD: field id is missing", nil},
		{"twoway missing from", "/api/sms/twoway", form, strings.Replace(twoway, "&from=%2B254711000111", "", 1), 400, "BAD: field from is missing", nil},
		{"twoway missing to", "/api/sms/twoway", form, strings.Replace(twoway, "to=21512&", "", 1), 400, "BAD: field to is missing", nil},
		{"twoway blank date", "/api/sms/twoway", form, strings.Replace(twoway, "2026-03-04+10%3A30%3A00", "+", 1), 400, "BAD: field date is missing", nil},
		{"twoway oversize", "/api/sms/twoway", form, big, 413, "BAD: body larger than the 1 MiB limit", nil},
		{"dlr good", "/api/sms/delivery-reports", form, "id=ATXid_1&status=Success&phoneNumber=%2B254711000111", 200, "OK", []string{"telecom.africastalking.sms.delivery"}},
		{"dlr missing status", "/api/sms/delivery-reports", form, "id=ATXid_1&phoneNumber=%2B254711000111", 400, "field status is missing", nil},
		{"dlr oversize", "/api/sms/delivery-reports", form, big, 413, "body larger than the 1 MiB limit", nil},
		{"dlr xml", "/api/sms/delivery-reports", "text/xml", "<id>1</id>", 415, `unsupported Content-Type "text/xml": send application/x-www-form-urlencoded, multipart/form-data or application/json`, nil},
		{"dlr bad content type", "/api/sms/delivery-reports", "a/b; ===", "id=1", 415, `unreadable Content-Type "a/b; ==="`, nil},
		{"dlr malformed json", "/api/sms/delivery-reports", "application/json", `{"id":`, 400, "malformed JSON body: want a JSON object", nil},
		{"dlr json array", "/api/sms/delivery-reports", "application/json", `[{"id":"1"}]`, 400, "malformed JSON body: want a JSON object", nil},
		{"dlr malformed form", "/api/sms/delivery-reports", form, "id=%zz&status=Success", 400, "malformed form body", nil},
		{"dlr multipart without boundary", "/api/sms/delivery-reports", "multipart/form-data", "x", 400, "multipart body without a boundary", nil},
		{"dlr sniffed form", "/api/sms/delivery-reports", "", "id=ATXid_2&status=Failed", 200, "OK", []string{"telecom.africastalking.sms.delivery"}},
		{"dlr sniffed json", "/api/sms/delivery-reports", "", `{"id":"ATXid_3","status":"Failed"}`, 200, "OK", []string{"telecom.africastalking.sms.delivery"}},
		{"optout good", "/api/sms/opt-out", form, "senderId=MyBrand&phoneNumber=%2B254711000111", 200, "OK", []string{"telecom.africastalking.sms.optout"}},
		{"optout missing sender", "/api/sms/opt-out", form, "phoneNumber=%2B254711000111", 400, "field senderId is missing", nil},
		{"subscription good", "/api/sms/subscription", form, "phoneNumber=%2B254711000111&shortCode=1&keyword=K&updateType=Addition", 200, "OK", []string{"telecom.africastalking.sms.subscription"}},
		{"subscription missing keyword", "/api/sms/subscription", form, "phoneNumber=%2B254711000111&shortCode=1&updateType=Addition", 400, "field keyword is missing", nil},
		{"no such route", "/api/sms/nope", form, "id=1", 404, "no such route", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			rec := r.post(t, tc.path, tc.ct, tc.body)
			if rec.Code != tc.status || rec.Body.String() != tc.answer {
				t.Fatalf("answer = %d %q, want %d %q", rec.Code, rec.Body.String(), tc.status, tc.answer)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("answer Content-Type = %q, want text/plain", ct)
			}
			var subjects []string
			for _, m := range r.messages(t) {
				subjects = append(subjects, m.Subject)
			}
			if strings.Join(subjects, ",") != strings.Join(tc.stored, ",") {
				t.Errorf("stored subjects = %v, want %v", subjects, tc.stored)
			}
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	r := newRig(t)
	rec := r.do(t, httptest.NewRequest(http.MethodGet, "/api/sms/delivery-reports", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET answer = %d %q, want 405", rec.Code, rec.Body.String())
	}
}

func TestOversizeByContentLength(t *testing.T) {
	r := newRig(t)
	req := httptest.NewRequest(http.MethodPost, "/api/sms/delivery-reports", strings.NewReader("id=1&status=Success"))
	req.Header.Set("Content-Type", form)
	req.ContentLength = 2 << 20 // declared too large: refused before reading
	if rec := r.do(t, req); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("answer = %d, want 413", rec.Code)
	}
	if n := len(r.messages(t)); n != 0 {
		t.Fatalf("%d messages stored, want none", n)
	}
}

func TestGzipBody(t *testing.T) {
	r := newRig(t)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte("id=ATXid_gz&status=Success"))
	_ = zw.Close()
	req := httptest.NewRequest(http.MethodPost, "/api/sms/delivery-reports", &buf)
	req.Header.Set("Content-Type", form)
	req.Header.Set("Content-Encoding", "gzip")
	if rec := r.do(t, req); rec.Code != 200 {
		t.Fatalf("answer = %d %q", rec.Code, rec.Body.String())
	}
	if m := r.messages(t); len(m) != 1 || m[0].Event["subject"] != "ATXid_gz" {
		t.Fatalf("stored %v", m)
	}

	req = httptest.NewRequest(http.MethodPost, "/api/sms/delivery-reports", strings.NewReader("x"))
	req.Header.Set("Content-Encoding", "br")
	if rec := r.do(t, req); rec.Code != http.StatusUnsupportedMediaType {
		t.Fatalf("br answer = %d, want 415", rec.Code)
	}
}

// TestRetrySafety: a provider retrying the same callback stores it once; a
// new status for the same message is a new event.
func TestRetrySafety(t *testing.T) {
	r := newRig(t)
	dlr := "id=ATXid_r1&status=Sent&phoneNumber=%2B254711000111"
	for i := 0; i < 3; i++ {
		if rec := r.post(t, "/api/sms/delivery-reports", form, dlr); rec.Code != 200 {
			t.Fatalf("try %d: %d", i, rec.Code)
		}
	}
	if n := len(r.messages(t)); n != 1 {
		t.Fatalf("after three identical callbacks %d messages stored, want 1", n)
	}
	r.post(t, "/api/sms/delivery-reports", form, strings.Replace(dlr, "Sent", "Success", 1))
	msgs := r.messages(t)
	if len(msgs) != 2 {
		t.Fatalf("after a status change %d messages stored, want 2", len(msgs))
	}
	if msgs[0].Event["id"] == msgs[1].Event["id"] {
		t.Fatal("a new status kept the old event id")
	}
	for i := 0; i < 3; i++ {
		r.post(t, "/api/sms/twoway", form, twoway)
	}
	if n := len(r.messages(t)); n != 3 {
		t.Fatalf("three retries of one incoming SMS left %d messages, want 3", n)
	}
}

// TestNotAcknowledged: when JetStream cannot keep the event the provider
// gets a 503, its cue to retry, and readiness says why.
func TestNotAcknowledged(t *testing.T) {
	r := newRig(t)
	if rec := r.do(t, httptest.NewRequest(http.MethodGet, "/readyz", nil)); rec.Code != 200 {
		t.Fatalf("readyz = %d %q", rec.Code, rec.Body.String())
	}
	if err := r.stream.Purge(context.Background()); err != nil {
		t.Fatal(err)
	}
	js := jsOf(t, r.url)
	if err := js.DeleteStream(context.Background(), "TELECOM"); err != nil {
		t.Fatal(err)
	}
	rec := r.post(t, "/api/sms/delivery-reports", form, "id=ATXid_1&status=Success")
	if rec.Code != http.StatusServiceUnavailable || rec.Body.String() != "event not stored, retry later" {
		t.Fatalf("answer = %d %q, want 503", rec.Code, rec.Body.String())
	}
	rec = r.do(t, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.HasPrefix(rec.Body.String(), "not ready: ") {
		t.Fatalf("readyz = %d %q, want 503", rec.Code, rec.Body.String())
	}
	if rec := r.do(t, httptest.NewRequest(http.MethodGet, "/healthz", nil)); rec.Code != 200 {
		t.Fatalf("healthz = %d", rec.Code)
	}
}

func TestPanicBecomes500(t *testing.T) {
	r := newRig(t)
	var logs bytes.Buffer
	e, err := New(Options{
		Providers: []handlers.Provider{{Name: "boom", Routes: []handlers.Route{{
			Path:  "/boom",
			Parse: func(normalize.Input) ([]normalize.Event, error) { panic("parser bug") },
		}}}},
		Store: r.store, BodyLimit: 1024, Log: zerolog.New(&logs),
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/boom", strings.NewReader("a=b")))
	if rec.Code != 500 || rec.Body.String() != "internal error" {
		t.Fatalf("answer = %d %q", rec.Code, rec.Body.String())
	}
	if !strings.Contains(logs.String(), "parser bug") {
		t.Errorf("the panic is not in the log line: %s", logs.String())
	}
}

func TestDuplicateRouteFailsStartup(t *testing.T) {
	at := handlers.AfricasTalking()
	_, err := New(Options{Providers: []handlers.Provider{at, {Name: "copycat", Routes: at.Routes[:1]}}})
	if err == nil || !strings.Contains(err.Error(), "/api/sms/twoway is declared by both africastalking and copycat") {
		t.Fatalf("err = %v", err)
	}
}

// TestRequestLog: one structured line per request with the route, provider,
// status and event; the subscriber's number never appears in full.
func TestRequestLog(t *testing.T) {
	r := newRig(t)
	var logs bytes.Buffer
	e, err := New(Options{Providers: []handlers.Provider{handlers.AfricasTalking()}, Store: r.store,
		BodyLimit: 1 << 20, Log: zerolog.New(&logs), Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"senderId=MyBrand&phoneNumber=%2B254711000111", "senderId=MyBrand"} {
		req := httptest.NewRequest(http.MethodPost, "/api/sms/opt-out", strings.NewReader(body))
		req.Header.Set("Content-Type", form)
		e.ServeHTTP(httptest.NewRecorder(), req)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d log lines for 2 requests:\n%s", len(lines), logs.String())
	}
	if strings.Contains(logs.String(), "254711000111") {
		t.Errorf("a full phone number reached the log: %s", logs.String())
	}
	var ok, bad map[string]any
	_ = json.Unmarshal([]byte(lines[0]), &ok)
	_ = json.Unmarshal([]byte(lines[1]), &bad)
	want := map[string]any{"level": "info", "route": "/api/sms/opt-out", "provider": "africastalking",
		"status": 200.0, "event_type": "sms.optout", "external_id": "+2547******11"}
	for k, v := range want {
		if ok[k] != v {
			t.Errorf("log %s = %v, want %v", k, ok[k], v)
		}
	}
	if bad["level"] != "warn" || bad["status"] != 400.0 || bad["problem"] != "field phoneNumber is missing" {
		t.Errorf("rejected request's log line = %v", bad)
	}
}
