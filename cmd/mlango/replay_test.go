package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/normalize"
	"github.com/mlango/mlango/publish/natstest"
	"github.com/nats-io/nats.go/jetstream"
)

// TestReplayRawRebuildsTheStream posts every Africa's Talking, TalkNTalk
// and Zexa fixture and a whole USSD session through gateway A, replays
// A's stream with -raw into gateway B (other webhook secrets), and finds
// B's stream holding the same events, byte for byte.
func TestReplayRawRebuildsTheStream(t *testing.T) {
	a := newTestGateway(t, map[string]string{"MLANGO_TALKNTALK_SECRET": "tnt-a", "MLANGO_ZEXA_SECRET": "zexa-a"})
	b := newTestGateway(t, map[string]string{"MLANGO_TALKNTALK_SECRET": "tnt-b", "MLANGO_ZEXA_SECRET": "zexa-b"})
	signers := map[string]*handlers.Signer{
		"talkntalk": hexSigner(t, handlers.TalkNTalkSignature, "sha256=", "tnt-a"),
		"zexa":      hexSigner(t, handlers.ZexaSignature, "", "zexa-a"),
	}
	for _, dir := range []string{"africastalking", "talkntalk", "zexa"} {
		files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", dir, "*.txt"))
		for _, f := range files {
			if strings.Contains(f, "wrong-signature") || strings.Contains(f, "missing-signature") {
				continue
			}
			postFixture(t, a.url, f, signers[dir])
		}
	}
	before, _ := events(t, a.js, "TELECOM")
	for _, text := range []string{"", "1", "1*1"} { // the demo's account branch
		form := "sessionId=ATUid_replay&serviceCode=%2A384%2A44135%23&phoneNumber=%2B254711000111&networkCode=63902&text=" + text
		req, _ := http.NewRequest(http.MethodPost, a.url+"/api/ussd/session", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if code := doPost(t, req); code != 200 {
			t.Fatalf("hop %q: %d", text, code)
		}
		before[text] = "" // one more event; wait for it, so hops are stored in hop order
		waitStream(t, a.js, "TELECOM", uint64(len(before)))
	}
	want, subjects := events(t, a.js, "TELECOM")
	if len(want) < 50 || !slices.Contains(subjects, "telecom.africastalking.ussd.input") || !slices.Contains(subjects, "telecom.zexa.campaign.status") {
		t.Fatalf("gateway A stored only %d events: %v", len(want), subjects)
	}

	var out, errs syncBuffer
	args := []string{"-raw", "-to-url", b.url, "-webhook-secret", "talkntalk=tnt-b,zexa=zexa-b"}
	if code := replayCmd(context.Background(), args, &out, &errs, env(map[string]string{"MLANGO_NATS_URL": a.natsURL})); code != 0 {
		t.Fatalf("replay exit %d:\n%s", code, errs.String())
	}
	t.Logf("%d events in A; %s", len(want), errs.String())
	waitStream(t, b.js, "TELECOM", uint64(len(want)))
	got, _ := events(t, b.js, "TELECOM")
	for id, ev := range want {
		if got[id] != ev {
			t.Errorf("event %s:\n A: %s\n B: %s", id, ev, got[id])
		}
	}
	if len(got) != len(want) {
		t.Errorf("B holds %d events, A %d", len(got), len(want))
	}
	if !regexp.MustCompile(`sent \d+, skipped [1-9]\d*, failed 0`).MatchString(errs.String()) {
		t.Errorf("summary: %s", errs.String()) // voice.dtmf beside its voice.call, ussd.submission: skipped
	}
}

// TestReplayRawNeedsTheSecret: a signed webhook provider's callbacks are
// skipped, saying why, when replay has no secret for it.
func TestReplayRawNeedsTheSecret(t *testing.T) {
	a := newTestGateway(t, map[string]string{"MLANGO_TALKNTALK_SECRET": "tnt-a"})
	postFixture(t, a.url, "../../testdata/talkntalk/sms-sent.txt", hexSigner(t, handlers.TalkNTalkSignature, "sha256=", "tnt-a"))
	waitStream(t, a.js, "TELECOM", 1)
	var out, errs syncBuffer
	code := replayCmd(context.Background(), []string{"-raw", "-to-url", "http://127.0.0.1:1", "-dry-run"}, &out, &errs, env(map[string]string{"MLANGO_NATS_URL": a.natsURL}))
	if code != 0 || !strings.Contains(out.String(), "needs its secret: -webhook-secret talkntalk=SECRET") || !strings.Contains(errs.String(), "would send 0, skipped 1, failed 0") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, out.String(), errs.String())
	}
}

