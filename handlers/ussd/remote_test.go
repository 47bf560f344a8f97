package ussd_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mlango/mlango/handlers/ussd"
)

const remoteMenu = `
flow: bank
start: pin
nav: {show: [back]}
defaults:
  on_error: {end: Service unavailable}
steps:
  pin:
    input: {text: PIN, save: pin, secret: true, next: account}
  account:
    input: {text: Account, save: account, next: ask}
  ask:
    remote:
      returns: [balance]
      next: shown
  ask_pin:
    remote:
      send: [pin]
      on_error: {next: account}
  shown:
    end: "Balance {{.vars.balance}}"
`

// recorder captures what a responder received.
type recorder struct {
	mu   sync.Mutex
	reqs []ussd.StepRequest
	hdrs []nats.Header
}

func (rec *recorder) serve(n *natsEnv, tb testing.TB, subject string, reply func(ussd.StepRequest) string) {
	n.respond(tb, subject, func(req ussd.StepRequest, h nats.Header) []byte {
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, req)
		rec.hdrs = append(rec.hdrs, h)
		rec.mu.Unlock()
		if s := reply(req); s != "" {
			return []byte(s)
		}
		return nil
	})
}

func (rec *recorder) last(tb testing.TB) (ussd.StepRequest, nats.Header) {
	tb.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) == 0 {
		tb.Fatal("the service got no request")
	}
	return rec.reqs[len(rec.reqs)-1], rec.hdrs[len(rec.hdrs)-1]
}

func TestRemoteRequest(t *testing.T) {
	n := startNATS(t)
	rec := &recorder{}
	rec.serve(n, t, "mlango.ussd.bank.ask", func(ussd.StepRequest) string { return `{"set": {"balance": "7"}}` })
	r := n.newRig(t, menu(t, remoteMenu, ussd.DefaultOptions()), ussd.DefaultOptions())
	c, _ := r.dial(t, "ATUid_req", "*384*1#")
	c.send(t, "1234")
	before := time.Now()
	resp := c.send(t, "55")
	wantScreen(t, resp, "END Balance 7")

	req, hdr := rec.last(t)
	want := ussd.StepRequest{Spec: "mlango.ussd.step/v1", Flow: "bank", Version: resp.Version, Step: "ask", Phase: "enter",
		Session: ussd.StepSession{ID: "ATUid_req", Hop: 3, Phone: "+254711000111", ServiceCode: "*384*1#",
			Network: "63902", Lang: "en", Provider: "africastalking"},
		Vars:   map[string]string{"account": "55"}, // not the secret PIN: the step does not list it
		Limits: ussd.StepLimits{Chars: 156, UCS2Chars: 66}}
	if got, _ := json.Marshal(req); string(got) != string(mustJSON(t, want)) {
		t.Errorf("request:\n%s\nwant\n%s", got, mustJSON(t, want))
	}
	if hdr.Get("Mlango-Flow") != "bank" || hdr.Get("Mlango-Step") != "ask" || hdr.Get("Nats-Msg-Id") != "ATUid_req:3" {
		t.Errorf("headers %v", hdr)
	}
	if deadline, err := time.Parse(time.RFC3339Nano, hdr.Get("Mlango-Deadline")); err != nil || !deadline.After(before) {
		t.Errorf("Mlango-Deadline %q (%v): want an RFC 3339 time after the hop began", hdr.Get("Mlango-Deadline"), err)
	}
}

func TestRemoteSendsSecretOnlyWhenListed(t *testing.T) {
	n := startNATS(t)
	rec := &recorder{}
	rec.serve(n, t, "mlango.ussd.bank.ask_pin", func(ussd.StepRequest) string { return `{"end": "ok"}` })
	src := strings.Replace(remoteMenu, "account:\n    input: {text: Account, save: account, next: ask}",
		"account:\n    input: {text: Account, save: account, next: ask_pin}", 1)
	r := n.newRig(t, menu(t, src, ussd.DefaultOptions()), ussd.DefaultOptions())
	c, _ := r.dial(t, "secret", "*1#")
	c.send(t, "1234")
	wantScreen(t, c.send(t, "55"), "END ok")
	if req, _ := rec.last(t); len(req.Vars) != 1 || req.Vars["pin"] != "1234" {
		t.Errorf("vars %v: want exactly the listed pin", req.Vars)
	}
}

