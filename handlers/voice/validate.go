package voice

import (
	"strings"
	"time"

	"github.com/mlango/mlango/handlers/voicexml"
)

// probeURL stands in for the gateway's callback URLs when an action is
// built at load to let voicexml judge its numbers and URLs.
const probeURL = "https://gateway.invalid/api/voice/step/x"

// validator checks one flow, adding every problem to p.
type validator struct {
	f     *Flow
	file  string
	p     *problems
	saves map[string]bool
}

func (v *validator) addf(format string, args ...any) { v.p.addf(v.file, format, args...) }

func (v *validator) flow() {
	f := v.f
	if !nameRE.MatchString(f.Name) {
		v.addf("flow: %q is not a name; want 1-64 of A-Z, a-z, 0-9, _ and -", f.Name)
	}
	for _, n := range f.Numbers {
		if !e164RE.MatchString(n) {
			v.addf("numbers: %q is not an E.164 number such as +254711082000", n)
		}
	}
	if f.Retries < 0 || f.Retries > 10 {
		v.addf("retries: %d is out of range; want 0 (the default) to 10", f.Retries)
	}
	if len(f.steps) == 0 {
		v.addf("steps: none; want at least one")
		return
	}
	if _, ok := f.steps[f.Start]; !ok {
		v.addf("start: %q is not a step", f.Start)
	}
	for _, name := range sortedSteps(f.steps) {
		v.step(name, f.steps[name])
	}
	v.reachable()
}

func (v *validator) step(name string, actions []Action) {
	if !nameRE.MatchString(name) {
		v.addf("steps.%s: not a step name; want 1-64 of A-Z, a-z, 0-9, _ and -", name)
	}
	if len(actions) == 0 {
		v.addf("steps.%s: no actions", name)
	}
	for i, a := range actions {
		at := stepPath(name, i)
		k := a.kind()
		if k == "" {
			v.addf("%s: want exactly one of say, play, get_digits, dial, goto, remote, reject", at)
			continue
		}
		if last := i == len(actions)-1; !last && endsStep(k) {
			v.addf("%s: %s must be the step's last action", at, k)
		}
		v.action(name, at, a)
	}
}

// endsStep: these kinds hand the call elsewhere (or end the script), so
// nothing after them would run.
func endsStep(kind string) bool {
	switch kind {
	case "get_digits", "goto", "remote", "reject":
		return true
	}
	return false
}

func (v *validator) action(step, at string, a Action) {
	switch {
	case a.Say != nil:
		v.template(at+".say", a.Say.Text)
	case a.GetDigits != nil:
		v.getDigits(at+".get_digits", a.GetDigits)
	case a.Goto != "":
		v.ref(at+".goto", a.Goto)
	case a.Remote != nil:
		v.remote(step, at+".remote", a.Remote)
	}
	if _, err := buildProbe(a); err != nil {
		v.addf("%s: %v", at, err)
	}
}

func (v *validator) getDigits(at string, g *GetDigits) {
	if (g.Say == nil) == (g.Play == "") {
		v.addf("%s: want exactly one prompt, say or play", at)
	}
	if g.Say != nil {
		v.template(at+".say", g.Say.Text)
	}
	if len(g.Branches) == 0 && g.Any == "" {
		v.addf("%s: no branches and no any; want the steps the digits lead to", at)
	}
	for _, d := range sortedSteps(toActions(g.Branches)) {
		if !digitsRE.MatchString(d) {
			v.addf("%s.branches: %q is not keypad digits (0-9, * and #)", at, d)
		} else if g.FinishOnKey != "" && strings.HasSuffix(d, g.FinishOnKey) {
			v.addf("%s.branches: %q ends with the finish key, which is stripped before matching", at, d)
		}
		v.ref(at+".branches."+d, g.Branches[d])
	}
	if g.Any != "" {
		v.ref(at+".any", g.Any)
	}
	if g.OnExhausted != "" {
		v.ref(at+".on_exhausted", g.OnExhausted)
	}
	if g.Save != "" && !nameRE.MatchString(g.Save) || builtins[g.Save] {
		v.addf("%s.save: %q is not a free variable name", at, g.Save)
	}
	v.template(at+".invalid", g.Invalid)
	v.template(at+".no_input", g.NoInput)
}

func (v *validator) remote(step, at string, r *Remote) {
	if r.Timeout != "" {
		d, err := time.ParseDuration(r.Timeout)
		if err != nil || d < 50*time.Millisecond || d > 9*time.Second {
			v.addf("%s.timeout: %q; want a duration from 50ms to 9s", at, r.Timeout)
		}
		v.f.timeout[step] = d
	}
	if r.Subject != "" && !subjectRE.MatchString(r.Subject) {
		v.addf("%s.subject: %q is not a NATS subject without wildcards", at, r.Subject)
	}
	for _, s := range r.MayGoto {
		v.ref(at+".may_goto", s)
	}
}

func (v *validator) ref(at, step string) {
	if _, ok := v.f.steps[step]; !ok {
		v.addf("%s: %q is not a step", at, step)
	}
}

func (v *validator) template(at, text string) {
	if err := checkTemplate(text, v.saves); err != nil {
		v.addf("%s: %v", at, err)
	}
}

// reachable reports steps no path from start leads to: dead text that
// an author most likely meant to link.
func (v *validator) reachable() {
	seen := map[string]bool{}
	queue := []string{v.f.Start}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if seen[s] {
			continue
		}
		seen[s] = true
		for _, a := range v.f.steps[s] {
			queue = append(queue, targets(a)...)
		}
	}
	for _, name := range sortedSteps(v.f.steps) {
		if !seen[name] {
			v.addf("steps.%s: unreachable from start %q", name, v.f.Start)
		}
	}
}

// targets are the steps an action may lead to.
func targets(a Action) []string {
	var out []string
	if g := a.GetDigits; g != nil {
		for _, s := range g.Branches {
			out = append(out, s)
		}
		out = append(out, g.Any, g.OnExhausted)
	}
	if a.Remote != nil {
		out = append(out, a.Remote.MayGoto...)
	}
	return append(out, a.Goto)
}

// buildProbe builds an action alone with a stand-in URL so voicexml
// refuses what AT would: bad numbers, URLs, keys and voices.
func buildProbe(a Action) ([]byte, error) {
	if a.Remote != nil {
		return nil, nil
	}
	link := func(string, string) string { return probeURL }
	x, err := toXML(a, link, func(string) string { return "" })
	if err != nil {
		return nil, err
	}
	return voicexml.Build(x...)
}

func stepPath(step string, i int) string {
	return "steps." + step + "[" + itoa(i) + "]"
}

func toActions(m map[string]string) map[string][]Action {
	out := make(map[string][]Action, len(m))
	for k := range m {
		out[k] = nil
	}
	return out
}
