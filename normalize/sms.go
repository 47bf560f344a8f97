package normalize

import (
	"encoding/json"
	"time"
)

// Canonical event types. The subject a type is published on is
// <prefix>.<provider>.<type>, so these strings are part of the contract.
const (
	TypeSMSInbound      = "sms.inbound"
	TypeSMSDelivery     = "sms.delivery"
	TypeSMSOptOut       = "sms.optout"
	TypeSMSSubscription = "sms.subscription"
)

// Unknown is the canonical value of any enumeration when the provider sent a
// value outside the known set; the provider's own value travels beside it.
const Unknown = "unknown"

// SMSInbound is the data of an sms.inbound event: a message a subscriber
// sent to one of our users' short codes or numbers.
type SMSInbound struct {
	MessageID  string          `json:"messageId"`
	From       string          `json:"from"`
	To         string          `json:"to"`
	Text       string          `json:"text"`
	LinkID     string          `json:"linkId"`
	Network    *Network        `json:"network"`
	ReceivedAt *time.Time      `json:"receivedAt"`
	Raw        json.RawMessage `json:"raw"`
}

// SMSDelivery is the data of an sms.delivery event: one delivery report.
type SMSDelivery struct {
	MessageID             string          `json:"messageId"`
	Recipient             string          `json:"recipient"`
	Status                string          `json:"status"`
	ProviderStatus        string          `json:"providerStatus"`
	Final                 bool            `json:"final"`
	FailureReason         string          `json:"failureReason"`
	ProviderFailureReason string          `json:"providerFailureReason"`
	RetryCount            *int            `json:"retryCount"`
	Network               *Network        `json:"network"`
	Cost                  *Money          `json:"cost"`
	Raw                   json.RawMessage `json:"raw"`
}

// SMSOptOut is the data of an sms.optout event: a subscriber asked to stop
// receiving messages from a sender id.
type SMSOptOut struct {
	PhoneNumber string          `json:"phoneNumber"`
	SenderID    string          `json:"senderId"`
	Raw         json.RawMessage `json:"raw"`
}

// SMSSubscription is the data of an sms.subscription event: a subscriber
// joined or left a premium SMS product.
type SMSSubscription struct {
	PhoneNumber    string          `json:"phoneNumber"`
	ShortCode      string          `json:"shortCode"`
	Keyword        string          `json:"keyword"`
	Action         string          `json:"action"`
	ProviderAction string          `json:"providerAction"`
	Raw            json.RawMessage `json:"raw"`
}

// Delivery statuses: the canonical vocabulary of SMSDelivery.Status.
const (
	DeliveryQueued      = "queued"
	DeliverySent        = "sent"
	DeliveryDelivered   = "delivered"
	DeliveryUndelivered = "undelivered"
	DeliveryFailed      = "failed"
	DeliveryRejected    = "rejected"
	DeliveryExpired     = "expired"
	DeliveryCancelled   = "cancelled"
)

// Subscription actions: the canonical vocabulary of SMSSubscription.Action.
const (
	Subscribed   = "subscribed"
	Unsubscribed = "unsubscribed"
)
