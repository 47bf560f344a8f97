package normalize

import (
	"strings"
	"time"
)

// MetaWebhookID is the Input.Meta key of a Standard Webhooks message id the
// HTTP layer has verified. The id is the same on every re-delivery of one
// message, so it is then the natural key of the event.
const MetaWebhookID = "webhook-id"

// MappableTypes are the canonical types a configured webhook event can map
// to; the configuration refuses any other.
var MappableTypes = []string{TypeSMSDelivery, TypeSMSOptOut, TypeCampaignStatus, TypeProviderEvent}

// WebhookMapping says how a configured provider's JSON webhook events become
// canonical events. Paths are dotted keys into the body ("data.message_id";
// an array element by index, "items.0.id"). Its Parse method is the
// provider's mapping.
type WebhookMapping struct {
	// Provider is the provider's name on subjects and in events.
	Provider string
	// Event is the path of the provider's event name.
	Event string
	// Types maps event names, lowercased, to one of MappableTypes. An event
	// whose name is not listed becomes provider.event, marked unknown.
	Types map[string]string
	// ID is the path of the message or campaign id: the event's subject and
	// part of its natural key.
	ID string
	// EventID is the path of the provider's unique id of the event itself,
	// when the body carries one; a verified webhook-id takes precedence.
	EventID string
	// Phone is the path of the recipient (sms.delivery) or of the
	// subscriber who opted out (sms.optout).
	Phone string
	// Sender is the path of the sender id an opt-out is from.
	Sender string
	// Status is the path of the provider's status. Empty means the event
	// name is the status ("message.delivered").
	Status string
	// Statuses maps provider statuses (or event names), lowercased, to
	// canonical delivery or campaign statuses. Others become unknown.
	Statuses map[string]string
	// Time is the path of when the event happened; where it is empty or
	// unreadable the receive time is used.
	Time string
}

// Parse maps one webhook event.
func (m WebhookMapping) Parse(in Input) ([]Event, error) {
	in = in.withPaths(m.Event, m.ID, m.EventID, m.Phone, m.Sender, m.Status, m.Time)
	w := webhook{provider: m.Provider, in: in, name: in.Get(m.Event), at: timeAt(in, m.Time)}
	if id := in.Meta[MetaWebhookID]; id != "" {
		w.key = []string{id}
	} else if id := in.Get(m.EventID); m.EventID != "" && id != "" {
		w.key = []string{id}
	}
	typ, mapped := m.Types[strings.ToLower(w.name)]
	switch typ {
	case TypeSMSDelivery:
		return m.delivery(w)
	case TypeSMSOptOut:
		return m.optOut(w)
	case TypeCampaignStatus:
		return m.campaign(w)
	}
	return []Event{w.other(in.Get(m.ID), !mapped)}, nil
}

func (m WebhookMapping) delivery(w webhook) ([]Event, error) {
	id, err := w.in.Require(m.ID)
	if err != nil {
		return nil, err
	}
	raw, err := m.status(w)
	if err != nil {
		return nil, err
	}
	status := lookupOr(m.Statuses, raw)
	if _, ok := deliveryStatuses[status]; !ok {
		status = Unknown
	}
	d := SMSDelivery{MessageID: id, Recipient: Phone(w.in.Fields[m.Phone]), Status: status, ProviderStatus: raw}
	return []Event{w.delivery(d)}, nil
}

func (m WebhookMapping) campaign(w webhook) ([]Event, error) {
	id, err := w.in.Require(m.ID)
	if err != nil {
		return nil, err
	}
	raw, err := m.status(w)
	if err != nil {
		return nil, err
	}
	return []Event{w.campaign(id, raw, lookupOr(m.Statuses, raw))}, nil
}

func (m WebhookMapping) optOut(w webhook) ([]Event, error) {
	if _, err := w.in.Require(m.Phone); err != nil {
		return nil, err
	}
	return []Event{w.optOut(Phone(w.in.Fields[m.Phone]), w.in.Get(m.Sender))}, nil
}

// status is the provider's status: at the Status path, or the event name.
func (m WebhookMapping) status(w webhook) (string, error) {
	if m.Status == "" {
		return w.name, nil
	}
	return w.in.Require(m.Status)
}

// webhook is one webhook event being mapped, with what every provider's
// mapping needs to build its canonical events.
type webhook struct {
	provider string
	in       Input
	name     string    // the provider's event name
	at       time.Time // when it happened, or the receive time
	// key, when set, is the provider's own id of the event and replaces
	// the type's natural key.
	key []string
}

func (w webhook) event(typ, subject string, data any, natural ...string) Event {
	if len(w.key) > 0 {
		natural = w.key
	}
	return NewEvent(w.provider, typ, subject, w.at, data, natural...)
}

// delivery completes and wraps an sms.delivery whose Status is canonical.
func (w webhook) delivery(d SMSDelivery) Event {
	d.Final, d.Raw = deliveryStatuses[d.Status], w.in.Raw
	ev := w.event(TypeSMSDelivery, d.MessageID, d, d.MessageID, strings.ToLower(d.ProviderStatus))
	if d.Status == Unknown {
		ev.Unknown = append(ev.Unknown, "status")
	}
	return ev
}

func (w webhook) campaign(id, providerStatus, status string) Event {
	if status != CampaignSent && status != CampaignCompleted {
		status = Unknown
	}
	d := CampaignStatus{CampaignID: id, Status: status, ProviderStatus: providerStatus, Raw: w.in.Raw}
	ev := w.event(TypeCampaignStatus, id, d, id, strings.ToLower(providerStatus))
	if status == Unknown {
		ev.Unknown = append(ev.Unknown, "status")
	}
	return ev
}

func (w webhook) optOut(phone, sender string) Event {
	d := SMSOptOut{PhoneNumber: phone, SenderID: sender, Raw: w.in.Raw}
	return w.event(TypeSMSOptOut, phone, d, phone, sender)
}

// other keeps an event as provider.event. Without an id for what it is
// about, the body itself is the key, so a re-delivery of the same bytes is
// still stored once. unmapped marks a name no table knows, for the log.
func (w webhook) other(subject string, unmapped bool) Event {
	key := []string{strings.ToLower(w.name), subject}
	if subject == "" {
		key = []string{strings.ToLower(w.name), "body", string(w.in.Raw)}
	}
	ev := w.event(TypeProviderEvent, subject, ProviderEvent{Event: w.name, Raw: w.in.Raw}, key...)
	if unmapped {
		ev.Unknown = append(ev.Unknown, "event")
	}
	return ev
}

// timeAt is the first of the paths' values that reads as a time, or the
// receive time.
func timeAt(in Input, paths ...string) time.Time {
	for _, p := range paths {
		if t, ok := ParseTime(in.Get(p)); p != "" && ok {
			return t
		}
	}
	return in.ReceivedAt
}

// firstOf returns the first non-blank value among the fields and its name,
// or the first name and "" when all are blank, so Require-style messages
// name the documented field.
func firstOf(in Input, names ...string) (name, value string) {
	for _, n := range names {
		if v := in.Get(n); v != "" {
			return n, v
		}
	}
	return names[0], ""
}
