package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestReplayFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "say where to"},
		{[]string{"-to-subject", "a", "-to-url", "http://x"}, "exclusive"},
		{[]string{"-to-url", "http://x"}, "-secret whsec_"},
		{[]string{"-raw", "-to-subject", "a"}, "-raw re-drives callbacks over HTTP"},
		{[]string{"-to-subject", "a.>"}, "without wildcards"},
		{[]string{"-since", "yesterday", "-dry-run"}, "neither RFC 3339"},
		{[]string{"-since", "1h", "-until", "2h", "-dry-run"}, "-until is before -since"},
		{[]string{"-webhook-secret", "oops", "-raw", "-dry-run"}, "entry 1: want PROVIDER=SECRET"},
	} {
		var out, errs syncBuffer
		if code := replayCmd(context.Background(), tc.args, &out, &errs, env(nil)); code != 2 || !strings.Contains(errs.String(), tc.want) {
			t.Errorf("%v: exit %d, %s", tc.args, code, errs.String())
		}
	}
}

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2h":                   now.Add(-2 * time.Hour),
		"1d":                   now.AddDate(0, 0, -1),
		"2026-03-04T10:30:00Z": time.Date(2026, 3, 4, 10, 30, 0, 0, time.UTC),
		"":                     {},
	} {
		if got, err := parseWhen(in, now); err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
}

func TestFormOf(t *testing.T) {
	for raw, form := range map[string]string{
		`{"a":"1","b":["x","y"]}`:   "a=1&b=x&b=y",
		`{"b":"1","a":"2"}`:         "", // keys out of order: JSON
		`{"a":1}`:                   "",
		`{"a":"\u0026"}`:            "a=%26",
		`{"a":null}`:                "",
		`{"id":"x","text":"a b+c"}`: "id=x&text=a+b%2Bc",
	} {
		vals, ok := formOf([]byte(raw))
		if ok != (form != "") || (ok && vals.Encode() != form) {
			t.Errorf("%s: %v %v", raw, vals.Encode(), ok)
		}
	}
}

func TestRecentSet(t *testing.T) {
	r := newRecentSet(2)
	k := func(b byte) [32]byte { return [32]byte{b} }
	for i, c := range []struct {
		key byte
		new bool
	}{{1, true}, {1, false}, {2, true}, {3, true}, {1, true}, {3, false}, {2, true}} {
		if got := r.add(k(c.key)); got != c.new {
			t.Errorf("step %d: add(%d) = %v", i, c.key, got)
		}
	}
}
