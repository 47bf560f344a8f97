package normalize

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// USSD event types.
const (
	TypeUSSDInput      = "ussd.input"
	TypeUSSDSubmission = "ussd.submission"
	TypeUSSDSession    = "ussd.session"
)

// USSD session outcomes: the canonical vocabulary of USSDSession.Status.
const (
	USSDCompleted  = "completed"
	USSDIncomplete = "incomplete"
	USSDFailed     = "failed"
)

// USSDInput is the data of a ussd.input event: one hop of a session, what
// the caller entered and what the gateway answered. Secret inputs (a PIN)
// appear only masked, in Text, Input and Raw alike.
type USSDInput struct {
	SessionID   string          `json:"sessionId"`
	ServiceCode string          `json:"serviceCode"`
	PhoneNumber string          `json:"phoneNumber"`
	Network     *Network        `json:"network"`
	Text        string          `json:"text"`
	Input       string          `json:"input"`
	Screen      string          `json:"screen"`
	Answer      string          `json:"answer"`
	Raw         json.RawMessage `json:"raw"`
}

// USSDSubmission is the data of a ussd.submission event: a form a menu
// screen submitted, with the inputs collected so far (never secret ones).
type USSDSubmission struct {
	SessionID   string            `json:"sessionId"`
	ServiceCode string            `json:"serviceCode"`
	PhoneNumber string            `json:"phoneNumber"`
	Name        string            `json:"name"`
	Inputs      map[string]string `json:"inputs"`
}

// USSDSession is the data of a ussd.session event: the provider's report
// that a session ended.
type USSDSession struct {
	SessionID      string          `json:"sessionId"`
	ServiceCode    string          `json:"serviceCode"`
	PhoneNumber    string          `json:"phoneNumber"`
	Network        *Network        `json:"network"`
	Status         string          `json:"status"`
	ProviderStatus string          `json:"providerStatus"`
	DurationMs     *int            `json:"durationMs"`
	Hops           *int            `json:"hops"`
	HopsMetadata   []string        `json:"hopsMetadata"`
	Input          string          `json:"input"`
	LastResponse   string          `json:"lastResponse"`
	ErrorMessage   string          `json:"errorMessage"`
	Cost           *Money          `json:"cost"`
	Raw            json.RawMessage `json:"raw"`
}

// atUSSDStatuses maps AT's end-of-session status, lowercased.
var atUSSDStatuses = map[string]string{
	"success":    USSDCompleted,  // the session reached an END screen
	"incomplete": USSDIncomplete, // the caller hung up or timed out at a CON screen
	"failed":     USSDFailed,     // our answer was late, malformed or an HTTP error
}

// ATUSSDSession maps AT's end-of-session notification. Its input field
// repeats every input of the session, PINs included: the HTTP layer masks
// it (Input.WithField) before this runs.
func ATUSSDSession(in Input) ([]Event, error) {
	id, err := in.Require("sessionId")
	if err != nil {
		return nil, err
	}
	raw := in.Get("status")
	d := USSDSession{
		SessionID:      id,
		ServiceCode:    in.Get("serviceCode"),
		PhoneNumber:    Phone(in.Fields["phoneNumber"]),
		Network:        LookupNetwork(in.Get("networkCode")),
		Status:         lookupOr(atUSSDStatuses, raw),
		ProviderStatus: raw,
		DurationMs:     parseCount(in.Get("durationInMillis")),
		Hops:           parseCount(in.Get("hopsCount")),
		HopsMetadata:   splitNonEmpty(in.Get("hopsMetadata"), "|"),
		Input:          in.Fields["input"],
		LastResponse:   in.Fields["lastAppResponse"],
		ErrorMessage:   in.Get("errorMessage"),
		Cost:           parseCost(in.Get("cost")),
		Raw:            in.Raw,
	}
	at := in.ReceivedAt
	if t, ok := ParseTime(in.Get("date")); ok {
		at = t
	}
	ev := NewEvent(AfricasTalking, TypeUSSDSession, id, at, d, id)
	if d.Status == Unknown {
		ev.Unknown = append(ev.Unknown, "status")
	}
	return []Event{ev}, nil
}

// parseCost reads a USSD session cost: "KES 0.10" as money, and a bare
// amount ("0.00", as AT's samples show) with no currency.
func parseCost(s string) *Money {
	if m := ParseMoney(s); m != nil {
		return m
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil && s != "" && !strings.ContainsAny(s, "eEnN") {
		return &Money{Amount: s}
	}
	return nil
}

func splitNonEmpty(s, sep string) []string {
	out := []string{}
	for _, p := range strings.Split(s, sep) {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// NewEvent builds an event whose id derives from the provider, the type and
// the type's natural key.
func NewEvent(provider, typ, subject string, at time.Time, data any, key ...string) Event {
	return Event{
		ID:       EventID(provider, typ, key...),
		Provider: provider,
		Type:     typ,
		Subject:  subject,
		Time:     at.UTC(),
		Data:     data,
	}
}
