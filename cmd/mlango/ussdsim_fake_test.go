package main

import (
	"bytes"
	"context"
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

// fakeGateway records what the simulator sends and answers each session
// request with the next of its answers: "CON …" or "END …" bodies with a
// hop metadata label, or anything else verbatim.
type fakeGateway struct {
	mu       sync.Mutex
	answers  []fakeAnswer
	requests []*http.Request
	bodies   []string
	reports  []url.Values
}

type fakeAnswer struct {
	status         int
	body, metadata string
}

func newFakeGateway(t *testing.T, answers ...fakeAnswer) (*fakeGateway, *httptest.Server) {
	f := &fakeGateway{answers: answers}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv
}

// seen returns what arrived so far; the lock orders it after the handlers
// for the race detector, which cannot see through the socket.
func (f *fakeGateway) seen() ([]*http.Request, []string, []url.Values) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests, f.bodies, f.reports
}

func (f *fakeGateway) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.HasSuffix(r.URL.Path, "/status") {
		form, _ := url.ParseQuery(string(b))
		f.reports = append(f.reports, form)
		_, _ = io.WriteString(w, "OK")
		return
	}
	f.requests, f.bodies = append(f.requests, r), append(f.bodies, string(b))
	a := fakeAnswer{status: 200, body: "END out of answers"}
	if len(f.answers) > 0 {
		a, f.answers = f.answers[0], f.answers[1:]
	}
	if a.metadata != "" {
		w.Header().Set("at-ussd-hop-metadata", a.metadata)
	}
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

