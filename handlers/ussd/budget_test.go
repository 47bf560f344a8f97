package ussd_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go"

	"github.com/mlango/mlango/handlers/ussd"
)

// budgetMenu is a menu whose first screen, "CON " included, is exactly
// total characters long: its second option's label is padded, and ends
// with last (to test the alphabet's effect).
func budgetMenu(total int, last string) string {
	fixed := "CON Pick\n1. a\n2. " + last
	pad := strings.Repeat("x", total-utf8.RuneCountInString(fixed))
	return fmt.Sprintf(`
flow: budget
start: m
steps:
  m:
    menu:
      text: Pick
      options: [{label: a, end: A}, {label: %q, end: B}]
`, pad+last)
}

func TestScreenBudgetBoundary(t *testing.T) {
	n := startNATS(t)
	for _, tc := range []struct {
		name   string
		total  int
		last   string
		paged  bool
		budget int
	}{
		{"exactly at the budget", 160, "x", false, 160},
		{"one over the budget", 161, "x", true, 160},
		{"UCS-2 exactly at its budget", 70, "’", false, 70},
		{"UCS-2 one over", 71, "’", true, 70},
		{"GSM text one under the UCS-2 budget", 69, "x", false, 160},
		{"GSM extension characters count two", 160, "€", true, 160}, // 160 characters, 161 septets
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := n.newRig(t, menu(t, budgetMenu(tc.total, tc.last), ussd.DefaultOptions()), ussd.DefaultOptions())
			_, resp := r.dial(t, "b", "*1#")
			if paged := strings.Contains(resp.Text, "98. More"); paged != tc.paged {
				t.Errorf("paged %v, want %v:\n%s", paged, tc.paged, screen(resp))
			}
			if got := screenLen(screen(resp)); got > tc.budget {
				t.Errorf("screen is %d long, over %d", got, tc.budget)
			}
		})
	}
}

// screenLen measures like the network: UTF-16 units when any character is
// outside the GSM alphabet, else septets (extension characters two).
func screenLen(s string) int {
	const gsm = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	const ext = "\f^{}\\[~]|€"
	n, units := 0, 0
	ucs2 := false
	for _, r := range s {
		switch {
		case strings.ContainsRune(gsm, r):
			n++
		case strings.ContainsRune(ext, r):
			n += 2
		default:
			ucs2 = true
		}
		units++
		if r > 0xFFFF {
			units++
		}
	}
	if ucs2 {
		return units
	}
	return n
}

func TestBudgetPerNetwork(t *testing.T) {
	n := startNATS(t)
	opts := ussd.DefaultOptions()
	opts.BudgetByNetwork = map[string]int{"63903": 120}
	// About 145 characters in short options: one page at 160, two at 120.
	var options []string
	for i := 1; i <= 8; i++ {
		options = append(options, fmt.Sprintf("{label: Option %d here, end: E}", i))
	}
	src := "flow: nets\nstart: m\nsteps:\n  m:\n    menu:\n      text: Pick\n      options: [" + strings.Join(options, ", ") + "]\n"
	r := n.newRig(t, menu(t, src, opts), opts)
	_, on160 := r.dial(t, "n1", "*1#")
	c := r.caller("n2", "*1#")
	c.req.NetworkCode = "63903"
	on120 := c.raw(t, "")
	if strings.Contains(on160.Text, "98. More") || !strings.Contains(on120.Text, "98. More") {
		t.Errorf("150 characters: paged on 63902 %v (want false), on 63903 %v (want true)",
			strings.Contains(on160.Text, "98. More"), strings.Contains(on120.Text, "98. More"))
	}
	if screenLen(screen(on120)) > 120 {
		t.Errorf("63903 screen over 120:\n%s", screen(on120))
	}
}

func TestDynamicTextTruncated(t *testing.T) {
	n := startNATS(t)
	long := strings.Repeat("word ", 60)
	n.respond(t, "mlango.ussd.trunc.ask", func(ussd.StepRequest, nats.Header) []byte {
		return []byte(`{"end": "` + long + `"}`)
	})
	r := n.newRig(t, menu(t, `
flow: trunc
start: ask
defaults: {on_error: {end: E}}
steps:
  ask: {remote: {}}
`, ussd.DefaultOptions()), ussd.DefaultOptions())
	_, resp := r.dial(t, "t", "*1#")
	if !strings.HasSuffix(resp.Text, "word...") || screenLen(screen(resp)) > 160 {
		t.Errorf("want a GSM ellipsis within 160, got %d:\n%s", screenLen(screen(resp)), screen(resp))
	}
	if r.events.count(ussd.EventTruncated) != 1 {
		t.Errorf("truncations observed: %d", r.events.count(ussd.EventTruncated))
	}
}

