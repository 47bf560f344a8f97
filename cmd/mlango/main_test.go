package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlango/mlango/normalize"
	"github.com/mlango/mlango/publish"
	"github.com/mlango/mlango/publish/natstest"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// syncBuffer is a bytes.Buffer safe to read while the command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

// waitFor polls until the buffer matches re, failing the test after 10s.
func waitFor(tb testing.TB, buf *syncBuffer, re *regexp.Regexp) []string {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(buf.String()); m != nil {
			return m
		}
		runtimeYield()
	}
	tb.Fatalf("no %s in output:\n%s", re, buf.String())
	return nil
}

func runtimeYield() { time.Sleep(10 * time.Millisecond) } // a poll interval, not a timing assertion

func TestCheckConfig(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"-check-config"}, &out, &errs, env(nil)); code != 0 {
		t.Fatalf("default config: exit %d: %s", code, errs.String())
	}
	if !strings.HasPrefix(out.String(), "configuration OK") {
		t.Errorf("stdout = %q", out.String())
	}
	errs.Reset()
	bad := env(map[string]string{"MLANGO_HTTP_ADDR": "nowhere", "MLANGO_STREAM_REPLICAS": "9", "MLANGO_NATS_URL": "nats://u:hunter2@h:4222,"})
	if code := run(context.Background(), []string{"-check-config"}, &out, &errs, bad); code != 1 {
		t.Fatalf("bad config: exit %d", code)
	}
	for _, want := range []string{"http.addr", "stream.replicas", "nats.url"} {
		if !strings.Contains(errs.String(), want) {
			t.Errorf("problems do not mention %s:\n%s", want, errs.String())
		}
	}
	if strings.Contains(errs.String(), "hunter2") {
		t.Errorf("a password reached the error output: %s", errs.String())
	}
}

// TestServe starts the real command with an embedded server, sends a
// callback, stops it as SIGTERM would, and finds the event on disk.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	vars := env(map[string]string{"MLANGO_HTTP_ADDR": "127.0.0.1:0", "MLANGO_DATA_DIR": dir, "MLANGO_NATS_LISTEN": "none"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errs syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, nil, &out, &errs, vars) }()
	addr := waitFor(t, &out, regexp.MustCompile(`"addr":"([^"]+)".*mlango serving HTTP`))[1]

	resp, err := http.Post("http://"+addr+"/api/sms/delivery-reports", "application/x-www-form-urlencoded",
		strings.NewReader("id=ATXid_cmd&status=Success&phoneNumber=%2B254711000111"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("callback answered %d", resp.StatusCode)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errs.String())
	}

	o := publish.Options{Embedded: publish.EmbeddedOptions{StoreDir: dir}, DuplicateWindow: 13 * time.Hour}
	store, err := publish.Open(context.Background(), o, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(context.Background())
	js, _ := jetstream.New(store.Conn())
	st, err := js.Stream(context.Background(), "TELECOM")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := st.GetLastMsgForSubject(context.Background(), "telecom.africastalking.sms.delivery")
	if err != nil || !strings.Contains(string(msg.Data), `"subject":"ATXid_cmd"`) {
		t.Fatalf("stored event after restart: %v %s", err, msgData(msg))
	}
}

func msgData(m *jetstream.RawStreamMsg) string {
	if m == nil {
		return ""
	}
	return string(m.Data)
}

func TestTail(t *testing.T) {
	srv := natstest.Start(t)
	store, err := publish.Open(context.Background(), publish.Options{URLs: []string{srv.ClientURL()}}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(context.Background())
	ev := normalize.Event{ID: "abc", Provider: "africastalking", Type: "sms.delivery", Subject: "ATXid_t", Time: time.Unix(0, 0), Data: map[string]string{"k": "v"}}
	if _, err := store.Store(context.Background(), []normalize.Event{ev}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs syncBuffer
	done := make(chan int, 1)
	vars := env(map[string]string{"MLANGO_NATS_URL": srv.ClientURL()})
	go func() { done <- tailCmd(ctx, []string{"-from-start", "telecom.*.sms.delivery"}, &out, &errs, vars) }()
	line := waitFor(t, &out, regexp.MustCompile(`(?m)^(\{.*"subject":"ATXid_t".*\})\n`))[1]
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("tail exit %d: %s", code, errs.String())
	}
	if !strings.HasPrefix(line, `{"specversion":"1.0","id":"abc"`) {
		t.Errorf("tail line = %s", line)
	}
}
