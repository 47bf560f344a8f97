package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/mlango/mlango/normalize"
	"github.com/mlango/mlango/publish/natstest"
)

func TestSubject(t *testing.T) {
	if got, want := Subject("telecom", "africastalking", "sms.delivery"), "telecom.africastalking.sms.delivery"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
}

func TestCovers(t *testing.T) {
	for _, c := range []struct {
		pattern, subject string
		want             bool
	}{
		{"telecom.>", "telecom.>", true},
		{">", "telecom.>", true},
		{"*.>", "telecom.>", true},
		{"telecom.*", "telecom.>", false},
		{"telecom.africastalking.>", "telecom.>", false},
		{"other.>", "telecom.>", false},
		{"telecom", "telecom.>", false},
		{"a.*.>", "a.b.>", true},
		{"a.b.>", "a.*.>", false},
		{"a.b", "a.b", true},
		{"a.*", "a.b", true},
	} {
		if got := covers(c.pattern, c.subject); got != c.want {
			t.Errorf("covers(%q, %q) = %v, want %v", c.pattern, c.subject, got, c.want)
		}
	}
}

func TestOpenCreatesAndUpdatesStream(t *testing.T) {
	srv := natstest.Start(t)
	_, js := connect(t, srv)

	o := externalOptions(srv)
	o.DuplicateWindow = 3 * time.Minute
	s := openStore(t, o)
	info := streamInfo(t, js, DefaultStream)
	cfg := info.Config
	if len(cfg.Subjects) != 1 || cfg.Subjects[0] != "telecom.>" {
		t.Errorf("subjects = %v, want [telecom.>]", cfg.Subjects)
	}
	if cfg.Duplicates != 3*time.Minute {
		t.Errorf("duplicate window = %s, want 3m", cfg.Duplicates)
	}
	if cfg.Replicas != 1 {
		t.Errorf("replicas = %d, want 1", cfg.Replicas)
	}
	if cfg.Storage != jetstream.FileStorage {
		t.Errorf("storage = %s, want file", cfg.Storage)
	}
	if cfg.Discard != jetstream.DiscardOld {
		t.Errorf("discard = %s, want old", cfg.Discard)
	}
	if cfg.MaxAge != 0 || cfg.MaxBytes != -1 {
		t.Errorf("max age %s, max bytes %d; want unlimited", cfg.MaxAge, cfg.MaxBytes)
	}
	mustStore(t, s, testEvent("1"))

	// Opening again with other limits updates the stream in place.
	o.DuplicateWindow = 10 * time.Minute
	o.MaxAge = 24 * time.Hour
	o.MaxBytes = 1 << 30
	openStore(t, o)
	cfg = streamInfo(t, js, DefaultStream).Config
	if cfg.Duplicates != 10*time.Minute || cfg.MaxAge != 24*time.Hour || cfg.MaxBytes != 1<<30 {
		t.Errorf("after re-Open: duplicates %s, max age %s, max bytes %d; want 10m, 24h, 1GiB",
			cfg.Duplicates, cfg.MaxAge, cfg.MaxBytes)
	}
	if len(cfg.Subjects) != 1 || cfg.Subjects[0] != "telecom.>" {
		t.Errorf("after re-Open: subjects = %v, want [telecom.>]", cfg.Subjects)
	}
	if n := streamInfo(t, js, DefaultStream).State.Msgs; n != 1 {
		t.Errorf("after re-Open the stream holds %d messages, want the 1 stored before", n)
	}
}

func TestOpenCustomNames(t *testing.T) {
	srv := natstest.Start(t)
	_, js := connect(t, srv)
	o := externalOptions(srv)
	o.Stream, o.SubjectPrefix = "EVENTS", "acme.telecom"
	s := openStore(t, o)
	ev := testEvent("1")
	mustStore(t, s, ev)
	m := getMsg(t, js, "EVENTS", 1)
	if m.Subject != "acme.telecom.africastalking.sms.delivery" {
		t.Errorf("subject = %q", m.Subject)
	}
}

