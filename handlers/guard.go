package handlers

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// TokenPrefix starts the path form of a guarded route: /t/<token>/api/….
const TokenPrefix = "/t/"

// Guard admits one provider's requests before anything is decoded: from an
// allowed source, not from a source that has failed to authenticate too
// often, and, where tokens are set, carrying one of them. The zero Guard
// admits everything.
type Guard struct {
	// Allow lists the source networks requests may come from; empty
	// allows any source.
	Allow []netip.Prefix
	// Tokens, when set, must be presented as ?key=<token> or as the path
	// prefix /t/<token>; several may be valid during a rotation.
	Tokens []string
	// Sources resolves the caller's address and limits its failures; it is
	// shared by every guarded route. nil disables failure limiting.
	Sources *Sources
}

// admit checks the source: its address is allowed and has not exhausted
// its failures. It returns the address, to charge a failure to.
func (g Guard) admit(r *http.Request) (netip.Addr, error) {
	addr := g.Sources.Addr(r)
	if len(g.Allow) > 0 && !contains(g.Allow, addr) {
		return addr, unauthorized("source address not allowed")
	}
	if g.Sources.Blocked(addr) {
		return addr, errorf(KindTooManyRequests, "too many failed authentications from this address; retry later", nil)
	}
	return addr, nil
}

// Check is a Route.Auth: it admits the source and then requires a token,
// charging a missing or wrong one to the source. It removes the key query
// parameter so the token never reaches an event.
func (g Guard) Check(r *http.Request, _ []byte) error {
	addr, err := g.admit(r)
	if err != nil || len(g.Tokens) == 0 {
		return err
	}
	q := r.URL.Query()
	presented := []string{pathToken(r.URL.Path)}
	if keys, ok := q["key"]; ok {
		presented = append(presented, keys...)
		q.Del("key")
		r.URL.RawQuery = q.Encode()
	}
	for _, p := range presented {
		if p != "" && g.validToken(p) {
			return nil
		}
	}
	g.Sources.Failed(addr)
	return unauthorized("missing or wrong token")
}

// validToken compares digests so neither the tokens' content nor their
// length shows in the time taken.
func (g Guard) validToken(presented string) bool {
	p := sha256.Sum256([]byte(presented))
	ok := 0
	for _, t := range g.Tokens {
		want := sha256.Sum256([]byte(t))
		ok |= subtle.ConstantTimeCompare(p[:], want[:])
	}
	return ok == 1
}

// pathToken returns <token> from /t/<token>/…, or "".
func pathToken(path string) string {
	rest, ok := strings.CutPrefix(path, TokenPrefix)
	if !ok {
		return ""
	}
	token, _, _ := strings.Cut(rest, "/")
	return token
}

// Guarded returns p with every route behind g. With tokens set each route
// is also served under /t/:token, for providers whose dashboards keep a
// query string badly; Echo's route pattern, not the token, is what the
// request log records.
func Guarded(p Provider, g Guard) Provider {
	routes := make([]Route, 0, 2*len(p.Routes))
	for _, rt := range p.Routes {
		rt = guardRoute(rt, g)
		routes = append(routes, rt)
		if len(g.Tokens) > 0 {
			prefixed := rt
			prefixed.Path = TokenPrefix + ":token" + rt.Path
			routes = append(routes, prefixed)
		}
	}
	p.Routes = routes
	return p
}

// guardRoute puts g in front of rt: as its Auth on a notification route
// (chained before any Auth it had), around its handler on a Custom route.
func guardRoute(rt Route, g Guard) Route {
	if custom := rt.Custom; custom != nil {
		rt.Custom = func(provider string, d Deps) echo.HandlerFunc {
			next := custom(provider, d)
			return func(c echo.Context) error {
				setInfo(c, func(i *requestInfo) { i.provider = provider; i.badPrefix = rt.BadPrefix })
				if err := g.Check(c.Request(), nil); err != nil {
					return err
				}
				return next(c)
			}
		}
		return rt
	}
	inner := rt.Auth
	rt.Auth = func(r *http.Request, body []byte) error {
		if err := g.Check(r, body); err != nil || inner == nil {
			return err
		}
		return inner(r, body)
	}
	return rt
}