// TestUSSDSimSendsATRequests: AT's form in AT's field order with the
// cumulative text (a '*' the caller typed included), the previous hop's
// metadata echoed, the token kept, and AT's end-of-session report.
func TestUSSDSimSendsATRequests(t *testing.T) {
	f, srv := newFakeGateway(t,
		fakeAnswer{200, "CON Pick\n1. One", "first"},
		fakeAnswer{200, "CON Code?", "second"},
		fakeAnswer{200, "END Thanks", "third"})
	_, errs, code := simulate("", "-url", srv.URL+"/api/ussd/session?key=tok", "-session", "ATUid_x",
		"-inputs", "1,*5", "-end-report")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	requests, bodies, reports := f.seen()
	wantBodies := []string{
		"phoneNumber=%2B254711000111&serviceCode=%2A384%2A44135%23&text=&sessionId=ATUid_x&networkCode=63902",
		"phoneNumber=%2B254711000111&serviceCode=%2A384%2A44135%23&text=1&sessionId=ATUid_x&networkCode=63902",
		"phoneNumber=%2B254711000111&serviceCode=%2A384%2A44135%23&text=1%2A%2A5&sessionId=ATUid_x&networkCode=63902",
	}
	for i, want := range wantBodies {
		if bodies[i] != want {
			t.Errorf("hop %d body\n%s\nwant\n%s", i+1, bodies[i], want)
		}
		r := requests[i]
		echoed := []string{"", "first", "second"}[i]
		if r.URL.RawQuery != "key=tok" || r.Header.Get("at-ussd-hop-metadata") != echoed ||
			!strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			t.Errorf("hop %d: query %q, metadata %q, content type %q", i+1, r.URL.RawQuery, r.Header.Get("at-ussd-hop-metadata"), r.Header.Get("Content-Type"))
		}
	}
	if len(reports) != 1 {
		t.Fatalf("%d end-of-session reports", len(reports))
	}
	rep := reports[0]
	want := url.Values{"sessionId": {"ATUid_x"}, "serviceCode": {"*384*44135#"}, "networkCode": {"63902"},
		"phoneNumber": {"+254711000111"}, "status": {"Success"}, "hopsCount": {"3"},
		"hopsMetadata": {"first|second|third"}, "input": {"1**5"}, "lastAppResponse": {"END Thanks"}}
	for k, v := range want {
		if rep.Get(k) != v[0] {
			t.Errorf("report %s = %q, want %q", k, rep.Get(k), v[0])
		}
	}
	if !regexp.MustCompile(`^\d+$`).MatchString(rep.Get("durationInMillis")) ||
		!regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`).MatchString(rep.Get("date")) {
		t.Errorf("report duration %q, date %q", rep.Get("durationInMillis"), rep.Get("date"))
	}
}

// TestUSSDSimBadAnswers: what is not a screen ends the run with exit 1,
// says what came back, never shows the token, and (asked to) reports the
// session Failed as AT would.
func TestUSSDSimBadAnswers(t *testing.T) {
	cases := []struct {
		answer fakeAnswer
		says   string
	}{
		{fakeAnswer{200, "Hello", ""}, `answered "Hello", which starts with neither`},
		{fakeAnswer{200, " CON leading space", ""}, `answered " CON leading space"`},
		{fakeAnswer{500, "boom", ""}, `HTTP 500: "boom"`},
		{fakeAnswer{401, "END unauthorized", ""}, `HTTP 401: "END unauthorized"`},
	}
	for _, tc := range cases {
		f, srv := newFakeGateway(t, tc.answer)
		_, errs, code := simulate("", "-url", srv.URL+"/api/ussd/session?key=secret-token", "-end-report")
		if code != 1 || !strings.Contains(errs, tc.says) || strings.Contains(errs, "secret-token") {
			t.Errorf("answer %q: exit %d, stderr %s", tc.answer.body, code, errs)
		}
		if _, _, reports := f.seen(); len(reports) != 1 || reports[0].Get("status") != "Failed" || reports[0].Get("errorMessage") == "" {
			t.Errorf("answer %q: reports %v", tc.answer.body, reports)
		}
	}
}

// TestUSSDSimTalksOnlyToItsURL: a redirect is an answer, not followed; an
// unreachable gateway is exit 1 without the token in the message.
func TestUSSDSimTalksOnlyToItsURL(t *testing.T) {
	elsewhere, other := newFakeGateway(t)
	redirect := httptest.NewServer(http.RedirectHandler(other.URL+"/api/ussd/session", http.StatusTemporaryRedirect))
	defer redirect.Close()
	_, errs, code := simulate("", "-url", redirect.URL+"/api/ussd/session")
	if _, bodies, _ := elsewhere.seen(); code != 1 || !strings.Contains(errs, "HTTP 307") || len(bodies) != 0 {
		t.Errorf("redirect: exit %d, %d requests elsewhere, stderr %s", code, len(bodies), errs)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_, errs, code = simulate("", "-url", closed.URL+"/t/secret-token/api/ussd/session?key=secret-token", "-timeout", "2s")
	if code != 1 || !strings.Contains(errs, "POST http://") || strings.Contains(errs, "secret-token") {
		t.Errorf("unreachable: exit %d, stderr %s", code, errs)
	}
}

func TestUSSDSimBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-nope"},
		{"-inputs", "1", "-script", "x"},
		{"-url", "ftp://example.com/api/ussd/session"},
		{"-url", "http://127.0.0.1:8080/ussd", "-end-report"},
		{"-phone", ""},
		{"-budget", "0"},
		{"1*1"},
		{"-script", "/no/such/file"},
	} {
		if _, errs, code := simulate("", args...); code != 2 || errs == "" {
			t.Errorf("%q: exit %d, stderr %q", args, code, errs)
		}
	}
}

// promptWatcher cancels the session's context once the simulator prompts
// for the second time, as an interrupt at the terminal would.
type promptWatcher struct {
	bytes.Buffer
	prompts int
	cancel  context.CancelFunc
}

func (p *promptWatcher) Write(b []byte) (int, error) {
	if string(b) == "> " {
		if p.prompts++; p.prompts == 2 {
			p.cancel()
		}
	}
	return p.Buffer.Write(b)
}

// TestUSSDSimPrompts: at a terminal, each input is prompted for and not
// echoed again; an interrupt at the prompt is a hang-up.
func TestUSSDSimPrompts(t *testing.T) {
	f, srv := newFakeGateway(t, fakeAnswer{200, "CON Pick\n1. One", "a"}, fakeAnswer{200, "CON Next?", "b"})
	o := simOptions{url: srv.URL, code: "*1#", phone: "+1", network: "1", sid: "S", budget: 160, budgetUCS2: 70, timeout: 5 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &promptWatcher{cancel: cancel}
	stdin, typing := io.Pipe()
	defer typing.Close()
	go func() { _, _ = io.WriteString(typing, "1\n") }()
	code := newSim(o, out, io.Discard).dial(ctx, newPrompter(ctx, stdin, out))
	if code != simHungUp || out.prompts != 2 || strings.Contains(out.String(), "> 1") || !strings.HasSuffix(out.String(), "> \n= hung up\n") {
		t.Errorf("exit %d after %d prompts:\n%s", code, out.prompts, out.String())
	}
	if _, bodies, _ := f.seen(); len(bodies) != 2 || !strings.Contains(bodies[1], "&text=1&") {
		t.Errorf("requests %q", bodies)
	}
}

func TestScreenLength(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		ucs2 bool
	}{
		{"CON Hello", 9, false},
		{"END è@£", 7, false},
		{"END 1€ [x]", 13, false}, // extension characters count two
		{"END Karibu…", 11, true},
		{"END 😀", 6, true}, // a surrogate pair is two UTF-16 units
	} {
		if n, ucs2 := screenLength(tc.s); n != tc.n || ucs2 != tc.ucs2 {
			t.Errorf("screenLength(%q) = %d %v, want %d %v", tc.s, n, ucs2, tc.n, tc.ucs2)
		}
	}
	if got := screenStatus("CON "+strings.Repeat("x", 160), "", 160, 70); got != "  CON · 164/160, 4 over · GSM-7" {
		t.Errorf("over budget: %q", got)
	}
	if got := screenStatus("END Asante…", "m", 160, 70); got != "  END · 11/70 · UCS-2 · screen m" {
		t.Errorf("UCS-2: %q", got)
	}
}
