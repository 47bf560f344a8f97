package voice

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/mlango/mlango/handlers/voicexml"
)

// memStore is a SessionStore in memory, with revisions as NATS KV has.
type memStore struct {
	mu   sync.Mutex
	vals map[string][]byte
	revs map[string]uint64
	next uint64
}

func newMemStore() *memStore {
	return &memStore{vals: map[string][]byte{}, revs: map[string]uint64{}}
}

func (m *memStore) Get(_ context.Context, k string) ([]byte, uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.vals[k], m.revs[k], nil
}

func (m *memStore) Create(_ context.Context, k string, v []byte) (uint64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.vals[k] != nil {
		return 0, false, nil
	}
	m.next++
	m.vals[k], m.revs[k] = v, m.next
	return m.next, true, nil
}

func (m *memStore) Update(_ context.Context, k string, v []byte, rev uint64) (uint64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.revs[k] != rev || m.vals[k] == nil {
		return 0, false, nil
	}
	m.next++
	m.vals[k], m.revs[k] = v, m.next
	return m.next, true, nil
}

func (m *memStore) Delete(_ context.Context, k string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.vals, k)
	delete(m.revs, k)
	return nil
}

var testSecret = []byte("engine-test-secret")

func supportEngine(tb testing.TB) *Engine {
	tb.Helper()
	set, err := LoadFiles([]string{"../../testdata/voice/support.yaml"})
	if err != nil {
		tb.Fatal(err)
	}
	return New(set, newMemStore(), nil, Options{Secret: testSecret})
}

var testCall = Call{SessionID: "ATVId_e1", CallerNumber: "+254711000111", DestinationNumber: "+254711082000",
	Base: "https://gw.example.com/", Key: "at&token"}

// TestLinksCarryKey: callback URLs are absolute, signed, and carry the AT
// route token escaped, so the guard admits AT's callbacks.
func TestLinksCarryKey(t *testing.T) {
	got := string(supportEngine(t).Start(context.Background(), testCall))
	want := "https://gw.example.com/api/voice/step/menu?t=" + Token(testSecret, testCall.SessionID, "menu") + "&amp;key=at%26token"
	if !strings.Contains(got, want) {
		t.Fatalf("answer lacks %s:\n%s", want, got)
	}
}

// TestRemoteWithoutService: a remote step with nothing to ask apologises.
func TestRemoteWithoutService(t *testing.T) {
	e := supportEngine(t)
	ctx := context.Background()
	e.Start(ctx, testCall)
	step := func(s, digits string) string {
		b, err := e.Step(ctx, testCall, StepRequest{Step: s, Token: Token(testSecret, testCall.SessionID, s), Digits: digits, HasDigits: true})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	step("menu", "1")
	if got := step("account", "12#"); !strings.Contains(got, "Sorry, we cannot take your call") {
		t.Fatalf("remote step without a service answered %s", got)
	}
}

// FuzzStepDigits: whatever digits and event a step callback carries, the
// answer is voice XML AT accepts, and a wrong token is always refused.
func FuzzStepDigits(f *testing.F) {
	for _, s := range []string{"1", "2", "3", "7", "", "#", "123456#", "1#", "**", "\x00", "१"} {
		f.Add("menu", s, "", true)
		f.Add("account", s, EventNoInput, false)
	}
	f.Fuzz(func(t *testing.T, step, digits, event string, has bool) {
		e := supportEngine(t)
		ctx := context.Background()
		e.Start(ctx, testCall)
		r := StepRequest{Step: step, Token: Token(testSecret, testCall.SessionID, step), Event: event, Digits: digits, HasDigits: has}
		b, err := e.Step(ctx, testCall, r)
		if err != nil {
			t.Fatalf("signed callback refused: %v", err)
		}
		if err := voicexml.Validate(b); err != nil {
			t.Fatalf("step %q digits %q: %v\n%s", step, digits, err, b)
		}
		r.Token += "x"
		if _, err := e.Step(ctx, testCall, r); err != ErrForged {
			t.Fatalf("wrong token: %v", err)
		}
	})
}

// FuzzLoad: the loader never panics, and a flow it accepts starts a call
// with voice XML AT accepts.
func FuzzLoad(f *testing.F) {
	f.Add(defaultYAML)
	f.Add([]byte("flow: a\nstart: s\nsteps: {s: [{say: \"hi {{callerNumber}}\"}, {goto: s}]}\n"))
	f.Add([]byte("flow: a\nstart: s\nsteps: {s: [{get_digits: {say: x, branches: {\"1\": s}}}]}\n"))
	f.Add([]byte("flow: a\nstart: s\nsteps: {s: [{dial: {numbers: [\"+254711000111\"]}}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := LoadSources([]Source{{Name: "f.yaml", Data: data}})
		if err != nil {
			return
		}
		for _, fl := range set.Flows() {
			e := New(set, newMemStore(), nil, Options{Secret: testSecret})
			c := testCall
			c.DestinationNumber = ""
			if len(fl.Numbers) > 0 {
				c.DestinationNumber = fl.Numbers[0]
			}
			if err := voicexml.Validate(e.Start(context.Background(), c)); err != nil {
				t.Fatalf("flow %s starts with invalid XML: %v", fl.Name, err)
			}
		}
	})
}
