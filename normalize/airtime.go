package normalize

import (
	"encoding/json"
	"strings"
	"time"
)

// Airtime event types.
const (
	TypeAirtimeValidation = "airtime.validation"
	TypeAirtimeStatus     = "airtime.status"
)

// Airtime outcomes: the canonical vocabularies of AirtimeStatus.Status and
// AirtimeValidation.Decision.
const (
	AirtimeSucceeded = "succeeded"
	AirtimeFailed    = "failed"
	Validated        = "validated"
	ValidationFailed = "failed"
)

// AirtimeValidation is the data of an airtime.validation event: the
// provider asked whether to send airtime, and what the gateway answered.
type AirtimeValidation struct {
	TransactionID string          `json:"transactionId"`
	PhoneNumber   string          `json:"phoneNumber"`
	Amount        *Money          `json:"amount"`
	SourceIP      string          `json:"sourceIp"`
	Decision      string          `json:"decision"`
	Reason        string          `json:"reason"`
	Raw           json.RawMessage `json:"raw"`
}

// AirtimeStatus is the data of an airtime.status event: the provider's
// report of how an airtime send ended.
type AirtimeStatus struct {
	RequestID      string          `json:"requestId"`
	PhoneNumber    string          `json:"phoneNumber"`
	Status         string          `json:"status"`
	ProviderStatus string          `json:"providerStatus"`
	Description    string          `json:"description"`
	Value          *Money          `json:"value"`
	Discount       *Money          `json:"discount"`
	Raw            json.RawMessage `json:"raw"`
}

// atAirtimeStatuses maps AT's airtime status callback, lowercased. Old and
// current docs agree on these two; anything else is unknown.
var atAirtimeStatuses = map[string]string{
	"success": AirtimeSucceeded,
	"failed":  AirtimeFailed,
}

// ATAirtimeValidationRequest reads AT's airtime validation request. It
// returns what it could read even when a field is missing or unusable, with
// a FieldError naming the first problem, so the caller can still answer
// Failed and publish the attempt. Decision and Reason are left empty.
func ATAirtimeValidationRequest(in Input) (AirtimeValidation, error) {
	d := AirtimeValidation{
		TransactionID: in.Get("transactionId"),
		PhoneNumber:   Phone(in.Fields["phoneNumber"]),
		Amount:        ParseAmount(in.Get("currencyCode"), in.Get("amount")),
		SourceIP:      in.Get("sourceIpAddress"),
		Raw:           in.Raw,
	}
	if _, err := requireAll(in, "transactionId", "phoneNumber", "currencyCode", "amount"); err != nil {
		return d, err
	}
	if d.Amount == nil {
		return d, &FieldError{Field: "amount", Problem: "is not a decimal amount in currencyCode"}
	}
	return d, nil
}

// ParseAmount reads an amount and its currency sent apart, as AT's
// validation request does: "500.00", a JSON number's text 500, or an
// amount that carries its own currency ("KES 500") agreeing with currency.
// It returns nil when they do not make one amount.
func ParseAmount(currency, amount string) *Money {
	if currency == "" || amount == "" {
		return nil
	}
	if m := ParseMoney(currency + " " + amount); m != nil {
		return m
	}
	if m := ParseMoney(amount); m != nil && strings.EqualFold(m.Currency, currency) {
		return m
	}
	return nil
}

// AirtimeValidationEvent builds the airtime.validation event of a decided
// request. Its natural key is the transaction id alone: a retried request
// is stored once, with the first decision.
func AirtimeValidationEvent(provider string, at time.Time, d AirtimeValidation) Event {
	return NewEvent(provider, TypeAirtimeValidation, d.TransactionID, at, d, d.TransactionID)
}

// ATAirtimeStatus maps AT's airtime status callback, form (old docs) or
// JSON (current).
func ATAirtimeStatus(in Input) ([]Event, error) {
	v, err := requireAll(in, "requestId", "status")
	if err != nil {
		return nil, err
	}
	id, raw := v[0], v[1]
	d := AirtimeStatus{
		RequestID:      id,
		PhoneNumber:    Phone(in.Fields["phoneNumber"]),
		Status:         lookupOr(atAirtimeStatuses, raw),
		ProviderStatus: raw,
		Description:    in.Get("description"),
		Value:          ParseMoney(in.Get("value")),
		Discount:       ParseMoney(in.Get("discount")),
		Raw:            in.Raw,
	}
	ev := newEvent(TypeAirtimeStatus, id, in.ReceivedAt, d, id, strings.ToLower(raw))
	if d.Status == Unknown {
		ev.Unknown = append(ev.Unknown, "status")
	}
	return []Event{ev}, nil
}
