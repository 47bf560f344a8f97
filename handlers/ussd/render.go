package ussd

import (
	"strings"
)

// layout is a screen before it is cut to the budget: a prompt, numbered
// option lines, and the navigation lines. Menus longer than the budget
// are split into pages between options (never inside one): the first page
// carries the prompt, every page but the last ends with the more line, and
// every page after the first with the back line.
type layout struct {
	b         screenBudget
	header    string   // the prompt; first page only
	options   []string // "1. Label"
	more      string   // "98. More"
	back      string   // "0. Back"
	backFirst bool     // the first page lists back too (there is history)
	home      string   // "00. Home", on every page; "" when not listed
}

// span is the options [from, to) one page holds.
type span struct{ from, to int }

// pages splits the options into pages, each as full as the budget allows.
// A page holds at least one option even when that one alone overflows;
// draw then truncates it.
func (l layout) pages() []span {
	n := len(l.options)
	if n == 0 {
		return []span{{0, 0}}
	}
	var out []span
	for i := 0; i < n; {
		p := len(out)
		j := i
		for j < n && l.b.fits(l.compose(p, i, j+1, "", true)) {
			j++
		}
		if j == i {
			j = i + 1
		}
		out = append(out, span{i, j})
		i = j
	}
	return out
}

// compose joins a page's lines; withHeader false drops the prompt.
func (l layout) compose(page, from, to int, notice string, withHeader bool) string {
	lines := make([]string, 0, to-from+5)
	if notice != "" {
		lines = append(lines, notice)
	}
	if page == 0 && withHeader && l.header != "" {
		lines = append(lines, l.header)
	}
	lines = append(lines, l.options[from:to]...)
	if to < len(l.options) {
		lines = append(lines, l.more)
	}
	if page > 0 || l.backFirst && l.back != "" {
		lines = append(lines, l.back)
	}
	if l.home != "" {
		lines = append(lines, l.home)
	}
	return strings.Join(lines, "\n")
}

// draw renders page (clamped to the pages there are) with notice (an
// error message) above it, within the budget. When that does not fit it
// drops the prompt under a notice, then shortens, with an ellipsis, the
// notice, the prompt and a lone option label, in that order: a last
// resort for dynamic text, since the lint rejects static text that cannot
// fit. truncated reports whether anything was cut.
func (l layout) draw(page int, notice string) (text string, pages int, truncated bool) {
	ps := l.pages()
	page = max(0, min(page, len(ps)-1))
	sp := ps[page]
	text = l.compose(page, sp.from, sp.to, notice, true)
	if l.b.fits(text) {
		return text, len(ps), false
	}
	withHeader := true
	if notice != "" && page == 0 && l.header != "" {
		withHeader = false
		if text = l.compose(page, sp.from, sp.to, notice, false); l.b.fits(text) {
			return text, len(ps), false
		}
	}
	if notice != "" {
		notice = shorten(l.b, notice, func(s string) string { return l.compose(page, sp.from, sp.to, s, withHeader) })
	}
	if page == 0 && withHeader && l.header != "" {
		l.header = shorten(l.b, l.header, func(s string) string {
			c := l
			c.header = s
			return c.compose(page, sp.from, sp.to, notice, true)
		})
	}
	if sp.to-sp.from == 1 {
		opts := append([]string(nil), l.options...)
		l.options = opts
		opts[sp.from] = shorten(l.b, opts[sp.from], func(s string) string {
			opts[sp.from] = s
			return l.compose(page, sp.from, sp.to, notice, withHeader)
		})
	}
	return l.compose(page, sp.from, sp.to, notice, withHeader), len(ps), true
}

// shorten cuts s, adding an ellipsis, to the longest prefix for which
// fill(cut) fits b, preferring to cut between words. "..." is used rather
// than "…", which is not in the GSM alphabet and would turn a GSM screen
// into UCS-2 and halve its budget; "…" only where the text needs UCS-2
// already. If nothing fits, s becomes "".
func shorten(b screenBudget, s string, fill func(string) string) string {
	if b.fits(fill(s)) {
		return s
	}
	runes := []rune(s)
	lo, hi := 0, len(runes)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if b.fits(fill(cut(runes, mid))) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if lo == 0 {
		return ""
	}
	return cut(runes, lo)
}

// cut keeps n runes of r (back to a word break in the last third, if
// there is one) and adds an ellipsis.
func cut(r []rune, n int) string {
	kept := string(r[:n])
	if i := strings.LastIndexByte(kept, ' '); i > len(kept)*2/3 {
		kept = kept[:i]
	}
	kept = strings.TrimRight(kept, " ")
	if isGSM(kept) {
		return kept + "..."
	}
	return kept + "…"
}
