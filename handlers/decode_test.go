package handlers

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 3, 4, 10, 31, 0, 0, time.UTC)

func decode(tb testing.TB, target, ct, body string) (map[string]string, string, error) {
	tb.Helper()
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	in, err := Decoder{Limit: 1 << 10}.Decode(req, now)
	return in.Fields, string(in.Raw), err
}

func TestDecode(t *testing.T) {
	cases := []struct {
		name, target, ct, body string
		fields                 map[string]string
		raw                    string
	}{
		{"form", "/", "application/x-www-form-urlencoded", "a=1&b=%2B2", map[string]string{"a": "1", "b": "+2"}, `{"a":"1","b":"+2"}`},
		{"form repeated field keeps every value", "/", "application/x-www-form-urlencoded", "a=1&a=2", map[string]string{"a": "1"}, `{"a":["1","2"]}`},
		{"form padding kept raw", "/", "application/x-www-form-urlencoded", "a=+x+", map[string]string{"a": " x "}, `{"a":" x "}`},
		{"query fills what the body lacks", "/?a=9&c=3", "application/x-www-form-urlencoded", "a=1", map[string]string{"a": "1", "c": "3"}, `{"a":"1","c":"3"}`},
		{"query only", "/?a=1", "", "", map[string]string{"a": "1"}, `{"a":"1"}`},
		{"json strings and numbers", "/", "application/json; charset=utf-8", `{"a":"x","n":1.50,"b":true,"z":null,"o":{"k":1}}`,
			map[string]string{"a": "x", "n": "1.50", "b": "true", "o": `{"k":1}`}, `{"a":"x","n":1.50,"b":true,"z":null,"o":{"k":1}}`},
		{"json with query", "/?q=1", "application/json", `{"a":"x"}`, map[string]string{"a": "x", "q": "1"}, `{"a":"x","q":"1"}`},
		{"vendor json", "/", "application/vnd.x+json", `{"a":"x"}`, map[string]string{"a": "x"}, `{"a":"x"}`},
		{"multipart", "/", "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--B--\r\n", map[string]string{"a": "1"}, `{"a":"1"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fields, raw, err := decode(t, tc.target, tc.ct, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if len(fields) != len(tc.fields) {
				t.Errorf("fields = %v, want %v", fields, tc.fields)
			}
			for k, v := range tc.fields {
				if fields[k] != v {
					t.Errorf("field %s = %q, want %q", k, fields[k], v)
				}
			}
			if raw != tc.raw {
				t.Errorf("raw = %s, want %s", raw, tc.raw)
			}
		})
	}
}

func TestDecodeLimit(t *testing.T) {
	if _, _, err := decode(t, "/", "application/x-www-form-urlencoded", "a="+strings.Repeat("x", 1022)); err != nil {
		t.Fatalf("a body of exactly the limit was refused: %v", err)
	}
	_, _, err := decode(t, "/", "application/x-www-form-urlencoded", "a="+strings.Repeat("x", 1023))
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindTooLarge || e.Msg != "body larger than the 1 KiB limit" {
		t.Fatalf("err = %v, want too large", err)
	}
}

// FuzzDecode: no body, type or encoding makes decoding panic, and every
// refusal is a client error, never our failure.
func FuzzDecode(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "", "a=1&b=%2B2")
	f.Add("application/json", "", `{"a":"x","n":1}`)
	f.Add("multipart/form-data; boundary=B", "", "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--B--\r\n")
	f.Add("", "gzip", "\x1f\x8b\x08\x00")
	f.Add("text/plain; charset=\"", "br", "{")
	f.Fuzz(func(t *testing.T, ct, enc, body string) {
		req := httptest.NewRequest(http.MethodPost, "/?k=v", strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Content-Encoding", enc)
		in, err := Decoder{Limit: 4 << 10}.Decode(req, now)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || statusOf(e.Kind) >= 500 || statusOf(e.Kind) < 400 {
				t.Fatalf("refusal %v is not a client error", err)
			}
			return
		}
		if in.Fields == nil || len(in.Raw) == 0 {
			t.Fatalf("accepted input without fields or raw copy: %+v", in)
		}
	})
}
