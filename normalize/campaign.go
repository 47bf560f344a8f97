package normalize

import "encoding/json"

// Canonical event types that signed webhooks add to the SMS ones.
const (
	TypeCampaignStatus = "campaign.status"
	// TypeProviderEvent carries a webhook event no mapping covers, so that
	// nothing a provider signs and sends is dropped.
	TypeProviderEvent = "provider.event"
)

// Campaign statuses: the canonical vocabulary of CampaignStatus.Status.
const (
	CampaignSent      = "sent"      // every message handed to the carriers
	CampaignCompleted = "completed" // every message reached a final status
)

// CampaignStatus is the data of a campaign.status event: a bulk send moved
// to a new stage.
type CampaignStatus struct {
	CampaignID     string          `json:"campaignId"`
	Status         string          `json:"status"`
	ProviderStatus string          `json:"providerStatus"`
	Raw            json.RawMessage `json:"raw"`
}

// ProviderEvent is the data of a provider.event event: a webhook the
// gateway authenticated but has no canonical type for (a new event name, a
// verification result, a provider's test ping). Raw holds all of it.
type ProviderEvent struct {
	Event string          `json:"event"`
	Raw   json.RawMessage `json:"raw"`
}

// deliveryStatuses holds every canonical delivery status and whether it
// ends a message's reports. SMPP, which most providers' reports come from,
// treats UNDELIV as final; Africa's Talking's absent subscriber is the one
// exception, and its own table says so.
var deliveryStatuses = map[string]bool{
	DeliveryQueued:      false,
	DeliverySent:        false,
	DeliveryDelivered:   true,
	DeliveryUndelivered: true,
	DeliveryFailed:      true,
	DeliveryRejected:    true,
	DeliveryExpired:     true,
	DeliveryCancelled:   true,
}
