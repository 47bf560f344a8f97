package ussd_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mlango/mlango/handlers/ussd"
)

var update = flag.Bool("update", false, "rewrite the screens of testdata/*.transcript")

// A transcript is a conversation with the engine and the screens it must
// answer, one file in testdata/*.transcript:
//
//	# a comment
//	menu ../../testdata/ussd/savings.yaml   the menu file ("menu demo": built-in)
//	responder silent                        how the test balance service answers
//	dial *384*44135#                        a new session's first hop
//	dial *384*44135# phone=+254722000222 network=63903
//	> 1                                     the caller types 1 (">" alone: sends nothing)
//	>> 1*2                                  a hop with exactly this text
//	wait 5m                                 the clock moves on (resume windows)
//	end                                     the provider reports the session over
//
// Every hop is followed by the screen it must get (CON … / END …, over
// as many lines as it has), then "= submit NAME k=v…" for each submission
// and "= replayed" for a hop answered from the previous one. -update
// rewrites those lines from what the engine answers.
func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.transcript")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	n := startNATS(t)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".transcript"), func(t *testing.T) {
			runTranscript(t, n, file)
		})
	}
}

type transcript struct {
	t       *testing.T
	n       *natsEnv
	file    string
	r       *rig
	call    *call
	dials   int
	mode    atomic.Value // the balance responder's mode
	out     []string     // the file as it should be
	failed  bool
	pending []string // expected lines of the last hop
	got     []string // actual lines of the last hop
}

func runTranscript(t *testing.T, n *natsEnv, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tr := &transcript{t: t, n: n, file: file}
	tr.mode.Store("ok")
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if isExpectation(line) {
			tr.pending = append(tr.pending, line)
			continue
		}
		tr.check()
		tr.out = append(tr.out, line)
		tr.command(i+1, line)
	}
	tr.check()
	if *update {
		if err := os.WriteFile(file, []byte(strings.Join(tr.out, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func isExpectation(line string) bool {
	if strings.TrimSpace(line) == "" {
		return false // blank lines separate conversations
	}
	for _, p := range []string{"#", "menu ", "responder ", "dial ", ">", "wait ", "end"} {
		if strings.HasPrefix(line, p) {
			return false
		}
	}
	return true
}

// command runs one line of the transcript.
func (tr *transcript) command(lineNo int, line string) {
	t := tr.t
	word, arg, _ := strings.Cut(line, " ")
	switch {
	case strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "":
	case word == "menu":
		tr.r = tr.n.newRig(t, tr.menu(arg), transcriptOptions())
		tr.n.respond(t, "mlango.ussd.savings.balance", tr.balance)
	case word == "responder":
		tr.mode.Store(arg)
	case word == "dial":
		tr.dial(arg)
	case strings.HasPrefix(line, ">>"):
		tr.hop(tr.call.raw(t, strings.TrimPrefix(strings.TrimPrefix(line, ">>"), " ")))
	case strings.HasPrefix(line, ">"):
		tr.hop(tr.call.send(t, strings.TrimPrefix(strings.TrimPrefix(line, ">"), " ")))
	case word == "wait":
		d, err := time.ParseDuration(arg)
		if err != nil {
			t.Fatalf("%s:%d: %v", tr.file, lineNo, err)
		}
		tr.r.clock.advance(d)
	case word == "end":
		if err := tr.r.engine.End(testCtx(t), tr.call.req.SessionID); err != nil {
			t.Fatalf("%s:%d: End: %v", tr.file, lineNo, err)
		}
	default:
		t.Fatalf("%s:%d: unknown command %q", tr.file, lineNo, line)
	}
}

func transcriptOptions() ussd.Options {
	o := ussd.DefaultOptions()
	o.RemoteTimeout = 200 * time.Millisecond // the silent responder's wait
	o.BudgetByNetwork = map[string]int{"63903": 100}
	return o
}

func (tr *transcript) menu(arg string) *ussd.MenuSet {
	if arg == "demo" {
		return ussd.Demo(transcriptOptions())
	}
	set, err := ussd.LoadFiles([]string{arg}, transcriptOptions())
	if err != nil {
		tr.t.Fatalf("load %s: %v", arg, err)
	}
	return set
}

func (tr *transcript) dial(arg string) {
	fields := strings.Fields(arg)
	tr.dials++
	id := fmt.Sprintf("ATUid_%s_%d", strings.TrimSuffix(filepath.Base(tr.file), ".transcript"), tr.dials)
	c := tr.r.caller(id, fields[0])
	for _, f := range fields[1:] {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "phone":
			c.req.PhoneNumber = v
		case "network":
			c.req.NetworkCode = v
		default:
			tr.t.Fatalf("%s: dial: unknown %q", tr.file, f)
		}
	}
	tr.call = c
	tr.hop(c.raw(tr.t, ""))
}

// hop records a response's lines for comparison with the expectation.
func (tr *transcript) hop(r ussd.Response) {
	tr.got = strings.Split(screen(r), "\n")
	for _, s := range r.Submissions {
		tr.got = append(tr.got, "= submit "+s.Name+" "+kv(s.Inputs))
	}
	if r.Replayed {
		tr.got = append(tr.got, "= replayed")
	}
}

func (tr *transcript) check() {
	if tr.got == nil && tr.pending == nil {
		return
	}
	if strings.Join(tr.got, "\n") != strings.Join(tr.pending, "\n") && !*update {
		tr.t.Errorf("%s: after %q got\n%s\nwant\n%s", tr.file, tr.out[len(tr.out)-1],
			strings.Join(tr.got, "\n"), strings.Join(tr.pending, "\n"))
	}
	tr.out = append(tr.out, tr.got...)
	tr.got, tr.pending = nil, nil
}

func kv(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, " ")
}

// balance is the savings menu's balance service, as the transcript's
// responder mode says: ok (PIN 1234 is right), silent (never answers),
// error, garbage (not JSON), bad-next (names no step).
func (tr *transcript) balance(req ussd.StepRequest, _ nats.Header) []byte {
	var reply any
	switch tr.mode.Load().(string) {
	case "silent":
		return nil
	case "error":
		reply = ussd.StepReply{Error: &ussd.ReplyError{Code: "unavailable", Message: "core banking down"}}
	case "garbage":
		return []byte("<html>502</html>")
	case "bad-next":
		reply = ussd.StepReply{Next: "nowhere"}
	default:
		if req.Vars["pin"] != "1234" {
			reply = ussd.StepReply{End: ussd.Text{"en": "Wrong PIN.", "sw": "PIN si sahihi."}}
		} else {
			reply = ussd.StepReply{Set: map[string]string{"balance": "12,500.00"}}
		}
	}
	b, _ := json.Marshal(reply)
	return b
}
