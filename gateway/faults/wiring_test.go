package faults

import (
	"context"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/mlango/mlango/gateway"
	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/publish"
	"github.com/mlango/mlango/publish/spool"
)

// served is a gateway wired in this process as cmd/mlango wires it (so the
// race detector sees the durable path): store, a spool in its own dir, the
// Durable store over both, Africa's Talking's routes, /readyz with detail.
type served struct {
	*httptest.Server
	natsURL string
	close   func() // also run at the test's end; calling it early is a crash-free restart
}

// serve wires store with a spool in dir, opened through openFile (nil: the
// real file system).
func serve(t *testing.T, store *publish.Store, dir string, openFile func(string, int, os.FileMode) (spool.File, error)) *served {
	t.Helper()
	sp, _, err := spool.Open(spool.Options{Dir: dir, OpenFile: openFile})
	if err != nil {
		t.Fatal(err)
	}
	d := publish.NewDurable(store, sp, publish.DurableOptions{MaxBackoff: 100 * time.Millisecond}, zerolog.Nop())
	e, err := gateway.New(gateway.Options{
		Providers: []handlers.Provider{handlers.AfricasTalking()},
		Store:     d, Ready: d.Ready, Healthy: store.Healthy,
		ReadyDetail: func() any {
			conn, st := d.Status()
			return map[string]any{"nats": conn, "spool": st}
		},
		BodyLimit: 1 << 20, Log: zerolog.Nop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &served{Server: httptest.NewServer(e), natsURL: store.ClientURL()}
	var once sync.Once
	s.close = func() {
		once.Do(func() {
			s.Server.Close()
			d.Close()
			sp.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = store.Close(ctx)
		})
	}
	t.Cleanup(s.close)
	return s
}

// open opens a store, failing the test on error.
func open(t *testing.T, o publish.Options) *publish.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if o.DuplicateWindow == 0 {
		o.DuplicateWindow = time.Hour
	}
	o.FailFastWhileDisconnected = true // as cmd/mlango opens it with the spool on
	if o.PublishTimeout == 0 {
		o.PublishTimeout = time.Second
	}
	store, err := publish.Open(ctx, o, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	return store
}
