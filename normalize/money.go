package normalize

import "strings"

// Money is an amount in a currency. Amount is a decimal string exactly as
// the provider wrote it, because a float would turn "0.8000" into 0.8 and
// lose the precision the provider billed with.
type Money struct {
	Currency string `json:"currency"`
	Amount   string `json:"amount"`
}

// ParseMoney reads a provider money string such as "KES 0.8000",
// "KES1,000.50" or "0.10 kes" into an upper-cased three-letter currency and a
// decimal amount with thousands separators and a leading '+' removed. It
// returns nil for an empty value, "None", or anything that is not exactly a
// three-letter currency and a decimal number.
func ParseMoney(s string) *Money {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "none") {
		return nil
	}
	cur, num := splitCurrency(s)
	if cur == "" {
		return nil
	}
	amt, ok := decimalAmount(strings.TrimSpace(num))
	if !ok {
		return nil
	}
	return &Money{Currency: strings.ToUpper(cur), Amount: amt}
}

// splitCurrency separates a currency written before or after the number.
// It returns "" when the letters around the number are not exactly three.
func splitCurrency(s string) (cur, rest string) {
	if isASCIILetter(s[0]) {
		n := letterRun(s)
		return threeLetters(s[:n]), s[n:]
	}
	n := len(s)
	for n > 0 && isASCIILetter(s[n-1]) {
		n--
	}
	return threeLetters(s[n:]), s[:n]
}

func letterRun(s string) int {
	n := 0
	for n < len(s) && isASCIILetter(s[n]) {
		n++
	}
	return n
}

func threeLetters(s string) string {
	if len(s) != 3 {
		return ""
	}
	return s
}

// decimalAmount validates [+-]digits[.digits], where the integer part may
// carry comma thousands separators, and returns it without '+' or commas.
// Commas must group by three: "1,00" could be a decimal comma, and guessing
// would misstate a charge a hundredfold.
func decimalAmount(s string) (string, bool) {
	sign := ""
	switch {
	case strings.HasPrefix(s, "-"):
		sign, s = "-", s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	whole, ok := groupedDigits(whole)
	if !ok || (hasPoint && !allDigits(frac)) {
		return "", false
	}
	if hasPoint {
		return sign + whole + "." + frac, true
	}
	return sign + whole, true
}

// groupedDigits returns the digits of an integer written plainly or with
// comma thousands separators.
func groupedDigits(s string) (string, bool) {
	if !strings.Contains(s, ",") {
		return s, allDigits(s)
	}
	groups := strings.Split(s, ",")
	if len(groups[0]) > 3 || !allDigits(groups[0]) {
		return "", false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 || !allDigits(g) {
			return "", false
		}
	}
	return strings.Join(groups, ""), true
}

// allDigits reports whether s is one or more ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isASCIIDigit(s[i]) {
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}
