package ussd

import (
	"regexp"
	"testing"
)

func TestValidators(t *testing.T) {
	for _, tc := range []struct {
		name  string
		v     validator
		input string
		ok    bool
		saved string
	}{
		{"regex", validator{rule: "regex", re: regexp.MustCompile(`^[0-9]{4}$`)}, "1234", true, "1234"},
		{"regex no", validator{rule: "regex", re: regexp.MustCompile(`^[0-9]{4}$`)}, "12345", false, ""},
		{"numeric", validator{rule: "numeric"}, "0042", true, "0042"},
		{"numeric letters", validator{rule: "numeric"}, "12a", false, ""},
		{"numeric empty", validator{rule: "numeric"}, "", false, ""},
		{"numeric sign", validator{rule: "numeric"}, "-1", false, ""},
		{"between low", validator{rule: "between", lo: 10, hi: 100}, "10", true, "10"},
		{"between high", validator{rule: "between", lo: 10, hi: 100}, "100", true, "100"},
		{"between decimal", validator{rule: "between", lo: 10, hi: 100}, "10.5", true, "10.5"},
		{"between below", validator{rule: "between", lo: 10, hi: 100}, "9.99", false, ""},
		{"between above", validator{rule: "between", lo: 10, hi: 100}, "100.01", false, ""},
		{"between inf", validator{rule: "between", lo: 10, hi: 1e308}, "Inf", false, ""},
		{"between hex", validator{rule: "between", lo: 0, hi: 100}, "0x10", false, ""},
		{"between exponent", validator{rule: "between", lo: 0, hi: 100}, "1e1", false, ""},
		{"between trailing dot", validator{rule: "between", lo: 0, hi: 100}, "5.", false, ""},
		{"len exact", validator{rule: "len", lo: 4, hi: 4}, "abcd", true, "abcd"},
		{"len runes", validator{rule: "len", lo: 4, hi: 4}, "ñañá", true, "ñañá"},
		{"len short", validator{rule: "len", lo: 4, hi: 6}, "abc", false, ""},
		{"in", validator{rule: "in", set: []string{"a", "b"}}, "b", true, "b"},
		{"in no", validator{rule: "in", set: []string{"a", "b"}}, "B", false, ""},
		{"phone international", validator{rule: "phone"}, "+254722000111", true, "+254722000111"},
		{"phone 00", validator{rule: "phone"}, "00254722000111", true, "+254722000111"},
		{"phone bare international", validator{rule: "phone"}, "254722000111", true, "+254722000111"},
		{"phone national without a code", validator{rule: "phone"}, "0722000111", false, ""},
		{"phone national", validator{rule: "phone", calling: "+254"}, "0722000111", true, "+254722000111"},
		{"phone national spaced", validator{rule: "phone", calling: "+254"}, "0722 000 111", true, "+254722000111"},
		{"phone short", validator{rule: "phone", calling: "+254"}, "0722", false, ""},
		{"phone letters", validator{rule: "phone", calling: "+254"}, "07two", false, ""},
		{"phone short code", validator{rule: "phone"}, "21512", false, ""},
	} {
		saved, ok := tc.v.check(tc.input)
		if ok != tc.ok || ok && saved != tc.saved {
			t.Errorf("%s: check(%q) = %q, %v; want %q, %v", tc.name, tc.input, saved, ok, tc.saved, tc.ok)
		}
	}
}

func TestValidateStopsAtFirstFailure(t *testing.T) {
	vs := []validator{{rule: "numeric"}, {rule: "len", lo: 6, hi: 6}}
	for _, tc := range []struct {
		input  string
		failed int
	}{{"12a", 0}, {"12345", 1}, {"123456", -1}} {
		if _, failed := validate(vs, tc.input); failed != tc.failed {
			t.Errorf("validate(%q) failed at %d, want %d", tc.input, failed, tc.failed)
		}
	}
}

func TestConditions(t *testing.T) {
	for _, tc := range []struct {
		c     condition
		value string
		holds bool
	}{
		{condition{op: "eq", str: "1"}, "1", true},
		{condition{op: "eq", str: "1"}, "01", false},
		{condition{op: "ne", str: "1"}, "2", true},
		{condition{op: "in", set: []string{"a", "b"}}, "a", true},
		{condition{op: "in", set: []string{"a", "b"}}, "c", false},
		{condition{op: "empty"}, "", true},
		{condition{op: "empty"}, "x", false},
		{condition{op: "not_empty"}, "x", true},
		{condition{op: "gt", num: 10}, "10.5", true},
		{condition{op: "gt", num: 10}, "10", false},
		{condition{op: "ge", num: 10}, "10", true},
		{condition{op: "lt", num: 10}, "9", true},
		{condition{op: "le", num: 10}, " 10 ", true},
		{condition{op: "lt", num: 10}, "abc", false}, // not a number: no numeric test holds
		{condition{op: "gt", num: 10}, "", false},
	} {
		if got := tc.c.holds(tc.value); got != tc.holds {
			t.Errorf("%+v holds(%q) = %v, want %v", tc.c, tc.value, got, tc.holds)
		}
	}
}
