package gateway

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the response and events of testdata golden files")

// A golden file holds one raw callback and what it must become:
//
//	# comments
//	POST /path?query
//	Header: value
//
//	body
//	=== response
//	200
//	OK
//	=== events
//	[ canonical events, exactly, as stored in JetStream ]
//
// TestGolden sends each callback through the real router into a real
// JetStream and compares the stored events with the file.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("../testdata/*/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files found: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(file, "../testdata/"), ".txt")
		t.Run(name, func(t *testing.T) {
			g := readGolden(t, file)
			r := newRig(t)
			rec := r.do(t, g.request(t))
			msgs := r.messages(t)
			gotEvents := make([]json.RawMessage, len(msgs))
			for i, m := range msgs {
				checkEnvelope(t, m)
				gotEvents[i] = m.Body
			}
			if *update {
				g.write(t, file, rec.Code, rec.Body.String(), gotEvents)
				return
			}
			if rec.Code != g.status || rec.Body.String() != g.body {
				t.Errorf("answer = %d %q, want %d %q", rec.Code, rec.Body.String(), g.status, g.body)
			}
			compareEvents(t, gotEvents, g.events)
		})
	}
}

// checkEnvelope holds what every stored event must satisfy whatever the file
// says: its subject, its de-duplication id and its content type.
func checkEnvelope(t *testing.T, m stored) {
	t.Helper()
	want := "telecom." + m.Event["provider"].(string) + "." + m.Event["type"].(string)
	if m.Subject != want {
		t.Errorf("subject = %q, want %q", m.Subject, want)
	}
	if m.MsgID == "" || m.MsgID != m.Event["id"] {
		t.Errorf("Nats-Msg-Id = %q, event id %v", m.MsgID, m.Event["id"])
	}
	if m.CT != "application/cloudevents+json" {
		t.Errorf("Content-Type header = %q", m.CT)
	}
}

func compareEvents(t *testing.T, got []json.RawMessage, want json.RawMessage) {
	t.Helper()
	var g, w any
	gb, _ := json.Marshal(got)
	if err := json.Unmarshal(gb, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("golden events are not JSON: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		pretty, _ := json.MarshalIndent(g, "", "  ")
		t.Errorf("stored events differ from golden file; got:\n%s\n(run go test ./gateway -run TestGolden -update after a deliberate change)", pretty)
	}
}

type golden struct {
	head   string // comments and the raw request, kept on -update
	status int
	body   string
	events json.RawMessage
}

func readGolden(t *testing.T, file string) golden {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	head, rest, ok := strings.Cut(s, "\n=== response\n")
	if !ok && !*update {
		t.Fatalf("%s: no '=== response' section", file)
	}
	g := golden{head: head}
	resp, events, _ := strings.Cut(rest, "\n=== events\n")
	code, body, _ := strings.Cut(resp, "\n")
	g.status, _ = strconv.Atoi(strings.TrimSpace(code))
	g.body = body
	g.events = json.RawMessage(events)
	return g
}

// request parses the raw request: a request line, headers, a blank line and
// the body (its trailing newline is the file's, not the callback's).
func (g golden) request(t *testing.T) *http.Request {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(g.head, "\n") {
		if !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	raw := strings.Join(lines, "\n")
	reqHead, body, _ := strings.Cut(raw, "\n\n")
	method, target, _ := strings.Cut(strings.SplitN(reqHead, "\n", 2)[0], " ")
	req := httptest.NewRequest(method, target, strings.NewReader(strings.TrimSuffix(body, "\n")))
	sc := bufio.NewScanner(strings.NewReader(reqHead))
	sc.Scan() // request line
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return req
}

func (g golden) write(t *testing.T, file string, status int, body string, events []json.RawMessage) {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString(g.head)
	buf.WriteString("\n=== response\n" + strconv.Itoa(status) + "\n" + body + "\n=== events\n")
	all, _ := json.Marshal(events)
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, all, "", "  "); err != nil {
		t.Fatal(err)
	}
	buf.Write(pretty.Bytes())
	buf.WriteString("\n")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
