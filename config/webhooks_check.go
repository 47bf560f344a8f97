package config

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
)

var (
	providerNameRE = regexp.MustCompile(`^[a-z0-9_]+$`)
	headerNameRE   = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
	// Tokens travel in URLs, so they keep to characters URLs never escape.
	tokenRE = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)
)

// minTokenLen keeps a route token out of reach of guessing even before the
// failure limit: 16 random characters is over 80 bits.
const minTokenLen = 16

func (c Config) validateWebhooks(p *problemList) {
	w := c.Webhooks
	if w.AuthFailures < 0 {
		p.addf("webhooks.auth_failures: %d is negative; want 0 (no limit) or a count such as 10", w.AuthFailures)
	} else if w.AuthFailures > 0 && w.AuthFailureWindow <= 0 {
		p.addf("webhooks.auth_failure_window: %s is not positive; want a duration such as 1m", w.AuthFailureWindow)
	}
	checkCIDRs(p, "webhooks.trusted_proxies", w.TrustedProxies)
	checkCIDRs(p, "webhooks.africastalking.allow_cidrs", w.AfricasTalking.AllowCIDRs)
	for i, t := range w.AfricasTalking.Tokens {
		key := fmt.Sprintf("webhooks.africastalking.tokens (%s): entry %d", TokenEnv, i+1)
		switch {
		case !tokenRE.MatchString(t):
			p.addf("%s holds characters a URL would escape; want letters, digits and . _ ~ - (e.g. openssl rand -hex 16)", key)
		case len(t) < minTokenLen:
			p.addf("%s is shorter than %d characters; want a random token such as openssl rand -hex 16 makes", key, minTokenLen)
		}
	}
	for _, name := range w.Names() {
		validateProvider(p, name, w.Providers[name])
	}
}

func validateProvider(p *problemList, name string, pc WebhookProviderConfig) {
	key := "webhooks.providers." + name
	if !providerNameRE.MatchString(name) {
		p.addf("webhooks.providers: %q is not a provider name; want lowercase letters, digits and _ such as katembe", name)
		return
	}
	if slices.Contains(reservedNames, name) {
		p.addf("%s: %s is built in with routes of its own, not a webhook provider; guard it under webhooks.%s", key, name, name)
		return
	}
	checkCIDRs(p, key+".allow_cidrs", pc.AllowCIDRs)
	checkSecrets(p, key, name, pc)
	if Builtin(name) {
		if set := customKeys(pc); len(set) > 0 {
			p.addf("%s: %s is built in, so only secrets and allow_cidrs may be set, not %s", key, name, strings.Join(set, ", "))
		}
		return
	}
	checkScheme(p, key, pc)
	validateMapping(p, key+".mapping", pc.Mapping.WithDefaults())
}

// customKeys lists the keys set that only configured providers take.
func customKeys(pc WebhookProviderConfig) []string {
	var set []string
	for _, f := range []struct {
		key string
		on  bool
	}{
		{"scheme", pc.Scheme != ""}, {"header", pc.Header != ""}, {"prefix", pc.Prefix != ""},
		{"tolerance", pc.Tolerance != 0}, {"mapping", !isZeroMapping(pc.Mapping)},
	} {
		if f.on {
			set = append(set, f.key)
		}
	}
	return set
}

func isZeroMapping(m WebhookMappingConfig) bool {
	return m.Event == "" && m.ID == "" && m.EventID == "" && m.Phone == "" && m.Sender == "" &&
		m.Status == "" && m.Time == "" && len(m.Types) == 0 && len(m.Statuses) == 0
}

