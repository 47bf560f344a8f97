package gateway

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/publish"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// TestEmbeddedRestartKeepsEvents: what the gateway acknowledged is still in
// the stream after the embedded server stops and starts on the same data.
func TestEmbeddedRestartKeepsEvents(t *testing.T) {
	dir := t.TempDir()
	open := func() *publish.Store {
		o := testOptions()
		o.Embedded = publish.EmbeddedOptions{StoreDir: dir, ServerName: "mlango-test"}
		s, err := publish.Open(context.Background(), o, zerolog.Nop())
		if err != nil {
			t.Fatalf("open embedded: %v", err)
		}
		return s
	}
	store := open()
	e, err := New(Options{Providers: []handlers.Provider{handlers.AfricasTalking()}, Store: store,
		BodyLimit: 1 << 20, Log: zerolog.Nop(), Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{e: e}
	for i := 0; i < 5; i++ {
		if rec := r.post(t, "/api/sms/delivery-reports", form, fmt.Sprintf("id=ATXid_%d&status=Success", i)); rec.Code != 200 {
			t.Fatalf("callback %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	if err := store.Close(context.Background()); err != nil {
		t.Fatalf("close: %v", err)
	}

	store = open()
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	js, err := jetstream.New(store.Conn())
	if err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(context.Background(), "TELECOM")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 5 {
		t.Fatalf("after restart the stream holds %d events, want 5", info.State.Msgs)
	}
}
