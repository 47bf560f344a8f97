package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newClock() *clock { return &clock{t: time.Date(2026, 3, 4, 10, 31, 0, 0, time.UTC)} }

func kindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

func request(target, remote string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, nil)
	r.RemoteAddr = remote
	return r
}

func TestGuardToken(t *testing.T) {
	g := Guard{Tokens: []string{"old-token", "s3cret-token"}}
	cases := []struct {
		target    string
		ok        bool
		wantQuery string
	}{
		{"/api/sms/delivery-reports?key=s3cret-token", true, ""},
		{"/api/sms/delivery-reports?a=1&key=old-token&b=2", true, "a=1&b=2"},
		{"/t/s3cret-token/api/sms/delivery-reports?a=1", true, "a=1"},
		{"/t/wrong/api/sms/delivery-reports?key=s3cret-token", true, ""},
		{"/api/sms/delivery-reports", false, ""},
		{"/api/sms/delivery-reports?key=", false, ""},
		{"/api/sms/delivery-reports?key=s3cret-token-", false, ""},
		{"/api/sms/delivery-reports?key=S3CRET-TOKEN", false, ""},
		{"/t/s3cret/api/sms/delivery-reports", false, ""},
		{"/api/t/s3cret-token/sms", false, ""},
	}
	for _, tc := range cases {
		r := request(tc.target, "192.0.2.1:1234")
		err := g.Check(r, nil)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok=%v", tc.target, err, tc.ok)
		}
		if err != nil && (kindOf(err) != KindUnauthorized || err.Error() != "missing or wrong token") {
			t.Errorf("%s: err = %v", tc.target, err)
		}
		if r.URL.Query().Has("key") {
			t.Errorf("%s: key left in the query: %q", tc.target, r.URL.RawQuery)
		}
		if tc.ok && r.URL.RawQuery != tc.wantQuery {
			t.Errorf("%s: query = %q, want %q", tc.target, r.URL.RawQuery, tc.wantQuery)
		}
	}
	if err := (Guard{}).Check(request("/x?key=k", "192.0.2.1:1"), nil); err != nil {
		t.Errorf("the zero guard refused: %v", err)
	}
}

