package ussd_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/mlango/mlango/handlers/ussd"
)

// remoteExample is testdata/remote-example.json: one real exchange of the
// remote step protocol (the savings menu's balance step), then the other
// kinds of reply a service may send. docs/ussd.md quotes it; this test
// keeps it true.
type remoteExample struct {
	Comment  string            `json:"comment"`
	Subject  string            `json:"subject"`
	Headers  map[string]string `json:"headers"`
	Request  ussd.StepRequest  `json:"request"`
	Reply    json.RawMessage   `json:"reply"`
	Screen   string            `json:"screen"`
	Replies  []json.RawMessage `json:"other_replies"`
	Comments []string          `json:"other_replies_comments"`
}

func TestRemoteExample(t *testing.T) {
	const file = "testdata/remote-example.json"
	var want remoteExample
	data, err := os.ReadFile(file)
	if err != nil || json.Unmarshal(data, &want) != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	n := startNATS(t)
	rec := &recorder{}
	reply := `{"set": {"balance": "12,500.00"}}`
	rec.serve(n, t, "mlango.ussd.savings.balance", func(ussd.StepRequest) string { return reply })
	set, err := ussd.LoadFiles([]string{"../../testdata/ussd/savings.yaml"}, ussd.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	r := n.newRig(t, set, ussd.DefaultOptions())
	c, _ := r.dial(t, "ATUid_7c898d72eb11f723ed8ea05ef232f279", "*384*44135#")
	c.send(t, "1")
	c.send(t, "123456")
	resp := c.send(t, "1234")

	req, hdr := rec.last(t)
	got := want
	got.Subject, got.Request, got.Reply, got.Screen = "mlango.ussd.savings.balance", req, json.RawMessage(reply), screen(resp)
	got.Headers = map[string]string{}
	for k := range hdr {
		got.Headers[k] = hdr.Get(k)
	}
	got.Headers["Mlango-Deadline"] = "2026-03-04T10:30:03.000Z" // the real one is now + 3s
	for i, raw := range want.Replies {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(new(ussd.StepReply)); err != nil {
			t.Errorf("other_replies[%d] is not a StepReply: %v", i, err)
		}
	}
	out, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	if *update {
		if err := os.WriteFile(file, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(out, data) {
		t.Errorf("%s is out of date (go test -run TestRemoteExample -update):\n%s", file, out)
	}
}
