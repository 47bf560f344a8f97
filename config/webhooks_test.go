package config

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

const webhooksFile = `
webhooks:
  trusted_proxies: [10.0.0.0/8, 192.0.2.10]
  auth_failures: 5
  auth_failure_window: 30s
  africastalking:
    tokens: [0123456789abcdef0123]
    allow_cidrs: [196.201.214.0/24]
  providers:
    talkntalk:
      secrets: [tnt-file-secret]
    zexa: {}
    katembe:
      scheme: standard_webhooks
      secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw]
      tolerance: 2m
      allow_cidrs: ["2001:db8::/32"]
      mapping:
        id: data.message_id
        phone: data.recipient
        status: data.status
        types:
          message.delivered: sms.delivery
          verification.completed: provider.event
        statuses:
          delivrd: delivered
    acme:
      scheme: hex
      header: X-Acme-Signature
      prefix: "sha256="
      secrets: [one, two]
`

func TestWebhooksFile(t *testing.T) {
	cfg := mustLoad(t, writeConfig(t, webhooksFile), nil)
	w := cfg.Webhooks
	want := WebhooksConfig{
		TrustedProxies:    []string{"10.0.0.0/8", "192.0.2.10"},
		AuthFailures:      5,
		AuthFailureWindow: Duration(30 * time.Second),
		AfricasTalking:    RouteGuardConfig{Tokens: []string{"0123456789abcdef0123"}, AllowCIDRs: []string{"196.201.214.0/24"}},
		Providers: map[string]WebhookProviderConfig{
			"talkntalk": {Secrets: []string{"tnt-file-secret"}},
			"zexa":      {},
			"katembe": {Scheme: SchemeStandardWebhooks, Secrets: []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
				Tolerance: Duration(2 * time.Minute), AllowCIDRs: []string{"2001:db8::/32"},
				Mapping: WebhookMappingConfig{ID: "data.message_id", Phone: "data.recipient", Status: "data.status",
					Types:    map[string]string{"message.delivered": "sms.delivery", "verification.completed": "provider.event"},
					Statuses: map[string]string{"delivrd": "delivered"}}},
			"acme": {Scheme: SchemeHex, Header: "X-Acme-Signature", Prefix: "sha256=", Secrets: []string{"one", "two"}},
		},
	}
	if !reflect.DeepEqual(w, want) {
		t.Errorf("got  %+v\nwant %+v", w, want)
	}
	if got := fmt.Sprint(w.Names()); got != "[acme katembe talkntalk zexa]" {
		t.Errorf("Names() = %s", got)
	}
	if got := Prefixes(w.TrustedProxies); fmt.Sprint(got) != "[10.0.0.0/8 192.0.2.10/32]" {
		t.Errorf("Prefixes = %v", got)
	}
}

func TestWebhooksDefaults(t *testing.T) {
	w := Default().Webhooks
	if w.AuthFailures != 10 || w.AuthFailureWindow != Duration(time.Minute) || len(w.Providers) != 0 || len(w.AfricasTalking.Tokens) != 0 {
		t.Errorf("defaults = %+v", w)
	}
	m := WebhookMappingConfig{}.WithDefaults()
	if m.Event != "type" || m.Time != "timestamp" {
		t.Errorf("mapping defaults = %+v", m)
	}
	if m := (WebhookMappingConfig{Event: "event", Time: "at"}).WithDefaults(); m.Event != "event" || m.Time != "at" {
		t.Errorf("defaults replaced set paths: %+v", m)
	}
}