func TestOpenRefusesStreamWithOtherSubjects(t *testing.T) {
	srv := natstest.Start(t)
	_, js := connect(t, srv)
	if _, err := js.CreateStream(testCtx(t), jetstream.StreamConfig{
		Name:     DefaultStream,
		Subjects: []string{"telecom.africastalking.>", "other.>"},
	}); err != nil {
		t.Fatalf("create stream: %v", err)
	}
	s, err := Open(testCtx(t), externalOptions(srv), zerolog.Nop())
	if err == nil {
		s.Close(context.Background())
		t.Fatal("Open succeeded on a stream that does not capture telecom.>")
	}
	msg := err.Error()
	for _, want := range []string{"TELECOM", "telecom.africastalking.>", "telecom.>", "subjects"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	// And it left the stream alone.
	if got := streamInfo(t, js, DefaultStream).Config.Subjects; len(got) != 2 || got[1] != "other.>" {
		t.Errorf("subjects changed to %v", got)
	}
}

func TestOpenAcceptsWiderStream(t *testing.T) {
	srv := natstest.Start(t)
	_, js := connect(t, srv)
	if _, err := js.CreateStream(testCtx(t), jetstream.StreamConfig{
		Name:     DefaultStream,
		Subjects: []string{"legacy.>", "telecom.>"},
	}); err != nil {
		t.Fatalf("create stream: %v", err)
	}
	s := openStore(t, externalOptions(srv))
	mustStore(t, s, testEvent("1"))
}

func TestOpenBadOptions(t *testing.T) {
	for _, o := range []Options{
		{Stream: "a.b"},
		{SubjectPrefix: "telecom.>"},
		{SubjectPrefix: "tele com"},
		{DuplicateWindow: time.Hour, MaxAge: time.Minute},
		{DuplicateWindow: time.Millisecond},
	} {
		o.URLs = []string{"nats://127.0.0.1:1"} // never reached
		if s, err := Open(context.Background(), o, zerolog.Nop()); err == nil {
			s.Close(context.Background())
			t.Errorf("Open(%+v) succeeded", o)
		}
	}
}

func TestStorePublishes(t *testing.T) {
	srv := natstest.Start(t)
	_, js := connect(t, srv)
	s := openStore(t, externalOptions(srv))

	inbound := normalize.Event{
		ID:       normalize.EventID("africastalking", "sms.inbound", "m-1"),
		Provider: "africastalking",
		Type:     "sms.inbound",
		Subject:  "m-1",
		Time:     time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC),
		Data:     map[string]any{"text": "hello <world> & more", "raw": map[string]string{"text": "hello"}},
	}
	events := []normalize.Event{testEvent("1"), inbound}
	if dups := mustStore(t, s, events...); dups != 0 {
		t.Errorf("duplicates = %d, want 0", dups)
	}
	for i, ev := range events {
		m := getMsg(t, js, DefaultStream, uint64(i+1))
		if want := "telecom.africastalking." + ev.Type; m.Subject != want {
			t.Errorf("message %d subject = %q, want %q", i+1, m.Subject, want)
		}
		if got := m.Header.Get(jetstream.MsgIDHeader); got != ev.ID {
			t.Errorf("message %d Nats-Msg-Id = %q, want %q", i+1, got, ev.ID)
		}
		if got := m.Header.Get("Content-Type"); got != "application/cloudevents+json" {
			t.Errorf("message %d Content-Type = %q", i+1, got)
		}
		want, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		if string(m.Data) != string(want) {
			t.Errorf("message %d body\n got %s\nwant %s", i+1, m.Data, want)
		}
	}
}

