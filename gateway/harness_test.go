package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/mlango/mlango/publish"
	"github.com/mlango/mlango/publish/natstest"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// fixedNow is the receive time every test request gets, so events whose
// payload carries no time are exact.
var fixedNow = time.Date(2026, 3, 4, 10, 31, 0, 0, time.UTC)

// rig is a gateway wired to a real JetStream on a free port.
type rig struct {
	ussd   *ussdRig
	e      *echo.Echo
	store  *publish.Store
	stream jetstream.Stream
	url    string
}

func testOptions(urls ...string) publish.Options {
	return publish.Options{
		URLs:            urls,
		Name:            "mlango-test",
		Stream:          "TELECOM",
		SubjectPrefix:   "telecom",
		Replicas:        1,
		DuplicateWindow: time.Hour,
		PublishTimeout:  5 * time.Second,
	}
}

func newRig(tb testing.TB) *rig {
	tb.Helper()
	srv := natstest.Start(tb)
	return rigOn(tb, srv.ClientURL())
}

func rigOn(tb testing.TB, url string) *rig {
	tb.Helper()
	ctx := context.Background()
	store, err := publish.Open(ctx, testOptions(url), zerolog.Nop())
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { _ = store.Close(context.Background()) })
	us := newUSSD(tb, store, nil)
	e, err := New(Options{
		Providers: testProviders(tb, append(us.routes, goldenAirtimeRoutes(tb)...)...),
		Store:     store,
		Ready:     store.Ready,
		BodyLimit: 1 << 20,
		Log:       zerolog.Nop(),
		Now:       func() time.Time { return fixedNow },
	})
	if err != nil {
		tb.Fatalf("gateway: %v", err)
	}
	return &rig{e: e, store: store, stream: streamOf(tb, url), url: url, ussd: us}
}

func jsOf(tb testing.TB, url string) jetstream.JetStream {
	tb.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatalf("jetstream: %v", err)
	}
	return js
}

func streamOf(tb testing.TB, url string) jetstream.Stream {
	tb.Helper()
	st, err := jsOf(tb, url).Stream(context.Background(), "TELECOM")
	if err != nil {
		tb.Fatalf("stream: %v", err)
	}
	return st
}

// do sends one request through the real router.
func (r *rig) do(tb testing.TB, req *http.Request) *httptest.ResponseRecorder {
	tb.Helper()
	rec := httptest.NewRecorder()
	r.e.ServeHTTP(rec, req)
	return rec
}

func (r *rig) post(tb testing.TB, path, contentType, body string) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return r.do(tb, req)
}

// stored is one message read back from the stream.
type stored struct {
	Subject string
	MsgID   string
	CT      string
	Event   map[string]any
	Body    []byte
}

// messages reads every message in the stream, in order.
func (r *rig) messages(tb testing.TB) []stored {
	tb.Helper()
	ctx := context.Background()
	info, err := r.stream.Info(ctx)
	if err != nil {
		tb.Fatalf("stream info: %v", err)
	}
	var out []stored
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := r.stream.GetMsg(ctx, seq)
		if err != nil {
			tb.Fatalf("get msg %d: %v", seq, err)
		}
		s := stored{Subject: m.Subject, MsgID: m.Header.Get("Nats-Msg-Id"), CT: m.Header.Get("Content-Type"), Body: m.Data}
		if err := json.Unmarshal(m.Data, &s.Event); err != nil {
			tb.Fatalf("msg %d is not JSON: %v", seq, err)
		}
		out = append(out, s)
	}
	return out
}
