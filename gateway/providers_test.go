package gateway

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/normalize"
)

// The golden rig's fixed secrets. The signatures in testdata/talkntalk,
// testdata/zexa and testdata/katembe are computed with them, and
// TestGoldenSignatures recomputes them.
const (
	testTalkNTalkSecret = "tnt_golden_secret"
	testZexaSecret      = "zexa_golden_secret"
	testKatembeSecret   = "whsec_a2F0ZW1iZS1nb2xkZW4tdGVzdC1rZXktMDAwMQ=="
)

// katembeMapping is the Standard-Webhooks provider of the golden files,
// configured as docs/webhooks.md shows.
var katembeMapping = normalize.WebhookMapping{
	Provider: "katembe",
	Event:    "type",
	Time:     "timestamp",
	ID:       "data.message_id",
	Phone:    "data.recipient",
	Status:   "data.status",
	Types: map[string]string{
		"message.sent":           normalize.TypeSMSDelivery,
		"message.delivered":      normalize.TypeSMSDelivery,
		"message.failed":         normalize.TypeSMSDelivery,
		"verification.completed": normalize.TypeProviderEvent,
	},
	Statuses: map[string]string{
		"sent":      normalize.DeliverySent,
		"delivered": normalize.DeliveryDelivered,
		"failed":    normalize.DeliveryFailed,
		"rejected":  normalize.DeliveryRejected,
	},
}

// testProviders is every provider the golden rig serves: Africa's Talking
// unguarded, as its golden files expect, with atRoutes (its USSD, airtime or voice flow routes), and the signed webhook providers
// with fixed secrets and the rig's clock.
func testProviders(tb testing.TB, atRoutes ...handlers.Route) []handlers.Provider {
	tb.Helper()
	tnt, err := handlers.TalkNTalk([]string{testTalkNTalkSecret}, handlers.Guard{})
	if err != nil {
		tb.Fatal(err)
	}
	zexa, err := handlers.Zexa([]string{testZexaSecret}, handlers.Guard{})
	if err != nil {
		tb.Fatal(err)
	}
	katembe, err := handlers.WebhookProvider(handlers.Webhook{
		Name: "katembe",
		Signature: handlers.Signature{Scheme: handlers.SchemeStandardWebhooks, Secrets: []string{testKatembeSecret},
			Now: func() time.Time { return fixedNow }},
		Parse: katembeMapping.Parse,
	})
	if err != nil {
		tb.Fatal(err)
	}
	at := handlers.AfricasTalking()
	at.Routes = handlers.ReplaceRoutes(at.Routes, atRoutes...) // a voice flow's instruct replaces the fixed one
	return []handlers.Provider{at, tnt, zexa, katembe}
}

// goldenSigners recompute, per golden folder, the signature header a
// request must carry.
var goldenSigners = map[string]struct {
	header string
	sign   func(r *http.Request, body []byte) string
}{
	"talkntalk": {handlers.TalkNTalkSignature, func(_ *http.Request, body []byte) string {
		return "sha256=" + hex.EncodeToString(mac([]byte(testTalkNTalkSecret), body))
	}},
	"zexa": {handlers.ZexaSignature, func(_ *http.Request, body []byte) string {
		return hex.EncodeToString(mac([]byte(testZexaSecret), body))
	}},
	"katembe": {handlers.HeaderWebhookSignature, func(r *http.Request, body []byte) string {
		key, _ := handlers.StandardWebhooksKey(testKatembeSecret)
		return "v1," + base64.StdEncoding.EncodeToString(mac(key, standardContent(r, body)))
	}},
}

func standardContent(r *http.Request, body []byte) []byte {
	return []byte(r.Header.Get("webhook-id") + "." + r.Header.Get("webhook-timestamp") + "." + string(body))
}

func mac(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

// signedAt signs body as a Standard Webhooks sender would at t.
func signedAt(t time.Time, id, body string) map[string]string {
	ts := strconv.FormatInt(t.Unix(), 10)
	key, _ := handlers.StandardWebhooksKey(testKatembeSecret)
	sig := "v1," + base64.StdEncoding.EncodeToString(mac(key, []byte(id+"."+ts+"."+body)))
	return map[string]string{"webhook-id": id, "webhook-timestamp": ts, "webhook-signature": sig}
}
