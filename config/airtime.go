package config

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// AirtimeConfig configures the airtime validation callback (the airtime:
// section). Africa's Talking asks before every airtime send when a
// validation URL is registered; see docs/airtime.md.
type AirtimeConfig struct {
	Validation AirtimeValidation `yaml:"validation"`
}

// AirtimeValidation holds the validation's deadline, rules and decider.
type AirtimeValidation struct {
	// Timeout bounds the whole answer, decider and event store included:
	// far below the provider's deadline, so a slow decider still yields
	// an answer AT reads.
	Timeout Duration `yaml:"timeout"`
	// Currencies allowed (ISO 4217); none allows any.
	Currencies []string `yaml:"currencies,omitempty"`
	// MaxAmount is the largest amount per currency, a decimal ("10000").
	MaxAmount map[string]string `yaml:"max_amount,omitempty"`
	// AllowPhones, when not empty, are the only numbers (E.164) that may
	// receive airtime; DenyPhones never may, allow list or not.
	AllowPhones []string       `yaml:"allow_phones,omitempty"`
	DenyPhones  []string       `yaml:"deny_phones,omitempty"`
	Decider     AirtimeDecider `yaml:"decider"`
}

// AirtimeDecider is a downstream service asked over NATS request-reply.
type AirtimeDecider struct {
	// Subject it serves; empty means the rules alone decide.
	Subject string   `yaml:"subject"`
	Timeout Duration `yaml:"timeout"`
	// AllowOnFailure keeps the rules' verdict when the decider does not
	// answer in time, is absent or answers nonsense; by default such a
	// request is refused, since the decider is the anti-fraud check.
	AllowOnFailure bool `yaml:"allow_on_failure"`
}

// maxAirtimeTimeout stays well inside what a provider waits for a
// synchronous answer (AT documents 10 s only for USSD).
const maxAirtimeTimeout = 5 * time.Second

var (
	currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)
	amountRE   = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	e164RE     = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
)

func defaultAirtime() AirtimeConfig {
	return AirtimeConfig{Validation: AirtimeValidation{
		Timeout: Duration(2 * time.Second),
		Decider: AirtimeDecider{Timeout: Duration(time.Second)},
	}}
}

func (a AirtimeConfig) redacted() map[string]any {
	v := a.Validation
	maxAmount := map[string]any{}
	for k, amt := range v.MaxAmount {
		maxAmount[k] = amt
	}
	return map[string]any{"validation": map[string]any{
		"timeout":      v.Timeout.String(),
		"currencies":   append([]string{}, v.Currencies...),
		"max_amount":   maxAmount,
		"allow_phones": len(v.AllowPhones), // counts: the numbers are subscribers'
		"deny_phones":  len(v.DenyPhones),
		"decider": map[string]any{"subject": v.Decider.Subject, "timeout": v.Decider.Timeout.String(),
			"allow_on_failure": v.Decider.AllowOnFailure},
	}}
}

func (c Config) validateAirtime(p *problemList) {
	v := c.Airtime.Validation
	checkRange(p, "airtime.validation.timeout", v.Timeout, 100*time.Millisecond, maxAirtimeTimeout)
	for i, cur := range v.Currencies {
		if !currencyRE.MatchString(cur) {
			p.addf("airtime.validation.currencies[%d]: %q is not a currency; want ISO 4217 in capitals such as KES", i, cur)
		}
	}
	for _, cur := range slices.Sorted(maps.Keys(v.MaxAmount)) {
		if !currencyRE.MatchString(cur) {
			p.addf("airtime.validation.max_amount: %q is not a currency; want ISO 4217 in capitals such as KES", cur)
		}
		if amt := v.MaxAmount[cur]; !amountRE.MatchString(amt) {
			p.addf("airtime.validation.max_amount.%s: %q is not an amount; want a decimal such as 10000 or 500.50", cur, amt)
		}
	}
	checkPhones(p, "airtime.validation.allow_phones", v.AllowPhones)
	checkPhones(p, "airtime.validation.deny_phones", v.DenyPhones)
	d := v.Decider
	if d.Subject == "" {
		return
	}
	if err := checkSubjectPrefix(d.Subject); err != nil {
		p.addf("airtime.validation.decider.subject: %v", err)
	} else if d.Subject == c.SubjectPrefix || strings.HasPrefix(d.Subject, c.SubjectPrefix+".") {
		// The event stream would store the request and ack it instead of
		// the decider answering.
		p.addf("airtime.validation.decider.subject: %q is under subject_prefix %q, which the event stream captures; want a subject outside it such as mlango.airtime.validate", d.Subject, c.SubjectPrefix)
	}
	// The store needs time after the decider, within the same deadline.
	checkRange(p, "airtime.validation.decider.timeout", d.Timeout, 50*time.Millisecond, time.Duration(v.Timeout)*3/4)
}

func checkPhones(p *problemList, key string, phones []string) {
	for i, ph := range phones {
		if !e164RE.MatchString(ph) {
			p.addf("%s[%d]: %q is not an E.164 number; want one such as +254711000111", key, i, ph)
		}
	}
}