func TestStoreDeduplicates(t *testing.T) {
	srv := natstest.Start(t)
	_, js := connect(t, srv)
	s := openStore(t, externalOptions(srv))

	ev := testEvent("1")
	total := 0
	for i := 0; i < 3; i++ {
		dups := mustStore(t, s, ev)
		if want := min(i, 1); dups != want {
			t.Errorf("store #%d: duplicates = %d, want %d", i+1, dups, want)
		}
		total += dups
	}
	if total != 2 {
		t.Errorf("duplicates over three stores = %d, want 2", total)
	}
	if n := streamInfo(t, js, DefaultStream).State.Msgs; n != 1 {
		t.Errorf("stream holds %d messages, want 1", n)
	}

	// Within one call, too.
	if dups := mustStore(t, s, ev, ev, ev); dups != 3 {
		t.Errorf("storing a known event three times in one call: duplicates = %d, want 3", dups)
	}
	ev2 := testEvent("2")
	if dups := mustStore(t, s, ev2, ev2, ev2); dups != 2 {
		t.Errorf("storing a new event three times in one call: duplicates = %d, want 2", dups)
	}
	if n := streamInfo(t, js, DefaultStream).State.Msgs; n != 2 {
		t.Errorf("stream holds %d messages, want 2", n)
	}
	if got := getMsg(t, js, DefaultStream, 2).Header.Get(jetstream.MsgIDHeader); got != ev2.ID {
		t.Errorf("second message id = %q, want %q", got, ev2.ID)
	}
}

func TestStoreRejectsIncompleteEvent(t *testing.T) {
	srv := natstest.Start(t)
	s := openStore(t, externalOptions(srv))
	ev := testEvent("1")
	ev.ID = ""
	if _, err := s.Store(testCtx(t), []normalize.Event{ev}); err == nil {
		t.Fatal("stored an event without an id")
	}
	if dups, err := s.Store(testCtx(t), nil); dups != 0 || err != nil {
		t.Fatalf("Store(nil) = %d, %v", dups, err)
	}
}