const listMenu = `
flow: loans
start: pick
nav: {show: [back]}
defaults:
  on_error: {end: Service unavailable}
steps:
  pick:
    remote:
      save: loan
      item_next: detail
  chat:
    remote:
      nav: {back: true}
      max_attempts: 2
      on_exhausted: {end: Too many tries}
  detail:
    end: "Loan {{.vars.loan}}"
`

func TestRemoteItemsPagedAndChosen(t *testing.T) {
	n := startNATS(t)
	var items []string
	for i := 1; i <= 12; i++ {
		items = append(items, fmt.Sprintf(`{"label": "Loan account number %d", "value": "L%d"}`, i, i))
	}
	n.respond(t, "mlango.ussd.loans.pick", func(ussd.StepRequest, nats.Header) []byte {
		return []byte(`{"screen": {"text": "Your loans", "items": [` + strings.Join(items, ",") + `]}}`)
	})
	r := n.newRig(t, menu(t, listMenu, ussd.DefaultOptions()), ussd.DefaultOptions())
	c, first := r.dial(t, "items", "*1#")
	if !strings.HasPrefix(screen(first), "CON Your loans\n1. Loan account number 1\n") || !strings.Contains(first.Text, "98. More") {
		t.Fatalf("first page:\n%s", screen(first))
	}
	second := c.send(t, "98")
	if !strings.HasSuffix(second.Text, "0. Back") || second.ScreenID != "pick#2" {
		t.Errorf("second page (%s):\n%s", second.ScreenID, screen(second))
	}
	wantScreen(t, c.send(t, "12"), "END Loan L12")
}

func TestRemoteConversation(t *testing.T) {
	n := startNATS(t)
	rec := &recorder{}
	rec.serve(n, t, "mlango.ussd.loans.chat", func(req ussd.StepRequest) string {
		switch {
		case req.Phase == "enter":
			return `{"screen": {"text": "Enter the OTP we sent:", "await": "input", "secret": true}}`
		case req.Input == "0000":
			return `{"invalid": {"en": "Wrong OTP."}}`
		case req.Input == "1111":
			return `{"screen": {"text": "Pick one", "items": [{"label": "Top up", "value": "top"}, {"key": "7", "label": "Repay", "value": "repay"}]}}`
		case req.Input == "repay":
			return `{"end": "Repaid"}`
		}
		return `{"error": {"code": "x", "message": "y"}}`
	})
	src := strings.Replace(listMenu, "start: pick", "start: m", 1) + `
  m:
    menu:
      text: Menu
      options: [{label: chat, next: chat}]
`
	r := n.newRig(t, menu(t, src, ussd.DefaultOptions()), ussd.DefaultOptions())
	c, _ := r.dial(t, "chat", "*1#")
	otp := c.send(t, "1")
	wantScreen(t, otp, lines("CON Enter the OTP we sent:", "0. Back"))
	wrong := c.send(t, "0000")
	wantScreen(t, wrong, lines("CON Wrong OTP.", "Enter the OTP we sent:", "0. Back"))
	if !wrong.InputSecret || wrong.MaskedText != "1*"+"****" {
		t.Errorf("OTP hop: InputSecret %v MaskedText %q", wrong.InputSecret, wrong.MaskedText)
	}
	// The step opted in to back: 0 leaves the conversation.
	wantScreen(t, c.send(t, "0"), lines("CON Menu", "1. chat"))
	c.send(t, "1")
	wantScreen(t, c.send(t, "1111"), lines("CON Pick one", "1. Top up", "7. Repay", "0. Back"))
	wantScreen(t, c.send(t, "5"), lines("CON Invalid choice", "Pick one", "1. Top up", "7. Repay", "0. Back"))
	// No item_next on this step: the chosen value goes back to the service.
	wantScreen(t, c.send(t, "7"), "END Repaid")
	if req, _ := rec.last(t); req.Phase != "input" || req.Input != "repay" || req.Vars["choice"] != "repay" {
		t.Errorf("last request: phase %q input %q vars %v", req.Phase, req.Input, req.Vars)
	}

	// Wrong answers use up the attempts: on_exhausted.
	c2, _ := r.dial(t, "chat2", "*1#")
	c2.send(t, "1")
	c2.send(t, "0000")
	wantScreen(t, c2.send(t, "0000"), "END Too many tries")
}

