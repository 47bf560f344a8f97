package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestUSSDDefaults(t *testing.T) {
	u := Default().USSD
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"menus", len(u.Menus), 0},
		{"session_ttl", u.SessionTTL, Duration(180 * time.Second)},
		{"resume_window", u.ResumeWindow, Duration(10 * time.Minute)},
		{"hop_budget", u.HopBudget, Duration(5 * time.Second)},
		{"budgets.default", u.Budgets.Default, 160},
		{"budgets.ucs2", u.Budgets.UCS2, 70},
		{"remote.timeout", u.Remote.Timeout, Duration(3 * time.Second)},
		{"remote.subject_prefix", u.Remote.SubjectPrefix, "mlango.ussd"},
		{"apology", u.Apology, "Sorry, something went wrong. Please try again later."},
		{"buckets.sessions", u.Buckets.Sessions, "ussd_sessions"},
		{"buckets.resume", u.Buckets.Resume, "ussd_resume"},
	} {
		if tc.got != tc.want {
			t.Errorf("ussd.%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestUSSDFile(t *testing.T) {
	got := mustLoad(t, writeConfig(t, `
ussd:
  menus: [menus/savings.yaml, menus/loans.yaml]
  session_ttl: 240s
  resume_window: 0          # off
  hop_budget: 4s
  budgets:
    default: 150
    ucs2: 66
    by_network: {63902: 160, "63903": 182}
  remote: {timeout: 1500ms, subject_prefix: acme.ussd}
  apology: Samahani, jaribu tena baadaye.
  buckets: {sessions: s1, resume: r1}
`), nil)
	want := USSDConfig{
		Menus:        []string{"menus/savings.yaml", "menus/loans.yaml"},
		SessionTTL:   Duration(240 * time.Second),
		ResumeWindow: 0,
		HopBudget:    Duration(4 * time.Second),
		Budgets:      USSDBudgets{Default: 150, UCS2: 66, ByNetwork: map[string]int{"63902": 160, "63903": 182}},
		Remote:       USSDRemote{Timeout: Duration(1500 * time.Millisecond), SubjectPrefix: "acme.ussd"},
		Apology:      "Samahani, jaribu tena baadaye.",
		Buckets:      USSDBuckets{Sessions: "s1", Resume: "r1"},
	}
	if !reflect.DeepEqual(got.USSD, want) {
		t.Errorf("got  %+v\nwant %+v", got.USSD, want)
	}
}

func TestUSSDUnknownKey(t *testing.T) {
	_, err := Load(writeConfig(t, "ussd:\n  budgets:\n    gsm: 160\n"), true, env(nil))
	requireErrContains(t, err, `ussd.budgets.gsm`, `unknown key "gsm"`, "default, ucs2, by_network")
}

func TestValidateUSSD(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*USSDConfig)
		want   string // "" means valid
	}{
		{"defaults", func(*USSDConfig) {}, ""},
		{"menus", func(u *USSDConfig) { u.Menus = []string{"a.yaml", "b.yaml"} }, ""},
		{"menu empty", func(u *USSDConfig) { u.Menus = []string{" "} }, "ussd.menus[0]: is empty"},
		{"menu twice", func(u *USSDConfig) { u.Menus = []string{"a.yaml", "a.yaml"} }, `ussd.menus[1]: "a.yaml" is listed twice`},
		{"ttl short", func(u *USSDConfig) { u.SessionTTL = Duration(10 * time.Second) }, "ussd.session_ttl: 10s is out of range; want 30s to 24h0m0s"},
		{"resume off", func(u *USSDConfig) { u.ResumeWindow = 0 }, ""},
		{"resume short", func(u *USSDConfig) { u.ResumeWindow = Duration(time.Second) }, "ussd.resume_window: 1s is out of range"},
		{"resume negative", func(u *USSDConfig) { u.ResumeWindow = Duration(-time.Minute) }, "ussd.resume_window: -1m0s is out of range"},
		{"hop budget at AT's deadline", func(u *USSDConfig) { u.HopBudget = Duration(10 * time.Second) }, "ussd.hop_budget: 10s is out of range; want 500ms to 9s"},
		{"remote beyond hop", func(u *USSDConfig) { u.Remote.Timeout = Duration(6 * time.Second) }, "ussd.remote.timeout: 6s is out of range; want 50ms to 5s"},
		{"remote at hop", func(u *USSDConfig) { u.Remote.Timeout = Duration(5 * time.Second) }, ""},
		{"budget small", func(u *USSDConfig) { u.Budgets.Default = 39 }, "ussd.budgets.default: 39 is out of range; want 40 to 186"},
		{"budget max", func(u *USSDConfig) { u.Budgets.Default = 186 }, ""},
		{"ucs2 big", func(u *USSDConfig) { u.Budgets.UCS2 = 85 }, "ussd.budgets.ucs2: 85 is out of range; want 20 to 84"},
		{"network code", func(u *USSDConfig) { u.Budgets.ByNetwork = map[string]int{"Safaricom": 160} }, `ussd.budgets.by_network: "Safaricom" is not a network code`},
		{"network budget", func(u *USSDConfig) { u.Budgets.ByNetwork = map[string]int{"63903": 200} }, "ussd.budgets.by_network.63903: 200 is out of range"},
		{"apology empty", func(u *USSDConfig) { u.Apology = " " }, "ussd.apology: 1 characters"},
		{"apology long", func(u *USSDConfig) { u.Apology = strings.Repeat("x", 157) }, "ussd.apology: 157 characters; want a text that fits a screen (160"},
		{"apology ucs2", func(u *USSDConfig) { u.Apology = "Samahani — " + strings.Repeat("x", 60) }, "(70 with the 4-character END prefix)"},
		{"bucket name", func(u *USSDConfig) { u.Buckets.Sessions = "ussd.sessions" }, `ussd.buckets.sessions: "ussd.sessions" is not a bucket name`},
		{"buckets same", func(u *USSDConfig) { u.Buckets.Resume = "ussd_sessions" }, `ussd.buckets: sessions and resume are both "ussd_sessions"`},
		{"subject prefix", func(u *USSDConfig) { u.Remote.SubjectPrefix = "mlango.>" }, `ussd.remote.subject_prefix: "mlango.>" contains '>'`},
		{"subject under stream", func(u *USSDConfig) { u.Remote.SubjectPrefix = "telecom.ussd" }, `"telecom.ussd" is under subject_prefix "telecom"`},
		{"subject is stream prefix", func(u *USSDConfig) { u.Remote.SubjectPrefix = "telecom" }, `is under subject_prefix`},
		{"subject sharing a stem", func(u *USSDConfig) { u.Remote.SubjectPrefix = "telecoms.ussd" }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.mutate(&c.USSD)
			requireValidity(t, c, tc.want)
		})
	}
}

func TestUSSDRedacted(t *testing.T) {
	c := Default()
	c.USSD.Budgets.ByNetwork = map[string]int{"63903": 182}
	u, ok := c.Redacted()["ussd"].(map[string]any)
	if !ok {
		t.Fatalf("Redacted()[ussd] = %T", c.Redacted()["ussd"])
	}
	for _, key := range []string{"menus", "session_ttl", "resume_window", "hop_budget", "budgets", "remote", "apology", "buckets"} {
		if _, ok := u[key]; !ok {
			t.Errorf("Redacted ussd has no %q", key)
		}
	}
	if got := u["budgets"].(map[string]any)["by_network"].(map[string]any)["63903"]; got != 182 {
		t.Errorf("by_network.63903 = %v", got)
	}
}
