package handlers

import (
	"context"
	"errors"
	"testing"

	"github.com/mlango/mlango/normalize"
	"github.com/rs/zerolog"
)

func TestAirtimeRules(t *testing.T) {
	rules, err := NewAirtimeRules([]string{"kes", "UGX"}, map[string]string{"KES": "1,000", "UGX": "50000.5"},
		nil, []string{"+254700000666", " 254700000777"})
	if err != nil {
		t.Fatal(err)
	}
	only, err := NewAirtimeRules(nil, nil, []string{"+254711000111"}, []string{"+254711000111"})
	if err != nil {
		t.Fatal(err)
	}
	req := func(phone, cur, amt string) normalize.AirtimeValidation {
		return normalize.AirtimeValidation{TransactionID: "T", PhoneNumber: phone, Amount: &normalize.Money{Currency: cur, Amount: amt}}
	}
	cases := []struct {
		name   string
		rules  AirtimeRules
		req    normalize.AirtimeValidation
		reason string // "" is validated
	}{
		{"within", rules, req("+254711000111", "KES", "1000"), ""},
		{"at the limit with decimals", rules, req("+254711000111", "UGX", "50000.50"), ""},
		{"over", rules, req("+254711000111", "KES", "1000.0001"), "amount KES 1000.0001 is over the limit of KES 1000"},
		{"currency", rules, req("+254711000111", "TZS", "1"), "currency TZS is not allowed"},
		{"negative", rules, req("+254711000111", "KES", "-5"), "amount -5 is not above zero"},
		{"deny", rules, req("+254700000666", "KES", "1"), "phone number is on the deny list"},
		{"deny read as E.164", rules, req("+254700000777", "KES", "1"), "phone number is on the deny list"},
		{"deny beats allow", only, req("+254711000111", "USD", "1"), "phone number is on the deny list"},
		{"not allowed", only, req("+254711000222", "USD", "1"), "phone number is not on the allow list"},
		{"no amount", AirtimeRules{}, normalize.AirtimeValidation{PhoneNumber: "+254711000111"}, "amount is missing"},
		{"zero value allows", AirtimeRules{}, req("+1", "XYZ", "99999999"), ""},
	}
	for _, tc := range cases {
		v := tc.rules.Check(tc.req)
		want := normalize.Validated
		if tc.reason != "" {
			want = normalize.ValidationFailed
		}
		if v.Decision != want || v.Reason != tc.reason {
			t.Errorf("%s: %+v, want %s %q", tc.name, v, want, tc.reason)
		}
	}
	if _, err := NewAirtimeRules(nil, map[string]string{"KES": "lots"}, nil, nil); err == nil {
		t.Error("want an error for a maximum that is not an amount")
	}
}

func TestParseDeciderReply(t *testing.T) {
	cases := []struct {
		reply, decision, reason string
		bad                     bool
	}{
		{`{"decision":"validated"}`, normalize.Validated, "", false},
		{`{"decision":" Validated ","reason":"vip"}`, normalize.Validated, "vip", false},
		{`{"decision":"failed","reason":"velocity"}`, normalize.ValidationFailed, "velocity", false},
		{`{"decision":"FAILED"}`, normalize.ValidationFailed, "refused by the decider", false},
		{`{"decision":"maybe"}`, "", "", true},
		{`{}`, "", "", true},
		{`yes`, "", "", true},
	}
	for _, tc := range cases {
		v, err := ParseDeciderReply([]byte(tc.reply))
		if (err != nil) != tc.bad || v.Decision != tc.decision || v.Reason != tc.reason {
			t.Errorf("%s: %+v %v", tc.reply, v, err)
		}
	}
}

// stubDecider answers every request with reply or err.
type stubDecider struct {
	reply string
	err   error
	asked int
}

func (s *stubDecider) Request(context.Context, string, []byte, map[string]string) ([]byte, error) {
	s.asked++
	return []byte(s.reply), s.err
}

func TestAirtimeDecide(t *testing.T) {
	deny, _ := NewAirtimeRules(nil, nil, nil, []string{"+254700000666"})
	ok := normalize.AirtimeValidation{TransactionID: "T", PhoneNumber: "+254711000111", Amount: &normalize.Money{Currency: "KES", Amount: "5"}}
	denied := ok
	denied.PhoneNumber = "+254700000666"
	down := errors.New("no service answers")
	cases := []struct {
		name  string
		stub  *stubDecider
		allow bool
		req   normalize.AirtimeValidation
		want  string
	}{
		{"decider validates", &stubDecider{reply: `{"decision":"validated"}`}, false, ok, normalize.Validated},
		{"decider refuses", &stubDecider{reply: `{"decision":"failed"}`}, false, ok, normalize.ValidationFailed},
		{"decider cannot lift a rule", &stubDecider{reply: `{"decision":"validated"}`}, false, denied, normalize.ValidationFailed},
		{"decider down", &stubDecider{err: down}, false, ok, normalize.ValidationFailed},
		{"decider down, allowed", &stubDecider{err: down}, true, ok, normalize.Validated},
		{"decider down, allowed, rule fails", &stubDecider{err: down}, true, denied, normalize.ValidationFailed},
		{"bad reply, allowed", &stubDecider{reply: `[]`}, true, ok, normalize.Validated},
	}
	for _, tc := range cases {
		v := AirtimeValidator{Rules: deny, Decider: tc.stub, Subject: "s", AllowOnDeciderFailure: tc.allow, Log: zerolog.Nop()}
		if got := v.decide(context.Background(), "p", tc.req, nil); got.Decision != tc.want || got.Reason == "" && got.Decision == normalize.ValidationFailed {
			t.Errorf("%s: %+v, want %s", tc.name, got, tc.want)
		}
		if tc.stub.asked != 1 {
			t.Errorf("%s: decider asked %d times", tc.name, tc.stub.asked)
		}
	}
	missing := &stubDecider{reply: `{"decision":"validated"}`}
	v := AirtimeValidator{Decider: missing, Subject: "s", Log: zerolog.Nop()}
	if got := v.decide(context.Background(), "p", ok, errors.New("field amount is missing")); got.Decision != normalize.ValidationFailed || missing.asked != 0 {
		t.Errorf("a missing field: %+v, decider asked %d times", got, missing.asked)
	}
}

// FuzzParseDeciderReply: whatever a decider answers, the verdict is one of
// the two decisions or an error, and a failure always has a reason.
func FuzzParseDeciderReply(f *testing.F) {
	for _, s := range []string{`{"decision":"validated"}`, `{"decision":"FAILED","reason":""}`, `null`, `{"decision":1}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseDeciderReply(b)
		switch {
		case err != nil:
		case v.Decision == normalize.ValidationFailed && v.Reason == "":
			t.Errorf("%q: a failure without a reason", b)
		case v.Decision != normalize.Validated && v.Decision != normalize.ValidationFailed:
			t.Errorf("%q: decision %q", b, v.Decision)
		}
	})
}
