package voicexml

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// checkValue checks one attribute value (or Redirect's URL) against its
// kind; the error completes "attribute X ...".
func checkValue(k kind, v string) error {
	if err := validChars("", v); err != nil {
		return errors.New("holds a character XML cannot carry")
	}
	ok := false
	switch k {
	case kindBool:
		ok = v == "true" || v == "false"
		return want(ok, v, `"true" or "false"`)
	case kindPositive:
		n, err := strconv.Atoi(v)
		ok = err == nil && n > 0 && allDigits(v)
		return want(ok, v, "a positive integer")
	case kindURL:
		return want(isURL(v), v, "an absolute http or https URL")
	case kindPhone:
		return want(isE164(v), v, "an E.164 phone number like +254711000111")
	case kindPhoneList:
		return checkPhoneList(v)
	case kindKey:
		ok = len(v) == 1 && strings.ContainsAny(v, "0123456789*#")
		return want(ok, v, "one key: 0-9, * or #")
	case kindVoice:
		return want(isToken(v, "-_"), v, `a voice name such as "woman"`)
	case kindName:
		return want(isToken(v, "-_.:"), v, "a name of letters, digits, '-', '_', '.' or ':'")
	}
	return nil
}

func want(ok bool, v, what string) error {
	if ok {
		return nil
	}
	return fmt.Errorf("is %s, want %s", strconv.Quote(v), what)
}

// checkPhoneList checks Dial's phoneNumbers: AT takes E.164 numbers and
// its SIP addresses (agent@ke.sip.africastalking.com), comma-separated.
func checkPhoneList(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New(`is empty, want comma-separated E.164 numbers or SIP addresses`)
	}
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if !isE164(p) && !isSIP(p) {
			return fmt.Errorf("holds %s, want an E.164 number or a SIP address", strconv.Quote(p))
		}
	}
	return nil
}

// isE164 accepts '+' and 7 to 15 digits, the first not zero (ITU E.164).
func isE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	return allDigits(s[1:])
}

// isSIP accepts user@host with a dotted host and no spaces or commas.
func isSIP(s string) bool {
	user, host, ok := strings.Cut(s, "@")
	return ok && user != "" && strings.Contains(host, ".") && !strings.ContainsAny(s, " \t,<>\"") &&
		!strings.Contains(host, "@") && !strings.HasPrefix(host, ".") && !strings.HasSuffix(host, ".")
}

// isURL accepts an absolute http or https URL with a host: AT fetches
// audio and posts callbacks over the network, nothing else can work.
func isURL(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Hostname() != ""
}

func isToken(s, extra string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune(extra, c)) {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validChars refuses what XML 1.0 cannot carry even escaped: invalid
// UTF-8 and control characters other than tab, newline and return. etree
// escapes markup but writes these through, producing a document AT's
// parser would reject.
func validChars(path, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s: text is not valid UTF-8", path)
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return fmt.Errorf("%s: text holds control character %U", path, r)
		}
	}
	return nil
}
