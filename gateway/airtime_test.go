package gateway

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/normalize"
	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"
)

// goldenAirtimeRules are the rules the golden rig validates with, so the
// airtime-validation-* files show rules refusing as well as passing.
func goldenAirtimeRules(tb testing.TB) handlers.AirtimeRules {
	tb.Helper()
	rules, err := handlers.NewAirtimeRules([]string{"KES", "UGX"}, map[string]string{"KES": "10000"},
		nil, []string{"+254700000666"})
	if err != nil {
		tb.Fatal(err)
	}
	return rules
}

// goldenAirtimeRoutes is the validation route of the golden rig: rules
// only, no decider.
func goldenAirtimeRoutes(tb testing.TB) []handlers.Route {
	return handlers.AirtimeRoutes(handlers.AirtimeValidator{Rules: goldenAirtimeRules(tb), Timeout: 2 * time.Second, Log: zerolog.Nop()})
}

// airtimeGateway serves v's validation route over r's store.
func airtimeGateway(tb testing.TB, r *rig, v handlers.AirtimeValidator) *echo.Echo {
	tb.Helper()
	v.Log = zerolog.Nop()
	e, err := New(Options{
		Providers: []handlers.Provider{{Name: normalize.AfricasTalking, Routes: handlers.AirtimeRoutes(v)}},
		Store:     r.store,
		Ready:     r.store.Ready,
		BodyLimit: 1 << 20,
		Log:       zerolog.Nop(),
		Now:       func() time.Time { return fixedNow },
	})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// decider answers on subject as reply says; a nil reply never answers.
func decider(tb testing.TB, r *rig, subject string, reply func(body []byte) []byte) {
	tb.Helper()
	nc, err := nats.Connect(r.url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	_, err = nc.Subscribe(subject, func(m *nats.Msg) {
		if b := reply(m.Data); b != nil {
			_ = m.Respond(b)
		}
	})
	if err == nil {
		err = nc.Flush()
	}
	if err != nil {
		tb.Fatal(err)
	}
}

func validate(tb testing.TB, e *echo.Echo, body string) string {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, handlers.AirtimeValidationPath, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := (&rig{e: e}).do(tb, req)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		tb.Fatalf("answer = %d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	return rec.Body.String()
}

// lastDecision is the decision and reason of the last stored event.
func lastDecision(tb testing.TB, r *rig) (string, string) {
	tb.Helper()
	msgs := r.messages(tb)
	if len(msgs) == 0 {
		tb.Fatal("no event stored")
	}
	data := msgs[len(msgs)-1].Event["data"].(map[string]any)
	return data["decision"].(string), data["reason"].(string)
}

const (
	answerValidated = `{"status":"Validated"}`
	answerFailed    = `{"status":"Failed"}`
)

func validationBody(id, phone, currency, amount string) string {
	return `{"transactionId":"` + id + `","phoneNumber":"` + phone + `","sourceIpAddress":"127.12.32.24","currencyCode":"` +
		currency + `","amount":` + amount + `}`
}

func TestAirtimeValidationRules(t *testing.T) {
	r := newRig(t)
	e := airtimeGateway(t, r, handlers.AirtimeValidator{Rules: goldenAirtimeRules(t), Timeout: 2 * time.Second})
	cases := []struct {
		name, body, want, reason string
	}{
		{"within rules", validationBody("T1", "+254711000111", "KES", "500.00"), answerValidated, ""},
		{"amount as string", validationBody("T2", "+254711000111", "KES", `"10000"`), answerValidated, ""},
		{"over the limit", validationBody("T3", "+254711000111", "KES", "10000.01"), answerFailed, "amount KES 10000.01 is over the limit of KES 10000"},
		{"currency not allowed", validationBody("T4", "+254711000111", "USD", "5"), answerFailed, "currency USD is not allowed"},
		{"denied number", validationBody("T5", "+254700000666", "KES", "5"), answerFailed, "phone number is on the deny list"},
		{"zero", validationBody("T6", "+254711000111", "UGX", "0"), answerFailed, "amount 0 is not above zero"},
		{"missing amount", `{"transactionId":"T7","phoneNumber":"+254711000111","currencyCode":"KES"}`, answerFailed, "field amount is missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := validate(t, e, tc.body); got != tc.want {
				t.Errorf("answer = %s, want %s", got, tc.want)
			}
			if _, reason := lastDecision(t, r); reason != tc.reason {
				t.Errorf("reason = %q, want %q", reason, tc.reason)
			}
		})
	}
}

func TestAirtimeValidationWithoutTransactionStoresNothing(t *testing.T) {
	r := newRig(t)
	e := airtimeGateway(t, r, handlers.AirtimeValidator{Timeout: 2 * time.Second})
	for _, body := range []string{`{"phoneNumber":"+254711000111","currencyCode":"KES","amount":5}`, `{not json`} {
		if got := validate(t, e, body); got != answerFailed {
			t.Errorf("%s: answer = %s, want Failed", body, got)
		}
	}
	if n := len(r.messages(t)); n != 0 {
		t.Errorf("%d events stored, want none", n)
	}
}

func TestAirtimeValidationDecider(t *testing.T) {
	r := newRig(t)
	decider(t, r, "test.airtime.yes", func([]byte) []byte { return []byte(`{"decision":"validated","reason":"known customer"}`) })
	decider(t, r, "test.airtime.no", func([]byte) []byte { return []byte(`{"decision":"failed","reason":"velocity"}`) })
	decider(t, r, "test.airtime.silent", func([]byte) []byte { return nil })
	decider(t, r, "test.airtime.garbled", func([]byte) []byte { return []byte(`{"decision":"maybe"}`) })
	cases := []struct {
		subject  string
		allow    bool
		body     string
		want     string
		decision string
		reason   string
	}{
		{"test.airtime.yes", false, validationBody("D1", "+254711000111", "KES", "50"), answerValidated, normalize.Validated, "known customer"},
		{"test.airtime.no", false, validationBody("D2", "+254711000111", "KES", "50"), answerFailed, normalize.ValidationFailed, "velocity"},
		{"test.airtime.yes", false, validationBody("D3", "+254700000666", "KES", "50"), answerFailed, normalize.ValidationFailed, "phone number is on the deny list"},
		{"test.airtime.silent", false, validationBody("D4", "+254711000111", "KES", "50"), answerFailed, normalize.ValidationFailed, ""},
		{"test.airtime.nobody", false, validationBody("D5", "+254711000111", "KES", "50"), answerFailed, normalize.ValidationFailed, ""},
		{"test.airtime.garbled", false, validationBody("D6", "+254711000111", "KES", "50"), answerFailed, normalize.ValidationFailed, ""},
		{"test.airtime.silent", true, validationBody("D7", "+254711000111", "KES", "50"), answerValidated, normalize.Validated, "decider unavailable; allowed by configuration"},
		{"test.airtime.silent", true, validationBody("D8", "+254711000111", "USD", "50"), answerFailed, normalize.ValidationFailed, "currency USD is not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.subject, func(t *testing.T) {
			e := airtimeGateway(t, r, handlers.AirtimeValidator{Rules: goldenAirtimeRules(t), Timeout: 2 * time.Second,
				Decider: r.store, Subject: tc.subject, DeciderTimeout: 100 * time.Millisecond, AllowOnDeciderFailure: tc.allow})
			if got := validate(t, e, tc.body); got != tc.want {
				t.Errorf("answer = %s, want %s", got, tc.want)
			}
			decision, reason := lastDecision(t, r)
			if decision != tc.decision || (tc.reason != "" && reason != tc.reason) || reason == "" && decision == normalize.ValidationFailed {
				t.Errorf("stored %s %q, want %s %q", decision, reason, tc.decision, tc.reason)
			}
		})
	}
}

