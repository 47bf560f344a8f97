package ussd

import (
	"fmt"
	"slices"
	"strings"
)

// lint checks the compiled flow as a whole: references, reachability,
// keys, variables, translations and screen budgets.
func (c *compiler) lint() {
	c.lintRefs()
	c.lintReachable()
	c.lintKeys()
	c.lintVars()
	c.lintTranslations()
	c.lintBudgets()
}

// edge is a way from one step to another, named for messages and graphs.
type edge struct {
	from, to, label string
}

// edges lists every static transition of the flow, in step order.
func (f *menuFlow) edges() []edge {
	var out []edge
	add := func(from, to, label string) {
		if to != "" {
			out = append(out, edge{from, to, label})
		}
	}
	for _, id := range f.order {
		s := f.steps[id]
		switch s.kind {
		case kindMenu:
			for i, o := range s.options {
				add(id, o.next, fmt.Sprintf("options[%d] (key %s)", i, o.key))
			}
		case kindInput, kindSet:
			add(id, s.next, "next")
		case kindSwitch:
			for i, k := range s.cases {
				add(id, k.next, fmt.Sprintf("switch[%d]", i))
			}
		case kindRemote:
			add(id, s.next, "remote.next")
			add(id, s.remote.itemNext, "remote.item_next")
			add(id, s.remote.onError.next, "on_error")
		}
		if s.kind == kindMenu || s.kind == kindInput || s.kind == kindRemote {
			add(id, s.retry.onExhausted.next, "on_exhausted")
		}
	}
	return out
}

func (c *compiler) lintRefs() {
	for _, e := range c.f.edges() {
		if c.f.steps[e.to] == nil {
			c.errorf(e.from, "%s: %q is not a step", e.label, e.to)
		}
	}
	for _, id := range c.f.order {
		s := c.f.steps[id]
		if s.kind == kindRemote && !s.remote.onError.isSet() {
			c.errorf(id, "remote: no on_error and no defaults.on_error; a remote step needs a fallback for when the service does not answer")
		}
	}
}

// lintReachable reports steps no path from start reaches. A remote reply
// may name any step in its next, so with remote steps in the flow an
// unreachable step is only a warning.
func (c *compiler) lintReachable() {
	f := c.f
	if f.steps[f.start] == nil {
		return
	}
	seen := map[string]bool{f.start: true}
	queue := []string{f.start}
	edges := f.edges()
	for len(queue) > 0 {
		at := queue[0]
		queue = queue[1:]
		for _, e := range edges {
			if e.from == at && !seen[e.to] && f.steps[e.to] != nil {
				seen[e.to] = true
				queue = append(queue, e.to)
			}
		}
	}
	hasRemote := slices.ContainsFunc(f.order, func(id string) bool { return f.steps[id].kind == kindRemote })
	for _, id := range f.order {
		switch {
		case seen[id]:
		case hasRemote:
			c.warnf(id, "unreachable from start %q (unless a remote reply names it in next)", f.start)
		default:
			c.errorf(id, "unreachable from start %q", f.start)
		}
	}
}

// lintKeys checks option keys: unique, not '*', and not a navigation key
// that applies on the step (more always applies, as any menu may page).
func (c *compiler) lintKeys() {
	nav := c.f.nav
	for _, id := range c.f.order {
		s := c.f.steps[id]
		seen := map[string]int{}
		for i, o := range s.options {
			switch {
			case o.key == "" || strings.ContainsAny(o.key, "* \t\n"):
				c.errorf(id, "options[%d]: key %q: want a non-empty key without '*' or spaces", i, o.key)
			case o.key == nav.more:
				c.errorf(id, "options[%d]: key %q collides with the navigation key more (%s)", i, o.key, nav.more)
			case o.key == nav.back && s.retry.back:
				c.errorf(id, "options[%d]: key %q collides with the navigation key back (turn it off with nav: {back: false})", i, o.key)
			case o.key == nav.home && s.retry.home:
				c.errorf(id, "options[%d]: key %q collides with the navigation key home (turn it off with nav: {home: false})", i, o.key)
			}
			if j, dup := seen[o.key]; dup {
				c.errorf(id, "options[%d]: key %q is also options[%d]'s", i, o.key, j)
			}
			seen[o.key] = i
		}
	}
}

// lintVars checks that templates and conditions name only known data and
// variables, that no screen shows a secret, and that remote steps send
// only known variables.
func (c *compiler) lintVars() {
	for _, u := range c.texts {
		for _, t := range u.t.tmpl {
			for _, ref := range fieldRefs(t) {
				if msg := c.refProblem(ref); msg != "" {
					c.errorf(u.step, "%s: %s", u.what, msg)
				}
			}
		}
	}
	for _, k := range c.conds {
		if v := c.vars[k.name]; v == nil && !reservedNames[k.name] || k.name == "vars" {
			c.errorf(k.step, "%s: var %q is not set by any step (known: %s)", k.what, k.name, c.knownVars())
		}
	}
	for _, id := range c.f.order {
		s := c.f.steps[id]
		if s.kind != kindRemote || s.remote.send == nil {
			continue
		}
		for _, name := range s.remote.send {
			if c.vars[name] == nil {
				c.errorf(id, "remote.send: %q is not set by any step (known: %s)", name, c.knownVars())
			}
		}
	}
}

// refProblem says what is wrong with a template's data path, or "".
func (c *compiler) refProblem(ref []string) string {
	if len(ref) == 0 {
		return ""
	}
	if !slices.Contains(topFields, ref[0]) {
		return fmt.Sprintf("{{.%s}} is not template data; want one of .%s", strings.Join(ref, "."), strings.Join(topFields, ", ."))
	}
	if ref[0] != "vars" || len(ref) < 2 {
		return ""
	}
	v := c.vars[ref[1]]
	switch {
	case v == nil:
		return fmt.Sprintf("{{.vars.%s}} is not set by any step (known: %s; a remote step lists what its replies set under returns)", ref[1], c.knownVars())
	case v.secret:
		return fmt.Sprintf("{{.vars.%s}} is a secret input and must not be shown on a screen", ref[1])
	}
	return ""
}

func (c *compiler) knownVars() string {
	if len(c.vars) == 0 {
		return "none"
	}
	return strings.Join(sortedKeys(c.vars), ", ")
}

// lintTranslations checks that every text is plain or has every declared
// language, and no other.
func (c *compiler) lintTranslations() {
	resumeOn := c.opts.ResumeWindow > 0
	for _, u := range c.texts {
		if _, plain := u.t.src[anyLang]; plain {
			continue
		}
		name := strings.TrimPrefix(u.what, "texts.")
		if u.step == "" && name != u.what && !resumeOn && resumeTexts[name] {
			continue
		}
		for _, l := range c.f.langs {
			if _, ok := u.t.src[l]; !ok {
				c.errorf(u.step, "%s: no %s translation (the flow declares %s)", u.what, l, strings.Join(c.f.langs, ", "))
			}
		}
		if u.step == "" && name != u.what {
			continue // built-in texts carry languages a flow may not use
		}
		for l := range u.t.src {
			if !c.f.hasLang(l) {
				c.errorf(u.step, "%s: language %q is not declared in lang.available", u.what, l)
			}
		}
	}
}
