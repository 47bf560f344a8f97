package ussd_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/mlango/mlango/handlers/ussd"
)

// memStore is an in-memory SessionStore with revisions. It exists for
// the fuzzer's speed only: every behavioural test runs on a real NATS KV.
type memStore struct {
	mu   sync.Mutex
	rev  uint64
	vals map[string]memEntry
}

type memEntry struct {
	val []byte
	rev uint64
}

func newMemStore() *memStore { return &memStore{vals: map[string]memEntry{}} }

func (m *memStore) Get(_ context.Context, key string) ([]byte, uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.vals[key]
	if !ok {
		return nil, 0, nil
	}
	return e.val, e.rev, nil
}

func (m *memStore) Create(_ context.Context, key string, value []byte) (uint64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.vals[key]; ok {
		return 0, false, nil
	}
	m.rev++
	m.vals[key] = memEntry{append([]byte(nil), value...), m.rev}
	return m.rev, true, nil
}

func (m *memStore) Update(_ context.Context, key string, value []byte, rev uint64) (uint64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.vals[key]; !ok || e.rev != rev {
		return 0, false, nil
	}
	m.rev++
	m.vals[key] = memEntry{append([]byte(nil), value...), m.rev}
	return m.rev, true, nil
}

func (m *memStore) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.vals, key)
	return nil
}

// fakeBalance answers the savings menu's balance step in process, for the
// fuzzer; the transcripts use a real NATS responder.
type fakeBalance struct{}

func (fakeBalance) Request(_ context.Context, _ string, body []byte, _ map[string]string) ([]byte, error) {
	var req ussd.StepRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, err
	}
	switch req.Vars["account"] {
	case "000000":
		return nil, errors.New("no answer")
	case "111111":
		return []byte(`{"screen": {"text": "Pick", "items": [{"label": "A", "value": "a"}]}}`), nil
	}
	return []byte(`{"set": {"balance": "1"}}`), nil
}

// FuzzHop drives the demo and the savings menu with arbitrary hops: each
// line of script is an input (or, after '!', a whole raw text). Every hop
// must answer a CON or END screen within the network's budget, and no hop
// may end in the apology, which here could only come from a bug (a panic
// is recovered into one).
func FuzzHop(f *testing.F) {
	for _, seed := range []string{
		"1\n1", "2", "1\n0\n00\n2", "\n", "!1\n!1", "!5*2\n1",
		"1\n123456\n1234", "2\n500\n1", "3\n98\n98\n0\n7", "4\n2\n2\n50", "1\n1*0\n**", "!", "2\n0\n00\n10\n0",
		"1\n111111\n1234\n1", "1\n000000\n1234",
	} {
		f.Add(uint8(0), "63902", seed)
		f.Add(uint8(1), "63903", seed)
		f.Add(uint8(1), "63907", seed)
	}
	demo := ussd.Demo(ussd.DefaultOptions())
	opts := ussd.DefaultOptions()
	opts.BudgetByNetwork = map[string]int{"63903": 100}
	savings, err := ussd.LoadFiles([]string{"../../testdata/ussd/savings.yaml"}, opts)
	if err != nil {
		f.Fatal(err)
	}
	// A network budget smaller than the menus were checked against makes
	// the engine cut text at run time, which must still fit.
	opts.BudgetByNetwork = map[string]int{"63903": 100, "63907": 60}
	f.Fuzz(func(t *testing.T, which uint8, network, script string) {
		if len(script) > 2000 {
			return
		}
		set := demo
		if which%2 == 1 {
			set = savings
		}
		var apologies []ussd.Event
		o := opts
		o.Observe = func(e ussd.Event) {
			if e.Kind == ussd.EventApology {
				apologies = append(apologies, e)
			}
		}
		e := ussd.New(set, newMemStore(), newMemStore(), fakeBalance{}, o)
		fuzzSession(t, e, o, network, script)
		if len(apologies) > 0 {
			t.Fatalf("apology: %v", apologies[0].Err)
		}
	})
}

func fuzzSession(t *testing.T, e *ussd.Engine, o ussd.Options, network, script string) {
	req := ussd.Request{Provider: "africastalking", SessionID: "fuzz", ServiceCode: "*384*44135#",
		PhoneNumber: "+254711000111", NetworkCode: network}
	budget := o.Budget
	if b, ok := o.BudgetByNetwork[network]; ok {
		budget = b
	}
	text := ""
	for i, line := range append([]string{"!"}, strings.Split(script, "\n")...) {
		switch {
		case strings.HasPrefix(line, "!"):
			text = line[1:]
		case i == 1 && text == "":
			text = line
		default:
			text += "*" + line
		}
		req.Text = text
		resp := e.Hop(context.Background(), req)
		s := screen(resp)
		limit := budget
		if screenLen(s) != len([]rune(s)) || strings.ContainsFunc(s, nonGSMRune) {
			limit = min(budget, o.BudgetUCS2)
		}
		if resp.Text == "" || screenLen(s) > limit {
			t.Fatalf("hop %d (text %q): screen of %d over %d, or empty:\n%s", i, text, screenLen(s), limit, s)
		}
	}
}

func nonGSMRune(r rune) bool {
	const gsm = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà\f^{}\\[~]|€"
	return !strings.ContainsRune(gsm, r)
}
