package ussd

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"
)

// step compiles one step; problems name it.
func (c *compiler) step(id string, y stepYAML) *step {
	s := &step{id: id, line: c.lines[id], submit: y.Submit}
	if !stepIDRE.MatchString(id) {
		c.errorf(id, "%q is not a step id; want 1-64 of A-Z, a-z, 0-9, _ and -, not starting with _ or -", id)
	}
	if y.Submit != "" && !eventNameRE.MatchString(y.Submit) {
		c.errorf(id, "submit: %q is not an event name; want A-Z, a-z, 0-9, _, . and -", y.Submit)
	}
	kinds := 0
	for _, set := range []bool{y.Menu != nil, y.Input != nil, y.End != nil, y.Switch != nil, y.Set != nil, y.Remote != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		c.errorf(id, "has %d kinds; want exactly one of menu, input, end, switch, set, remote", kinds)
		return s
	}
	if y.Next != "" && y.Set == nil {
		c.errorf(id, "next: only a set step takes next beside its kind; put it inside %s", c.kindOf(y))
	}
	switch {
	case y.Menu != nil:
		c.menu(s, y.Menu)
	case y.Input != nil:
		c.input(s, y.Input)
	case y.End != nil:
		s.kind, s.text = kindEnd, c.text(id, "end", y.End)
	case y.Switch != nil:
		c.switchStep(s, y.Switch)
	case y.Set != nil:
		s.kind, s.next = kindSet, y.Next
		s.set = c.assignments(id, "set", y.Set)
		if y.Next == "" {
			c.errorf(id, "set: no next; want the step to go to after setting")
		}
	case y.Remote != nil:
		c.remote(s, y.Remote)
	}
	return s
}

func (c *compiler) kindOf(y stepYAML) string {
	switch {
	case y.Menu != nil:
		return "menu"
	case y.Input != nil:
		return "input"
	case y.Remote != nil:
		return "remote"
	}
	return "the step's options or cases"
}

// retry compiles what screens share; menus take nav keys unless they opt
// out, other screens only when they opt in.
func (c *compiler) retry(id string, y retryYAML, navDefault bool, invalid string) retry {
	d := c.y.Defaults
	r := retry{maxAttempts: 3, back: navDefault, home: navDefault}
	if d.MaxAttempts > 0 {
		r.maxAttempts = d.MaxAttempts
	}
	if y.MaxAttempts < 0 {
		c.errorf(id, "max_attempts: %d is negative", y.MaxAttempts)
	} else if y.MaxAttempts > 0 {
		r.maxAttempts = y.MaxAttempts
	}
	r.invalid = c.f.text(invalid)
	if y.Invalid != nil {
		r.invalid = c.text(id, "invalid", y.Invalid)
	}
	def := c.outcome("", "defaults.on_exhausted", d.OnExhausted, outcome{end: c.f.text("exhausted")})
	r.onExhausted = c.outcome(id, "on_exhausted", y.OnExhausted, def)
	if y.Nav != nil {
		if y.Nav.Back != nil {
			r.back, r.inBack = *y.Nav.Back, *y.Nav.Back
		}
		if y.Nav.Home != nil {
			r.home, r.inHome = *y.Nav.Home, *y.Nav.Home
		}
	}
	return r
}

func (c *compiler) menu(s *step, y *menuYAML) {
	s.kind = kindMenu
	s.text = c.text(s.id, "text", y.Text)
	s.retry = c.retry(s.id, y.retryYAML, true, "invalid")
	if len(y.Options) == 0 {
		c.errorf(s.id, "menu: no options; a menu screen needs a way forward")
	}
	auto := 0
	for i, o := range y.Options {
		what := fmt.Sprintf("options[%d]", i)
		key := o.Key
		if key == "" {
			auto, key = c.nextAutoKey(auto)
		}
		if (o.Next == "") == (o.End == nil) {
			c.errorf(s.id, "%s: want exactly one of next (a step) or end (a text)", what)
		}
		if o.Label == nil {
			c.errorf(s.id, "%s: no label", what)
		}
		if o.Submit != "" && !eventNameRE.MatchString(o.Submit) {
			c.errorf(s.id, "%s.submit: %q is not an event name", what, o.Submit)
		}
		s.options = append(s.options, option{key: key, next: o.Next, submit: o.Submit,
			label: c.text(s.id, what+".label", o.Label), end: c.text(s.id, what+".end", o.End),
			set: c.assignments(s.id, what+".set", o.Set)})
	}
}

