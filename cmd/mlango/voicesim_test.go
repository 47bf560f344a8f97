package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// The golden files are rewritten with -update. ussd-sim's tests may define
// that flag in this package too; package variables are initialised before
// any init function runs, so this defines it only when nobody else has.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata")
	}
}

func voiceSimUpdate() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// voiceSimFake is a scripted gateway: a fixed answer per path (and digits),
// recording every request it gets.
type voiceSimFake struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
}

func newVoiceSimFake(t *testing.T) *voiceSimFake {
	f := &voiceSimFake{}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *voiceSimFake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.RequestURI()+" "+string(body))
	f.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	base := "http://" + r.Host
	xml := func(actions string) {
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Response>`+actions+`</Response>`)
	}
	if r.PostForm.Get("isActive") == "0" || r.URL.Path == "/api/voice/events" {
		io.WriteString(w, "OK")
		return
	}
	switch r.URL.Path {
	case "/api/voice/instruct":
		xml(`<Say>Welcome to Mlango.</Say>` +
			`<GetDigits numDigits="1" finishOnKey="#" timeout="10" callbackUrl="` + base + `/api/voice/step/menu?t=abc">` +
			`<Say voice="man">Press 1 for your balance, 2 for an agent, 3 to leave a message.</Say></GetDigits>` +
			`<Say>We did not get your input. Goodbye.</Say>`)
	case "/api/voice/step/menu":
		switch r.PostForm.Get("dtmfDigits") {
		case "1":
			xml(`<Redirect>` + base + `/api/voice/step/balance?t=def</Redirect>`)
		case "2":
			xml(`<Say>Connecting you.</Say><Dial phoneNumbers="+254711000222" record="true" maxDuration="60"/><Say>Nobody answered.</Say>`)
		case "3":
			xml(`<Record finishOnKey="#" maxLength="30" playBeep="true" callbackUrl="` + base + `/api/voice/step/recorded?t=ghi">` +
				`<Say>Leave a message after the beep.</Say></Record>`)
		case "4":
			xml(`<GetDigits callbackUrl="http://elsewhere.example/api/voice/step/menu"><Play url="https://cdn.example/menu.mp3"/></GetDigits>`)
		case "5":
			xml(`<say>lower case</say>`)
		default:
			xml(`<Play url="https://cdn.example/bye.mp3"/><Reject/>`)
		}
	case "/api/voice/step/balance": // no callbackUrl: digits go to the redirected URL
		xml(`<Say>Your balance is KES 120.</Say><GetDigits numDigits="1"><Say>Press 0 to hear it again.</Say></GetDigits><Say>Goodbye.</Say>`)
	case "/api/voice/step/recorded": // no callbackUrl: digits go to the Record's callbackUrl
		if r.PostForm.Get("dtmfDigits") == "1" {
			xml(`<Enqueue name="support" holdMusic="https://cdn.example/hold.mp3"/>`)
			return
		}
		xml(`<GetDigits><Say>Press 1 to queue for an agent.</Say></GetDigits>`)
	case "/api/voice/loop":
		xml(`<Redirect>` + base + `/api/voice/loop</Redirect>`)
	default:
		http.Error(w, "BAD: no such route", 400)
	}
}

// TestVoiceSimTranscripts plays calls against the scripted gateway and
// compares stdout, stderr, the exit status and every request the gateway
// got with testdata/voicesim-<name>.transcript.
func TestVoiceSimTranscripts(t *testing.T) {
	cases := []struct {
		name string
		args []string
		exit int
	}{
		{"balance", []string{"-digits", "1,0,"}, 0},         // Redirect, GetDigits to the current URL, no input falls through
		{"agent", []string{"-digits", "2"}, 0},              // Dial ends the call
		{"no-input", []string{"-digits", ""}, 0},            // falls through to the next action
		{"record", []string{"-digits", "3,1"}, 0},           // Record, then its callbackUrl is the current URL
		{"hangs-up", []string{"-digits", "1"}, 0},           // the script runs out at a prompt
		{"other-host", []string{"-digits", "4"}, 1},         // a callbackUrl on another host is refused
		{"invalid", []string{"-digits", "5"}, 1},            // invalid XML
		{"http-error", []string{"-url", "{gw}/nowhere"}, 1}, // a 400
		{"reject", []string{"-digits", "9", "-url", "{gw}/api/voice/instruct?key=s3cret", "-events-url", "{gw}/api/voice/events"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gw := newVoiceSimFake(t)
			args := []string{"-url", gw.URL + "/api/voice/instruct", "-session", "ATVId_sim"}
			for _, a := range c.args {
				args = append(args, strings.ReplaceAll(a, "{gw}", gw.URL))
			}
			var out, errs bytes.Buffer
			code := voiceSimCmd(context.Background(), args, strings.NewReader(""), &out, &errs)
			if code != c.exit {
				t.Errorf("exit %d, want %d; stderr: %s", code, c.exit, errs.String())
			}
			gw.mu.Lock()
			requests := strings.Join(gw.requests, "\n")
			gw.mu.Unlock()
			got := fmt.Sprintf("%s--- stderr\n%s--- exit %d\n--- requests the gateway got\n%s\n", out.String(), errs.String(), code, requests)
			got = strings.ReplaceAll(got, gw.URL, "http://gateway.test")
			got = strings.ReplaceAll(got, strings.TrimPrefix(gw.URL, "http://"), "gateway.test")
			got = strings.ReplaceAll(got, voiceSimFormURL(gw.URL), voiceSimFormURL("http://gateway.test"))
			voiceSimGolden(t, "voicesim-"+c.name+".transcript", got)
		})
	}
}

// voiceSimFormURL is how a URL appears inside a form-encoded body.
func voiceSimFormURL(s string) string {
	r := strings.NewReplacer(":", "%3A", "/", "%2F")
	return r.Replace(s)
}

func voiceSimGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if voiceSimUpdate() {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/mlango -run TestVoiceSim -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test ./cmd/mlango -run TestVoiceSim -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestVoiceSimLoop: a flow that redirects to itself is stopped after 50
// callbacks, and the call is still hung up.
func TestVoiceSimLoop(t *testing.T) {
	gw := newVoiceSimFake(t)
	var out, errs bytes.Buffer
	code := voiceSimCmd(context.Background(), []string{"-url", gw.URL + "/api/voice/loop", "-session", "ATVId_loop"}, strings.NewReader(""), &out, &errs)
	if code != 1 || !strings.Contains(errs.String(), "stopped after 50 callbacks") {
		t.Fatalf("exit %d, stderr %q", code, errs.String())
	}
	gw.mu.Lock()
	defer gw.mu.Unlock()
	live := 0
	for _, r := range gw.requests {
		if strings.Contains(r, "isActive=1") {
			live++
		}
	}
	if live != 50 || len(gw.requests) != 51 || !strings.Contains(gw.requests[50], "isActive=0") {
		t.Errorf("%d requests, %d live; last %q", len(gw.requests), live, gw.requests[len(gw.requests)-1])
	}
}

// TestVoiceSimPrompts reads digits from stdin when -digits is not given:
// an empty line is no input, a wrong key asks again, EOF hangs up.
func TestVoiceSimPrompts(t *testing.T) {
	gw := newVoiceSimFake(t)
	var out, errs bytes.Buffer
	code := voiceSimCmd(context.Background(), []string{"-url", gw.URL + "/api/voice/instruct", "-session", "ATVId_tty"},
		strings.NewReader("x\n1\n\n"), &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	for _, want := range []string{
		"  digits>   keys are 0-9, * and #; digits> 1\n",
		"POST " + gw.URL + "/api/voice/step/menu?t=abc isActive=1 dtmfDigits=1\n",
		"  digits> (none)\n(no input: next action)\nSay (woman): Goodbye.\n",
		"call ended\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
}

func TestVoiceSimFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-digits", "1,a"},
		{"-url", "ftp://gw/api/voice/instruct"},
		{"-url", "/api/voice/instruct"},
		{"-events-url", "gw"},
		{"-caller", ""},
		{"-timeout", "0s"},
		{"extra"},
		{"-nope"},
	} {
		var out, errs bytes.Buffer
		if code := voiceSimCmd(context.Background(), args, strings.NewReader(""), &out, &errs); code != 2 || errs.Len() == 0 {
			t.Errorf("%q: exit %d, stderr %q", args, code, errs.String())
		}
		if out.Len() != 0 {
			t.Errorf("%q: stdout %q", args, out.String())
		}
	}
}

// TestVoiceSimServe plays the default flow against the real gateway, run
// in-process as TestServe does: the welcome line, hang-up, and the final
// notification answered 200 on both voice routes.
func TestVoiceSimServe(t *testing.T) {
	vars := env(map[string]string{"MLANGO_HTTP_ADDR": "127.0.0.1:0", "MLANGO_DATA_DIR": t.TempDir(), "MLANGO_NATS_LISTEN": "none"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs, logErrs syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, nil, &logs, &logErrs, vars) }()
	addr := waitFor(t, &logs, regexp.MustCompile(`"addr":"([^"]+)".*mlango serving HTTP`))[1]

	var out, errs bytes.Buffer
	code := run(context.Background(), []string{"voice-sim", "-url", "http://" + addr + "/api/voice/instruct", "-session", "ATVId_voicesim",
		"-digits", "", "-events-url", "http://" + addr + "/api/voice/events"}, &out, &errs, vars)
	if code != 0 {
		t.Fatalf("voice-sim exit %d: %s\n%s", code, errs.String(), out.String())
	}
	transcript := strings.ReplaceAll(out.String(), addr, "gateway")
	t.Logf("transcript:\n%s", transcript)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^→ POST http://gateway/api/voice/instruct isActive=1\n← 200\n`),
		regexp.MustCompile(`(?m)^Say \(woman\): Welcome to the service\.`),
		regexp.MustCompile(`(?m)^→ POST http://gateway/api/voice/instruct isActive=0 .*\n← 200\n`),
		regexp.MustCompile(`(?m)^→ POST http://gateway/api/voice/events isActive=0 .*\n← 200\ncall ended\n\z`),
	} {
		if !want.MatchString(transcript) {
			t.Errorf("transcript does not match %s", want)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("gateway exit %d: %s", code, logErrs.String())
	}
}
