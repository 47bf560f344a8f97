package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlango/mlango/config"
	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/normalize"
	"github.com/mlango/mlango/publish/natstest"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// configuredFile declares two providers the gateway has never heard of,
// only in YAML, and enables zexa without a secret.
const configuredFile = `
webhooks:
  providers:
    zexa: {}
    acme:
      scheme: base64
      header: X-Acme-Signature
      prefix: "hmac-sha256="
      secrets: [acme-old-secret, acme-file-secret]
      mapping:
        event: kind
        id: payload.ref
        phone: payload.msisdn
        status: payload.state
        time: payload.at
        types: {DLR: sms.delivery}
        statuses: {DELIVRD: delivered, UNDELIV: undelivered}
    katembe:
      scheme: standard_webhooks
      mapping:
        id: data.message_id
        phone: data.recipient
        status: data.status
        types: {message.delivered: sms.delivery}
        statuses: {delivered: delivered}
`

const katembeEnvSecret = "whsec_a2F0ZW1iZS1lbnYtc2VjcmV0LWtleQ=="

func hmacOf(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

func post(tb testing.TB, url, body string, headers map[string]string) int {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestConfiguredProviders runs the real command with providers that exist
// only in the config file and the environment, signs requests the way each
// scheme says, and reads the events back from JetStream.
func TestConfiguredProviders(t *testing.T) {
	srv := natstest.Start(t)
	path := filepath.Join(t.TempDir(), "mlango.yaml")
	if err := os.WriteFile(path, []byte(configuredFile), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := env(map[string]string{"MLANGO_CONFIG": path, "MLANGO_HTTP_ADDR": "127.0.0.1:0",
		"MLANGO_NATS_URL": srv.ClientURL(), "MLANGO_KATEMBE_SECRET": katembeEnvSecret, "MLANGO_DATA_DIR": t.TempDir()})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errs syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, nil, &out, &errs, vars) }()
	base := "http://" + waitFor(t, &out, regexp.MustCompile(`"addr":"([^"]+)".*mlango serving HTTP`))[1]

	acme := `{"kind":"DLR","payload":{"ref":"A-77","msisdn":"2348031234567","state":"UNDELIV","at":"2026-03-04T10:30:00+01:00"}}`
	acmeSig := "hmac-sha256=" + base64.StdEncoding.EncodeToString(hmacOf([]byte("acme-file-secret"), []byte(acme)))
	kat := `{"type":"message.delivered","timestamp":"2026-03-04T10:30:58Z","data":{"message_id":"ktb_9","recipient":"+255754000111","status":"delivered"}}`
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	key, _ := handlers.StandardWebhooksKey(katembeEnvSecret)
	katSig := "v1," + base64.StdEncoding.EncodeToString(hmacOf(key, []byte("msg_cfg."+ts+"."+kat)))
	for _, tc := range []struct {
		path, body string
		headers    map[string]string
		want       int
	}{
		{"/webhooks/acme", acme, map[string]string{"X-Acme-Signature": acmeSig}, 200},
		{"/webhooks/acme", acme, nil, 401},
		{"/webhooks/katembe", kat, map[string]string{"webhook-id": "msg_cfg", "webhook-timestamp": ts, "webhook-signature": katSig}, 200},
		{"/webhooks/zexa", `{"event":"campaign.sent","data":{"campaign_id":"c1"}}`, nil, 200},
		{"/webhooks/talkntalk", `{}`, nil, 404},
	} {
		if got := post(t, base+tc.path, tc.body, tc.headers); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.path, got, tc.want)
		}
	}
	warning := waitFor(t, &out, regexp.MustCompile(`\{[^\n]*"level":"warn"[^\n]*"provider":"zexa"[^\n]*\}`))[0]
	if !strings.Contains(warning, "MLANGO_ZEXA_SECRET") {
		t.Errorf("warning = %s", warning)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	for _, secret := range []string{"acme-old-secret", "acme-file-secret", strings.TrimPrefix(katembeEnvSecret, "whsec_"), acmeSig, katSig[3:]} {
		if strings.Contains(out.String()+errs.String(), secret) {
			t.Errorf("output shows %q", secret)
		}
	}
	checkConfiguredEvents(t, srv.ClientURL())
}

func checkConfiguredEvents(t *testing.T, url string) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	st, err := js.Stream(context.Background(), "TELECOM")
	if err != nil {
		t.Fatal(err)
	}
	for subject, want := range map[string]string{
		"telecom.acme.sms.delivery":    `"messageId":"A-77","recipient":"+2348031234567","status":"undelivered","providerStatus":"UNDELIV","final":true`,
		"telecom.katembe.sms.delivery": `"messageId":"ktb_9","recipient":"+255754000111","status":"delivered"`,
		"telecom.zexa.campaign.status": `"campaignId":"c1","status":"sent"`,
	} {
		msg, err := st.GetLastMsgForSubject(context.Background(), subject)
		if err != nil {
			t.Errorf("%s: %v", subject, err)
			continue
		}
		if !strings.Contains(string(msg.Data), want) {
			t.Errorf("%s: %s\nwant it to contain %s", subject, msg.Data, want)
		}
		var ev struct{ Time string }
		if json.Unmarshal(msg.Data, &ev); subject == "telecom.acme.sms.delivery" && ev.Time != "2026-03-04T09:30:00Z" {
			t.Errorf("acme event time = %s, want the payload's, in UTC", ev.Time)
		}
	}
}

// TestNamesAgree: config cannot import handlers or normalize, so it spells
// their names itself; this holds the spellings together.
func TestNamesAgree(t *testing.T) {
	if !slices.Equal(config.BuiltinWebhooks, []string{normalize.TalkNTalk, normalize.Zexa}) {
		t.Errorf("config.BuiltinWebhooks = %v", config.BuiltinWebhooks)
	}
	for _, s := range []string{config.SchemeHex, config.SchemeBase64, config.SchemeStandardWebhooks} {
		if _, err := handlers.NewVerifier(handlers.Signature{Scheme: handlers.Scheme(s), Header: "X"}); err != nil {
			t.Errorf("scheme %s: %v", s, err)
		}
	}
	for _, typ := range normalize.MappableTypes {
		cfg := config.Default()
		cfg.Webhooks.Providers = map[string]config.WebhookProviderConfig{"p": {Scheme: config.SchemeHex, Header: "X",
			Mapping: config.WebhookMappingConfig{ID: "id", Phone: "phone", Types: map[string]string{"e": typ}}}}
		if err := cfg.Validate(); err != nil {
			t.Errorf("config refuses mappable type %s: %v", typ, err)
		}
	}
}
