package ussd

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

var (
	flowNameRE    = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)
	stepIDRE      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	varNameRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
	eventNameRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	serviceCodeRE = regexp.MustCompile(`^[*#][0-9*#]*[0-9][0-9*#]*#$`)
	langRE        = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)
	subjectRE     = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)
	navKeyRE      = regexp.MustCompile(`^[0-9#]{1,4}$`)
)

// compiler turns one file's YAML into a Flow, collecting every problem.
type compiler struct {
	problems
	opts  Options
	y     fileYAML
	f     *menuFlow
	texts []textUse // every text compiled, for the lint's checks
	conds []condUse // every condition, for the lint's checks
	vars  map[string]*varInfo
	// checked: screens already checked against the budget.
	checked map[string]bool
}

// condUse records the name a condition reads.
type condUse struct{ step, what, name string }

// textUse records where a text appears; screen says which budget check
// applies to it.
type textUse struct {
	step, what string
	t          tmplText
}

// varInfo is what the lint knows of a variable: whether it is secret, and
// the longest value any step can give it unless one is unbounded.
type varInfo struct {
	secret    bool
	maxLen    int
	unbounded bool
}

// compileFile decodes and compiles one menu file.
func compileFile(file string, data []byte, opts Options) (*menuFlow, []Problem) {
	c := &compiler{problems: problems{file: file}, opts: opts, vars: map[string]*varInfo{}, checked: map[string]bool{}}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		c.yamlProblem(err.Error())
		return nil, c.list
	}
	order, lines := stepOrder(&root)
	c.lines, c.flow = lines, flowName(&root)
	if !c.decode(data) {
		return nil, c.list
	}
	sum := sha256.Sum256(data)
	c.f = &menuFlow{name: c.y.Flow, version: hex.EncodeToString(sum[:6]), file: file, order: order,
		isDefault: c.y.Default, steps: map[string]*step{}}
	c.header()
	for _, id := range order {
		s := c.step(id, c.y.Steps[id])
		c.f.steps[id] = s
		c.f.hasSecrets = c.f.hasSecrets || s.secret || s.kind == kindRemote
	}
	c.f.resume = c.resumeStep()
	c.lint()
	return c.f, c.list
}

// decode reads data strictly into c.y, reporting every type error and
// unknown key; false when nothing usable was read.
func (c *compiler) decode(data []byte) bool {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(&c.y)
	var te *yaml.TypeError
	switch {
	case errors.Is(err, io.EOF):
		c.errorf("", "the file is empty; want a flow with steps")
		return false
	case errors.As(err, &te):
		for _, m := range te.Errors {
			c.yamlProblem(m)
		}
	case err != nil:
		c.yamlProblem(err.Error())
		return false
	}
	return true
}

// header compiles everything above the steps.
func (c *compiler) header() {
	y, f := &c.y, c.f
	if !flowNameRE.MatchString(y.Flow) {
		c.errorf("", "flow: %q is not a flow name; want 1-40 of a-z, 0-9 and _ (it is a NATS subject token)", y.Flow)
	}
	for _, code := range y.ServiceCodes {
		if !serviceCodeRE.MatchString(code) {
			c.errorf("", "service_codes: %q is not a service code; want e.g. *384*44135#", code)
		}
	}
	f.codes = y.ServiceCodes
	c.langs()
	c.nav()
	f.texts = map[string]tmplText{}
	for name, t := range builtinTexts {
		if own, ok := y.Texts[name]; ok {
			t = own
		}
		f.texts[name] = c.text("", "texts."+name, t)
	}
	for name := range y.Texts {
		if _, ok := builtinTexts[name]; !ok {
			c.errorf("", "texts: %q is not a built-in text; want one of %s", name, strings.Join(sortedKeys(builtinTexts), ", "))
		}
	}
	f.start = y.Start
	if y.Start == "" {
		c.errorf("", "start: missing; want the id of the first step")
	} else if _, ok := y.Steps[y.Start]; !ok && len(y.Steps) > 0 {
		c.errorf("", "start: %q is not a step", y.Start)
	}
	if len(y.Steps) == 0 {
		c.errorf("", "steps: none; want at least one step")
	}
	if y.Defaults.MaxAttempts < 0 {
		c.errorf("", "defaults.max_attempts: %d is negative", y.Defaults.MaxAttempts)
	}
	if t := time.Duration(y.Defaults.Timeout); t > c.opts.HopBudget {
		c.errorf("", "defaults.timeout: %s is beyond the hop budget %s", t, c.opts.HopBudget)
	}
}

func (c *compiler) langs() {
	l := c.y.Lang
	def := l.Default
	if def == "" {
		def = "en"
		if len(l.Available) > 0 {
			def = l.Available[0]
		}
	}
	langs := []string{def}
	for _, a := range l.Available {
		if !slices.Contains(langs, a) {
			langs = append(langs, a)
		}
	}
	for _, a := range langs {
		if !langRE.MatchString(a) {
			c.errorf("", "lang: %q is not a language code; want e.g. en or sw", a)
		}
	}
	if len(l.Available) > 0 && !slices.Contains(l.Available, def) {
		c.errorf("", "lang.default: %q is not in lang.available %v", def, l.Available)
	}
	c.f.langs = langs
}

func (c *compiler) nav() {
	n := c.y.Nav
	k := navKeys{back: "0", home: "00", more: "98", showBack: true}
	for _, p := range []struct {
		name string
		val  string
		dst  *string
	}{{"back", n.Back, &k.back}, {"home", n.Home, &k.home}, {"more", n.More, &k.more}} {
		if p.val == "" {
			continue
		}
		if !navKeyRE.MatchString(p.val) {
			c.errorf("", "nav.%s: %q is not a key; want 1-4 of 0-9 and #", p.name, p.val)
		}
		*p.dst = p.val
	}
	if k.back == k.home || k.back == k.more || k.home == k.more {
		c.errorf("", "nav: back %q, home %q and more %q must differ", k.back, k.home, k.more)
	}
	if n.Show != nil {
		k.showBack, k.showHome = false, false
		for _, s := range *n.Show {
			switch s {
			case "back":
				k.showBack = true
			case "home":
				k.showHome = true
			default:
				c.errorf("", "nav.show: %q is not a navigation line; want back and/or home", s)
			}
		}
	}
	c.f.nav = k
}

// text compiles a text, recording it for the lint's checks.
func (c *compiler) text(step, what string, t Text) tmplText {
	if t == nil {
		return tmplText{}
	}
	tt, err := compileText(c.f.name+"/"+step+"/"+what, t)
	if err != nil {
		c.errorf(step, "%s: %v", what, err)
	}
	c.texts = append(c.texts, textUse{step: step, what: what, t: tt})
	return tt
}

// outcome compiles on_exhausted / on_error; def applies when o is nil.
func (c *compiler) outcome(step, what string, o *outcomeYAML, def outcome) outcome {
	if o == nil {
		return def
	}
	if (o.Next == "") == (o.End == nil) {
		c.errorf(step, "%s: want exactly one of next (a step) or end (a text)", what)
	}
	return outcome{next: o.Next, end: c.text(step, what+".end", o.End)}
}

func (c *compiler) resumeStep() *step {
	f := c.f
	return &step{id: resumeStep, kind: kindMenu, text: f.text("resume"),
		options: []option{
			{key: "1", label: f.text("continue"), action: actionContinue},
			{key: "2", label: f.text("start_again"), action: actionStartAgain},
		},
		retry: retry{invalid: f.text("invalid"), maxAttempts: 2,
			onExhausted: outcome{next: f.start}},
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func quoteList(l []string) string { return fmt.Sprintf("%q", l) }
