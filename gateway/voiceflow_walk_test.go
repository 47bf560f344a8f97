package gateway

import (
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/mlango/mlango/handlers/voice"
)

const supportFlow = "../testdata/voice/support.yaml"

// voiceStep is one callback of a walk: the path it posts to, the fields
// beside the call's, and the golden file its answer must match.
type voiceStep struct {
	step, event string
	fields      []string
	golden      string
}

// walk plays a call: the first callback, then each step callback, each
// answered by gateways[i % len] so instances alternate when several.
func walk(t *testing.T, session string, steps []voiceStep, gateways ...*echo.Echo) []string {
	t.Helper()
	var answers []string
	for i, s := range steps {
		path := "/api/voice/instruct"
		if s.step != "" {
			path = stepPath(session, s.step, s.event)
			// The URL posted is the one the gateway wrote, token and all.
			if prev := answers[i-1]; strings.Contains(prev, voice.StepPath+s.step+"?") &&
				!strings.Contains(prev, "https://gw.example.com"+strings.ReplaceAll(path, "&", "&amp;")) {
				t.Fatalf("callback %d posts to %s, which %s does not hold", i, path, prev)
			}
		}
		got := voiceCall(t, gateways[i%len(gateways)], path, callFields(session, s.fields...))
		if s.golden != "" {
			checkGolden(t, s.golden, norm(got, session))
		}
		answers = append(answers, got)
	}
	return answers
}

// TestVoiceSupportFlow walks every path of the example flow through the
// real router with call state in JetStream KV.
func TestVoiceSupportFlow(t *testing.T) {
	r := newRig(t)
	balanceService(t, r.url)
	e := voiceGateway(t, r.store, supportFlow)
	cases := []struct {
		name  string
		steps []voiceStep
	}{
		{"invalid then exhausted", []voiceStep{
			{golden: "support-menu"},
			{step: "menu", fields: []string{"dtmfDigits", "7"}, golden: "support-invalid"},
			{step: "menu", event: voice.EventNoInput, golden: "support-exhausted"},
		}},
		{"no input, then templated say", []voiceStep{
			{golden: "support-menu"},
			{step: "menu", event: voice.EventNoInput, golden: "support-noinput"},
			{step: "menu", fields: []string{"dtmfDigits", "3"}, golden: "support-number"},
			{step: "goodbye", golden: "support-exhausted"},
		}},
		{"account, finish key, remote", []voiceStep{
			{},
			{step: "menu", fields: []string{"dtmfDigits", "1"}, golden: "support-account"},
			{step: "account", fields: []string{"dtmfDigits", "123456#"}, golden: "support-balance"},
			{step: "menu", golden: "support-menu"},
		}},
		{"remote timeout", []voiceStep{
			{},
			{step: "menu", fields: []string{"dtmfDigits", "1"}},
			{step: "account", fields: []string{"dtmfDigits", "999#"}, golden: "support-apology"},
		}},
		{"agent", []voiceStep{
			{},
			{step: "menu", fields: []string{"dtmfDigits", "2"}, golden: "support-agent"},
		}},
		{"only the finish key is no input", []voiceStep{
			{},
			{step: "menu", fields: []string{"dtmfDigits", "1"}},
			{step: "account", fields: []string{"dtmfDigits", "#"}, golden: "support-account-noinput"},
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { walk(t, "ATVId_s"+string(rune('a'+i)), tc.steps, e) })
	}
}

// TestVoiceTwoInstances: callbacks alternating between two gateways that
// share one NATS get the answers one gateway gives.
func TestVoiceTwoInstances(t *testing.T) {
	one := newRig(t)
	two := rigOn(t, one.url)
	balanceService(t, one.url)
	a, b := voiceGateway(t, one.store, supportFlow), voiceGateway(t, two.store, supportFlow)
	steps := []voiceStep{
		{},
		{step: "menu", fields: []string{"dtmfDigits", "9"}},
		{step: "menu", fields: []string{"dtmfDigits", "1"}},
		{step: "account", event: voice.EventNoInput},
		{step: "account", fields: []string{"dtmfDigits", "4242#"}},
	}
	alone := walk(t, "ATVId_alone", steps, a)
	shared := walk(t, "ATVId_shared", steps, a, b)
	for i := range alone {
		// The sessions differ, so their signed URLs do; nothing else may.
		if norm(alone[i], "ATVId_alone") != norm(shared[i], "ATVId_shared") {
			t.Errorf("callback %d:\none gateway  %s\ntwo gateways %s", i, alone[i], shared[i])
		}
	}
}

// norm replaces a session's tokens by TOKEN: golden files hold one
// answer for every session, and walk checks the real URLs.
func norm(xml, session string) string {
	for _, step := range []string{"menu", "account", "balance", "number", "agent", "goodbye"} {
		xml = strings.ReplaceAll(xml, voice.Token([]byte(testVoiceSecret), session, step), "TOKEN")
	}
	return xml
}

// TestVoiceForgedStep: a step callback without the token the gateway
// wrote, or with another session's or step's, hangs up and stores nothing.
func TestVoiceForgedStep(t *testing.T) {
	r := newRig(t)
	e := voiceGateway(t, r.store, supportFlow)
	voiceCall(t, e, "/api/voice/instruct", callFields("ATVId_f1"))
	before := len(r.messages(t))
	for _, path := range []string{
		voice.StepPath + "agent",
		voice.StepPath + "agent?t=",
		voice.StepPath + "agent?t=bm90LWEtdG9rZW4",
		stepPath("ATVId_other", "agent", ""),
		strings.Replace(stepPath("ATVId_f1", "menu", ""), "/menu?", "/agent?", 1),
	} {
		got := voiceCall(t, e, path, callFields("ATVId_f1", "dtmfDigits", "2"))
		if got != string(voice.Hangup()) {
			t.Errorf("%s answered %s, want a hang-up", path, got)
		}
	}
	if n := len(r.messages(t)); n != before {
		t.Errorf("forged callbacks stored %d events", n-before)
	}
	// The real token still works, and its digits are published.
	voiceCall(t, e, stepPath("ATVId_f1", "menu", ""), callFields("ATVId_f1", "dtmfDigits", "2"))
	var subjects []string
	for _, m := range r.messages(t)[before:] {
		subjects = append(subjects, m.Subject)
	}
	if !strings.Contains(strings.Join(subjects, " "), "voice.dtmf") {
		t.Errorf("step callback stored %v, want a voice.dtmf event", subjects)
	}
}
