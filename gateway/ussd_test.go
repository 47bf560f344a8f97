package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/handlers/ussd"
	"github.com/mlango/mlango/publish"
	"github.com/rs/zerolog"
)

// ussdRig is a USSD engine over the rig's NATS, with the routes serving it.
type ussdRig struct {
	engine *ussd.Engine
	async  *handlers.Async
	routes []handlers.Route
}

// newUSSD builds the engine as cmd does: sessions and resume records in
// JetStream KV, remote steps over NATS request-reply; menus nil means the
// built-in demo.
func newUSSD(tb testing.TB, store *publish.Store, menus *ussd.MenuSet) *ussdRig {
	tb.Helper()
	ctx := context.Background()
	sessions, err := store.KV(ctx, publish.KVOptions{Bucket: "ussd_sessions", TTL: 3 * time.Minute})
	if err != nil {
		tb.Fatal(err)
	}
	resume, err := store.KV(ctx, publish.KVOptions{Bucket: "ussd_resume", TTL: 10 * time.Minute})
	if err != nil {
		tb.Fatal(err)
	}
	o := ussd.DefaultOptions()
	o.Now = func() time.Time { return fixedNow }
	u := &ussdRig{engine: ussd.New(menus, sessions, resume, store, o), async: &handlers.Async{}}
	u.routes = handlers.USSDRoutes(handlers.USSD{Engine: u.engine, Async: u.async, Log: zerolog.Nop()})
	tb.Cleanup(func() { _ = u.async.Wait(context.Background()) })
	return u
}

