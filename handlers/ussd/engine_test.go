package ussd_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/mlango/mlango/handlers/ussd"
)

// menu compiles an inline flow, failing the test on any problem.
func menu(tb testing.TB, src string, opts ussd.Options) *ussd.MenuSet {
	tb.Helper()
	set, err := ussd.LoadSources([]ussd.Source{{Name: tb.Name() + ".yaml", Data: []byte(src)}}, opts)
	if err != nil {
		tb.Fatalf("menu: %v", err)
	}
	return set
}

const deepMenu = `
flow: deep
start: a
nav: {show: [back, home]}
steps:
  a:
    menu:
      text: A
      options: [{label: to B, next: b}]
  b:
    menu:
      text: B
      options: [{label: to C, next: c}]
  c:
    menu:
      text: C
      options: [{label: done, end: Done}]
`

func TestNavigation(t *testing.T) {
	n := startNATS(t)
	r := n.newRig(t, menu(t, deepMenu, ussd.DefaultOptions()), ussd.DefaultOptions())
	c, first := r.dial(t, "nav", "*1#")
	for _, step := range []struct{ in, want string }{
		{"", lines("CON A", "1. to B")},
		{"1", lines("CON B", "1. to C", "0. Back", "00. Home")},
		{"1", lines("CON C", "1. done", "0. Back", "00. Home")},
		{"0", lines("CON B", "1. to C", "0. Back", "00. Home")},
		{"1", lines("CON C", "1. done", "0. Back", "00. Home")},
		{"00", lines("CON A", "1. to B")},
		{"00", lines("CON Invalid choice", "A", "1. to B")}, // already home
		{"1", lines("CON B", "1. to C", "0. Back", "00. Home")},
		{"0", lines("CON A", "1. to B")},
	} {
		resp := first
		if step.in != "" {
			resp = c.send(t, step.in)
		}
		wantScreen(t, resp, step.want)
	}
}

func TestDuplicateHopReplaysWithoutRunningSteps(t *testing.T) {
	n := startNATS(t)
	calls := countingResponder(t, n, "mlango.ussd.dup.ask", `{"end": "Asked"}`)
	r := n.newRig(t, menu(t, `
flow: dup
start: m
defaults: {on_error: {end: Failed}}
steps:
  m:
    menu:
      text: M
      options: [{label: ask, next: ask}]
  ask:
    remote: {}
`, ussd.DefaultOptions()), ussd.DefaultOptions())
	c, _ := r.dial(t, "dup", "*1#")
	first := c.send(t, "1")
	again := c.raw(t, "1")
	wantScreen(t, first, "END Asked")
	wantScreen(t, again, "END Asked")
	if first.Replayed || !again.Replayed {
		t.Errorf("Replayed: first %v, again %v; want false, true", first.Replayed, again.Replayed)
	}
	if got := calls(); got != 1 {
		t.Errorf("the service was asked %d times, want 1", got)
	}
	// A late copy of the dial itself (text "") is answered too, not run.
	if late := c.raw(t, ""); !late.Replayed || screen(late) != "END Asked" {
		t.Errorf("late first hop: %q replayed=%v", screen(late), late.Replayed)
	}
}

// barrierStore holds the first two Gets until both have arrived, so two
// hops read the same revision and race to write it.
type barrierStore struct {
	ussd.SessionStore
	once    sync.Once
	arrived chan struct{}
	gets    sync.WaitGroup
}

func (b *barrierStore) Get(ctx context.Context, key string) ([]byte, uint64, error) {
	v, rev, err := b.SessionStore.Get(ctx, key)
	select {
	case b.arrived <- struct{}{}:
		b.gets.Done()
		b.gets.Wait()
	default:
	}
	return v, rev, err
}

