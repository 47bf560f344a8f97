package normalize

import (
	"strconv"
	"strings"
	"time"
)

// AfricasTalking is the provider name of Africa's Talking on subjects and in
// events.
const AfricasTalking = "africastalking"

// deliveryStatus is one row of a provider's delivery status table.
type deliveryStatus struct {
	status string
	final  bool
}

// atDeliveryStatuses maps Africa's Talking DLR statuses, lowercased, to the
// canonical status. AT compares nothing case-sensitively in practice, so
// neither do we. Values outside the table are published as unknown with the
// raw value beside them, never refused (courier once 400'd "Expired").
var atDeliveryStatuses = map[string]deliveryStatus{
	"sent":      {DeliverySent, false},     // accepted by AT, passed on
	"submitted": {DeliverySent, false},     // handed to the operator
	"buffered":  {DeliveryQueued, false},   // queued by the operator
	"queued":    {DeliveryQueued, false},   // AT webhook guide's status list
	"success":   {DeliveryDelivered, true}, // reached the handset
	"rejected":  {DeliveryRejected, true},  // operator refused it
	"failed":    {DeliveryFailed, true},    // could not reach the handset
	"expired":   {DeliveryExpired, true},   // not in AT's table; seen in the wild (courier)
	"delivered": {DeliveryDelivered, true}, // other gateways' spelling, harmless to accept
	// AbsentSubscriber is not in AT's table; one community codebase lists it.
	// The handset was off or out of coverage: a later report may follow.
	"absentsubscriber": {DeliveryUndelivered, false},
}

// atFailureReasons maps AT failureReason values, lowercased, to canonical
// reasons. The misspelling NotNetworkSubcriber appears on a third-party help
// page that copies AT's table; accept both.
var atFailureReasons = map[string]string{
	"insufficientcredit":         "insufficient_credit",
	"invalidlinkid":              "invalid_link_id",
	"userisinactive":             "user_inactive",
	"userinblacklist":            "user_blacklisted",
	"useraccountsuspended":       "user_suspended",
	"notnetworksubscriber":       "not_network_subscriber",
	"notnetworksubcriber":        "not_network_subscriber",
	"usernotsubscribedtoproduct": "not_subscribed_to_product",
	"userdoesnotexist":           "user_does_not_exist",
	"deliveryfailure":            "delivery_failure",
	"absentsubscriber":           "absent_subscriber",
}

// atUpdateTypes maps premium subscription updateType values, lowercased.
// AT's prose says "addition", its own sample compares "Addition".
var atUpdateTypes = map[string]string{
	"addition": Subscribed,
	"deletion": Unsubscribed,
}

// ATSMSInbound maps an incoming two-way or premium message.
func ATSMSInbound(in Input) ([]Event, error) {
	v, err := requireAll(in, "id", "from", "to", "date")
	if err != nil {
		return nil, err
	}
	id, date := v[0], v[3]
	d := SMSInbound{
		MessageID: id,
		From:      Phone(in.Fields["from"]), // untrimmed: a leading space is a decoded '+'
		To:        Phone(v[2]),
		Text:      in.Fields["text"], // as typed: leading spaces are the sender's
		LinkID:    in.Get("linkId"),
		Network:   LookupNetwork(in.Get("networkCode")),
		Raw:       in.Raw,
	}
	at := in.ReceivedAt
	if t, ok := ParseTime(date); ok {
		d.ReceivedAt, at = &t, t
	}
	return one(TypeSMSInbound, id, at, d, []string{id}), nil
}

// ATSMSDelivery maps a delivery report.
func ATSMSDelivery(in Input) ([]Event, error) {
	id, err := in.Require("id")
	if err != nil {
		return nil, err
	}
	raw, err := in.Require("status")
	if err != nil {
		return nil, err
	}
	st, known := atDeliveryStatuses[strings.ToLower(raw)]
	if !known {
		st = deliveryStatus{Unknown, false}
	}
	d := SMSDelivery{
		MessageID:             id,
		Recipient:             Phone(in.Fields["phoneNumber"]),
		Status:                st.status,
		ProviderStatus:        raw,
		Final:                 st.final,
		ProviderFailureReason: in.Get("failureReason"),
		RetryCount:            parseCount(in.Get("retryCount")),
		Network:               LookupNetwork(in.Get("networkCode")),
		Cost:                  ParseMoney(in.Get("cost")),
		Raw:                   in.Raw,
	}
	if r := d.ProviderFailureReason; r != "" {
		d.FailureReason = lookupOr(atFailureReasons, r)
	}
	ev := newEvent(TypeSMSDelivery, id, in.ReceivedAt, d, id, strings.ToLower(raw))
	if !known {
		ev.Unknown = append(ev.Unknown, "status")
	}
	if d.FailureReason == Unknown {
		ev.Unknown = append(ev.Unknown, "failureReason")
	}
	return []Event{ev}, nil
}

// ATSMSOptOut maps a bulk SMS opt-out.
func ATSMSOptOut(in Input) ([]Event, error) {
	v, err := requireAll(in, "phoneNumber", "senderId")
	if err != nil {
		return nil, err
	}
	d := SMSOptOut{PhoneNumber: Phone(in.Fields["phoneNumber"]), SenderID: v[1], Raw: in.Raw}
	return one(TypeSMSOptOut, d.PhoneNumber, in.ReceivedAt, d, []string{d.PhoneNumber, d.SenderID}), nil
}

// ATSMSSubscription maps a premium subscription change.
func ATSMSSubscription(in Input) ([]Event, error) {
	vals, err := requireAll(in, "phoneNumber", "shortCode", "keyword", "updateType")
	if err != nil {
		return nil, err
	}
	d := SMSSubscription{
		PhoneNumber:    Phone(in.Fields["phoneNumber"]),
		ShortCode:      vals[1],
		Keyword:        vals[2],
		Action:         lookupOr(atUpdateTypes, vals[3]),
		ProviderAction: vals[3],
		Raw:            in.Raw,
	}
	ev := newEvent(TypeSMSSubscription, d.PhoneNumber, in.ReceivedAt, d,
		d.PhoneNumber, d.ShortCode, strings.ToLower(d.Keyword), d.Action+"/"+strings.ToLower(vals[3]))
	if d.Action == Unknown {
		ev.Unknown = append(ev.Unknown, "updateType")
	}
	return []Event{ev}, nil
}

// requireAll returns the named fields' values in order, or the FieldError of
// the first one missing.
func requireAll(in Input, names ...string) ([]string, error) {
	out := make([]string, len(names))
	for i, f := range names {
		v, err := in.Require(f)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// newEvent builds an AT event whose id derives from its natural key.
func newEvent(typ, subject string, at time.Time, data any, key ...string) Event {
	return NewEvent(AfricasTalking, typ, subject, at, data, key...)
}

func one(typ, subject string, at time.Time, data any, key []string) []Event {
	return []Event{newEvent(typ, subject, at, data, key...)}
}

// lookupOr finds a provider value case-insensitively, or Unknown.
func lookupOr(table map[string]string, v string) string {
	if c, ok := table[strings.ToLower(v)]; ok {
		return c
	}
	return Unknown
}

// parseCount reads a non-negative decimal count; anything else is absent
// rather than an error, since the raw copy keeps what was sent.
func parseCount(s string) *int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return nil
	}
	return &n
}