func TestGuardAllowList(t *testing.T) {
	g := Guard{Allow: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::/32")}}
	for remote, ok := range map[string]bool{
		"192.0.2.200:5000":        true,
		"[::ffff:192.0.2.7]:5000": true, // IPv4-mapped, as dual-stack listeners report it
		"[2001:db8::1]:443":       true,
		"198.51.100.1:5000":       false,
		"[2001:db9::1]:443":       false,
		"garbage":                 false,
	} {
		err := g.Check(request("/x", remote), nil)
		if (err == nil) != ok || (err != nil && err.Error() != "source address not allowed") {
			t.Errorf("%s: err = %v, want ok=%v", remote, err, ok)
		}
	}
}

func TestSourcesAddr(t *testing.T) {
	s := NewSources(SourcesOptions{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	cases := []struct {
		remote string
		xff    []string
		want   string
	}{
		{"203.0.113.9:1", []string{"198.51.100.1"}, "203.0.113.9"}, // an untrusted peer's header is ignored
		{"10.0.0.2:1", []string{"198.51.100.1"}, "198.51.100.1"},
		{"10.0.0.2:1", []string{"6.6.6.6, 198.51.100.1, 10.0.0.3"}, "198.51.100.1"}, // the client wrote 6.6.6.6
		{"10.0.0.2:1", []string{"6.6.6.6", "198.51.100.1"}, "198.51.100.1"},
		{"10.0.0.2:1", []string{"10.0.0.4"}, "10.0.0.4"},
		{"10.0.0.2:1", []string{"198.51.100.1, nonsense"}, "10.0.0.2"},
		{"10.0.0.2:1", nil, "10.0.0.2"},
	}
	for _, tc := range cases {
		r := request("/x", tc.remote)
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := s.Addr(r); got.String() != tc.want {
			t.Errorf("%s %v: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}

func TestSourcesLimitFailures(t *testing.T) {
	c := newClock()
	s := NewSources(SourcesOptions{FailureLimit: 3, FailureWindow: time.Minute, Now: c.now})
	a, b := netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("198.51.100.2")
	for i := 0; i < 3; i++ {
		if s.Blocked(a) {
			t.Fatalf("blocked after %d failures, limit 3", i)
		}
		s.Failed(a)
	}
	if !s.Blocked(a) || s.Blocked(b) {
		t.Fatalf("after 3 failures: a blocked %v, b blocked %v", s.Blocked(a), s.Blocked(b))
	}
	c.advance(19 * time.Second)
	if !s.Blocked(a) {
		t.Fatal("unblocked before one failure was forgiven (20s at 3/min)")
	}
	c.advance(time.Second)
	if s.Blocked(a) {
		t.Fatal("still blocked once a failure was forgiven")
	}
	s.Failed(a)
	if !s.Blocked(a) {
		t.Fatal("a forgiven failure bought more than one attempt")
	}
	c.advance(time.Hour)
	if s.Blocked(a) {
		t.Fatal("blocked an hour later")
	}
}

func TestSourcesIPv6Block(t *testing.T) {
	s := NewSources(SourcesOptions{FailureLimit: 1, FailureWindow: time.Minute, Now: newClock().now})
	s.Failed(netip.MustParseAddr("2001:db8:1:2::1"))
	if !s.Blocked(netip.MustParseAddr("2001:db8:1:2:ffff::9")) {
		t.Error("another address of the same /64 is not blocked")
	}
	if s.Blocked(netip.MustParseAddr("2001:db8:1:3::1")) {
		t.Error("the next /64 is blocked")
	}
}

func TestSourcesBoundedMemory(t *testing.T) {
	c := newClock()
	s := NewSources(SourcesOptions{FailureLimit: 1, FailureWindow: time.Minute, MaxTracked: 8, Now: c.now})
	for i := 0; i < 1000; i++ {
		s.Failed(netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)}))
		if len(s.seen) > 8 {
			t.Fatalf("%d sources remembered, bound 8", len(s.seen))
		}
	}
	last := netip.AddrFrom4([4]byte{198, 51, 3, 231})
	if !s.Blocked(last) {
		t.Error("the latest failing source was forgotten")
	}
	c.advance(time.Minute)
	s.Failed(netip.MustParseAddr("203.0.113.1"))
	if len(s.seen) != 1 {
		t.Errorf("forgiven sources were kept: %d remembered", len(s.seen))
	}
}

func TestSourcesDisabled(t *testing.T) {
	var nilSources *Sources
	for _, s := range []*Sources{nilSources, NewSources(SourcesOptions{}), NewSources(SourcesOptions{FailureLimit: 5})} {
		a := netip.MustParseAddr("198.51.100.1")
		for i := 0; i < 100; i++ {
			s.Failed(a)
		}
		if s.Blocked(a) {
			t.Errorf("%+v: limiting while disabled", s)
		}
	}
}

// TestGuardCharges: a wrong token counts against the source, a right one
// does not, and a source out of failures is refused even with the right
// token, so guessing costs time.
func TestGuardCharges(t *testing.T) {
	c := newClock()
	g := Guard{Tokens: []string{"tok"}, Sources: NewSources(SourcesOptions{FailureLimit: 2, FailureWindow: time.Minute, Now: c.now})}
	try := func(key, remote string) Kind { return kindOf(g.Check(request("/x?key="+key, remote), nil)) }
	for i := 0; i < 50; i++ {
		if k := try("tok", "192.0.2.1:1"); k != 0 {
			t.Fatalf("genuine request %d refused: kind %d", i, k)
		}
	}
	if try("guess1", "192.0.2.9:1") != KindUnauthorized || try("guess2", "192.0.2.9:1") != KindUnauthorized {
		t.Fatal("wrong tokens not refused with 401")
	}
	if k := try("tok", "192.0.2.9:1"); k != KindTooManyRequests {
		t.Fatalf("an exhausted source got kind %d, want 429", k)
	}
	if k := try("tok", "192.0.2.1:1"); k != 0 {
		t.Fatalf("another source was limited: kind %d", k)
	}
	c.advance(30 * time.Second)
	if k := try("tok", "192.0.2.9:1"); k != 0 {
		t.Fatalf("not admitted after a failure was forgiven: kind %d", k)
	}
}

func TestGuarded(t *testing.T) {
	called := 0
	p := Provider{Name: "p", Routes: []Route{
		{Path: "/a", OK: "OK"},
		{Path: "/b", Custom: func(string, Deps) echo.HandlerFunc { return func(echo.Context) error { called++; return nil } }},
	}}
	g := Guarded(p, Guard{Tokens: []string{"tok"}})
	var paths []string
	for _, rt := range g.Routes {
		paths = append(paths, rt.Path)
	}
	if fmt.Sprint(paths) != "[/a /t/:token/a /b /t/:token/b]" {
		t.Fatalf("paths = %v", paths)
	}
	if err := g.Routes[0].Auth(request("/a", "192.0.2.1:1"), nil); kindOf(err) != KindUnauthorized {
		t.Errorf("notification route not guarded: %v", err)
	}
	e := echo.New()
	custom := g.Routes[2].Custom("p", Deps{})
	if err := custom(e.NewContext(request("/b", "192.0.2.1:1"), httptest.NewRecorder())); kindOf(err) != KindUnauthorized || called != 0 {
		t.Errorf("custom route not guarded: %v, handler called %d times", err, called)
	}
	if err := custom(e.NewContext(request("/b?key=tok", "192.0.2.1:1"), httptest.NewRecorder())); err != nil || called != 1 {
		t.Errorf("custom route with its token: %v, handler called %d times", err, called)
	}
	if len(Guarded(p, Guard{}).Routes) != 2 {
		t.Error("a guard without tokens added routes")
	}
}
