package ussd

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The GSM 03.38 7-bit default alphabet (3GPP TS 23.038 §6.2.1), without
// ESC (0x1B), which only introduces the extension table. A screen made only
// of these characters travels packed at one septet each.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension characters are sent as ESC plus a septet, so they cost two.
const gsmExtension = "\f^{}\\[~]|€"

// gsmCost maps every character of the alphabet to its septets; asciiCost
// is the same for ASCII (0 meaning "not in the alphabet"), which is nearly
// every character a menu holds, without a map lookup.
var gsmCost, asciiCost = func() (map[rune]int, [utf8.RuneSelf]int8) {
	m := make(map[rune]int, 140)
	var a [utf8.RuneSelf]int8
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtension {
		m[r] = 2
	}
	for r, c := range m {
		if r < utf8.RuneSelf {
			a[r] = int8(c)
		}
	}
	return m, a
}()

// measure returns the length of s as the network counts it: septets when
// every character is in the GSM 7-bit alphabet (extension characters count
// two), otherwise UTF-16 code units, because one character outside the
// alphabet sends the whole screen as UCS-2.
func measure(s string) (length int, ucs2 bool) {
	for _, r := range s {
		var c int
		if r < utf8.RuneSelf {
			c = int(asciiCost[r])
		} else {
			c = gsmCost[r]
		}
		if c == 0 {
			return utf16Len(s), true
		}
		length += c
	}
	return length, false
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		// An invalid rune (-1) is sent as U+FFFD, one unit.
		n += max(utf16.RuneLen(r), 1)
	}
	return n
}

// isGSM reports whether every character of s is in the GSM 7-bit alphabet.
func isGSM(s string) bool {
	_, ucs2 := measure(s)
	return !ucs2
}

// nonGSM returns the characters of s outside the GSM 7-bit alphabet, for
// lint messages.
func nonGSM(s string) string {
	var b strings.Builder
	for _, r := range s {
		if _, ok := gsmCost[r]; !ok {
			if !strings.ContainsRune(b.String(), r) {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// screenBudget is how long a screen may be on one network, counting the
// 4 characters of the "CON "/"END " prefix: GSM in septets (extension
// characters count two), UCS2 in UTF-16 code units for a screen holding
// any character outside the GSM alphabet.
type screenBudget struct {
	GSM  int
	UCS2 int
}

// prefixLen is the length of "CON " and "END ", which the budgets include.
const prefixLen = 4

// fits reports whether screen s, once prefixed, is within b.
func (b screenBudget) fits(s string) bool {
	n, ucs2 := measure(s)
	return n+prefixLen <= b.limit(ucs2)
}

func (b screenBudget) limit(ucs2 bool) int {
	if ucs2 {
		return min(b.UCS2, b.GSM)
	}
	return b.GSM
}

// over returns by how much s overflows b (0 when it fits) and whether it
// was measured as UCS-2.
func (b screenBudget) over(s string) (int, bool) {
	n, ucs2 := measure(s)
	return max(0, n+prefixLen-b.limit(ucs2)), ucs2
}