func TestRemoteFailuresTakeOnError(t *testing.T) {
	n := startNATS(t)
	opts := ussd.DefaultOptions()
	opts.RemoteTimeout = 200 * time.Millisecond
	for _, tc := range []struct {
		name  string
		reply string // "" never answers; "-" no service at all
	}{
		{"timeout", ""},
		{"no responders", "-"},
		{"error reply", `{"error": {"code": "down", "message": "core banking down"}}`},
		{"malformed JSON", `{"next": `},
		{"not an object", `[1, 2]`},
		{"unknown next step", `{"next": "nowhere"}`},
		{"two answers", `{"next": "detail", "end": "x"}`},
		{"nothing to do", `{}`},
		{"invalid when nothing was asked", `{"invalid": "no"}`},
		{"item key colliding with back", `{"screen": {"text": "t", "items": [{"key": "0", "label": "a", "value": "a"}]}}`},
		{"item key repeated", `{"screen": {"text": "t", "items": [{"key": "1", "label": "a", "value": "a"}, {"key": "1", "label": "b", "value": "b"}]}}`},
		{"item without label", `{"screen": {"items": [{"value": "a"}]}}`},
		{"choice without items", `{"screen": {"text": "t", "await": "choice"}}`},
		{"empty screen", `{"screen": {"text": " "}}`},
		{"item next unknown", `{"screen": {"text": "t", "items": [{"label": "a", "value": "a", "next": "nowhere"}]}}`},
		{"reserved variable", `{"set": {"vars": "x"}, "next": "detail"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := menu(t, strings.Replace(listMenu, "save: loan", "save: loan\n      subject: test."+safe(tc.name), 1), opts)
			if tc.reply != "-" {
				n.respond(t, "test."+safe(tc.name), func(ussd.StepRequest, nats.Header) []byte {
					if tc.reply == "" {
						return nil
					}
					return []byte(tc.reply)
				})
			}
			r := n.newRig(t, set, opts)
			_, resp := r.dial(t, "fail", "*1#")
			wantScreen(t, resp, "END Service unavailable")
			if resp.ScreenID != "pick/error" || r.events.count(ussd.EventRemoteFailed) != 1 {
				t.Errorf("screen %q, remote failures observed %d", resp.ScreenID, r.events.count(ussd.EventRemoteFailed))
			}
		})
	}
}

func safe(name string) string { return strings.NewReplacer(" ", "_").Replace(name) }

func TestRemoteOnErrorToStep(t *testing.T) {
	n := startNATS(t)
	// No service listens on mlango.ussd.bank.ask_pin: on_error goes back
	// to the account step.
	src := strings.Replace(remoteMenu, "input: {text: Account, save: account, next: ask}",
		"input: {text: Account, save: account, next: ask_pin}", 1)
	r := n.newRig(t, menu(t, src, ussd.DefaultOptions()), ussd.DefaultOptions())
	c, _ := r.dial(t, "onerr", "*1#")
	c.send(t, "1234")
	wantScreen(t, c.send(t, "55"), "CON Account")
}

func TestBackToRemoteScreenAsksAgain(t *testing.T) {
	n := startNATS(t)
	rec := &recorder{}
	rec.serve(n, t, "mlango.ussd.loans.pick", func(ussd.StepRequest) string {
		return `{"screen": {"text": "Loans", "items": [{"label": "A", "value": "a"}]}}`
	})
	src := strings.Replace(listMenu, `detail:
    end: "Loan {{.vars.loan}}"`, `detail:
    menu:
      text: "Loan {{.vars.loan}}"
      options: [{label: ok, end: OK}]`, 1)
	r := n.newRig(t, menu(t, src, ussd.DefaultOptions()), ussd.DefaultOptions())
	c, _ := r.dial(t, "backremote", "*1#")
	wantScreen(t, c.send(t, "1"), lines("CON Loan a", "1. ok", "0. Back"))
	wantScreen(t, c.send(t, "0"), lines("CON Loans", "1. A"))
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) != 2 || rec.reqs[1].Phase != "enter" {
		t.Errorf("requests %+v: want the screen asked for again on back", rec.reqs)
	}
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