func TestConcurrentDuplicateHops(t *testing.T) {
	n := startNATS(t)
	r := n.newRig(t, menu(t, deepMenu, ussd.DefaultOptions()), ussd.DefaultOptions())
	c, _ := r.dial(t, "race", "*1#")
	barrier := &barrierStore{SessionStore: r.sessions, arrived: make(chan struct{}, 2)}
	barrier.gets.Add(2)
	engine := ussd.New(r.engine.MenuSet(), barrier, r.resume, nil, ussd.Options{Observe: r.events.add})
	req := c.req
	req.Text = "1"
	var wg sync.WaitGroup
	resps := make([]ussd.Response, 2)
	for i := range resps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resps[i] = engine.Hop(testCtx(t), req)
		}()
	}
	wg.Wait()
	want := lines("CON B", "1. to C", "0. Back", "00. Home")
	advanced := 0
	for i, resp := range resps {
		wantScreen(t, resp, want)
		if !resp.Replayed {
			advanced++
		}
		t.Logf("hop %d: replayed=%v", i, resp.Replayed)
	}
	if advanced != 1 {
		t.Errorf("%d hops advanced the session, want exactly 1", advanced)
	}
	if r.events.count(ussd.EventConflict) != 1 {
		t.Errorf("conflicts observed: %d, want 1 (both hops read the same revision)", r.events.count(ussd.EventConflict))
	}
	// The session moved on once: the next input applies to screen B.
	wantScreen(t, c.raw(t, "1*1"), lines("CON C", "1. done", "0. Back", "00. Home"))
}

func TestPrefixMismatchTakesLastSegment(t *testing.T) {
	n := startNATS(t)
	r := n.newRig(t, menu(t, deepMenu, ussd.DefaultOptions()), ussd.DefaultOptions())
	c, _ := r.dial(t, "mismatch", "*1#")
	c.send(t, "1")
	// The provider's text no longer extends "1": the last segment is read.
	wantScreen(t, c.raw(t, "7*1"), lines("CON C", "1. done", "0. Back", "00. Home"))
	if r.events.count(ussd.EventPrefixMismatch) != 1 {
		t.Errorf("prefix mismatches observed: %d, want 1", r.events.count(ussd.EventPrefixMismatch))
	}
	// And the next text is read against the one just answered.
	wantScreen(t, c.raw(t, "7*1*1"), "END Done")
}

func TestUnknownSessionStartsFresh(t *testing.T) {
	n := startNATS(t)
	r := n.newRig(t, menu(t, deepMenu, ussd.DefaultOptions()), ussd.DefaultOptions())
	// A hop with text for a session this store never saw (expired, or
	// another gateway's): the first screen, no apology, no panic.
	c := r.caller("stranger", "*1#")
	resp := c.raw(t, "1*1")
	wantScreen(t, resp, lines("CON A", "1. to B"))
	if resp.Input != "" || resp.MaskedText != "1*1" {
		t.Errorf("Input %q MaskedText %q; want nothing read and the text kept (the flow has no secrets)", resp.Input, resp.MaskedText)
	}
	wantScreen(t, c.raw(t, "1*1*1"), lines("CON B", "1. to C", "0. Back", "00. Home"))

	// Engine.End forgets a session: the same text is then a stranger's.
	if err := r.engine.End(testCtx(t), "stranger"); err != nil {
		t.Fatal(err)
	}
	wantScreen(t, c.raw(t, "1*1*1*1"), lines("CON A", "1. to B"))
}

func TestStoreFailureApologises(t *testing.T) {
	n := startNATS(t)
	r := n.newRig(t, nil, ussd.DefaultOptions())
	c, _ := r.dial(t, "outage", "*1#")
	r.sessions.fail.Store(true)
	resp := c.send(t, "1")
	wantScreen(t, resp, "END "+ussd.DefaultApology)
	if r.events.count(ussd.EventApology) != 1 {
		t.Errorf("apologies observed: %d, want 1", r.events.count(ussd.EventApology))
	}
	r.sessions.fail.Store(false)
	// Nothing was written: once the store is back the session carries on.
	wantScreen(t, c.raw(t, "1"), lines("CON Choose account information you want to view", "1. Account number"))
}

