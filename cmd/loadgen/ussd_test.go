package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAppendHop(t *testing.T) {
	phone := regexp.MustCompile(`^\+2547[23]\d{7}$`)
	seen := map[string]bool{}
	for seq := range uint64(200) {
		var id string
		for i, h := range demoHops {
			v, err := url.ParseQuery(string(appendHop(nil, "r1", seq, h.text)))
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				id = v.Get("sessionId")
				if seen[id] {
					t.Fatalf("seq %d: session id %s used before", seq, id)
				}
				seen[id] = true
			}
			if v.Get("sessionId") != id {
				t.Fatalf("seq %d hop %d: session id %q, want %q", seq, i, v.Get("sessionId"), id)
			}
			if want := []string{"", "1", "1*1"}[i]; v.Get("text") != want || !v.Has("text") {
				t.Fatalf("seq %d hop %d: text %q, want %q", seq, i, v.Get("text"), want)
			}
			if v.Get("serviceCode") != "*384*44135#" {
				t.Fatalf("serviceCode %q", v.Get("serviceCode"))
			}
			if !phone.MatchString(v.Get("phoneNumber")) {
				t.Fatalf("seq %d: phone %q", seq, v.Get("phoneNumber"))
			}
			if nc := v.Get("networkCode"); nc != "63902" && nc != "63903" {
				t.Fatalf("seq %d: networkCode %q", seq, nc)
			}
			if len(v) != 5 {
				t.Fatalf("fields %v, want Africa's Talking's five", v)
			}
		}
	}
	t.Logf("%s", appendHop(nil, "r1", 0, demoHops[2].text))
}

func TestCheckScreen(t *testing.T) {
	for _, tc := range []struct {
		hop    int
		answer string
		ok     bool
	}{
		{0, "CON What would you want to check\n1. My Account", true},
		{1, "CON Choose", true},
		{2, demoEnd, true},
		{0, "END Invalid choice", false},
		{2, "CON What would you want to check", false},
		{2, "END Your account number is ACC1002", false},
		{2, demoEnd + " ", false},
		{0, "OK", false},
		{0, "", false},
		{1, "con lower case", false},
		{0, strings.Repeat("é", 100), false},
	} {
		got := checkScreen(tc.hop, demoHops[tc.hop].end, []byte(tc.answer))
		if (got == "") != tc.ok {
			t.Errorf("hop %d %q: %q, want ok=%v", tc.hop+1, tc.answer, got, tc.ok)
		}
		if len(got) > 200 {
			t.Errorf("description too long: %q", got)
		}
	}
}

// demoServer is a stateful stand-in for the gateway's demo menu that
// records the texts each session sent, in order.
type demoServer struct {
	mu    sync.Mutex
	texts map[string][]string
	// lastScreen answers the final hop.
	lastScreen string
}

func (d *demoServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/ussd/session" || r.ParseForm() != nil {
		http.Error(w, "END bad request", http.StatusBadRequest)
		return
	}
	id, text := r.PostForm.Get("sessionId"), r.PostForm.Get("text")
	d.mu.Lock()
	d.texts[id] = append(d.texts[id], text)
	d.mu.Unlock()
	switch text {
	case "":
		io.WriteString(w, "CON What would you want to check\n1. My Account\n2. My phone number")
	case "1":
		io.WriteString(w, "CON Choose account information you want to view\n1. Account number")
	default:
		io.WriteString(w, d.lastScreen)
	}
}

func ussdConfig(url string, n, warmup int) config {
	return config{url: url, c: 4, ussd: true, sessions: 4, n: n, warmup: warmup,
		d: 30 * time.Second, timeout: 5 * time.Second, run: "test"}
}