func checkScheme(p *problemList, key string, pc WebhookProviderConfig) {
	switch pc.Scheme {
	case SchemeHex, SchemeBase64:
		if !headerNameRE.MatchString(pc.Header) {
			p.addf("%s.header: %q is not a header name; want the header carrying the signature, such as X-Signature", key, pc.Header)
		}
		if pc.Tolerance != 0 {
			p.addf("%s.tolerance: applies to scheme %s only; remove it", key, SchemeStandardWebhooks)
		}
	case SchemeStandardWebhooks:
		if pc.Header != "" || pc.Prefix != "" {
			p.addf("%s: header and prefix do not apply to %s, whose headers are fixed; remove them", key, SchemeStandardWebhooks)
		}
		if t := pc.Tolerance; t != 0 && (t < Duration(time.Second) || t > Duration(time.Hour)) {
			p.addf("%s.tolerance: %s is out of range; want 1s to 1h, or 0 for 5m", key, t)
		}
	default:
		p.addf("%s.scheme: %q is not a scheme; want one of %s", key, pc.Scheme, strings.Join(schemes, ", "))
	}
}

// checkSecrets never shows a secret, only its position in the list.
func checkSecrets(p *problemList, key, name string, pc WebhookProviderConfig) {
	for i, s := range pc.Secrets {
		where := fmt.Sprintf("%s.secrets (%s): entry %d", key, SecretEnv(name), i+1)
		if strings.TrimSpace(s) == "" {
			p.addf("%s is empty; want the provider's signing secret", where)
			continue
		}
		if pc.Scheme == SchemeStandardWebhooks {
			if k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_")); err != nil || len(k) == 0 {
				p.addf("%s is not whsec_ followed by base64, as Standard Webhooks secrets are", where)
			}
		}
	}
}

func validateMapping(p *problemList, key string, m WebhookMappingConfig) {
	for _, f := range []struct{ name, path string }{
		{"event", m.Event}, {"id", m.ID}, {"event_id", m.EventID}, {"phone", m.Phone},
		{"sender", m.Sender}, {"status", m.Status}, {"time", m.Time},
	} {
		if err := checkPath(f.path); f.path != "" && err != nil {
			p.addf("%s.%s: %v", key, f.name, err)
		}
	}
	checkTable(p, key+".types", m.Types, mappableTypes)
	checkTable(p, key+".statuses", m.Statuses, mappedStatuses)
	for name, typ := range m.Types {
		switch {
		case (typ == "sms.delivery" || typ == "campaign.status") && m.ID == "":
			p.addf("%s.id: is empty, but %s maps to %s; want the path of its id, such as data.message_id", key, name, typ)
		case typ == "sms.optout" && m.Phone == "":
			p.addf("%s.phone: is empty, but %s maps to %s; want the path of the phone number, such as data.phone", key, name, typ)
		}
	}
}

// checkTable checks a name → canonical value table: every value allowed,
// and no two names the same once case is ignored, as events are matched.
func checkTable(p *problemList, key string, table map[string]string, allowed []string) {
	seen := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(table)) {
		lower := strings.ToLower(strings.TrimSpace(name))
		if prev, dup := seen[lower]; dup {
			p.addf("%s: %q and %q are the same name; events are matched ignoring case", key, prev, name)
		}
		seen[lower] = name
		if !slices.Contains(allowed, table[name]) {
			p.addf("%s.%s: %q is not allowed; want one of %s", key, name, table[name], strings.Join(allowed, ", "))
		}
	}
}

// checkPath accepts dotted keys; JSONPath punctuation is refused rather
// than silently never matching.
func checkPath(s string) error {
	for _, seg := range strings.Split(s, ".") {
		if seg == "" || strings.ContainsAny(seg, "[]*$ \t\r\n") {
			return fmt.Errorf("%q is not a path; want dotted keys such as data.message_id, array elements by index as items.0.id", s)
		}
	}
	return nil
}

func checkCIDRs(p *problemList, key string, list []string) {
	for i, s := range list {
		if _, err := parsePrefix(s); err != nil {
			p.addf("%s: entry %d %q is not a CIDR or address; want e.g. 192.0.2.0/24 or 2001:db8::/32", key, i+1, s)
		}
	}
}

// parsePrefix reads a CIDR, or a lone address as a network of one.
func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if pf, err := netip.ParsePrefix(s); err == nil {
		return pf.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Prefixes parses a validated CIDR list.
func Prefixes(list []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range list {
		if pf, err := parsePrefix(s); err == nil {
			out = append(out, pf)
		}
	}
	return out
}
