package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mlango/mlango/normalize"
	"github.com/mlango/mlango/publish/natstest"
)

// runTail runs Tail in the background; stop cancels it and returns its error.
func runTail(tb testing.TB, nc *nats.Conn, subject string, fromStart bool, stream string) (out *lineBuffer, stop func() error) {
	tb.Helper()
	out = &lineBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Tail(ctx, nc, subject, fromStart, stream, out) }()
	stopped := false
	var result error
	stop = func() error {
		if stopped {
			return result
		}
		stopped = true
		cancel()
		select {
		case result = <-done:
		case <-time.After(10 * time.Second):
			tb.Fatal("Tail did not return after its context was cancelled")
		}
		return result
	}
	tb.Cleanup(func() { stop() })
	return out, stop
}

func compactJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		tb.Fatal(err)
	}
	return buf.String()
}

func waitLines(tb testing.TB, out *lineBuffer, n int) []string {
	tb.Helper()
	eventually(tb, 10*time.Second, "tail output", func() bool { return len(out.lines()) >= n })
	return out.lines()
}

func TestTailLive(t *testing.T) {
	srv := natstest.Start(t)
	s := openStore(t, externalOptions(srv))
	nc := s.Conn()
	old := testEvent("before")
	mustStore(t, s, old) // stored before the tail starts: not shown live

	before := nc.NumSubscriptions()
	out, stop := runTail(t, nc, "", false, "")
	// Tail subscribes on nc; once the subscription is registered, anything
	// published later on nc reaches the server after it.
	eventually(t, 10*time.Second, "the tail's subscription", func() bool { return nc.NumSubscriptions() > before })

	evs := []normalize.Event{testEvent("1"), testEvent("2")}
	mustStore(t, s, evs...)
	if err := nc.Publish("telecom.test.raw", []byte("not json\nat all")); err != nil {
		t.Fatal(err)
	}
	if err := nc.Publish("telecom.test.pretty", []byte("{\n  \"a\": [1, 2],\n  \"b\": \"x\"\n}\n")); err != nil {
		t.Fatal(err)
	}
	if err := nc.Publish("elsewhere.x", []byte(`{"not":"followed"}`)); err != nil {
		t.Fatal(err)
	}
	lines := waitLines(t, out, 4)
	if err := stop(); err != nil {
		t.Fatalf("Tail returned %v after cancellation, want nil", err)
	}
	want := []string{
		compactJSON(t, evs[0]),
		compactJSON(t, evs[1]),
		`"not json\nat all"`,
		`{"a":[1,2],"b":"x"}`,
	}
	lines = out.lines()
	if len(lines) != len(want) {
		t.Fatalf("tail printed %d lines, want %d: %s", len(lines), len(want), out)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d\n got %s\nwant %s", i+1, lines[i], want[i])
		}
	}
}

func TestTailFromStart(t *testing.T) {
	srv := natstest.Start(t)
	s := openStore(t, externalOptions(srv))
	stored := []normalize.Event{testEvent("1"), testEvent("2")}
	mustStore(t, s, stored...)
	other := normalize.Event{
		ID: normalize.EventID("zexa", "sms.delivery", "z1"), Provider: "zexa", Type: "sms.delivery",
		Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	mustStore(t, s, other)

	// Only africastalking, replayed from the stream found by subject.
	out, stop := runTail(t, s.Conn(), "telecom.africastalking.>", true, "")
	lines := waitLines(t, out, 2)
	for i, ev := range stored {
		if want := compactJSON(t, ev); lines[i] != want {
			t.Errorf("replayed line %d\n got %s\nwant %s", i+1, lines[i], want)
		}
	}
	// Then it keeps following.
	live := testEvent("3")
	mustStore(t, s, live)
	lines = waitLines(t, out, 3)
	if want := compactJSON(t, live); lines[2] != want {
		t.Errorf("followed line\n got %s\nwant %s", lines[2], want)
	}
	if err := stop(); err != nil {
		t.Fatalf("Tail returned %v after cancellation, want nil", err)
	}
	if n := len(out.lines()); n != 3 {
		t.Errorf("tail printed %d lines, want 3: %s", n, out)
	}

	// A named stream and the default subject replay everything.
	out, stop = runTail(t, s.Conn(), "", true, DefaultStream)
	waitLines(t, out, 4)
	if err := stop(); err != nil {
		t.Fatalf("Tail returned %v", err)
	}
}

func TestTailFromStartUnknownStream(t *testing.T) {
	srv := natstest.Start(t)
	s := openStore(t, externalOptions(srv))
	err := Tail(testCtx(t), s.Conn(), "", true, "NOPE", &bytes.Buffer{})
	if err == nil {
		t.Fatal("Tail from a missing stream succeeded")
	}
}
