package normalize

import (
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Digit-count bounds for treating a string as a phone number. Anything
// shorter is a short code; E.164 caps numbers at 15 digits. A bare number
// without '+' or '00' is only taken as international from 11 digits, since
// shorter ones are national numbers we cannot place without a region.
const (
	minPhoneDigits     = 7
	maxPhoneDigits     = 15
	minBareIntlDigits  = 11
	maxPhoneInputBytes = 64 // far beyond any formatted number; spares the scan
)

// Phone returns s as an E.164 number ("+254711000111") when it is a possible
// phone number, and otherwise s trimmed of surrounding space. Short codes,
// alphanumeric sender ids, SIP addresses and sandbox placeholders such as
// "+254711XXXYYY" therefore pass through as received.
//
// Pass the untrimmed field value: a '+' that was not percent-encoded in a
// form body arrives decoded as a space, so " 254711000111" is read as
// "+254711000111". Possibility, not validity, is checked so that stale
// numbering metadata never drops a real subscriber.
func Phone(s string) string {
	t := strings.TrimSpace(s)
	cand, ok := phoneCandidate(s, t)
	if !ok {
		return t
	}
	e, ok := possibleE164(cand)
	if !ok {
		return t
	}
	// The library drops a trunk prefix written after the country code
	// ("+254 0711…"), a repair worth keeping, but on degenerate input it
	// would drop another on every pass; only a fixed point is a number.
	if e != cand {
		if again, ok := possibleE164(e); !ok || again != e {
			return t
		}
	}
	return e
}

// possibleE164 formats a "+digits" candidate as E.164 when the library
// deems it a possible number.
func possibleE164(cand string) (string, bool) {
	if e, ok, decided := fastE164(cand[1:]); decided {
		return e, ok
	}
	return slowE164(cand)
}

// slowE164 asks the library to parse the candidate in full.
func slowE164(cand string) (string, bool) {
	num, err := phonenumbers.Parse(cand, "")
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return "", false
	}
	e := phonenumbers.Format(num, phonenumbers.E164)
	return e, isPlusDigits(e)
}

// fastE164 settles the common case, digits already in international form,
// without the library's regex-heavy Parse (about 9µs a number, a fifth of a
// delivery report's whole cost). It finds the calling code by prefix as
// Parse does (calling codes are prefix-free) and asks only IsPossibleNumber.
// A national part that Parse could rewrite, one starting with 0 or with the
// region's trunk prefix, is left undecided for the slow path, and so is
// every calling code outside fastCallingCodes: some regions' metadata
// rewrites national numbers while parsing (Madagascar prefixes "20"), and
// the library does not expose those rules to check for.
// FuzzPhoneFastPath holds the two paths to the same answers.
func fastE164(digits string) (e string, ok, decided bool) {
	if digits == "" || digits[0] == '0' { // no calling code starts with 0
		return "", false, false
	}
	for n := 1; n <= 3 && n < len(digits); n++ {
		cc, _ := strconv.Atoi(digits[:n])
		region := phonenumbers.GetRegionCodeForCountryCode(cc)
		if region == phonenumbers.UNKNOWN_REGION {
			continue
		}
		if !fastCallingCodes[cc] {
			return "", false, false
		}
		national := digits[n:]
		if national[0] == '0' {
			return "", false, false
		}
		if p := phonenumbers.GetNddPrefixForRegion(region, true); p != "" && strings.HasPrefix(national, p) {
			return "", false, false
		}
		nn, err := strconv.ParseUint(national, 10, 64)
		if err != nil {
			return "", false, false
		}
		cc32 := int32(cc)
		num := &phonenumbers.PhoneNumber{CountryCode: &cc32, NationalNumber: &nn}
		if !phonenumbers.IsPossibleNumber(num) {
			return "", false, true
		}
		return "+" + digits, true, true
	}
	return "", false, false
}

// fastCallingCodes are the calling codes of the markets Mlango's providers
// serve, whose parsing FuzzPhoneFastPath has checked against the library.
var fastCallingCodes = map[int]bool{
	27: true, 212: true, 221: true, 225: true, 229: true, 233: true, 234: true,
	237: true, 243: true, 250: true, 251: true, 254: true, 255: true, 256: true,
	257: true, 260: true, 263: true, 265: true, 266: true, 267: true,
}

// phoneCandidate turns the trimmed value t into "+digits" when its shape
// says it is an international number, without calling the library: most
// non-numbers are rejected here by a single byte scan.
func phoneCandidate(s, t string) (string, bool) {
	if t == "" || len(t) > maxPhoneInputBytes {
		return "", false
	}
	plus := t[0] == '+' || (s[0] == ' ' && len(s) > 1 && isASCIIDigit(s[1]))
	digits, ok := phoneDigits(strings.TrimPrefix(t, "+"))
	if !ok {
		return "", false
	}
	// "00" is the international prefix; behind a '+' it can only be a
	// doubled prefix, as no country code starts with 0.
	intl := strings.HasPrefix(digits, "00")
	if intl {
		digits = digits[2:]
	}
	if len(digits) < minPhoneDigits || len(digits) > maxPhoneDigits {
		return "", false
	}
	if !plus && !intl && (len(digits) < minBareIntlDigits || digits[0] == '0') {
		return "", false
	}
	return "+" + digits, true
}

// phoneDigits returns the digits of s when everything else in it is a
// separator people type between digit groups.
func phoneDigits(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isASCIIDigit(c):
			b.WriteByte(c)
		case c == ' ' || c == '-' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	return b.String(), true
}

// isPlusDigits reports whether s is '+' followed by at least one digit and
// nothing else: the only shape Phone may produce besides its input.
func isPlusDigits(s string) bool {
	if len(s) < 2 || s[0] != '+' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isASCIIDigit(s[i]) {
			return false
		}
	}
	return true
}

func isASCIIDigit(c byte) bool { return '0' <= c && c <= '9' }