const versionMenu = `
flow: v
start: a
steps:
  a:
    menu:
      text: "A %s"
      options: [{label: next, next: b}]
  b:
    menu:
      text: "B %s"
      options: [{label: end, end: Bye}]
`

func TestVersionPinnedAcrossSwap(t *testing.T) {
	n := startNATS(t)
	v1 := menu(t, fmt.Sprintf(versionMenu, "v1", "v1"), ussd.DefaultOptions())
	v2 := menu(t, fmt.Sprintf(versionMenu, "v2", "v2"), ussd.DefaultOptions())
	r := n.newRig(t, v1, ussd.Options{}) // no resume: sessions here are left open
	old, first := r.dial(t, "old", "*1#")
	wantScreen(t, first, lines("CON A v1", "1. next"))
	r.engine.Swap(v2)
	wantScreen(t, old.send(t, "1"), lines("CON B v1", "1. end", "0. Back"))
	_, fresh := r.dial(t, "new", "*1#")
	wantScreen(t, fresh, lines("CON A v2", "1. next"))
	if fresh.Version == first.Version || fresh.Version != v2.Flows()[0].Version {
		t.Errorf("versions: old session %s, new %s, v2 %s", first.Version, fresh.Version, v2.Flows()[0].Version)
	}

	// Another instance that never loaded v1 carries the session on v2,
	// where its step exists...
	other := ussd.New(v2, r.sessions, nil, nil, ussd.Options{Observe: r.events.add})
	old.r = &rig{natsEnv: n, engine: other}
	wantScreen(t, old.send(t, "0"), lines("CON A v2", "1. next"))
	if r.events.count(ussd.EventVersionFallback) != 1 {
		t.Errorf("version fallbacks observed: %d, want 1", r.events.count(ussd.EventVersionFallback))
	}
	// ...and apologises where it does not.
	r.engine.Swap(v1)
	c, _ := r.dial(t, "gone", "*1#")
	c.send(t, "1")
	v3 := menu(t, "flow: v\nstart: a\nsteps:\n  a: {end: A v3}\n", ussd.DefaultOptions())
	third := ussd.New(v3, r.sessions, nil, nil, ussd.Options{})
	c.r = &rig{natsEnv: n, engine: third}
	wantScreen(t, c.send(t, "1"), "END "+ussd.DefaultApology)
}

func TestResumeRemoteStepAsksAgain(t *testing.T) {
	n := startNATS(t)
	rec := &recorder{}
	rec.serve(n, t, "mlango.ussd.loans.pick", func(ussd.StepRequest) string {
		return `{"screen": {"text": "Loans", "items": [{"label": "A", "value": "a"}]}}`
	})
	src := strings.Replace(listMenu, "start: pick", "start: m", 1) + `
  m:
    menu:
      text: Menu
      options: [{label: loans, next: pick}]
`
	r := n.newRig(t, menu(t, src, ussd.DefaultOptions()), ussd.DefaultOptions())
	c, _ := r.dial(t, "r1", "*1#")
	wantScreen(t, c.send(t, "1"), lines("CON Loans", "1. A", "0. Back"))
	r.clock.advance(2 * time.Minute)
	c2, offer := r.dial(t, "r2", "*1#")
	wantScreen(t, offer, lines("CON You have an unfinished session.", "1. Continue", "2. Start again"))
	wantScreen(t, c2.send(t, "1"), lines("CON Loans", "1. A", "0. Back"))
	wantScreen(t, c2.send(t, "1"), "END Loan a")
	if req, _ := rec.last(t); req.Phase != "enter" || req.Session.ID != "r2" {
		t.Errorf("resumed request: phase %q session %q", req.Phase, req.Session.ID)
	}
	// The finished session removed the record: no offer on the next call.
	_, next := r.dial(t, "r3", "*1#")
	wantScreen(t, next, lines("CON Menu", "1. loans"))
}
