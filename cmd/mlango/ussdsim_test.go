package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mlango/mlango/handlers/ussd"
	"github.com/mlango/mlango/publish/natstest"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

var update = flag.Bool("update", false, "rewrite the golden files under cmd/mlango/testdata")

// startGateway runs the real command as TestServe does, with vars over an
// embedded NATS without a client port, and returns its USSD session URL.
// The gateway stops, and must exit 0, when the test ends.
func startGateway(t *testing.T, vars map[string]string) string {
	t.Helper()
	all := map[string]string{"MLANGO_HTTP_ADDR": "127.0.0.1:0", "MLANGO_DATA_DIR": t.TempDir(), "MLANGO_NATS_LISTEN": "none"}
	maps.Copy(all, vars)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, nil, &out, &errs, env(all)) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("gateway exit %d:\n%s%s", code, out.String(), errs.String())
		}
	})
	addr := waitFor(t, &out, regexp.MustCompile(`"addr":"([^"]+)".*mlango serving HTTP`))[1]
	return "http://" + addr + "/api/ussd/session"
}

// simulate runs ussd-sim with stdin and returns stdout, stderr and the
// exit code.
func simulate(stdin string, args ...string) (string, string, int) {
	var out, errs bytes.Buffer
	code := ussdSimCmd(context.Background(), args, strings.NewReader(stdin), &out, &errs)
	return out.String(), errs.String(), code
}

// checkGolden compares got with testdata/name, or writes it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (write it with go test ./cmd/mlango -run %s -update)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs (rewrite it with -update after a deliberate change):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// transcriptCase is one scripted session whose output is a golden file,
// headed by the command line that makes it (less -url and -session).
type transcriptCase struct {
	golden string
	args   []string
	code   int
}

func runTranscripts(t *testing.T, url string, cases []transcriptCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.golden, func(t *testing.T) {
			args := append([]string{"-url", url, "-session", "ATUid_cmd_" + tc.golden}, tc.args...)
			out, errs, code := simulate("", args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s%s", code, tc.code, out, errs)
			}
			checkGolden(t, tc.golden+".transcript", "$ mlango ussd-sim "+shellWords(tc.args)+"\n"+out)
		})
	}
}

// shellWords quotes the arguments a shell would expand (service codes), so
// the command heading a transcript can be pasted as it is.
func shellWords(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if strings.ContainsAny(a, "*#?[]$ '\"") {
			out[i] = "'" + a + "'"
		}
	}
	return strings.Join(out, " ")
}

