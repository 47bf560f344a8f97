package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAirtimeFile(t *testing.T) {
	got := mustLoad(t, writeConfig(t, `
airtime:
  validation:
    timeout: 1500ms
    currencies: [KES, UGX]
    max_amount: {KES: 10000, UGX: "250000.50"}
    allow_phones: ["+254711000111"]
    deny_phones: ["+254700000666"]
    decider: {subject: mlango.airtime.validate, timeout: 800ms, allow_on_failure: true}
`), nil)
	want := AirtimeConfig{Validation: AirtimeValidation{
		Timeout:     Duration(1500 * time.Millisecond),
		Currencies:  []string{"KES", "UGX"},
		MaxAmount:   map[string]string{"KES": "10000", "UGX": "250000.50"},
		AllowPhones: []string{"+254711000111"},
		DenyPhones:  []string{"+254700000666"},
		Decider:     AirtimeDecider{Subject: "mlango.airtime.validate", Timeout: Duration(800 * time.Millisecond), AllowOnFailure: true},
	}}
	if !reflect.DeepEqual(got.Airtime, want) {
		t.Errorf("got  %+v\nwant %+v", got.Airtime, want)
	}
}

func TestValidateAirtime(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*AirtimeValidation)
		want   string // "" means valid
	}{
		{"defaults", func(*AirtimeValidation) {}, ""},
		{"timeout long", func(v *AirtimeValidation) { v.Timeout = Duration(10 * time.Second) }, "airtime.validation.timeout: 10s is out of range; want 100ms to 5s"},
		{"currency", func(v *AirtimeValidation) { v.Currencies = []string{"kes"} }, `airtime.validation.currencies[0]: "kes" is not a currency`},
		{"max currency", func(v *AirtimeValidation) { v.MaxAmount = map[string]string{"Shillings": "5"} }, `airtime.validation.max_amount: "Shillings" is not a currency`},
		{"max amount", func(v *AirtimeValidation) { v.MaxAmount = map[string]string{"KES": "1,000"} }, `airtime.validation.max_amount.KES: "1,000" is not an amount`},
		{"allow phone", func(v *AirtimeValidation) { v.AllowPhones = []string{"0711000111"} }, `airtime.validation.allow_phones[0]: "0711000111" is not an E.164 number`},
		{"deny phone", func(v *AirtimeValidation) { v.DenyPhones = []string{"+254711000111", "x"} }, `airtime.validation.deny_phones[1]: "x"`},
		{"decider", func(v *AirtimeValidation) { v.Decider.Subject = "mlango.airtime.validate" }, ""},
		{"decider wildcard", func(v *AirtimeValidation) { v.Decider.Subject = "mlango.*" }, `airtime.validation.decider.subject: "mlango.*"`},
		{"decider in stream", func(v *AirtimeValidation) { v.Decider.Subject = "telecom.airtime" }, `"telecom.airtime" is under subject_prefix "telecom"`},
		{"decider leaves no time to store", func(v *AirtimeValidation) {
			v.Decider.Subject, v.Decider.Timeout = "a.b", Duration(2*time.Second)
		}, "airtime.validation.decider.timeout: 2s is out of range; want 50ms to 1.5s"},
		{"decider timeout unused without subject", func(v *AirtimeValidation) { v.Decider.Timeout = 0 }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.mutate(&c.Airtime.Validation)
			requireValidity(t, c, tc.want)
		})
	}
}

func TestAirtimeRedacted(t *testing.T) {
	c := Default()
	c.Airtime.Validation.DenyPhones = []string{"+254700000666"}
	v := c.Redacted()["airtime"].(map[string]any)["validation"].(map[string]any)
	if v["deny_phones"] != 1 || v["timeout"] != "2s" {
		t.Errorf("redacted validation = %v", v)
	}
	if strings.Contains(fmt.Sprint(c.Redacted()), "254700000666") {
		t.Error("a subscriber's number reached the redacted view")
	}
}
