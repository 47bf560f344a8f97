package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mlango/mlango/config"
	"github.com/mlango/mlango/gateway"
	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/normalize"
	"github.com/mlango/mlango/publish"
	"github.com/mlango/mlango/publish/natstest"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// replayNow is every test gateway's receive time, so two gateways given
// the same callbacks store byte-identical events.
var replayNow = time.Date(2026, 3, 4, 10, 31, 0, 0, time.UTC)

// testGateway is the real gateway (cmd's own provider wiring, USSD
// included) on its own in-process JetStream, served by httptest.
type testGateway struct {
	url     string
	natsURL string
	js      jetstream.JetStream
}

func newTestGateway(t *testing.T, vars map[string]string) *testGateway {
	t.Helper()
	srv := natstest.Start(t)
	all := map[string]string{"MLANGO_NATS_URL": srv.ClientURL()}
	for k, v := range vars {
		all[k] = v
	}
	path, explicit := config.ConfigPath("", env(all))
	cfg, err := config.Load(path, explicit, env(all))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	store, err := publish.Open(ctx, publishOptions(cfg), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	us, err := startUSSD(ctx, cfg, store, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	provs, err := providers(cfg, zerolog.Nop(), store, us.routes)
	if err != nil {
		t.Fatal(err)
	}
	e, err := gateway.New(gateway.Options{Providers: provs, Store: store, Ready: store.Ready, BodyLimit: 1 << 20,
		Log: zerolog.Nop(), Now: func() time.Time { return replayNow }})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(e)
	t.Cleanup(func() {
		hs.Close()
		_ = us.async.Wait(context.Background())
		_ = store.Close(context.Background())
	})
	return &testGateway{url: hs.URL, natsURL: srv.ClientURL(), js: jsOn(t, srv.ClientURL())}
}

func jsOn(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// events reads every message of a stream: event id → body, and subjects in
// order.
func events(t *testing.T, js jetstream.JetStream, stream string) (map[string]string, []string) {
	t.Helper()
	byID, subjects := map[string]string{}, []string{}
	_, err := readStream(context.Background(), js, readOptions{stream: stream, subject: ">"}, func(_ context.Context, m stored) error {
		byID[m.ev.ID] = string(m.body)
		subjects = append(subjects, m.subject)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return byID, subjects
}

// waitStream polls until the stream holds n messages.
func waitStream(t *testing.T, js jetstream.JetStream, stream string, n uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := js.Stream(context.Background(), stream)
		if err == nil && st.CachedInfo().State.Msgs >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream %s: fewer than %d messages (%v)", stream, n, err)
		}
		runtimeYield()
	}
}

// postFixture sends a testdata callback (a request line, headers, a blank
// line, the body) to base, re-signing a webhook with signer.
func postFixture(t *testing.T, base, file string, signer *handlers.Signer) int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(string(b), "\n=== response\n")
	var lines []string
	for _, l := range strings.Split(head, "\n") {
		if !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	reqHead, body, _ := strings.Cut(strings.Join(lines, "\n"), "\n\n")
	body = strings.TrimSuffix(body, "\n")
	sc := bufio.NewScanner(strings.NewReader(reqHead))
	sc.Scan()
	method, target, _ := strings.Cut(sc.Text(), " ")
	req, err := http.NewRequest(method, base+target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	if signer != nil {
		signer.Sign(req.Header, "", replayNow, []byte(body))
	}
	return doPost(t, req)
}

func doPost(t *testing.T, req *http.Request) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func hexSigner(t *testing.T, header, prefix, secret string) *handlers.Signer {
	t.Helper()
	s, err := handlers.NewSigner(handlers.Signature{Scheme: handlers.SchemeHex, Header: header, Prefix: prefix, Secrets: []string{secret}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// storeEvents publishes n delivery reports and one opt-out per round to a
// fresh JetStream and returns its URL.
func storeEvents(t *testing.T, srvURL string, n int) *publish.Store {
	t.Helper()
	store, err := publish.Open(context.Background(), publish.Options{URLs: []string{srvURL}, DuplicateWindow: time.Hour}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	var evs []normalize.Event
	for i := range n {
		id := fmt.Sprintf("ATXid_r%d", i)
		evs = append(evs,
			normalize.NewEvent("africastalking", normalize.TypeSMSDelivery, id, replayNow, map[string]string{"messageId": id}, id),
			normalize.NewEvent("talkntalk", normalize.TypeSMSOptOut, id, replayNow, map[string]string{"phoneNumber": id}, id))
	}
	if _, err := store.Store(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	return store
}
