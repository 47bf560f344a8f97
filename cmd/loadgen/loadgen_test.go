package main

import (
	"net/url"
	"regexp"
	"testing"
)

func TestAppendReport(t *testing.T) {
	phone := regexp.MustCompile(`^\+2547[23]\d{7}$`)
	seen := map[string]bool{}
	for seq := range uint64(1000) {
		v, err := url.ParseQuery(string(appendReport(nil, "r1", seq)))
		if err != nil {
			t.Fatal(err)
		}
		id := v.Get("id")
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
		if !phone.MatchString(v.Get("phoneNumber")) {
			t.Fatalf("seq %d: phone %q", seq, v.Get("phoneNumber"))
		}
		st, fr := v.Get("status"), v.Get("failureReason")
		if (st == "Failed" || st == "Rejected") != (fr != "") {
			t.Fatalf("seq %d: status %s failureReason %q", seq, st, fr)
		}
		if nc := v.Get("networkCode"); nc != "63902" && nc != "63903" {
			t.Fatalf("seq %d: networkCode %q", seq, nc)
		}
		if seq < 2 {
			t.Logf("%s", appendReport(nil, "r1", seq))
		}
	}
}

func TestCheckLoopbackURL(t *testing.T) {
	for u, ok := range map[string]bool{
		"http://127.0.0.1:8080/api/sms/delivery-reports": true,
		"http://127.1.2.3/x":                             true,
		"http://[::1]:8080/x":                            true,
		"http://localhost:8080/x":                        true,
		"https://LOCALHOST/x":                            true,
		"http://10.0.0.1/x":                              false,
		"http://0.0.0.0:8080/x":                          false,
		"http://example.com/x":                           false,
		"http://127.0.0.1.nip.io/":                       false,
		"http://[::ffff:8.8.8.8]/":                       false,
		"ftp://127.0.0.1/":                               false,
		"127.0.0.1:8080":                                 false,
	} {
		if err := checkLoopbackURL(u); (err == nil) != ok {
			t.Errorf("%s: err %v, want ok=%v", u, err, ok)
		}
	}
}
