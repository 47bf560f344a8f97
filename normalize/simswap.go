package normalize

import (
	"encoding/json"
	"strings"
	"time"
)

// TypeSIMSwapStatus is the event type of a SIM-swap lookup's result.
const TypeSIMSwapStatus = "simswap.status"

// SIM-swap outcomes: the canonical vocabulary of SIMSwapStatus.Status.
const (
	Swapped    = "swapped"
	NotSwapped = "not_swapped"
)

// SIMSwapStatus is the data of a simswap.status event: the result of a
// SIM-swap lookup the user requested earlier.
type SIMSwapStatus struct {
	RequestID      string `json:"requestId"`
	TransactionID  string `json:"transactionId"`
	ProviderRefID  string `json:"providerRefId"`
	Status         string `json:"status"`
	ProviderStatus string `json:"providerStatus"`
	// LastSwapDate is an ISO date (2024-02-15); null, as every absent
	// time is, when the provider reports no recent swap or a date that
	// does not parse (raw keeps it).
	LastSwapDate *string         `json:"lastSwapDate"`
	Raw          json.RawMessage `json:"raw"`
}

// atSIMSwapStatuses maps AT's SIM-swap status, lowercased with separators
// removed. Only Swapped is documented (reference 7a); the negative is a
// guess at AT's spelling, and anything else is published as unknown.
var atSIMSwapStatuses = map[string]string{
	"swapped":    Swapped,
	"notswapped": NotSwapped,
}

// noRecentSwap is the date Safaricom's swap API, which AT relays, reports
// when there was no swap in the period it keeps.
var noRecentSwap = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// ATSIMSwapStatus maps AT's SIM-swap status callback.
func ATSIMSwapStatus(in Input) ([]Event, error) {
	v, err := requireAll(in, "requestId", "status")
	if err != nil {
		return nil, err
	}
	id, raw := v[0], v[1]
	d := SIMSwapStatus{
		RequestID:      id,
		TransactionID:  in.Get("transactionId"),
		ProviderRefID:  in.Get("providerRefId"),
		Status:         lookupOr(atSIMSwapStatuses, squashSeparators(raw)),
		ProviderStatus: raw,
		Raw:            in.Raw,
	}
	if day := ParseSwapDate(in.Get("lastSimSwapDate")); day != "" {
		d.LastSwapDate = &day
	}
	ev := newEvent(TypeSIMSwapStatus, id, in.ReceivedAt, d, id, strings.ToLower(raw))
	if d.Status == Unknown {
		ev.Unknown = append(ev.Unknown, "status")
	}
	return []Event{ev}, nil
}

// ParseSwapDate reads a SIM-swap date, DD-MM-YYYY as AT sends it or
// YYYY-MM-DD, and returns it as YYYY-MM-DD. It returns "" for the
// 01-01-1900 "no recent swap" sentinel and for anything it cannot read.
func ParseSwapDate(s string) string {
	if len(s) != len("2006-01-02") {
		return ""
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Equal(noRecentSwap) {
				return ""
			}
			return t.Format("2006-01-02")
		}
	}
	return ""
}

// squashSeparators lets "NotSwapped", "not_swapped" and "Not Swapped"
// meet one table entry.
func squashSeparators(s string) string {
	return strings.NewReplacer("_", "", "-", "", " ", "").Replace(s)
}