func TestWebhookEnv(t *testing.T) {
	path := writeConfig(t, webhooksFile)
	cfg := mustLoad(t, path, map[string]string{
		"MLANGO_TALKNTALK_SECRET":     " new-secret , tnt-file-secret ",
		"MLANGO_KATEMBE_SECRET":       "whsec_c2Vjb25k",
		"MLANGO_ACME_SECRET":          "", // empty: ignored, the file's secrets stay
		"MLANGO_AFRICASTALKING_TOKEN": "fedcba9876543210fedc,0123456789abcdef0123",
	})
	p := cfg.Webhooks.Providers
	if got := fmt.Sprint(p["talkntalk"].Secrets, p["katembe"].Secrets, p["acme"].Secrets); got != "[new-secret tnt-file-secret] [whsec_c2Vjb25k] [one two]" {
		t.Errorf("secrets = %s", got)
	}
	if got := fmt.Sprint(cfg.Webhooks.AfricasTalking.Tokens); got != "[fedcba9876543210fedc 0123456789abcdef0123]" {
		t.Errorf("tokens = %s", got)
	}

	// With no file, a built-in provider's secret alone enables it.
	cfg = mustLoad(t, "", map[string]string{"MLANGO_ZEXA_SECRET": "z"})
	if got := fmt.Sprint(cfg.Webhooks.Names(), cfg.Webhooks.Providers["zexa"].Secrets); got != "[zexa] [z]" {
		t.Errorf("zexa from the environment: %s", got)
	}
	if cfg := mustLoad(t, "", map[string]string{"MLANGO_NOBODY_SECRET": "x"}); len(cfg.Webhooks.Providers) != 0 {
		t.Errorf("a secret for an unconfigured provider created it: %v", cfg.Webhooks.Names())
	}

	_, err := Load("", false, env(map[string]string{"MLANGO_TALKNTALK_SECRET": " , ", "MLANGO_AFRICASTALKING_TOKEN": ","}))
	requireErrContains(t, err, "MLANGO_TALKNTALK_SECRET: holds no secret", "MLANGO_AFRICASTALKING_TOKEN: holds no token")
}

func TestWebhooksAllProblemsAtOnce(t *testing.T) {
	path := writeConfig(t, `
webhooks:
  trusted_proxies: [10.0.0.0/33]
  auth_failures: -1
  africastalking:
    tokens: [short, "has space in it, long enough"]
    allow_cidrs: [nowhere]
  providers:
    Katembe: {scheme: hex, header: X}
    africastalking: {}
    talkntalk:
      secrets: [hunter2-talkntalk, " "]
      prefix: "sha1="
      mapping: {id: data.id}
    acme:
      scheme: rot13
    beta:
      scheme: standard_webhooks
      header: X-Sig
      tolerance: 2h
      secrets: ["whsec_hunter2 not base64"]
    gamma:
      scheme: base64
      header: "X Sig"
      tolerance: 1m
      allow_cidrs: [300.0.0.0/8]
      mapping:
        event: "events[0].type"
        time: data..at
        types:
          sent: sms.delivery
          Sent: sms.delivery
          optout: sms.optout
          ping: telecom.ping
        statuses:
          ok: fine
`)
	_, err := Load(path, true, env(nil))
	requireErrContains(t, err,
		`webhooks.trusted_proxies: entry 1 "10.0.0.0/33" is not a CIDR or address`,
		"webhooks.auth_failures: -1 is negative",
		"webhooks.africastalking.tokens (MLANGO_AFRICASTALKING_TOKEN): entry 1 is shorter than 16 characters",
		"webhooks.africastalking.tokens (MLANGO_AFRICASTALKING_TOKEN): entry 2 holds characters a URL would escape",
		`webhooks.africastalking.allow_cidrs: entry 1 "nowhere" is not a CIDR or address`,
		`webhooks.providers: "Katembe" is not a provider name`,
		"webhooks.providers.africastalking: africastalking is built in with routes of its own",
		"webhooks.providers.talkntalk: talkntalk is built in, so only secrets and allow_cidrs may be set, not prefix, mapping",
		"webhooks.providers.talkntalk.secrets (MLANGO_TALKNTALK_SECRET): entry 2 is empty",
		`webhooks.providers.acme.scheme: "rot13" is not a scheme; want one of hex, base64, standard_webhooks`,
		"webhooks.providers.beta: header and prefix do not apply to standard_webhooks",
		"webhooks.providers.beta.tolerance: 2h0m0s is out of range; want 1s to 1h",
		"webhooks.providers.beta.secrets (MLANGO_BETA_SECRET): entry 1 is not whsec_ followed by base64",
		`webhooks.providers.gamma.header: "X Sig" is not a header name`,
		"webhooks.providers.gamma.tolerance: applies to scheme standard_webhooks only",
		`webhooks.providers.gamma.allow_cidrs: entry 1 "300.0.0.0/8" is not a CIDR or address`,
		`webhooks.providers.gamma.mapping.event: "events[0].type" is not a path`,
		`webhooks.providers.gamma.mapping.time: "data..at" is not a path`,
		`webhooks.providers.gamma.mapping.types: "Sent" and "sent" are the same name`,
		`webhooks.providers.gamma.mapping.types.ping: "telecom.ping" is not allowed; want one of sms.delivery, sms.optout, campaign.status, provider.event`,
		`webhooks.providers.gamma.mapping.statuses.ok: "fine" is not allowed`,
		"webhooks.providers.gamma.mapping.id: is empty, but sent maps to sms.delivery",
		"webhooks.providers.gamma.mapping.phone: is empty, but optout maps to sms.optout",
	)
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("an error shows a secret:\n%v", err)
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 24 {
		t.Errorf("%d problems reported, want 24:\n%v", n, err)
	}
}

