package console

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// fakeGateway stands in for the gateway's router: it records what the
// console dispatched and answers as the real routes do.
type fakeGateway struct {
	*echo.Echo
	got   []*http.Request
	forms []string
}

func newFakeGateway() *fakeGateway {
	g := &fakeGateway{Echo: echo.New()}
	record := func(c echo.Context) string {
		b, _ := io.ReadAll(c.Request().Body)
		g.got, g.forms = append(g.got, c.Request()), append(g.forms, string(b))
		return string(b)
	}
	g.POST(ussdSessionPath, func(c echo.Context) error {
		record(c)
		c.Response().Header().Set(hopMetadata, "main")
		return c.String(http.StatusOK, "CON What would you want to check\n1. My Account\n2. My phone number")
	})
	g.POST(ussdStatusPath, func(c echo.Context) error { record(c); return c.String(http.StatusOK, "OK") })
	g.POST("/api/voice/instruct", func(c echo.Context) error {
		record(c)
		if c.QueryParam("key") != "s3cret" {
			return c.String(http.StatusUnauthorized, "missing or wrong token")
		}
		return c.String(http.StatusOK, `<?xml version="1.0" encoding="UTF-8"?><Response><Say>Welcome.</Say>`+
			`<GetDigits numDigits="1" timeout="10" callbackUrl="https://gw.example.com/api/voice/step/menu?t=abc&amp;key=s3cret">`+
			`<Say voice="woman">Press 1.</Say></GetDigits><Redirect>https://gw.example.com/t/s3cret/api/voice/step/menu?t=abc&amp;e=noinput</Redirect></Response>`)
	})
	return g
}

func newConsole(t *testing.T, o Options) (*fakeGateway, *echo.Echo) {
	t.Helper()
	g := newFakeGateway()
	o.Routes = g
	e := echo.New()
	Register(e, o)
	return g, e
}

func call(e http.Handler, method, target, body string, mod func(*http.Request)) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.RemoteAddr, req.Host = "127.0.0.1:50000", "127.0.0.1:8080"
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if mod != nil {
		mod(req)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func TestGuard(t *testing.T) {
	cases := []struct {
		name   string
		allow  []netip.Prefix
		method string
		mod    func(*http.Request)
		want   int
	}{
		{"loopback", nil, http.MethodGet, nil, 200},
		{"IPv6 loopback", nil, http.MethodGet, func(r *http.Request) { r.RemoteAddr, r.Host = "[::1]:5000", "[::1]:8080" }, 200},
		{"localhost", nil, http.MethodGet, func(r *http.Request) { r.Host = "localhost:8080" }, 200},
		{"remote client", nil, http.MethodGet, func(r *http.Request) { r.RemoteAddr = "192.0.2.7:5000" }, 403},
		{"forwarded header ignored", nil, http.MethodGet, func(r *http.Request) {
			r.RemoteAddr = "192.0.2.7:5000"
			r.Header.Set("X-Forwarded-For", "127.0.0.1")
		}, 403},
		{"allowed network", []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}, http.MethodGet, func(r *http.Request) {
			r.RemoteAddr, r.Host = "192.0.2.7:5000", "gw.internal:8080"
		}, 200},
		{"loopback not listed", []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}, http.MethodGet, nil, 403},
		{"rebinding host", nil, http.MethodGet, func(r *http.Request) { r.Host = "evil.example:8080" }, 403},
		{"form post", nil, http.MethodPost, func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }, 403},
		{"other origin", nil, http.MethodPost, func(r *http.Request) { r.Header.Set("Origin", "http://evil.example") }, 403},
		{"same origin", nil, http.MethodPost, func(r *http.Request) { r.Header.Set("Origin", "http://127.0.0.1:8080") }, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, e := newConsole(t, Options{Allow: tc.allow})
			target, body := "/console", ""
			if tc.method == http.MethodPost {
				target, body = "/console/api/ussd/hop", `{"sessionId":"ATUid_1"}`
			}
			if rec := call(e, tc.method, target, body, tc.mod); rec.Code != tc.want {
				t.Errorf("%s %s = %d %q; want %d", tc.method, target, rec.Code, rec.Body.String(), tc.want)
			}
		})
	}
}