// nextAutoKey numbers options from 1, skipping the flow's nav keys.
func (c *compiler) nextAutoKey(last int) (int, string) {
	for {
		last++
		k := strconv.Itoa(last)
		if k != c.f.nav.back && k != c.f.nav.home && k != c.f.nav.more {
			return last, k
		}
	}
}

func (c *compiler) input(s *step, y *inputYAML) {
	s.kind, s.save, s.secret, s.next = kindInput, y.Save, y.Secret, y.Next
	s.text = c.text(s.id, "text", y.Text)
	s.retry = c.retry(s.id, y.retryYAML, false, "invalid_input")
	if y.Next == "" {
		c.errorf(s.id, "input: no next; an input screen needs a way forward")
	}
	for i, v := range y.Validate {
		s.validators = append(s.validators, c.validator(s.id, fmt.Sprintf("validate[%d]", i), v))
	}
	if y.Save == "" {
		c.errorf(s.id, "input: no save; want the variable the input is saved to")
	} else {
		c.defineVar(s.id, y.Save, y.Secret, inputMaxLen(s.validators))
	}
}

func (c *compiler) validator(id, what string, y validatorYAML) validator {
	v := validator{err: c.text(id, what+".error", y.Error)}
	rules := 0
	if y.Regex != nil {
		rules++
		re, err := regexp.Compile(*y.Regex)
		if err != nil {
			c.errorf(id, "%s.regex: %v", what, err)
		}
		v.rule, v.re = "regex", re
	}
	if y.Numeric {
		rules++
		v.rule = "numeric"
	}
	if y.Between != nil {
		rules++
		c.between(id, what, y.Between, &v)
	}
	if y.Len != nil {
		rules++
		v.rule, v.lo, v.hi = "len", float64(y.Len.Min), float64(y.Len.Max)
		if y.Len.Min < 0 || y.Len.Min > y.Len.Max {
			c.errorf(id, "%s.len: want 0 <= min <= max", what)
		}
	}
	if y.Phone != nil {
		rules++
		v.rule = "phone"
		c.phoneRule(id, what, *y.Phone, &v)
	}
	if y.In != nil {
		rules++
		v.rule, v.set = "in", y.In
	}
	if rules != 1 {
		c.errorf(id, "%s: has %d rules; want exactly one of regex, numeric, between, len, phone, in", what, rules)
	}
	return v
}

func (c *compiler) between(id, what string, b []float64, v *validator) {
	v.rule = "between"
	if len(b) != 2 || b[0] > b[1] {
		c.errorf(id, "%s.between: want [low, high] with low <= high", what)
		return
	}
	v.lo, v.hi = b[0], b[1]
}

// phoneRule reads `phone: true` (international numbers only) or
// `phone: "+254"` (also national numbers with a leading 0).
func (c *compiler) phoneRule(id, what, val string, v *validator) {
	switch {
	case val == "true":
	case len(val) > 1 && val[0] == '+' && len(val) <= 4 && isDigits(val[1:]):
		v.calling = val
	default:
		c.errorf(id, "%s.phone: %q: want true, or a calling code such as \"+254\" for numbers typed with a leading 0", what, val)
	}
}

// inputMaxLen bounds an input's saved value from its validators, for the
// lint's worst-case screen lengths; -1 when nothing bounds it.
func inputMaxLen(vs []validator) int {
	best := -1
	for _, v := range vs {
		n := -1
		switch v.rule {
		case "len":
			n = int(v.hi)
		case "phone":
			n = 16
		case "in":
			for _, s := range v.set {
				n = max(n, len(s))
			}
		case "between":
			if math.Abs(v.lo) < 1e15 && math.Abs(v.hi) < 1e15 && v.lo == math.Trunc(v.lo) && v.hi == math.Trunc(v.hi) {
				n = max(len(strconv.FormatFloat(v.lo, 'f', -1, 64)), len(strconv.FormatFloat(v.hi, 'f', -1, 64)))
			}
		}
		if n >= 0 && (best < 0 || n < best) {
			best = n
		}
	}
	return best
}

