// Package console serves Mlango's web console at /console: a phone
// simulator that dials USSD menus and calls voice flows through the
// gateway's own routes, and a live feed of the events as they are stored.
//
// The page is plain HTML, CSS and JavaScript embedded in the binary. Every
// hop the page makes is an Africa's Talking form body dispatched in-process
// through the gateway's router (Options.Routes), so the guard, the engines,
// the session state in NATS and the published events are the real ones.
// The feed reads from a small EventSource that cmd backs with a JetStream
// consumer.
//
// It must not import publish, gateway, config or cmd.
package console

import (
	"context"
	"embed"
	"io/fs"
	"net/http"
	"net/netip"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"
)

//go:embed static
var static embed.FS

// Options is what the console is built from.
type Options struct {
	// Allow lists the client networks the console is served to; empty
	// serves loopback clients only. Others get 403.
	Allow []netip.Prefix
	// Routes is the gateway's router: the console's hops are dispatched
	// through it in-process, exactly as a provider's callbacks are.
	Routes http.Handler
	// Key, when set, is added to every dispatched hop as ?key=, so hops
	// pass the Africa's Talking guard; it never reaches the page.
	Key string
	// Events opens the live feed; nil serves no feed.
	Events EventSource
	// Budget and BudgetUCS2 are the USSD screen budgets (prefix included)
	// the simulator measures screens against; BudgetByNetwork overrides
	// Budget per network code.
	Budget, BudgetUCS2 int
	BudgetByNetwork    map[string]int
	// Stop, when closed, ends every open event stream (shutdown).
	Stop <-chan struct{}
	Log  zerolog.Logger
}

// Register adds the console's routes to e: the page, its assets, the
// simulator's hop endpoints and the event stream, all behind the client
// address check.
func Register(e *echo.Echo, o Options) {
	if o.Budget == 0 {
		o.Budget, o.BudgetUCS2 = 160, 70
	}
	assets, _ := fs.Sub(static, "static") // the directory is embedded above
	files := http.StripPrefix("/console/static/", http.FileServer(http.FS(assets)))
	g := e.Group("/console", o.guard)
	g.GET("", func(c echo.Context) error { return page(c, assets) })
	g.GET("/", func(c echo.Context) error { return page(c, assets) })
	g.GET("/static/*", echo.WrapHandler(files))
	g.POST("/api/ussd/hop", o.ussdHop)
	g.POST("/api/ussd/end", o.ussdEnd)
	g.POST("/api/voice", o.voice)
	g.GET("/api/events", o.events)
}

// securityHeaders keep the page to its own origin: no framing, no scripts
// or connections elsewhere.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

func page(c echo.Context, assets fs.FS) error {
	b, err := fs.ReadFile(assets, "index.html")
	if err != nil {
		return err
	}
	securityHeaders(c.Response().Header())
	return c.HTMLBlob(http.StatusOK, b)
}

// guard serves the console only to allowed clients (loopback by default).
// The address is the connection's: X-Forwarded-For is not trusted here.
// For loopback clients the Host must be a loopback name or an address,
// so a web page on a rebinding domain cannot reach the console through
// the browser; API calls must be same-origin JSON, which a page elsewhere
// cannot send without a preflight the console never answers.
func (o Options) guard(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		addr, ok := remoteAddr(r)
		if !ok || !o.allowed(addr) {
			return c.String(http.StatusForbidden, "console: not served to this address (console.allow_cidrs)")
		}
		if addr.IsLoopback() && !loopbackHost(r.Host) {
			return c.String(http.StatusForbidden, "console: open it as http://127.0.0.1:<port>/console or http://localhost:<port>/console")
		}
		if r.Method != http.MethodGet && !sameOrigin(r) {
			return c.String(http.StatusForbidden, "console: API calls must be same-origin JSON")
		}
		return next(c)
	}
}

func (o Options) allowed(a netip.Addr) bool {
	if len(o.Allow) == 0 {
		return a.IsLoopback()
	}
	for _, p := range o.Allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func remoteAddr(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

// loopbackHost accepts localhost and any address literal: a rebinding
// attack needs a domain name.
func loopbackHost(host string) bool {
	h := host
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.HasSuffix(h, "]") {
		h = h[:i]
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	return strings.EqualFold(h, "localhost")
}

func sameOrigin(r *http.Request) bool {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	_, rest, ok := strings.Cut(origin, "://")
	return ok && strings.EqualFold(rest, r.Host)
}

// stopped returns a context ended by the request's end or by o.Stop.
func (o Options) stopped(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	if o.Stop != nil {
		go func() {
			select {
			case <-o.Stop:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	return ctx, cancel
}