// TestReplayRawConfiguredProviders re-signs configured webhook providers'
// callbacks: a base64 scheme with the configured secret, Standard Webhooks
// with the one given by flag. The Standard Webhooks event gets a new id
// (its webhook-id is not in data.raw) and the same data.
func TestReplayRawConfiguredProviders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mlango.yaml")
	if err := os.WriteFile(path, []byte(configuredFile), 0o600); err != nil {
		t.Fatal(err)
	}
	secretA, secretB := "whsec_"+base64.StdEncoding.EncodeToString([]byte("katembe-a-secret")), "whsec_"+base64.StdEncoding.EncodeToString([]byte("katembe-b-secret"))
	a := newTestGateway(t, map[string]string{"MLANGO_CONFIG": path, "MLANGO_KATEMBE_SECRET": secretA})
	b := newTestGateway(t, map[string]string{"MLANGO_CONFIG": path, "MLANGO_KATEMBE_SECRET": secretB})
	for _, c := range []struct {
		path, body string
		sig        handlers.Signature
	}{
		{"/webhooks/acme", `{"kind":"DLR","payload":{"ref":"A-78","msisdn":"2348031234567","state":"DELIVRD","at":"2026-03-04T10:30:00+01:00"}}`,
			handlers.Signature{Scheme: handlers.SchemeBase64, Header: "X-Acme-Signature", Prefix: "hmac-sha256=", Secrets: []string{"acme-file-secret"}}},
		{"/webhooks/katembe", `{"type":"message.delivered","timestamp":"2026-03-04T10:30:58Z","data":{"message_id":"ktb_10","recipient":"+255754000111","status":"delivered"}}`,
			handlers.Signature{Scheme: handlers.SchemeStandardWebhooks, Secrets: []string{secretA}}},
	} {
		s, err := handlers.NewSigner(c.sig)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, a.url+c.path, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		s.Sign(req.Header, "msg_replay_1", time.Now(), []byte(c.body))
		if code := doPost(t, req); code != 200 {
			t.Fatalf("%s: %d", c.path, code)
		}
	}
	var out, errs syncBuffer
	args := []string{"-raw", "-to-url", b.url, "-config", path, "-webhook-secret", "katembe=" + secretB}
	if code := replayCmd(context.Background(), args, &out, &errs, env(map[string]string{"MLANGO_NATS_URL": a.natsURL})); code != 0 {
		t.Fatalf("replay exit %d:\n%s", code, errs.String())
	}
	waitStream(t, b.js, "TELECOM", 2)
	want, _ := events(t, a.js, "TELECOM")
	got, _ := events(t, b.js, "TELECOM")
	same := 0
	for id, ev := range want {
		if got[id] == ev {
			same++
			continue
		}
		for gid, gev := range got {
			if want[gid] == "" && strings.Replace(gev, gid, id, 1) != ev {
				t.Errorf("katembe event: A %s\nB %s", ev, gev)
			}
		}
	}
	if same != 1 || len(got) != 2 || !strings.Contains(errs.String(), "katembe uses Standard Webhooks") {
		t.Errorf("%d of %d events identical:\n%v\n%v\n%s", same, len(got), want, got, errs.String())
	}
}