func contains(nets []netip.Prefix, a netip.Addr) bool {
	for _, n := range nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// Sources tells callers apart by network address and limits how often each
// may fail to authenticate, so that guessing a token or a signature costs
// time. Requests that authenticate are never counted, so genuine traffic is
// never limited. Memory is bounded: at most MaxTracked sources are
// remembered, and a source whose failures have all been forgiven is
// forgotten first.
type Sources struct {
	trusted []netip.Prefix
	limit   float64 // failures allowed in one window
	window  time.Duration
	max     int
	now     func() time.Time

	mu    sync.Mutex
	seen  map[netip.Addr]*failures
	swept time.Time // the last sweep for forgiven sources
}

// failures is a token bucket of forgivable failures: full means none
// remembered, below one means the source is refused until it refills.
type failures struct {
	tokens float64
	at     time.Time
}

// SourcesOptions configure NewSources.
type SourcesOptions struct {
	// TrustedProxies are the load balancers whose X-Forwarded-For is
	// believed. Without them every request behind a proxy would share the
	// proxy's address, and one guesser would lock everyone out.
	TrustedProxies []netip.Prefix
	// FailureLimit failures per FailureWindow are forgiven per source;
	// 0 disables limiting.
	FailureLimit  int
	FailureWindow time.Duration
	// MaxTracked bounds memory; 0 means DefaultMaxTracked.
	MaxTracked int
	// Now is the limiter's clock; nil is time.Now.
	Now func() time.Time
}

// DefaultMaxTracked bounds the sources remembered: measured at 3 MB when
// full after a flood of new addresses has churned the table.
const DefaultMaxTracked = 16384

// NewSources returns a Sources for o.
func NewSources(o SourcesOptions) *Sources {
	s := &Sources{trusted: o.TrustedProxies, limit: float64(o.FailureLimit), window: o.FailureWindow,
		max: o.MaxTracked, now: o.Now, seen: map[netip.Addr]*failures{}}
	if s.max <= 0 {
		s.max = DefaultMaxTracked
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.window <= 0 {
		s.limit = 0
	}
	return s
}

// Addr is the caller's address: the connection's peer, or, when the peer
// is a trusted proxy, the nearest untrusted hop of X-Forwarded-For (the
// hops further left are whatever the client chose to write).
func (s *Sources) Addr(r *http.Request) netip.Addr {
	addr := peerAddr(r.RemoteAddr)
	if s == nil || !contains(s.trusted, addr) {
		return addr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return addr
		}
		if addr = hop.Unmap(); !contains(s.trusted, addr) {
			return addr
		}
	}
	return addr
}

func peerAddr(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(remote)
	return a.Unmap()
}

// Blocked reports whether a has no failures left to spend.
func (s *Sources) Blocked(a netip.Addr) bool {
	if s == nil || s.limit <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.seen[sourceKey(a)]
	return f != nil && s.level(f, s.now()) < 1
}

// Failed charges one failed authentication to a.
func (s *Sources) Failed(a netip.Addr) {
	if s == nil || s.limit <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now, k := s.now(), sourceKey(a)
	f := s.seen[k]
	if f == nil {
		s.makeRoom(now)
		f = &failures{tokens: s.limit, at: now}
		s.seen[k] = f
	}
	f.tokens, f.at = max(s.level(f, now)-1, 0), now
}

// level is f's tokens refilled up to now.
func (s *Sources) level(f *failures, now time.Time) float64 {
	elapsed := max(now.Sub(f.at), 0)
	return min(f.tokens+elapsed.Seconds()*s.limit/s.window.Seconds(), s.limit)
}

// makeRoom keeps the table under its bound: forgiven sources go first,
// then arbitrary ones, which only ever forgives early. A sweep for the
// forgiven is a pass over the whole table, so it runs at most once per
// refill interval: a flood of new addresses must not make every failure
// pay for one under the lock.
func (s *Sources) makeRoom(now time.Time) {
	if len(s.seen) < s.max {
		return
	}
	if interval := time.Duration(float64(s.window) / s.limit); now.Sub(s.swept) >= interval {
		s.swept = now
		for k, f := range s.seen {
			if s.level(f, now) >= s.limit {
				delete(s.seen, k)
			}
		}
	}
	for k := range s.seen {
		if len(s.seen) < s.max {
			return
		}
		delete(s.seen, k)
	}
}

// sourceKey groups IPv6 callers by /64, the block one subscriber line is
// usually given, so that rotating through it buys no extra guesses.
func sourceKey(a netip.Addr) netip.Addr {
	if a.Is6() && !a.Is4In6() {
		return netip.PrefixFrom(a, 64).Masked().Addr()
	}
	return a
}
