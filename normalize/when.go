package normalize

import (
	"strconv"
	"strings"
	"time"
)

// dateTimeLayouts are tried in order on values longer than a bare date.
// Go accepts fractional seconds after the seconds field when parsing even
// where a layout does not show them, so each layout also covers ".123".
// A layout without a zone parses as UTC.
var dateTimeLayouts = []string{
	time.RFC3339,
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	// What "2023-01-18+20:04:52+03:00" becomes once its date/time '+'
	// is read as a space.
	"2006-01-02 15:04:05Z07:00",
}

// dateLayouts are tried on ten-byte values. DD-MM-YYYY is how SIM-swap
// lookups report dates, "01-01-1900" included.
var dateLayouts = []string{
	"2006-01-02",
	"02-01-2006",
}

// ParseTime reads a provider timestamp and returns it in UTC. It accepts
// RFC 3339, "2006-01-02 15:04:05" with or without 'T' and fractional
// seconds, a bare date as YYYY-MM-DD or DD-MM-YYYY, and Unix epoch seconds
// (10 digits) or milliseconds (13 digits). A '+' between date and time, left
// by form-encoding a value twice, counts as a space. It reports false for
// empty, "None" and "null", and for anything else it cannot read.
func ParseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "none") || strings.EqualFold(s, "null") {
		return time.Time{}, false
	}
	if t, ok := parseEpoch(s); ok {
		return t, true
	}
	layouts := dateTimeLayouts
	if len(s) == len("2006-01-02") {
		layouts = dateLayouts
	}
	s = unplusDateTime(s)
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// unplusDateTime turns "2023-01-18+20:04:52" into "2023-01-18 20:04:52".
// Only a '+' right after a YYYY-MM-DD date is touched; one after the time
// is a zone offset and must stay.
func unplusDateTime(s string) string {
	if len(s) < 12 || s[10] != '+' || s[4] != '-' || s[7] != '-' || !isASCIIDigit(s[11]) {
		return s
	}
	return s[:10] + " " + s[11:]
}

// parseEpoch reads all-digit Unix seconds (10 digits) or milliseconds (13
// digits). Other lengths are refused: a 12-digit value is more likely a
// phone number or id in the wrong field than a time.
func parseEpoch(s string) (time.Time, bool) {
	if (len(s) != 10 && len(s) != 13) || !allDigits(s) {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	if len(s) == 13 {
		return time.UnixMilli(n).UTC(), true
	}
	return time.Unix(n, 0).UTC(), true
}