func TestPageAndAssets(t *testing.T) {
	_, e := newConsole(t, Options{})
	rec := call(e, http.MethodGet, "/console", "", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="ussd-screen"`) {
		t.Fatalf("GET /console = %d %.200q", rec.Code, rec.Body.String())
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	for _, asset := range []string{"console.js", "console.css"} {
		if rec := call(e, http.MethodGet, "/console/static/"+asset, "", nil); rec.Code != 200 || rec.Body.Len() == 0 {
			t.Errorf("GET %s = %d", asset, rec.Code)
		}
	}
}

func TestUSSDHopIsAnATForm(t *testing.T) {
	g, e := newConsole(t, Options{Key: "s3cret", Budget: 182, BudgetUCS2: 70, BudgetByNetwork: map[string]int{"63903": 160}})
	rec := call(e, http.MethodPost, "/console/api/ussd/hop",
		`{"sessionId":"ATUid_1","serviceCode":"*384*44135#","phoneNumber":"+254711000111","networkCode":"63903","text":"1*2","metadata":"account"}`, nil)
	var a ussdHopAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || rec.Code != 200 {
		t.Fatalf("answer %d %s: %v", rec.Code, rec.Body.String(), err)
	}
	want := ussdHopAnswer{Status: 200, Body: "CON What would you want to check\n1. My Account\n2. My phone number", Kind: "CON",
		Screen: "What would you want to check\n1. My Account\n2. My phone number", Metadata: "main", Length: 65, Budget: 160, Encoding: "GSM-7"}
	if a != want {
		t.Errorf("answer\n got %+v\nwant %+v", a, want)
	}
	if len(g.got) != 1 {
		t.Fatalf("%d requests dispatched", len(g.got))
	}
	r := g.got[0]
	if r.URL.Query().Get("key") != "s3cret" || r.Header.Get(hopMetadata) != "account" || r.RemoteAddr != "127.0.0.1:50000" {
		t.Errorf("dispatched %s with metadata %q from %s", r.URL, r.Header.Get(hopMetadata), r.RemoteAddr)
	}
	if wantForm := "phoneNumber=%2B254711000111&serviceCode=%2A384%2A44135%23&text=1%2A2&sessionId=ATUid_1&networkCode=63903"; g.forms[0] != wantForm {
		t.Errorf("form\n got %s\nwant %s", g.forms[0], wantForm)
	}
}

func TestUSSDEndReport(t *testing.T) {
	g, e := newConsole(t, Options{})
	rec := call(e, http.MethodPost, "/console/api/ussd/end",
		`{"sessionId":"ATUid_1","serviceCode":"*384#","phoneNumber":"+254711000111","networkCode":"63902","date":"2026-03-04 10:31:00",`+
			`"status":"Success","hopsCount":3,"durationInMillis":4200,"input":"1*1","lastAppResponse":"END Bye","hopsMetadata":"main|account|account_number"}`, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"status":200`) {
		t.Fatalf("answer %d %s", rec.Code, rec.Body.String())
	}
	want := "date=2026-03-04+10%3A31%3A00&sessionId=ATUid_1&serviceCode=%2A384%23&networkCode=63902&phoneNumber=%2B254711000111" +
		"&status=Success&durationInMillis=4200&hopsCount=3&hopsMetadata=main%7Caccount%7Caccount_number&input=1%2A1&lastAppResponse=END+Bye"
	if g.forms[0] != want {
		t.Errorf("form\n got %s\nwant %s", g.forms[0], want)
	}
}

