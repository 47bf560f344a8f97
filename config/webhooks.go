package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// WebhooksConfig configures signed JSON webhook providers and the guards of
// unsigned routes.
type WebhooksConfig struct {
	// TrustedProxies are the load balancers (CIDRs or addresses) whose
	// X-Forwarded-For names the real caller.
	TrustedProxies []string `yaml:"trusted_proxies,omitempty"`
	// AuthFailures failed authentications per AuthFailureWindow are
	// forgiven per source address; beyond them it gets 429. 0 disables.
	AuthFailures      int      `yaml:"auth_failures"`
	AuthFailureWindow Duration `yaml:"auth_failure_window"`
	// AfricasTalking guards Africa's Talking's routes, which are unsigned.
	AfricasTalking RouteGuardConfig `yaml:"africastalking"`
	// Providers are the webhook providers served at /webhooks/<name>, by
	// name: the built-in talkntalk and zexa, or any configured one.
	Providers map[string]WebhookProviderConfig `yaml:"providers,omitempty"`
}

// RouteGuardConfig guards a provider's routes that carry no signature.
type RouteGuardConfig struct {
	// Tokens, when set, must arrive as ?key=<token> or /t/<token>/…; more
	// than one during a rotation.
	Tokens     []string `yaml:"tokens,omitempty"`
	AllowCIDRs []string `yaml:"allow_cidrs,omitempty"`
}

// WebhookProviderConfig is one webhook provider. The built-in ones take
// only Secrets and AllowCIDRs; their scheme and mapping are fixed.
type WebhookProviderConfig struct {
	// Scheme is hex, base64 or standard_webhooks.
	Scheme string `yaml:"scheme,omitempty"`
	// Header and Prefix locate a hex or base64 signature, e.g.
	// X-Signature and "sha256=".
	Header string `yaml:"header,omitempty"`
	Prefix string `yaml:"prefix,omitempty"`
	// Secrets are every secret currently valid; none means unsigned.
	Secrets []string `yaml:"secrets,omitempty"`
	// Tolerance bounds a Standard Webhooks timestamp; 0 means 5m.
	Tolerance  Duration             `yaml:"tolerance,omitempty"`
	AllowCIDRs []string             `yaml:"allow_cidrs,omitempty"`
	Mapping    WebhookMappingConfig `yaml:"mapping,omitempty"`
}

// WebhookMappingConfig says how a configured provider's events become
// canonical events: dotted JSON paths into the body and two tables.
type WebhookMappingConfig struct {
	Event    string            `yaml:"event,omitempty"` // the event name; default "type"
	ID       string            `yaml:"id,omitempty"`    // message or campaign id
	EventID  string            `yaml:"event_id,omitempty"`
	Phone    string            `yaml:"phone,omitempty"`
	Sender   string            `yaml:"sender,omitempty"`
	Status   string            `yaml:"status,omitempty"`   // empty: the event name is the status
	Time     string            `yaml:"time,omitempty"`     // default "timestamp"
	Types    map[string]string `yaml:"types,omitempty"`    // event name → canonical type
	Statuses map[string]string `yaml:"statuses,omitempty"` // provider status → canonical status
}

// Signature schemes and built-in webhook providers, spelled as in the
// handlers and normalize packages, which config must not import.
const (
	SchemeHex              = "hex"
	SchemeBase64           = "base64"
	SchemeStandardWebhooks = "standard_webhooks"
)

// BuiltinWebhooks are the webhook providers whose scheme and mapping are
// built in.
var BuiltinWebhooks = []string{"talkntalk", "zexa"}

var (
	schemes = []string{SchemeHex, SchemeBase64, SchemeStandardWebhooks}
	// reservedNames are providers with routes of their own.
	reservedNames = []string{"africastalking"}
	mappableTypes = []string{"sms.delivery", "sms.optout", "campaign.status", "provider.event"}
	// mappedStatuses are the canonical delivery and campaign statuses.
	mappedStatuses = []string{"queued", "sent", "delivered", "undelivered", "failed", "rejected", "expired", "cancelled", "completed"}
)

