package ussd_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mlango/mlango/handlers/ussd"
	"github.com/mlango/mlango/publish"
	"github.com/mlango/mlango/publish/natstest"
	"github.com/rs/zerolog"
)

// kvStore is the gateway's own SessionStore (publish.KV over a JetStream
// KV bucket) with a switch that makes every call fail, for store outages.
type kvStore struct {
	kv   *publish.KV
	fail atomic.Bool
}

var errOutage = errors.New("store outage (test)")

func (s *kvStore) Get(ctx context.Context, key string) ([]byte, uint64, error) {
	if s.fail.Load() {
		return nil, 0, errOutage
	}
	return s.kv.Get(ctx, key)
}

func (s *kvStore) Create(ctx context.Context, key string, value []byte) (uint64, bool, error) {
	if s.fail.Load() {
		return 0, false, errOutage
	}
	return s.kv.Create(ctx, key, value)
}

func (s *kvStore) Update(ctx context.Context, key string, value []byte, revision uint64) (uint64, bool, error) {
	if s.fail.Load() {
		return 0, false, errOutage
	}
	return s.kv.Update(ctx, key, value, revision)
}

func (s *kvStore) Delete(ctx context.Context, key string) error {
	if s.fail.Load() {
		return errOutage
	}
	return s.kv.Delete(ctx, key)
}

// testCtx ends well before the test binary's timeout, so a hang fails the
// test rather than the whole run.
func testCtx(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// natsEnv is one real nats-server with JetStream and a client, shared by
// the subtests of a test; each engine gets its own buckets.
type natsEnv struct {
	srv     *server.Server
	nc      *nats.Conn
	js      jetstream.JetStream
	buckets atomic.Int64
	store   *publish.Store // the gateway's KV and request-reply over NATS
}

func startNATS(tb testing.TB) *natsEnv {
	tb.Helper()
	srv := natstest.Start(tb)
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatalf("jetstream: %v", err)
	}
	store, err := publish.Open(context.Background(), publish.Options{URLs: []string{srv.ClientURL()}}, zerolog.Nop())
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { _ = store.Close(context.Background()) })
	return &natsEnv{srv: srv, nc: nc, js: js, store: store}
}

// bucket creates a fresh KV bucket.
func (n *natsEnv) bucket(tb testing.TB, ttl time.Duration) *kvStore {
	tb.Helper()
	name := fmt.Sprintf("ussd_test_%d", n.buckets.Add(1))
	kv, err := n.store.KV(testCtx(tb), publish.KVOptions{Bucket: name, TTL: ttl})
	if err != nil {
		tb.Fatalf("create bucket %s: %v", name, err)
	}
	return &kvStore{kv: kv}
}

// respond serves subject with fn as a plain NATS handler; fn returning nil
// sends no reply (a service that never answers).
func (n *natsEnv) respond(tb testing.TB, subject string, fn func(req ussd.StepRequest, hdr nats.Header) []byte) {
	tb.Helper()
	sub, err := n.nc.Subscribe(subject, func(m *nats.Msg) {
		var req ussd.StepRequest
		if err := json.Unmarshal(m.Data, &req); err != nil {
			tb.Errorf("responder %s: bad request %s: %v", subject, m.Data, err)
			return
		}
		if body := fn(req, m.Header); body != nil {
			_ = m.Respond(body)
		}
	})
	if err != nil {
		tb.Fatalf("subscribe %s: %v", subject, err)
	}
	if err := n.nc.Flush(); err != nil {
		tb.Fatalf("flush: %v", err)
	}
	tb.Cleanup(func() { _ = sub.Unsubscribe() })
}

// clock is a settable test clock for resume windows.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// rig is an engine on real buckets, with what a test needs to drive it.
type rig struct {
	*natsEnv
	engine           *ussd.Engine
	sessions, resume *kvStore
	clock            *clock
	events           *eventLog
}

// eventLog records Observe events.
type eventLog struct {
	mu   sync.Mutex
	list []ussd.Event
}

func (l *eventLog) add(e ussd.Event) {
	l.mu.Lock()
	l.list = append(l.list, e)
	l.mu.Unlock()
}

func (l *eventLog) count(kind string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.list {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// newRig starts an engine on set (the demo when nil) with fresh buckets.
func (n *natsEnv) newRig(tb testing.TB, set *ussd.MenuSet, opts ussd.Options) *rig {
	tb.Helper()
	r := &rig{natsEnv: n, clock: newClock(), events: &eventLog{}}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = ussd.DefaultSessionTTL
	}
	r.sessions = n.bucket(tb, opts.SessionTTL)
	r.resume = n.bucket(tb, max(opts.ResumeWindow, time.Minute))
	opts.Now = r.clock.Now
	opts.Observe = r.events.add
	r.engine = ussd.New(set, r.sessions, r.resume, n.store, opts)
	return r
}

// call is one session's caller: it sends hops with AT's cumulative text.
type call struct {
	r    *rig
	req  ussd.Request
	text string
	hops int
}

// caller returns a session's caller, who has not dialled yet.
func (r *rig) caller(sessionID, code string) *call {
	return &call{r: r, req: ussd.Request{Provider: "africastalking", SessionID: sessionID, ServiceCode: code,
		PhoneNumber: "+254711000111", NetworkCode: "63902"}}
}

// dial starts a session: the first hop, with empty text.
func (r *rig) dial(tb testing.TB, sessionID, code string) (*call, ussd.Response) {
	tb.Helper()
	c := r.caller(sessionID, code)
	return c, c.raw(tb, "")
}

// send types input: the next hop's text is the previous one, '*', input.
func (c *call) send(tb testing.TB, input string) ussd.Response {
	tb.Helper()
	if c.hops > 1 || c.text != "" {
		return c.raw(tb, c.text+"*"+input)
	}
	return c.raw(tb, input)
}

// raw sends text exactly as given.
func (c *call) raw(tb testing.TB, text string) ussd.Response {
	tb.Helper()
	c.text = text
	c.hops++
	req := c.req
	req.Text = text
	req.ReceivedAt = time.Now()
	return c.r.engine.Hop(testCtx(tb), req)
}

// screen is a response as the provider would send it.
func screen(r ussd.Response) string {
	if r.End {
		return "END " + r.Text
	}
	return "CON " + r.Text
}

// wantScreen fails unless r is the screen want (with its prefix).
func wantScreen(tb testing.TB, r ussd.Response, want string) {
	tb.Helper()
	if got := screen(r); got != want {
		tb.Errorf("screen:\n%s\nwant:\n%s", got, want)
	}
}

func lines(s ...string) string { return strings.Join(s, "\n") }

// countingResponder answers every request on subject with reply and
// returns how many requests it has had.
func countingResponder(tb testing.TB, n *natsEnv, subject, reply string) func() int64 {
	tb.Helper()
	var calls atomic.Int64
	n.respond(tb, subject, func(ussd.StepRequest, nats.Header) []byte {
		calls.Add(1)
		return []byte(reply)
	})
	return calls.Load
}