// TestReplayToURL POSTs the selected events as CloudEvents, each verified
// by the gateway's own Standard Webhooks verifier, after a 503 is retried.
func TestReplayToURL(t *testing.T) {
	srv := natstest.Start(t)
	storeEvents(t, srv.ClientURL(), 3)
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("replay-test-secret-key"))
	v, err := handlers.NewVerifier(handlers.Signature{Scheme: handlers.SchemeStandardWebhooks, Secrets: []string{secret}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	got, calls := map[string]string{}, 0
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if calls++; calls == 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		if _, err := v.Verify(r.Header, body); err != nil || r.Header.Get("Content-Type") != normalize.ContentType {
			http.Error(w, fmt.Sprint(err), http.StatusUnauthorized)
			return
		}
		got[r.Header.Get(handlers.HeaderWebhookID)] = string(body)
	}))
	defer endpoint.Close()
	defer func(b time.Duration) { replayBackoff = b }(replayBackoff)
	replayBackoff = time.Millisecond

	var out, errs syncBuffer
	vars := env(map[string]string{"MLANGO_NATS_URL": srv.ClientURL(), replaySecretEnv: secret})
	code := replayCmd(context.Background(), []string{"-to-url", endpoint.URL, "-type", "sms.delivery", "-provider", "africastalking"}, &out, &errs, vars)
	if code != 0 || !strings.Contains(errs.String(), "sent 3, skipped 0, failed 0") || !strings.Contains(errs.String(), `answered 503 "busy"; retry 1`) {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	want, _ := events(t, jsOn(t, srv.ClientURL()), "TELECOM")
	for id, body := range got {
		if want[id] != body || !strings.Contains(body, `"type":"sms.delivery"`) {
			t.Errorf("event %s: got %s, stored %s", id, body, want[id])
		}
	}
	if len(got) != 3 {
		t.Errorf("%d events arrived: %v", len(got), got)
	}
}

// TestReplayStopsOn4xx: a refusal stops the replay, saying where to resume.
func TestReplayStopsOn4xx(t *testing.T) {
	srv := natstest.Start(t)
	storeEvents(t, srv.ClientURL(), 2)
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such consumer", http.StatusNotFound)
	}))
	defer endpoint.Close()
	var out, errs syncBuffer
	vars := env(map[string]string{"MLANGO_NATS_URL": srv.ClientURL()})
	code := replayCmd(context.Background(), []string{"-to-url", endpoint.URL, "-secret", "whsec_c2VjcmV0"}, &out, &errs, vars)
	for _, want := range []string{`answered 404 "no such consumer"`, "sent 0, skipped 0, failed 1", "stopped at stream sequence 1", "to resume from there: -since 20"} {
		if !strings.Contains(errs.String(), want) {
			t.Errorf("no %q in:\n%s", want, errs.String())
		}
	}
	if code != 1 {
		t.Errorf("exit %d", code)
	}
}

// TestReplayToSubject republishes under another prefix with the original
// Nats-Msg-Id, so a JetStream target keeps one copy however often the
// replay runs.
func TestReplayToSubject(t *testing.T) {
	srv := natstest.Start(t)
	storeEvents(t, srv.ClientURL(), 2)
	js := jsOn(t, srv.ClientURL())
	if _, err := js.CreateStream(context.Background(), jetstream.StreamConfig{Name: "REPLAY", Subjects: []string{"replay.>"}, Duplicates: time.Hour}); err != nil {
		t.Fatal(err)
	}
	vars := env(map[string]string{"MLANGO_NATS_URL": srv.ClientURL()})
	for range 2 {
		var out, errs syncBuffer
		if code := replayCmd(context.Background(), []string{"-to-subject", "replay.telecom", "-subject", "telecom.*.sms.delivery"}, &out, &errs, vars); code != 0 {
			t.Fatalf("exit %d: %s", code, errs.String())
		}
	}
	got, subjects := events(t, js, "REPLAY")
	want, _ := events(t, js, "TELECOM")
	if len(got) != 2 || len(subjects) != 2 || subjects[0] != "replay.telecom.africastalking.sms.delivery" {
		t.Fatalf("REPLAY holds %v", subjects)
	}
	for id, body := range got {
		if want[id] != body {
			t.Errorf("event %s: %s", id, body)
		}
		msg, err := js.Stream(context.Background(), "REPLAY")
		if err != nil {
			t.Fatal(err)
		}
		m, err := msg.GetLastMsgForSubject(context.Background(), "replay.telecom.africastalking.sms.delivery")
		if err != nil || m.Header.Get(jetstream.MsgIDHeader) == "" {
			t.Errorf("no Nats-Msg-Id: %v %v", err, m)
		}
	}
}