// defaultWebhooks forgives ten failed authentications a minute per source:
// no genuine sender fails that often, and a guesser gets nowhere.
func defaultWebhooks() WebhooksConfig {
	return WebhooksConfig{AuthFailures: 10, AuthFailureWindow: Duration(time.Minute)}
}

// Builtin reports whether name is a built-in webhook provider.
func Builtin(name string) bool { return slices.Contains(BuiltinWebhooks, name) }

// Names lists the configured webhook providers in order.
func (w WebhooksConfig) Names() []string { return slices.Sorted(maps.Keys(w.Providers)) }

// WithDefaults fills in the mapping's default paths.
func (m WebhookMappingConfig) WithDefaults() WebhookMappingConfig {
	if m.Event == "" {
		m.Event = "type"
	}
	if m.Time == "" {
		m.Time = "timestamp"
	}
	return m
}

// SecretEnv is the variable that overrides a provider's secrets.
func SecretEnv(name string) string { return "MLANGO_" + strings.ToUpper(name) + "_SECRET" }

// TokenEnv overrides the Africa's Talking route tokens.
const TokenEnv = "MLANGO_AFRICASTALKING_TOKEN"

// applyWebhookEnv applies MLANGO_AFRICASTALKING_TOKEN and each provider's
// MLANGO_<PROVIDER>_SECRET, comma lists for rotation. A set secret enables
// a built-in provider that the file does not name. Empty variables are
// ignored: an unset template value must not quietly turn signing off.
func applyWebhookEnv(c *Config, getenv func(string) (string, bool)) []error {
	var problems []error
	if v, ok := getenv(TokenEnv); ok && v != "" {
		if c.Webhooks.AfricasTalking.Tokens = splitList(v); len(c.Webhooks.AfricasTalking.Tokens) == 0 {
			problems = append(problems, fmt.Errorf("%s: holds no token; want a comma list of tokens", TokenEnv))
		}
	}
	names := slices.Concat(BuiltinWebhooks, c.Webhooks.Names())
	slices.Sort(names)
	for _, name := range slices.Compact(names) {
		v, ok := getenv(SecretEnv(name))
		if !ok || v == "" {
			continue
		}
		if c.Webhooks.Providers == nil {
			c.Webhooks.Providers = map[string]WebhookProviderConfig{}
		}
		p := c.Webhooks.Providers[name]
		if p.Secrets = splitList(v); len(p.Secrets) == 0 {
			problems = append(problems, fmt.Errorf("%s: holds no secret; want a comma list of secrets", SecretEnv(name)))
		}
		c.Webhooks.Providers[name] = p
	}
	return problems
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// redacted shows each secret and token as "xxxxx", so their number (a
// rotation in progress) shows and their values never do.
func (w WebhooksConfig) redacted() map[string]any {
	providers := map[string]any{}
	for name, p := range w.Providers {
		view := map[string]any{"secrets": redactAll(p.Secrets), "allow_cidrs": p.AllowCIDRs, "mapping": "built in"}
		if !Builtin(name) {
			view["scheme"], view["header"], view["prefix"] = p.Scheme, p.Header, p.Prefix
			view["tolerance"], view["mapping"] = p.Tolerance.String(), p.Mapping.WithDefaults().view()
		}
		providers[name] = view
	}
	return map[string]any{
		"trusted_proxies":     w.TrustedProxies,
		"auth_failures":       w.AuthFailures,
		"auth_failure_window": w.AuthFailureWindow.String(),
		"africastalking": map[string]any{
			"tokens": redactAll(w.AfricasTalking.Tokens), "allow_cidrs": w.AfricasTalking.AllowCIDRs,
		},
		"providers": providers,
	}
}

func redactAll(secrets []string) []string {
	out := make([]string, len(secrets))
	for i := range out {
		out[i] = redactedSecret
	}
	return out
}

// view keys the mapping as the YAML file does.
func (m WebhookMappingConfig) view() map[string]any {
	return map[string]any{
		"event": m.Event, "id": m.ID, "event_id": m.EventID, "phone": m.Phone, "sender": m.Sender,
		"status": m.Status, "time": m.Time, "types": m.Types, "statuses": m.Statuses,
	}
}