func TestVoiceActions(t *testing.T) {
	g, e := newConsole(t, Options{Key: "s3cret"})
	rec := call(e, http.MethodPost, "/console/api/voice",
		`{"sessionId":"ATVId_1","callerNumber":"+254711000111","destinationNumber":"+254711082000","active":true}`, nil)
	var a voiceAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || a.Status != 200 {
		t.Fatalf("answer %d %s: %v", rec.Code, rec.Body.String(), err)
	}
	if strings.Contains(rec.Body.String(), "s3cret") {
		t.Errorf("the route token reached the page: %s", rec.Body.String())
	}
	if len(a.Actions) != 3 {
		t.Fatalf("actions = %+v", a.Actions)
	}
	say, get, redirect := a.Actions[0], a.Actions[1], a.Actions[2]
	if say.Tag != "Say" || say.Text != "Welcome." {
		t.Errorf("first action %+v", say)
	}
	if get.Tag != "GetDigits" || get.Next != "/api/voice/step/menu?t=abc" || get.Prompt == nil || get.Prompt.Text != "Press 1." || get.Attrs["numDigits"] != "1" {
		t.Errorf("GetDigits %+v (prompt %+v)", get, get.Prompt)
	}
	if redirect.Tag != "Redirect" || redirect.Next != "/api/voice/step/menu?e=noinput&t=abc" {
		t.Errorf("Redirect %+v", redirect)
	}
	if !strings.HasPrefix(g.forms[0], "isActive=1&sessionId=ATVId_1&direction=Inbound&callerNumber=%2B254711000111") {
		t.Errorf("form %s", g.forms[0])
	}
	rec = call(e, http.MethodPost, "/console/api/voice", `{"path":"/api/sms/twoway","active":true}`, nil)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("a path outside /api/voice/ was dispatched: %d", rec.Code)
	}
	call(e, http.MethodPost, "/console/api/voice", `{"sessionId":"ATVId_1","active":false,"durationInSeconds":30}`, nil)
	if last := g.forms[len(g.forms)-1]; !strings.Contains(last, "isActive=0") || !strings.Contains(last, "durationInSeconds=30") || !strings.Contains(last, "amount=1.00") {
		t.Errorf("final notification %s", last)
	}
}

func TestScreenLength(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		ucs2 bool
	}{
		{"CON Hello", 9, false},
		{"END a{b}€", 12, false},
		{"END Habari — karibu", 19, true},
		{"END 👋", 6, true},
	} {
		if n, ucs2 := screenLength(tc.s); n != tc.n || ucs2 != tc.ucs2 {
			t.Errorf("screenLength(%q) = %d, %v; want %d, %v", tc.s, n, ucs2, tc.n, tc.ucs2)
		}
	}
}

// chanFeed is a Feed fed by the test.
type chanFeed struct {
	ch      chan Event
	stopped chan struct{}
}

func (f *chanFeed) Next(ctx context.Context) (Event, error) {
	select {
	case ev := <-f.ch:
		return ev, nil
	case <-ctx.Done():
		return Event{}, ctx.Err()
	}
}

func (f *chanFeed) Stop() { close(f.stopped) }

// TestEventStream reads the stream from a real HTTP server: ready, then
// the events, and it ends on shutdown (Stop) and when the client leaves.
func TestEventStream(t *testing.T) {
	for _, end := range []string{"shutdown", "client gone"} {
		t.Run(end, func(t *testing.T) {
			feed := &chanFeed{ch: make(chan Event), stopped: make(chan struct{})}
			stop := make(chan struct{})
			_, e := newConsole(t, Options{Stop: stop, Events: func(context.Context) (Feed, error) { return feed, nil }})
			srv := httptest.NewServer(e)
			defer srv.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/console/api/events", nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
				t.Errorf("Content-Type = %q", ct)
			}
			lines := bufio.NewReader(resp.Body)
			expect := func(want string) {
				t.Helper()
				for {
					l, err := lines.ReadString('\n')
					if err != nil {
						t.Fatalf("stream ended before %q: %v", want, err)
					}
					if strings.HasPrefix(l, "data:") {
						if got := strings.TrimSpace(strings.TrimPrefix(l, "data:")); got != want {
							t.Fatalf("data %s; want %s", got, want)
						}
						return
					}
				}
			}
			expect(`{}`)
			feed.ch <- Event{Subject: "telecom.africastalking.ussd.input", Data: []byte("{\n  \"id\": \"e1\"\n}")}
			expect(`{"subject":"telecom.africastalking.ussd.input","event":{"id":"e1"}}`)
			if end == "shutdown" {
				close(stop)
				if _, err := io.ReadAll(lines); err != nil && !errors.Is(err, io.EOF) {
					t.Errorf("after shutdown: %v", err)
				}
			} else {
				cancel()
			}
			<-feed.stopped // the handler returned and stopped its feed
		})
	}
}