// hop posts one AT session request and returns the answer and its hop
// metadata header.
func hop(tb testing.TB, e *echo.Echo, session, text string) (string, string) {
	tb.Helper()
	form := url.Values{"sessionId": {session}, "serviceCode": {"*384*44135#"}, "phoneNumber": {"+254711000111"},
		"networkCode": {"63902"}, "text": {text}}
	req := httptest.NewRequest(http.MethodPost, "/api/ussd/session", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		tb.Fatalf("hop %q: %d %s %q", text, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	return rec.Body.String(), rec.Header().Get("at-ussd-hop-metadata")
}

// TestUSSDDemo walks every branch of the built-in demo through the real
// router, as Africa's Talking's sample flow does.
func TestUSSDDemo(t *testing.T) {
	r := newRig(t)
	cases := []struct {
		inputs []string
		last   string
	}{
		{[]string{"1", "1"}, "END Your account number is ACC1001"},
		{[]string{"2"}, "END Your phone number is +254711000111"},
		{[]string{"7"}, "END Invalid choice"},
	}
	for i, tc := range cases {
		session := "ATUid_demo" + string(rune('a'+i))
		first, meta := hop(t, r.e, session, "")
		if first != "CON What would you want to check\n1. My Account\n2. My phone number" || meta != "main" {
			t.Fatalf("first screen %q (metadata %q)", first, meta)
		}
		var got string
		for j := range tc.inputs {
			got, _ = hop(t, r.e, session, strings.Join(tc.inputs[:j+1], "*"))
		}
		if got != tc.last {
			t.Errorf("inputs %v end with %q, want %q", tc.inputs, got, tc.last)
		}
	}
}

// TestUSSDTwoInstances: hops alternating between two gateways that share
// one NATS give the transcript one gateway gives, because the session lives
// in KV, not in either process.
func TestUSSDTwoInstances(t *testing.T) {
	one := newRig(t)
	two := rigOn(t, one.url)
	inputs := []string{"", "1", "1*1"}
	var alone, shared []string
	for _, text := range inputs {
		a, _ := hop(t, one.e, "ATUid_alone", text)
		alone = append(alone, a)
	}
	for i, text := range inputs {
		e := []*echo.Echo{one.e, two.e}[i%2]
		s, _ := hop(t, e, "ATUid_shared", text)
		shared = append(shared, s)
	}
	if strings.Join(alone, "|") != strings.Join(shared, "|") {
		t.Fatalf("alternating gateways:\n%q\none gateway:\n%q", shared, alone)
	}
	// A re-sent hop reaching the other instance gets the same screen.
	again, _ := hop(t, two.e, "ATUid_shared", "1*1")
	if again != shared[2] {
		t.Fatalf("re-sent last hop answered %q, want %q", again, shared[2])
	}
}

// TestUSSDEvents: each hop's ussd.input reaches the stream once, a re-sent
// hop adds none, and the end-of-session report becomes ussd.session and
// forgets the session.
func TestUSSDEvents(t *testing.T) {
	r := newRig(t)
	for _, text := range []string{"", "1", "1", "1*1"} { // the second "1" is a re-send
		hop(t, r.e, "ATUid_ev", text)
	}
	if err := r.ussd.async.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	var inputs []map[string]any
	for _, m := range r.messages(t) {
		if m.Subject == "telecom.africastalking.ussd.input" {
			inputs = append(inputs, m.Event["data"].(map[string]any))
		}
	}
	if len(inputs) != 3 {
		t.Fatalf("%d ussd.input events for 3 distinct hops", len(inputs))
	}
	// Hop events are published in the background: key them by text, not
	// by their order in the stream.
	byText := map[any]map[string]any{}
	for _, d := range inputs {
		byText[d["text"]] = d
	}
	want := []struct{ text, input, screen string }{{"", "", "main"}, {"1", "1", "account"}, {"1*1", "1", "account_number"}}
	for _, w := range want {
		d := byText[w.text]
		if d == nil || d["input"] != w.input || d["screen"] != w.screen || d["sessionId"] != "ATUid_ev" {
			t.Errorf("hop %q event data = %v, want input %q screen %q", w.text, d, w.input, w.screen)
		}
	}
	if a := byText["1*1"]["answer"]; a != "END Your account number is ACC1001" {
		t.Errorf("last answer = %v", a)
	}

	rec := r.post(t, "/api/ussd/status", form, "sessionId=ATUid_ev&status=Success&input=1*1&hopsCount=3&durationInMillis=5000")
	if rec.Code != 200 || rec.Body.String() != "OK" {
		t.Fatalf("status answer %d %q", rec.Code, rec.Body)
	}
	msgs := r.messages(t)
	last := msgs[len(msgs)-1]
	if last.Subject != "telecom.africastalking.ussd.session" || last.Event["data"].(map[string]any)["status"] != "completed" {
		t.Fatalf("last stored event %s %v", last.Subject, last.Event)
	}
	// The session was forgotten: the same id dials afresh.
	if first, _ := hop(t, r.e, "ATUid_ev", ""); !strings.HasPrefix(first, "CON What would you want to check") {
		t.Fatalf("after the end report the session answered %q", first)
	}
}

// pinMenu collects a PIN and submits a form: the PIN must appear nowhere a
// consumer or a log can read it.
const pinMenu = `
flow: pins
service_codes: ["*384*44135#"]
start: amount
steps:
  amount:
    input:
      text: "Amount:"
      save: amount
      validate: [{numeric: true, error: "Digits only."}]
      next: pin
  pin:
    input:
      text: "PIN for {{.vars.amount}}:"
      save: pin
      secret: true
      validate: [{regex: '^[0-9]{4}$', error: "4 digits."}]
      next: done
  done:
    submit: payment
    end: "Paying {{.vars.amount}}."
`

func TestUSSDSecretsAndSubmissions(t *testing.T) {
	r := newRig(t)
	set, err := ussd.LoadSources([]ussd.Source{{Name: "pins.yaml", Data: []byte(pinMenu)}}, ussd.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	u := newUSSD(t, r.store, set)
	e, err := New(Options{Providers: testProviders(t, u.routes...), Store: r.store, BodyLimit: 1 << 20,
		Log: zerolog.Nop(), Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"", "250", "250*9876"} {
		hop(t, e, "ATUid_pin", text)
	}
	if err := u.async.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.post(t, "/api/ussd/status", form, "sessionId=ATUid_pin&status=Success&input=250*9876&hopsCount=3")
	var types []string
	var lastText any
	for _, m := range r.messages(t) {
		if strings.Contains(string(m.Body), "9876") {
			t.Errorf("the PIN reached the stream in %s: %s", m.Subject, m.Body)
		}
		types = append(types, m.Event["type"].(string))
		if m.Event["type"] == "ussd.input" {
			if d := m.Event["data"].(map[string]any); d["screen"] != "pin" && d["text"] != "" && d["text"] != "250" {
				lastText = d["text"]
			}
		}
		if m.Event["type"] == "ussd.submission" {
			b, _ := json.Marshal(m.Event["data"])
			if string(b) != `{"inputs":{"amount":"250"},"name":"payment","phoneNumber":"+254711000111","serviceCode":"*384*44135#","sessionId":"ATUid_pin"}` {
				t.Errorf("submission data = %s", b)
			}
		}
	}
	// Hop events are published in the background, so only the set is fixed.
	slices.Sort(types)
	if got := strings.Join(types, ","); got != "ussd.input,ussd.input,ussd.input,ussd.session,ussd.submission" {
		t.Errorf("stored event types = %s", got)
	}
	if lastText != "250*****" {
		t.Errorf("the PIN hop's text = %v, want it masked as 250*****", lastText)
	}
}
