package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The engine measures screens with an unexported function, so the
// simulator carries its own copy of the GSM 03.38 alphabet (3GPP TS 23.038
// §6.2.1). It only labels what the gateway answered; the gateway's own
// count is the one that cuts and pages screens.
const (
	simGSMBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	// simGSMExtension characters travel as ESC plus a septet: two each.
	simGSMExtension = "\f^{}\\[~]|€"
)

// screenLength counts s as the network does: septets while every
// character is in the GSM 7-bit alphabet, else UTF-16 code units, since
// one character outside it sends the whole screen as UCS-2.
func screenLength(s string) (n int, ucs2 bool) {
	for _, r := range s {
		switch {
		case strings.ContainsRune(simGSMBasic, r):
			n++
		case strings.ContainsRune(simGSMExtension, r):
			n += 2
		default:
			return utf16Units(s), true
		}
	}
	return n, false
}

func utf16Units(s string) int {
	n := 0
	for _, r := range s {
		n += max(utf16.RuneLen(r), 1) // an invalid rune is sent as U+FFFD
	}
	return n
}

// screenStatus is the line under a screen: its prefix, its length (the
// 4-character prefix included, as the gateway's budgets count it) against
// the budget for its encoding, and the screen id the gateway sent as hop
// metadata.
func screenStatus(body, metadata string, budget, budgetUCS2 int) string {
	n, ucs2 := screenLength(body)
	limit, enc := budget, "GSM-7"
	if ucs2 {
		limit, enc = min(budgetUCS2, budget), "UCS-2"
	}
	count := fmt.Sprintf("%d/%d", n, limit)
	if n > limit {
		count += fmt.Sprintf(", %d over", n-limit)
	}
	line := fmt.Sprintf("  %s · %s · %s", body[:3], count, enc)
	if metadata != "" {
		line += " · screen " + metadata
	}
	return line
}

// writeFramed draws text in a box, one line per line of the screen. Lines
// are not wrapped: the box shows exactly the characters the gateway sent,
// and a handset wraps them to its own width.
func writeFramed(w io.Writer, text string) {
	lines := strings.Split(strings.ReplaceAll(text, "\r", ""), "\n")
	width := 0
	for _, l := range lines {
		width = max(width, utf8.RuneCountInString(l))
	}
	rule := strings.Repeat("─", width+2)
	fmt.Fprintf(w, "┌%s┐\n", rule)
	for _, l := range lines {
		fmt.Fprintf(w, "│ %s%s │\n", l, strings.Repeat(" ", width-utf8.RuneCountInString(l)))
	}
	fmt.Fprintf(w, "└%s┘\n", rule)
}