func (c *compiler) switchStep(s *step, cases []caseYAML) {
	s.kind = kindSwitch
	hasDefault := false
	for i, k := range cases {
		what := fmt.Sprintf("switch[%d]", i)
		if (k.Default == "") == (k.Next == "") || (k.Default != "" && k.When != nil) {
			c.errorf(s.id, "%s: want {when: …, next: step} or {default: step}", what)
		}
		if k.Default != "" {
			hasDefault = true
			s.cases = append(s.cases, switchCase{next: k.Default})
			continue
		}
		if len(k.When) == 0 {
			c.errorf(s.id, "%s: no when; want a condition such as {var: x, eq: \"1\"}", what)
		}
		var conds []condition
		for j, w := range k.When {
			conds = append(conds, c.condition(s.id, fmt.Sprintf("%s.when[%d]", what, j), w))
		}
		s.cases = append(s.cases, switchCase{when: conds, next: k.Next})
	}
	if !hasDefault {
		c.errorf(s.id, "switch: no default; a router with no case matching would be a dead end")
	}
}

func (c *compiler) remote(s *step, y *remoteYAML) {
	s.kind, s.next, s.save = kindRemote, y.Next, y.Save
	if s.save == "" {
		s.save = "choice"
	}
	r := &remoteStep{subject: y.Subject, itemNext: y.ItemNext, returns: y.Returns, timeout: time.Duration(y.Timeout)}
	if r.subject == "" {
		r.subject = c.opts.SubjectPrefix + "." + c.f.name + "." + s.id
	} else if !subjectRE.MatchString(r.subject) {
		c.errorf(s.id, "remote.subject: %q is not a subject; want dot-separated tokens without wildcards", r.subject)
	}
	if r.timeout == 0 {
		r.timeout = time.Duration(c.y.Defaults.Timeout)
	}
	if r.timeout == 0 {
		r.timeout = c.opts.RemoteTimeout
	}
	if r.timeout > c.opts.HopBudget {
		c.errorf(s.id, "remote.timeout: %s is beyond the hop budget %s", r.timeout, c.opts.HopBudget)
	}
	if y.Send != nil {
		r.send = append([]string{}, *y.Send...)
	}
	r.onError = c.outcome(s.id, "on_error", y.OnError, c.outcome("", "defaults.on_error", c.y.Defaults.OnError, outcome{}))
	s.retry = c.retry(s.id, y.retryYAML, true, "invalid")
	c.defineVar(s.id, s.save, false, -1)
	for _, v := range y.Returns {
		c.defineVar(s.id, v, false, -1)
	}
	s.remote = r
}

// assignments compiles a set map; "lang" sets the session language.
func (c *compiler) assignments(id, what string, m map[string]string) []assignment {
	var out []assignment
	for _, name := range sortedKeys(m) {
		t := c.text(id, what+"."+name, Text{anyLang: m[name]})
		out = append(out, assignment{name: name, value: t})
		if name == "lang" {
			if t.tmpl[anyLang] == nil && !c.f.hasLang(m[name]) {
				c.errorf(id, "%s.lang: %q is not a language the flow declares (%v)", what, m[name], c.f.langs)
			}
			continue
		}
		n := len(m[name])
		if t.tmpl[anyLang] != nil {
			n = -1
		}
		c.defineVar(id, name, false, n)
	}
	return out
}

// defineVar records a variable some step sets; maxLen < 0 is unknown.
func (c *compiler) defineVar(id, name string, secret bool, maxLen int) {
	if !varNameRE.MatchString(name) || reservedNames[name] {
		c.errorf(id, "variable %q: want a name of A-Z, a-z, 0-9 and _ (not starting with a digit), other than %s", name, quoteList(sortedKeys(reservedNames)))
	}
	v := c.vars[name]
	if v == nil {
		v = &varInfo{}
		c.vars[name] = v
	}
	v.secret = v.secret || secret
	v.unbounded = v.unbounded || maxLen < 0
	v.maxLen = max(v.maxLen, maxLen)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