func TestWebhooksUnknownKeys(t *testing.T) {
	for _, tc := range []struct {
		file  string
		wants []string
	}{
		{"webhooks:\n  providers:\n    acme:\n      shceme: hex\n", []string{
			"mlango.yaml:4: webhooks.providers.acme.shceme:", `unknown key "shceme"`, "allowed here: scheme, header, prefix, secrets, tolerance, allow_cidrs, mapping",
		}},
		{"webhooks:\n  providers:\n    acme:\n      mapping:\n        phone_number: x\n", []string{
			`unknown key "phone_number"`, "allowed here: event, id, event_id, phone, sender, status, time, types, statuses",
		}},
		{"webhooks:\n  africastalking:\n    token: abc\n", []string{`unknown key "token"`, "allowed here: tokens, allow_cidrs"}},
	} {
		_, err := Load(writeConfig(t, tc.file), true, env(nil))
		requireErrContains(t, err, tc.wants...)
	}
}

func TestWebhooksRedacted(t *testing.T) {
	cfg := mustLoad(t, writeConfig(t, webhooksFile), map[string]string{"MLANGO_ZEXA_SECRET": "zexa-env-secret"})
	shown := fmt.Sprint(cfg.Redacted())
	for _, secret := range []string{"tnt-file-secret", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "0123456789abcdef0123", "zexa-env-secret", "[one two]"} {
		if strings.Contains(shown, secret) {
			t.Errorf("Redacted shows %q:\n%s", secret, shown)
		}
	}
	w := cfg.Redacted()["webhooks"].(map[string]any)
	acme := w["providers"].(map[string]any)["acme"].(map[string]any)
	if fmt.Sprint(acme["secrets"]) != "[xxxxx xxxxx]" || acme["header"] != "X-Acme-Signature" || acme["mapping"].(map[string]any)["event"] != "type" {
		t.Errorf("acme = %v", acme)
	}
	if tnt := w["providers"].(map[string]any)["talkntalk"].(map[string]any); tnt["mapping"] != "built in" {
		t.Errorf("talkntalk = %v", tnt)
	}
	if at := w["africastalking"].(map[string]any); fmt.Sprint(at["tokens"]) != "[xxxxx]" {
		t.Errorf("africastalking = %v", at)
	}
}

func TestPrefixesSkipsInvalid(t *testing.T) {
	got := Prefixes([]string{"192.0.2.77/24", "::ffff:192.0.2.1", "x", " 2001:db8::1 "})
	want := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("192.0.2.1/32"), netip.MustParsePrefix("2001:db8::1/128")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