// TestUSSDRun: every measured and warm-up session is whole, in order,
// with its own id, and the counts add up.
func TestUSSDRun(t *testing.T) {
	d := &demoServer{texts: map[string][]string{}, lastScreen: demoEnd}
	srv := httptest.NewServer(d) // listens on 127.0.0.1
	defer srv.Close()

	res := runLoad(ussdConfig(srv.URL+"/api/ussd/session", 301, 31)) // 100 and 10 whole sessions
	if res.Mode != "ussd" || res.Requests != 300 || res.OK != 300 || res.Sessions != 100 || res.SessionsOK != 100 ||
		res.NotOK() != 0 || res.WarmupNotOK != 0 || res.StoppedBy != "n" || !res.ok() {
		t.Fatalf("result %+v", res)
	}
	if res.P99Ms <= 0 || res.SessionsPerSec <= 0 || res.RPS < res.SessionsPerSec {
		t.Fatalf("latency or rates missing: %+v", res)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.texts) != 110 {
		t.Fatalf("%d sessions reached the server, want 110 (10 warm-up, 100 measured)", len(d.texts))
	}
	for id, texts := range d.texts {
		if !strings.HasPrefix(id, "ATUid_test_") || strings.Join(texts, "|") != "|1|1*1" {
			t.Fatalf("session %s sent %q", id, texts)
		}
	}
	var b strings.Builder
	res.printSummary(&b)
	line := b.String()
	for _, kv := range []string{"requests=300 ", "ok=300 ", " mode=ussd sessions=100 sessions_ok=100 ", "bad_answers=0\n"} {
		if !strings.Contains(line, kv) {
			t.Errorf("summary lacks %q: %s", kv, line)
		}
	}
	if strings.Count(line, "\n") != 1 {
		t.Errorf("summary is not one line: %q", line)
	}
}

// TestUSSDWrongScreen: a 200 with the wrong last screen is a failure.
func TestUSSDWrongScreen(t *testing.T) {
	d := &demoServer{texts: map[string][]string{}, lastScreen: "END Invalid choice"}
	srv := httptest.NewServer(d)
	defer srv.Close()
	res := runLoad(ussdConfig(srv.URL+"/api/ussd/session", 30, 0))
	if res.Sessions != 10 || res.OK != 20 || res.BadAnswers != 10 || res.SessionsOK != 0 || res.ok() {
		t.Fatalf("result %+v", res)
	}
	if len(res.BadAnswerKinds) != 1 {
		t.Fatalf("kinds %v", res.BadAnswerKinds)
	}
}

// TestDeliveryRun: the default mode still sends -n unique reports.
func TestDeliveryRun(t *testing.T) {
	var mu sync.Mutex
	ids := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		mu.Lock()
		ids[r.PostForm.Get("id")]++
		mu.Unlock()
		io.WriteString(w, "OK")
	}))
	defer srv.Close()
	res := runLoad(config{url: srv.URL, c: 4, n: 50, warmup: 7, d: 30 * time.Second, timeout: 5 * time.Second, run: "t"})
	if res.Mode != "deliveries" || res.Requests != 50 || res.OK != 50 || !res.ok() || res.Sessions != 0 {
		t.Fatalf("result %+v", res)
	}
	if len(ids) != 57 {
		t.Fatalf("%d distinct ids, want 57", len(ids))
	}
}

func TestParseArgs(t *testing.T) {
	cfg, out, _, err := parseArgs([]string{"-ussd", "-summary", "-n", "90"}, io.Discard)
	if err != nil || !cfg.ussd || cfg.c != 32 || cfg.url != defaultUSSDURL || out != outSummary || cfg.n != 90 {
		t.Fatalf("-ussd: %+v %v %v", cfg, out, err)
	}
	cfg, _, _, err = parseArgs([]string{"-ussd", "-sessions", "8", "-url", "http://127.0.0.1:9/x"}, io.Discard)
	if err != nil || cfg.c != 8 || cfg.url != "http://127.0.0.1:9/x" {
		t.Fatalf("-sessions 8: %+v %v", cfg, err)
	}
	cfg, _, _, err = parseArgs(nil, io.Discard)
	if err != nil || cfg.ussd || cfg.c != 64 || cfg.url != defaultURL {
		t.Fatalf("defaults: %+v %v", cfg, err)
	}
	for _, args := range [][]string{
		{"-ussd", "-c", "8"},
		{"-sessions", "8"},
		{"-ussd", "-n", "2"},
		{"-ussd", "-sessions", "0"},
		{"-ussd", "-url", "http://10.0.0.1/api/ussd/session"},
		{"-json", "-summary"},
		{"-nope"},
		{"extra"},
	} {
		if _, _, _, err := parseArgs(args, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
