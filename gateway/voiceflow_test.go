package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/handlers/voice"
	"github.com/mlango/mlango/handlers/voicexml"
	"github.com/mlango/mlango/publish"
	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"
)

// testVoiceSecret signs the golden files' callback URLs.
const testVoiceSecret = "voice_golden_secret_0001"

// voiceGateway is a router serving the flows in files (none: the built-in
// default) with call state in the rig's JetStream, as cmd wires it.
func voiceGateway(tb testing.TB, store *publish.Store, files ...string) *echo.Echo {
	tb.Helper()
	set, err := voice.LoadFiles(files)
	if err != nil {
		tb.Fatal(err)
	}
	calls, err := store.KV(context.Background(), publish.KVOptions{Bucket: "voice_calls", TTL: time.Hour})
	if err != nil {
		tb.Fatal(err)
	}
	engine := voice.New(set, calls, store, voice.Options{Retries: 3, RemoteTimeout: time.Second,
		SubjectPrefix: "mlango.voice", Secret: []byte(testVoiceSecret)})
	routes := handlers.VoiceFlowRoutes(handlers.VoiceFlow{Engine: engine, PublicURL: "https://gw.example.com", Log: zerolog.Nop()})
	e, err := New(Options{Providers: testProviders(tb, routes...), Store: store, BodyLimit: 1 << 20,
		Log: zerolog.Nop(), Now: func() time.Time { return fixedNow }})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// voiceCall posts one AT voice callback and returns the XML answered.
func voiceCall(tb testing.TB, e *echo.Echo, path string, fields url.Values) string {
	tb.Helper()
	rec := (&rig{e: e}).post(tb, path, form, fields.Encode())
	if rec.Code != http.StatusOK {
		tb.Fatalf("%s: %d %q", path, rec.Code, rec.Body)
	}
	if rec.Body.Len() > 0 {
		if err := voicexml.Validate(rec.Body.Bytes()); err != nil {
			tb.Fatalf("%s answered XML that does not validate: %v\n%s", path, err, rec.Body)
		}
	}
	return rec.Body.String()
}

func callFields(session string, extra ...string) url.Values {
	v := url.Values{"isActive": {"1"}, "sessionId": {session}, "direction": {"Inbound"},
		"callerNumber": {"+254711000111"}, "destinationNumber": {"+254711082000"}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

// stepPath is the URL the engine writes for a step, less its host.
func stepPath(session, step, event string) string {
	p := voice.StepPath + step + "?t=" + voice.Token([]byte(testVoiceSecret), session, step)
	if event != "" {
		p += "&e=" + event
	}
	return p
}

// checkGolden compares an answer with testdata/voice/<name>.xml.
func checkGolden(tb testing.TB, name, got string) {
	tb.Helper()
	file := filepath.Join("..", "testdata", "voice", name+".xml")
	if *update {
		if err := os.WriteFile(file, []byte(got+"\n"), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		tb.Fatalf("%v (run go test ./gateway -run Voice -update)", err)
	}
	if got != string(bytes.TrimSuffix(want, []byte("\n"))) {
		tb.Errorf("%s:\n got %s\nwant %s", name, got, want)
	}
}

// TestVoiceDefaultFlow: with no flows configured a call hears the AT
// sample's welcome, now from the built-in flow, and the final
// notification gets an empty 200.
func TestVoiceDefaultFlow(t *testing.T) {
	r := newRig(t)
	e := voiceGateway(t, r.store)
	got := voiceCall(t, e, "/api/voice/instruct", callFields("ATVId_d1"))
	if got != welcomeXML {
		t.Fatalf("default flow answered %s", got)
	}
	checkGolden(t, "default", got)
	if got := voiceCall(t, e, "/api/voice/instruct", callFields("ATVId_d1", "isActive", "0", "callSessionState", "Completed")); got != "" {
		t.Fatalf("final notification answered %q", got)
	}
	if n := len(r.messages(t)); n != 2 {
		t.Errorf("%d events stored, want 2", n)
	}
}

// balanceService answers the support flow's remote step, slowly for
// account 999 so the step's 500ms deadline passes.
func balanceService(t *testing.T, natsURL string) {
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	_, err = nc.Subscribe("acme.voice.balance", func(m *nats.Msg) {
		var req voice.RemoteRequest
		if err := json.Unmarshal(m.Data, &req); err != nil || req.Flow != "support" || req.CallerNumber != "+254711000111" {
			t.Errorf("remote request %s: %v", m.Data, err)
		}
		if req.Values["account"] == "999" {
			time.Sleep(time.Second)
		}
		_ = m.Respond([]byte(`[{"say":"Account ` + req.Values["account"] + ` has a balance of KES 1,200."},{"goto":"menu"}]`))
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = nc.Flush()
}
