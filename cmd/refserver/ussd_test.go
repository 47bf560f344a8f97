package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestUSSDHop: the reference answers the demo's screens from the form alone.
func TestUSSDHop(t *testing.T) {
	for _, tc := range []struct {
		form   url.Values
		code   int
		answer string
	}{
		{url.Values{"sessionId": {"s1"}, "text": {""}}, 200, "CON What would you want to check\n1. My Account\n2. My phone number"},
		{url.Values{"sessionId": {"s1"}, "text": {"1"}}, 200, "CON Choose account information you want to view\n1. Account number"},
		{url.Values{"sessionId": {"s1"}, "text": {"1*1"}}, 200, "END Your account number is ACC1001"},
		{url.Values{"sessionId": {"s1"}, "text": {"2"}, "phoneNumber": {"+254711000111"}}, 200, "END Your phone number is +254711000111"},
		{url.Values{"sessionId": {"s1"}, "text": {"7"}}, 200, "END Invalid choice"},
		{url.Values{"text": {"1"}}, 400, "END field sessionId is missing"},
	} {
		req := httptest.NewRequest(http.MethodPost, "/api/ussd/session", strings.NewReader(tc.form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		ussdHop(rec, req)
		if rec.Code != tc.code || rec.Body.String() != tc.answer || rec.Header().Get("Content-Type") != "text/plain; charset=UTF-8" {
			t.Errorf("%s: %d %q (%s), want %d %q", tc.form.Encode(), rec.Code, rec.Body, rec.Header().Get("Content-Type"), tc.code, tc.answer)
		}
	}
}
