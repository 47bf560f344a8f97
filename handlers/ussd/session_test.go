package ussd

import (
	"strings"
	"testing"
)

func TestNewestInput(t *testing.T) {
	for _, tc := range []struct {
		name, prev, text, input string
		kind                    textKind
	}{
		{"first hop", "", "", "", textSame},
		{"first input", "", "1", "1", textNew},
		{"next input", "1", "1*2", "2", textNew},
		{"deep", "1*2", "1*2*0722000000", "0722000000", textNew},
		{"typed star", "1", "1**5", "*5", textNew},
		{"typed star inside", "1", "1*12*34", "12*34", textNew},
		{"lone star typed", "1", "1**", "*", textNew},
		{"empty input", "1", "1*", "", textNew},
		{"empty first input after star history", "1*", "1**", "", textNew},
		{"whole first hop typed with star", "", "1*2", "1*2", textNew},
		{"re-sent", "1*2", "1*2", "", textSame},
		{"late earlier hop", "1*2*3", "1*2", "", textStale},
		{"late first hop", "1*2", "", "", textStale},
		{"provider reset", "1*2", "5*3", "3", textMismatch},
		{"not a separator boundary", "1*2", "1*23", "23", textMismatch},
	} {
		input, kind := newestInput(tc.prev, tc.text)
		if input != tc.input || kind != tc.kind {
			t.Errorf("%s: newestInput(%q, %q) = %q, %d; want %q, %d", tc.name, tc.prev, tc.text, input, kind, tc.input, tc.kind)
		}
	}
}

func TestStoreKey(t *testing.T) {
	for _, tc := range []struct{ id, want string }{
		{"ATUid_7c898d72eb11f723ed8ea05ef232f279", "ATUid_7c898d72eb11f723ed8ea05ef232f279"},
		{"a-b/c_d=e.f", "a-b/c_d=e.f"},
		{"254711000111", "254711000111"},
	} {
		if got := storeKey(tc.id); got != tc.want {
			t.Errorf("storeKey(%q) = %q, want %q", tc.id, got, tc.want)
		}
	}
	hashed := map[string]bool{}
	for _, id := range []string{"", "has space", "star*", ".lead", "trail.", "a..b", "ünï", "h=abc", strings.Repeat("x", 129),
		storeKey("has space")} {
		k := storeKey(id)
		if !strings.HasPrefix(k, "h=") || len(k) != 66 || !validKey(k) {
			t.Errorf("storeKey(%q) = %q: want a valid hashed key", id, k)
		}
		if hashed[k] {
			t.Errorf("storeKey(%q) = %q collides", id, k)
		}
		hashed[k] = true
	}
	if got := resumeKey("+254711000111"); got != "254711000111" {
		t.Errorf("resumeKey = %q", got)
	}
}

func TestMasking(t *testing.T) {
	for _, tc := range []struct {
		masked, input string
		secret        bool
		want          string
	}{
		{"", "1", false, "1"},
		{"1", "1234", true, "1*" + secretMask},
		{"1*" + secretMask, "50", false, "1*" + secretMask + "*50"},
		{"", "", false, ""},
	} {
		if got := appendInput(tc.masked, tc.input, tc.secret); got != tc.want {
			t.Errorf("appendInput(%q, %q, %v) = %q, want %q", tc.masked, tc.input, tc.secret, got, tc.want)
		}
	}
	if got := maskAll("1*1234*5"); got != strings.Join([]string{secretMask, secretMask, secretMask}, "*") {
		t.Errorf("maskAll = %q", got)
	}
}