// TestUSSDSimDemo dials every branch of the built-in demo on the real
// gateway, and the same session from a script file and from stdin.
func TestUSSDSimDemo(t *testing.T) {
	url := startGateway(t, nil)
	runTranscripts(t, url, []transcriptCase{
		{golden: "demo-account", args: []string{"-inputs", "1,1"}},
		{golden: "demo-phone", args: []string{"-inputs", "2"}},
		{golden: "demo-invalid", args: []string{"-inputs", "3"}},
		{golden: "demo-invalid-account", args: []string{"-inputs", "1,2"}},
		{golden: "demo-empty-reply", args: []string{"-inputs", "1,"}},
		// Another caller: a hang-up leaves a resume record for the number.
		{golden: "demo-hang-up", args: []string{"-phone", "+254700000003", "-inputs", "1"}, code: simHungUp},
	})
	want, _, _ := simulate("", "-url", url, "-inputs", "1,1")
	script := filepath.Join(t.TempDir(), "inputs.txt")
	if err := os.WriteFile(script, []byte("1\r\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, run := range map[string][]string{"file": {"-script", script}, "stdin": {"-script", "-"}, "piped": nil} {
		out, errs, code := simulate("1\n1\n", append([]string{"-url", url}, run...)...)
		if code != 0 || out != want {
			t.Errorf("inputs from %s: exit %d\n%s%s\nwant\n%s", name, code, out, errs, want)
		}
	}
}

// TestUSSDSimSavings dials testdata/ussd/savings.yaml on a gateway whose
// NATS is a test server, where a responder answers the balance step and
// the stream shows what the end-of-session reports became.
func TestUSSDSimSavings(t *testing.T) {
	srv := natstest.Start(t)
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	if _, err := nc.Subscribe("mlango.ussd.savings.balance", balanceResponder(t)); err != nil {
		t.Fatal(err)
	}
	menus, err := filepath.Abs("../../testdata/ussd/savings.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "mlango.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("ussd:\n  menus: [%q]\n", menus)), 0o644); err != nil {
		t.Fatal(err)
	}
	url := startGateway(t, map[string]string{"MLANGO_NATS_URL": srv.ClientURL(), "MLANGO_CONFIG": cfg})
	runTranscripts(t, url, []transcriptCase{
		{golden: "savings-balance", args: []string{"-inputs", "1,12a456,123456,2580", "-end-report"}},
		{golden: "savings-wrong-pin", args: []string{"-inputs", "1,123456,9999"}},
		{golden: "savings-deposit", args: []string{"-inputs", "2,500,1"}},
		{golden: "savings-products", args: []string{"-inputs", "3,98,6"}},
		{golden: "savings-kiswahili", args: []string{"-inputs", "4,2,3,7"}},
		{golden: "savings-dial-choice", args: []string{"-code", "*384*44135*2#", "-inputs", "70,1"}},
	})
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ev := lastEvent(t, js, "telecom.africastalking.ussd.session")
	checkSessionEvent(t, ev, "ATUid_cmd_savings-balance", "completed", 5, "1*12a456*123456*****")
	if hops := fmt.Sprint(ev["hopsMetadata"]); hops != "[welcome account account pin balance_show]" {
		t.Errorf("hopsMetadata = %s", hops)
	}
	sub := lastEvent(t, js, "telecom.africastalking.ussd.submission")
	if sub["name"] != "deposit" || fmt.Sprint(sub["inputs"]) != "map[amount:70]" {
		t.Errorf("last submission = %v", sub)
	}

	// A caller who hangs up: the report says Incomplete.
	_, errs, code := simulate("", "-url", url, "-session", "ATUid_cmd_hangup", "-phone", "+254700000004", "-inputs", "2", "-end-report")
	if code != simHungUp {
		t.Fatalf("hang-up: exit %d: %s", code, errs)
	}
	ev = lastEvent(t, js, "telecom.africastalking.ussd.session")
	checkSessionEvent(t, ev, "ATUid_cmd_hangup", "incomplete", 2, "2")
}

// balanceResponder is the service behind the savings menu's remote step:
// PIN 2580 opens every account.
func balanceResponder(t *testing.T) nats.MsgHandler {
	return func(m *nats.Msg) {
		var req ussd.StepRequest
		reply := `{"end": {"en": "Wrong PIN.", "sw": "PIN si sahihi."}}`
		if err := json.Unmarshal(m.Data, &req); err != nil {
			t.Errorf("remote step request: %v", err)
		} else if req.Vars["pin"] == "2580" {
			reply = `{"set": {"balance": "12,500.00"}}`
		}
		if err := m.Respond([]byte(reply)); err != nil {
			t.Errorf("responding: %v", err)
		}
	}
}

// lastEvent returns the data of the newest event on subject. The routes
// answer only once JetStream has stored their events, so there is nothing
// to wait for.
func lastEvent(t *testing.T, js jetstream.JetStream, subject string) map[string]any {
	t.Helper()
	ctx := context.Background()
	st, err := js.Stream(ctx, "TELECOM")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := st.GetLastMsgForSubject(ctx, subject)
	if err != nil {
		t.Fatalf("%s: %v", subject, err)
	}
	var ev struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(msg.Data, &ev); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(msg.Data), "2580") {
		t.Errorf("the PIN reached the stream: %s", msg.Data)
	}
	return ev.Data
}

func checkSessionEvent(t *testing.T, ev map[string]any, session, status string, hops int, input string) {
	t.Helper()
	got := fmt.Sprintf("%v %v %v %v", ev["sessionId"], ev["status"], ev["hops"], ev["input"])
	if want := fmt.Sprintf("%s %s %d %s", session, status, hops, input); got != want {
		t.Errorf("ussd.session event: %s, want %s", got, want)
	}
}