// TestReplayTimeWindow selects by stored time, both ends inclusive, and
// lists a dry run without sending.
func TestReplayTimeWindow(t *testing.T) {
	srv := natstest.Start(t)
	storeEvents(t, srv.ClientURL(), 2)
	js := jsOn(t, srv.ClientURL())
	var stamps []time.Time
	_, err := readStream(context.Background(), js, readOptions{stream: "TELECOM", subject: ">"}, func(_ context.Context, m stored) error {
		stamps = append(stamps, m.at)
		return nil
	})
	if err != nil || len(stamps) != 4 {
		t.Fatalf("%v %v", err, stamps)
	}
	vars := env(map[string]string{"MLANGO_NATS_URL": srv.ClientURL()})
	dry := func(args ...string) (string, string) {
		var out, errs syncBuffer
		if code := replayCmd(context.Background(), append(args, "-dry-run"), &out, &errs, vars); code != 0 {
			t.Fatalf("exit %d: %s", code, errs.String())
		}
		return out.String(), errs.String()
	}
	rfc := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	out, errs := dry("-since", rfc(stamps[1]), "-until", rfc(stamps[2]))
	if !strings.Contains(errs, "would send 2, skipped 0, failed 0") || !strings.HasPrefix(out, "seq 2 ") || !strings.Contains(out, "\nseq 3 ") {
		t.Errorf("window: %s%s", out, errs)
	}
	out, errs = dry("-since", "1h", "-provider", "talkntalk", "-to-subject", "x")
	if !strings.Contains(errs, "would send 2,") || !strings.Contains(out, "→ publish x.talkntalk.sms.optout Nats-Msg-Id ") {
		t.Errorf("provider: %s%s", out, errs)
	}
}

// TestReplayFollow keeps delivering events stored after it started, until
// it is stopped.
func TestReplayFollow(t *testing.T) {
	srv := natstest.Start(t)
	store := storeEvents(t, srv.ClientURL(), 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errs syncBuffer
	done := make(chan int, 1)
	vars := env(map[string]string{"MLANGO_NATS_URL": srv.ClientURL()})
	go func() {
		done <- replayCmd(ctx, []string{"-follow", "-dry-run", "-type", "sms.delivery"}, &out, &errs, vars)
	}()
	waitFor(t, &out, regexp.MustCompile(`(?m)^seq 1 `))
	later := normalize.NewEvent("africastalking", normalize.TypeSMSDelivery, "ATXid_later", replayNow, map[string]string{}, "later")
	if _, err := store.Store(context.Background(), []normalize.Event{later}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, &out, regexp.MustCompile(`(?m)^seq 3 .* `+later.ID))
	cancel()
	if code := <-done; code != 0 || !strings.Contains(errs.String(), "would send 2, skipped 0, failed 0") {
		t.Errorf("exit %d: %s", code, errs.String())
	}
}

// TestReplayRawHopOrder: hops whose events were stored out of order (they
// are published in the background) are sent in the order the gateway
// received them, by event time.
func TestReplayRawHopOrder(t *testing.T) {
	srv := natstest.Start(t)
	storeEvents(t, srv.ClientURL(), 1) // creates the stream
	js := jsOn(t, srv.ClientURL())
	hop := func(id, text string, at time.Time) {
		body := fmt.Sprintf(`{"specversion":"1.0","id":%q,"source":"africastalking","type":"ussd.input","time":%q,"provider":"africastalking","data":{"raw":{"sessionId":"S1","text":%q}}}`,
			id, at.Format(time.RFC3339Nano), text)
		if _, err := js.Publish(context.Background(), "telecom.africastalking.ussd.input", []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	received := time.Now().Add(-time.Minute)
	hop("hop1", "", received)
	hop("hop3", "1*1", received.Add(2*time.Millisecond)) // stored before hop 2
	hop("hop2", "1", received.Add(time.Millisecond))
	hop("late", "2", time.Now()) // received just now: held to the end
	var out, errs syncBuffer
	vars := env(map[string]string{"MLANGO_NATS_URL": srv.ClientURL()})
	if code := replayCmd(context.Background(), []string{"-raw", "-dry-run", "-to-url", "http://127.0.0.1:1"}, &out, &errs, vars); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	got := regexp.MustCompile(`ussd\.input (\w+) `).FindAllStringSubmatch(out.String(), -1)
	var order []string
	for _, m := range got {
		order = append(order, m[1])
	}
	if strings.Join(order, " ") != "hop1 hop2 hop3 late" {
		t.Errorf("hops sent in order %v:\n%s", order, out.String())
	}
}