// TestAirtimeValidationDeciderSeesRequest holds the decider protocol as
// docs/airtime.md shows it.
func TestAirtimeValidationDeciderSeesRequest(t *testing.T) {
	r := newRig(t)
	got := make(chan string, 1)
	decider(t, r, "test.airtime.echo", func(b []byte) []byte { got <- string(b); return []byte(`{"decision":"validated"}`) })
	e := airtimeGateway(t, r, handlers.AirtimeValidator{Timeout: 2 * time.Second, Decider: r.store,
		Subject: "test.airtime.echo", DeciderTimeout: time.Second})
	validate(t, e, validationBody("ATXid_520e", "+254711000111", "KES", `"500.00"`))
	want := `{"provider":"africastalking","transactionId":"ATXid_520e","phoneNumber":"+254711000111",` +
		`"amount":{"currency":"KES","amount":"500.00"},"sourceIp":"127.12.32.24","rules":{"decision":"validated","reason":""}}`
	if b := <-got; b != want {
		t.Errorf("decider request =\n%s\nwant\n%s", b, want)
	}
}

// failingStore refuses every event, as JetStream does when it is down.
type failingStore struct{}

func (failingStore) Store(context.Context, []normalize.Event) (int, error) {
	return 0, errors.New("jetstream down")
}

func TestAirtimeValidationNotStoredIsFailed(t *testing.T) {
	e, err := New(Options{
		Providers: []handlers.Provider{{Name: normalize.AfricasTalking, Routes: handlers.AirtimeRoutes(
			handlers.AirtimeValidator{Timeout: time.Second, Log: zerolog.Nop()})}},
		Store: failingStore{}, Ready: func(context.Context) error { return nil },
		BodyLimit: 1 << 20, Log: zerolog.Nop(), Now: func() time.Time { return fixedNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := validate(t, e, validationBody("S1", "+254711000111", "KES", "5")); got != answerFailed {
		t.Errorf("answer = %s, want Failed", got)
	}
}