func TestApologyForMenuFailures(t *testing.T) {
	inline := func(src string) func(testing.TB) *ussd.MenuSet {
		return func(tb testing.TB) *ussd.MenuSet { return menu(tb, src, ussd.DefaultOptions()) }
	}
	for _, tc := range []struct {
		name string
		set  func(testing.TB) *ussd.MenuSet
	}{
		{"template fails at run time", inline(`
flow: bad
start: m
steps:
  m:
    menu:
      text: '{{index .vars "x" 3}}'
      options: [{label: a, end: A}]
`)},
		{"steps loop without a screen", inline(`
flow: loop
start: a
steps:
  a: {set: {x: "1"}, next: b}
  b: {set: {y: "2"}, next: a}
`)},
		{"no flow for the code and no default", twoFlows},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := startNATS(t)
			r := n.newRig(t, tc.set(t), ussd.DefaultOptions())
			c, resp := r.dial(t, "bad", "*1#")
			wantScreen(t, resp, "END "+ussd.DefaultApology)
			// The apology is the session's answer: a re-send gets it again.
			if again := c.raw(t, ""); !again.Replayed || !again.End {
				t.Errorf("re-sent hop: %q replayed=%v", screen(again), again.Replayed)
			}
		})
	}
}

// twoFlows is a set where no flow is the default.
func twoFlows(tb testing.TB) *ussd.MenuSet {
	set, err := ussd.LoadSources([]ussd.Source{
		{Name: "a.yaml", Data: []byte("flow: a\nservice_codes: ['*2#']\nstart: m\nsteps:\n  m: {end: A}\n")},
		{Name: "b.yaml", Data: []byte("flow: b\nservice_codes: ['*3#']\nstart: m\nsteps:\n  m: {end: B}\n")},
	}, ussd.DefaultOptions())
	if err != nil {
		tb.Fatal(err)
	}
	return set
}

func TestRoutingByServiceCode(t *testing.T) {
	n := startNATS(t)
	r := n.newRig(t, twoFlows(t), ussd.DefaultOptions())
	for _, tc := range []struct{ code, want, flow string }{
		{"*2#", "END A", "a"},
		{"*3#", "END B", "b"},
		{" *3# ", "END B", "b"},
	} {
		_, resp := r.dial(t, "route"+tc.code, tc.code)
		if screen(resp) != tc.want || resp.Flow != tc.flow {
			t.Errorf("%s: %q on flow %q, want %q on %q", tc.code, screen(resp), resp.Flow, tc.want, tc.flow)
		}
	}
}

func TestMaskedTextAndMaskInput(t *testing.T) {
	n := startNATS(t)
	r := n.newRig(t, menu(t, `
flow: pin
start: pin
steps:
  pin:
    input: {text: PIN, save: pin, secret: true, next: amount}
  amount:
    input: {text: Amount, save: amount, next: done}
  done:
    end: Done
    submit: paid
`, ussd.DefaultOptions()), ussd.DefaultOptions())
	c, _ := r.dial(t, "mask", "*1#")
	resp := c.send(t, "4321")
	if !resp.InputSecret || resp.MaskedText != "****" {
		t.Errorf("PIN hop: InputSecret %v MaskedText %q", resp.InputSecret, resp.MaskedText)
	}
	if got := r.engine.MaskInput(testCtx(t), "mask", "4321*50"); got != "****"+"*50" {
		t.Errorf("MaskInput with one more input: %q", got)
	}
	resp = c.send(t, "50")
	if resp.InputSecret || resp.MaskedText != "****"+"*50" {
		t.Errorf("amount hop: InputSecret %v MaskedText %q", resp.InputSecret, resp.MaskedText)
	}
	if len(resp.Submissions) != 1 || resp.Submissions[0].Inputs["pin"] != "" || resp.Submissions[0].Inputs["amount"] != "50" {
		t.Errorf("submissions %+v: want amount and never the PIN", resp.Submissions)
	}
	for _, tc := range []struct{ session, input, want string }{
		{"mask", "4321*50", "****" + "*50"},
		{"gone", "4321*50", "****" + "*" + "****"}, // no state: every input masked
		{"mask", "9*9*9", "****" + "*" + "****" + "*" + "****"},
	} {
		if got := r.engine.MaskInput(testCtx(t), tc.session, tc.input); got != tc.want {
			t.Errorf("MaskInput(%s, %q) = %q, want %q", tc.session, tc.input, got, tc.want)
		}
	}
	if strings.Contains(screen(c.raw(t, "4321*50")), "4321") {
		t.Error("the PIN appears on a screen")
	}
}