func TestStoreManyConcurrent(t *testing.T) {
	srv := natstest.Start(t)
	_, js := connect(t, srv)
	s := openStore(t, externalOptions(srv))
	const callers, each = 50, 40
	ctx := testCtx(t)
	errs := make(chan error, callers)
	for c := 0; c < callers; c++ {
		go func() {
			for i := 0; i < each; i++ {
				// Callers c and c+25 store the same ids, racing each other.
				ev := testEvent(fmt.Sprintf("%d-%d", c%25, i))
				if _, err := s.Store(ctx, []normalize.Event{ev}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for c := 0; c < callers; c++ {
		if err := <-errs; err != nil {
			t.Fatalf("Store: %v", err)
		}
	}
	if n := streamInfo(t, js, DefaultStream).State.Msgs; n != 25*each {
		t.Errorf("stream holds %d messages, want %d", n, 25*each)
	}
}

func TestDurabilityEmbedded(t *testing.T) {
	dir := t.TempDir()
	o := Options{Embedded: EmbeddedOptions{StoreDir: dir, ServerName: "mlango-test"}, PublishTimeout: 5 * time.Second}
	events := []normalize.Event{testEvent("1"), testEvent("2"), testEvent("3")}

	s, err := Open(testCtx(t), o, zerolog.Nop())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	mustStore(t, s, events...)
	if err := s.Close(testCtx(t)); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(testCtx(t)); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.Store(testCtx(t), events[:1]); err == nil {
		t.Fatal("Store after Close succeeded")
	}

	s2 := openStore(t, o)
	_, js := connect(t, s2.srv)
	info := streamInfo(t, js, DefaultStream)
	if info.State.Msgs != 3 {
		t.Fatalf("after restart the stream holds %d messages, want 3", info.State.Msgs)
	}
	for i, ev := range events {
		m := getMsg(t, js, DefaultStream, uint64(i+1))
		want, _ := json.Marshal(ev)
		if m.Header.Get(jetstream.MsgIDHeader) != ev.ID || string(m.Data) != string(want) {
			t.Errorf("message %d after restart: id %q body %s", i+1, m.Header.Get(jetstream.MsgIDHeader), m.Data)
		}
	}
	// The server rebuilds its duplicate window from the stored messages, so
	// a provider retrying across a restart is still stored once.
	if dups := mustStore(t, s2, events[2]); dups != 1 {
		t.Errorf("re-storing an event after restart: duplicates = %d, want 1", dups)
	}
	if err := s2.Ready(testCtx(t)); err != nil {
		t.Errorf("Ready: %v", err)
	}
}

func TestStoreTimesOutWhenServerIsGone(t *testing.T) {
	srv := natstest.Start(t)
	o := externalOptions(srv)
	o.PublishTimeout = 200 * time.Millisecond
	s := openStore(t, o)
	mustStore(t, s, testEvent("1"))

	srv.Shutdown()
	srv.WaitForShutdown()
	eventually(t, 10*time.Second, "the client to notice the server is gone", func() bool {
		return s.Conn().Status() != nats.CONNECTED
	})
	if err := s.Ready(testCtx(t)); err == nil {
		t.Error("Ready = nil with the server down")
	}
	dups, err := s.Store(testCtx(t), []normalize.Event{testEvent("2")})
	if err == nil {
		t.Fatal("Store succeeded with the server down")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not wrap context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), "did not acknowledge sms.delivery event") {
		t.Errorf("error %q does not say what was not acknowledged", err)
	}
	if dups != 0 {
		t.Errorf("duplicates = %d", dups)
	}
}

func TestStoreHonoursContextDeadline(t *testing.T) {
	srv := natstest.Start(t)
	o := externalOptions(srv)
	o.PublishTimeout = time.Minute
	s := openStore(t, o)
	srv.Shutdown()
	srv.WaitForShutdown()
	eventually(t, 10*time.Second, "the client to notice the server is gone", func() bool {
		return s.Conn().Status() != nats.CONNECTED
	})
	ctx, cancel := context.WithTimeout(testCtx(t), 200*time.Millisecond)
	defer cancel()
	_, err := s.Store(ctx, []normalize.Event{testEvent("1")})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Store = %v, want an error wrapping context.DeadlineExceeded", err)
	}

	ctx, cancel = context.WithCancel(testCtx(t))
	cancel()
	if _, err := s.Store(ctx, []normalize.Event{testEvent("1")}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Store with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestStoreFailsWhenStreamIsDeleted(t *testing.T) {
	srv := natstest.Start(t)
	_, js := connect(t, srv)
	o := externalOptions(srv)
	o.PublishTimeout = 200 * time.Millisecond
	s := openStore(t, o)
	mustStore(t, s, testEvent("1"))
	if err := s.Ready(testCtx(t)); err != nil {
		t.Fatalf("Ready: %v", err)
	}

	if err := js.DeleteStream(testCtx(t), DefaultStream); err != nil {
		t.Fatalf("delete stream: %v", err)
	}
	err := s.Ready(testCtx(t))
	if err == nil || !strings.Contains(err.Error(), "stream TELECOM does not exist") {
		t.Errorf("Ready after deleting the stream = %v", err)
	}
	_, err = s.Store(testCtx(t), []normalize.Event{testEvent("2")})
	if err == nil {
		t.Fatal("Store succeeded with the stream deleted")
	}
	// nats.go retries "no responders" twice, 250ms apart; a shorter publish
	// timeout ends the wait first.
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, jetstream.ErrNoStreamResponse) {
		t.Errorf("error %v is neither a timeout nor no-stream", err)
	}
	t.Logf("Store with the stream deleted: %v", err)

	// With a longer timeout the retries run out first.
	o.PublishTimeout = 5 * time.Second
	s2 := openStore(t, o) // re-creates the stream
	if err := js.DeleteStream(testCtx(t), DefaultStream); err != nil {
		t.Fatalf("delete stream: %v", err)
	}
	_, err = s2.Store(testCtx(t), []normalize.Event{testEvent("3")})
	if !errors.Is(err, jetstream.ErrNoStreamResponse) {
		t.Errorf("Store with the stream deleted, long timeout = %v, want no-stream error", err)
	}
}

func TestReady(t *testing.T) {
	srv := natstest.Start(t)
	s := openStore(t, externalOptions(srv))
	if err := s.Ready(testCtx(t)); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	if s.Conn() == nil || !s.Conn().IsConnected() {
		t.Fatal("Conn is not connected")
	}
}
