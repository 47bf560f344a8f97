package ussd

import (
	"fmt"
	"strings"
)

// piece is the shortest and longest text a template yields; known is
// false when the longest cannot be bounded (a value of unknown length).
type piece struct {
	lo, hi string
	known  bool
}

func joinPieces(ps ...piece) piece {
	out := piece{known: true}
	var lo, hi []string
	for _, p := range ps {
		lo, hi = append(lo, p.lo), append(hi, p.hi)
		out.known = out.known && p.known
	}
	out.lo, out.hi = strings.Join(lo, "\n"), strings.Join(hi, "\n")
	return out
}

// extremesOf returns the extremes of t's translation for lang.
func (c *compiler) extremesOf(t tmplText, lang string) piece {
	k := t.pickLang(lang, c.f.defaultLang())
	p := t.tmpl[k]
	if p == nil {
		return piece{t.src[k], t.src[k], true}
	}
	lo, hi, known := extremes(p, c.bound)
	return piece{lo, hi, known}
}

// maxBound caps a variable's longest value for the worst-case check.
const maxBound = 1000

// bound is the longest value a template data path can have.
func (c *compiler) bound(ref []string) (int, bool) {
	switch {
	case len(ref) == 1 && ref[0] == "phoneNumber":
		return 16, true // '+' and E.164's 15 digits
	case len(ref) == 1 && ref[0] == "networkCode":
		return 6, true // MCC + a 3-digit MNC
	case len(ref) == 1 && ref[0] == "lang":
		n := 0
		for _, l := range c.f.langs {
			n = max(n, len(l))
		}
		return n, true
	case len(ref) == 2 && ref[0] == "vars":
		if v := c.vars[ref[1]]; v != nil && !v.unbounded {
			// Past any screen budget the exact length no longer matters,
			// and measuring len: [1, 1000000000] must not take a gigabyte.
			return min(v.maxLen, maxBound), true
		}
	}
	return 0, false
}

// navLine is a navigation line ("98. More") in lang.
func (c *compiler) navLine(key, text, lang string) piece {
	t := c.f.text(text)
	s := key + ". " + t.src[t.pickLang(lang, c.f.defaultLang())]
	return piece{s, s, true}
}

// lintBudgets checks every screen a flow can show statically against the
// strictest network budget, in every language: a screen whose fixed text
// cannot fit is an error; one that fits unless its variables are at their
// longest is a warning; characters outside the GSM alphabet (which halve
// the budget) are a warning.
func (c *compiler) lintBudgets() {
	for _, u := range c.texts {
		for l, s := range u.t.src {
			if bad := nonGSM(s); bad != "" {
				c.warnf(u.step, "%s: %s has characters outside the GSM alphabet (%s); its screens travel as UCS-2 with the smaller budget", u.what, textName(l), bad)
			}
		}
	}
	for _, lang := range c.f.langs {
		for _, id := range c.f.order {
			c.lintStepBudget(c.f.steps[id], lang)
		}
		c.lintMenuBudget(c.f.resume, lang)
	}
}

func (c *compiler) lintStepBudget(s *step, lang string) {
	switch s.kind {
	case kindEnd:
		c.checkScreen(s.id, "end", lang, c.extremesOf(s.text, lang))
	case kindInput:
		parts := []piece{c.extremesOf(s.text, lang)}
		parts = append(parts, c.navLines(s, lang, false)...)
		c.checkScreen(s.id, "text", lang, joinPieces(parts...))
	case kindMenu:
		c.lintMenuBudget(s, lang)
		for i, o := range s.options {
			if !o.end.isZero() {
				c.checkScreen(s.id, fmt.Sprintf("options[%d].end", i), lang, c.extremesOf(o.end, lang))
			}
		}
	case kindRemote:
		if !s.remote.onError.end.isZero() {
			c.checkScreen(s.id, "on_error.end", lang, c.extremesOf(s.remote.onError.end, lang))
		}
	}
	if s.kind == kindMenu || s.kind == kindInput || s.kind == kindRemote {
		if !s.retry.onExhausted.end.isZero() {
			c.checkScreen(s.id, "on_exhausted.end", lang, c.extremesOf(s.retry.onExhausted.end, lang))
		}
		c.checkScreen(s.id, "invalid", lang, c.extremesOf(s.retry.invalid, lang))
		for i, v := range s.validators {
			if !v.err.isZero() {
				c.checkScreen(s.id, fmt.Sprintf("validate[%d].error", i), lang, c.extremesOf(v.err, lang))
			}
		}
	}
}

// lintMenuBudget: a menu fits whole, or pages: its text with the first
// option and the navigation lines, and each option with them.
func (c *compiler) lintMenuBudget(s *step, lang string) {
	b := c.opts.strictestBudget()
	text := c.extremesOf(s.text, lang)
	nav := c.navLines(s, lang, false)
	var opts []piece
	for _, o := range s.options {
		l := c.extremesOf(o.label, lang)
		opts = append(opts, piece{o.key + ". " + l.lo, o.key + ". " + l.hi, l.known})
	}
	whole := joinPieces(append(append([]piece{text}, opts...), nav...)...)
	if b.fits(whole.lo) {
		c.checkScreen(s.id, "menu", lang, whole) // only the worst case can overflow
		return
	}
	paged := c.navLines(s, lang, true)
	if len(opts) > 0 {
		c.checkScreen(s.id, "text with the first option", lang, joinPieces(append([]piece{text, opts[0]}, paged...)...))
	}
	// Any option may land on a middle page, with both navigation lines,
	// except the last, which is always on the last page: no "98. More".
	for i, o := range opts {
		lines := paged
		if i == len(opts)-1 {
			lines = paged[1:]
		}
		c.checkScreen(s.id, fmt.Sprintf("options[%d] on its page", i), lang, joinPieces(append([]piece{o}, lines...)...))
	}
}

// navLines are the navigation lines a step's screen may carry; paged
// adds "98. More" and the "0. Back" every later page has.
func (c *compiler) navLines(s *step, lang string, paged bool) []piece {
	nav := c.f.nav
	var out []piece
	if paged {
		out = append(out, c.navLine(nav.more, "more", lang))
	}
	if paged || nav.showBack && s.retry.back {
		out = append(out, c.navLine(nav.back, "back", lang))
	}
	if nav.showHome && s.retry.home {
		out = append(out, c.navLine(nav.home, "home", lang))
	}
	return out
}

// checkScreen reports a screen over the strictest budget, once: a text
// without translations gives the same screen in every language.
func (c *compiler) checkScreen(step, what, lang string, p piece) {
	key := step + "\x00" + what + "\x00" + p.lo + "\x00" + p.hi
	if c.checked[key] {
		return
	}
	c.checked[key] = true
	b := c.opts.strictestBudget()
	if over, ucs2 := b.over(p.lo); over > 0 {
		c.errorf(step, "%s: %s screen is %d characters over the budget of %d %s (prefix included) even with every value empty",
			what, langName(lang), over, b.limit(ucs2), encName(ucs2))
		return
	}
	if !p.known {
		return
	}
	if over, ucs2 := b.over(p.hi); over > 0 {
		c.warnf(step, "%s: %s screen can be %d characters over the budget of %d %s when its values are at their longest; it is truncated at run time",
			what, langName(lang), over, b.limit(ucs2), encName(ucs2))
	}
}

func langName(l string) string { return "the " + l }

func textName(l string) string {
	if l == anyLang {
		return "the text"
	}
	return "the " + l + " text"
}

func encName(ucs2 bool) string {
	if ucs2 {
		return "UCS-2 characters"
	}
	return "GSM characters"
}
