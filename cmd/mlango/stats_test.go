package main

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// statsReports are the delivery reports TestStatsGolden sends, per network
// code: how many of each AT status (and failure reason).
var statsReports = []struct {
	network, status, reason string
	n                       int
}{
	{"63902", "Success", "", 24},
	{"63902", "Failed", "DeliveryFailure", 1},
	{"63902", "Sent", "", 3},
	{"63902", "Buffered", "", 2},
	{"63903", "Success", "", 8},
	{"63903", "Failed", "UserInBlackList", 5},
	{"63903", "Failed", "DeliveryFailure", 3},
	{"63903", "Failed", "InsufficientCredit", 1},
	{"63903", "Rejected", "InvalidLinkId", 2},
	{"63903", "AbsentSubscriber", "AbsentSubscriber", 1},
	{"63907", "Failed", "UserIsInactive", 3}, // too few final reports to flag
	{"62401", "Success", "", 1},              // a code AT does not list
}

// TestStatsGolden fills a real gateway's stream with known callbacks and
// compares mlango stats' summary with testdata/stats-summary.golden.
func TestStatsGolden(t *testing.T) {
	g := newTestGateway(t, map[string]string{"MLANGO_TALKNTALK_SECRET": "tnt-s", "MLANGO_ZEXA_SECRET": "zexa-s"})
	seq := 0
	for _, r := range statsReports {
		for range r.n {
			seq++
			form := fmt.Sprintf("id=ATXid_s%d&status=%s&phoneNumber=%%2B254711000111&networkCode=%s&failureReason=%s&retryCount=0", seq, r.status, r.network, r.reason)
			req, _ := http.NewRequest(http.MethodPost, g.url+"/api/sms/delivery-reports", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if code := doPost(t, req); code != 200 {
				t.Fatalf("report %s: %d", form, code)
			}
		}
	}
	for _, f := range []string{"africastalking/sms-twoway-documented", "africastalking/voice-events-sample-app", "africastalking/ussd-status-failed",
		"africastalking/airtime-status-form", "africastalking/simswap-swapped", "africastalking/voice-dtmf"} {
		postFixture(t, g.url, "../../testdata/"+f+".txt", nil)
	}
	postFixture(t, g.url, "../../testdata/talkntalk/sms-failed.txt", hexSigner(t, "X-TalkNTalk-Signature", "sha256=", "tnt-s"))
	postFixture(t, g.url, "../../testdata/zexa/message-delivered-documented.txt", hexSigner(t, "X-Zexa-Signature", "", "zexa-s")) // no network

	var out, errs syncBuffer
	if code := statsCmd(context.Background(), []string{"-last", "1h"}, &out, &errs, env(map[string]string{"MLANGO_NATS_URL": g.natsURL})); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	got := regexp.MustCompile(`\(until [0-9TZ:-]+\)`).ReplaceAllString(out.String(), "(until <now>)")
	checkGolden(t, "stats-summary.golden", got)

	out = syncBuffer{}
	if code := statsCmd(context.Background(), []string{"-last", "1h", "-subject", "telecom.*.voice.>"}, &out, &errs, env(map[string]string{"MLANGO_NATS_URL": g.natsURL})); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	got = regexp.MustCompile(`\(until [0-9TZ:-]+\)`).ReplaceAllString(out.String(), "(until <now>)")
	checkGolden(t, "stats-voice.golden", got)

	out = syncBuffer{}
	if code := statsCmd(context.Background(), []string{"-last", "1h", "-max-failure", "70%"}, &out, &errs, env(map[string]string{"MLANGO_NATS_URL": g.natsURL})); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	if !strings.Contains(out.String(), "No operator fails more than 70.0% of at least 10 final reports.") || strings.Contains(out.String(), "!") {
		t.Errorf("with -max-failure 70%%:\n%s", out.String())
	}
}

func TestStatsFlags(t *testing.T) {
	for _, args := range [][]string{{"-last", "0s"}, {"-max-failure", "120%"}, {"-max-failure", "x"}, {"extra"}} {
		var out, errs syncBuffer
		if code := statsCmd(context.Background(), args, &out, &errs, env(nil)); code != 2 {
			t.Errorf("%v: exit %d %s", args, code, errs.String())
		}
	}
	for in, want := range map[string]float64{"10%": 0.1, "0.25": 0.25, "0": 0} {
		if got, err := parseShare(in); err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
}
