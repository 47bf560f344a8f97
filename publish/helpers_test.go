package publish

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/mlango/mlango/normalize"
)

// testEvent returns a distinct, deterministic sms.delivery event for key.
func testEvent(key string) normalize.Event {
	return normalize.Event{
		ID:       normalize.EventID("africastalking", "sms.delivery", key, "Success"),
		Provider: "africastalking",
		Type:     "sms.delivery",
		Subject:  "ATXid_" + key,
		Time:     time.Date(2026, 3, 4, 10, 30, 0, 0, time.UTC),
		Data: map[string]any{
			"messageId": "ATXid_" + key,
			"status":    "delivered",
			"raw":       map[string]string{"id": "ATXid_" + key, "status": "Success"},
		},
	}
}

// testCtx is a context that ends well before the test binary's timeout, so
// a hang fails the test rather than the whole run.
func testCtx(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// externalOptions are Options for a natstest server.
func externalOptions(srv *server.Server) Options {
	return Options{
		URLs:           []string{srv.ClientURL()},
		PublishTimeout: 5 * time.Second,
	}
}

// openStore opens a Store and closes it when the test ends.
func openStore(tb testing.TB, o Options) *Store {
	tb.Helper()
	s, err := Open(testCtx(tb), o, zerolog.Nop())
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// connect opens a separate client connection to srv for inspecting it.
func connect(tb testing.TB, srv *server.Server) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	var opts []nats.Option
	url := srv.ClientURL()
	if srv.Addr() == nil { // no client listener: connect in-process
		opts = append(opts, nats.InProcessServer(srv))
		url = ""
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		tb.Fatalf("connect to %s: %v", srv.ClientURL(), err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatalf("jetstream: %v", err)
	}
	return nc, js
}

// streamInfo fetches a stream's current info.
func streamInfo(tb testing.TB, js jetstream.JetStream, name string) *jetstream.StreamInfo {
	tb.Helper()
	st, err := js.Stream(testCtx(tb), name)
	if err != nil {
		tb.Fatalf("stream %s: %v", name, err)
	}
	info, err := st.Info(testCtx(tb))
	if err != nil {
		tb.Fatalf("stream %s info: %v", name, err)
	}
	return info
}

// getMsg reads the stored message with sequence seq.
func getMsg(tb testing.TB, js jetstream.JetStream, stream string, seq uint64) *jetstream.RawStreamMsg {
	tb.Helper()
	st, err := js.Stream(testCtx(tb), stream)
	if err != nil {
		tb.Fatalf("stream %s: %v", stream, err)
	}
	m, err := st.GetMsg(testCtx(tb), seq)
	if err != nil {
		tb.Fatalf("stream %s message %d: %v", stream, seq, err)
	}
	return m
}

// eventually polls cond every few milliseconds until it holds, failing the
// test if it does not within timeout.
func eventually(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			tb.Fatalf("timed out after %s waiting for %s", timeout, what)
		case <-tick.C:
		}
	}
}

// mustStore stores events and fails the test on error.
func mustStore(tb testing.TB, s *Store, events ...normalize.Event) int {
	tb.Helper()
	dups, err := s.Store(testCtx(tb), events)
	if err != nil {
		tb.Fatalf("Store: %v", err)
	}
	return dups
}

// lineBuffer is an io.Writer safe for a writer and a polling reader.
type lineBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the complete lines written so far.
func (b *lineBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return strings.Split(s[:i], "\n")
	}
	return nil
}

func (b *lineBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return fmt.Sprintf("%q", b.buf.String())
}
