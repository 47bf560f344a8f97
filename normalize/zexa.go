package normalize

import "strings"

// Zexa is the provider name of Zexa, an Angolan messaging platform that
// pushes signed JSON webhooks.
const Zexa = "zexa"

// zexaDeliveries maps Zexa's message event names, lowercased, to delivery
// statuses.
var zexaDeliveries = map[string]string{
	"message.delivered":     DeliveryDelivered,
	"message.failed":        DeliveryFailed,      // "after all retry attempts"
	"message.undeliverable": DeliveryUndelivered, // invalid number, deactivated account
}

// zexaCampaigns maps Zexa's campaign event names to campaign statuses.
var zexaCampaigns = map[string]string{
	"campaign.sent":      CampaignSent,      // every message dispatched to the carriers
	"campaign.completed": CampaignCompleted, // every message reached a final status
}

// zexaOptOut is the event of a recipient replying STOP or unsubscribing.
const zexaOptOut = "message.optout"

// Zexa documents the payload of message events only. The fields of opt-out
// and campaign events are read from the first of these that is present.
var (
	zexaPhoneFields    = []string{"data.to", "data.phone_number", "data.phone", "data.from"}
	zexaSenderFields   = []string{"data.sender_id", "data.sender"}
	zexaCampaignFields = []string{"data.campaign_id", "data.id"}
)

// ZexaWebhook maps one Zexa webhook: {"event", "timestamp", "data"}. An
// event it does not know, such as the test event Zexa sends when an
// endpoint is registered, becomes provider.event.
func ZexaWebhook(in Input) ([]Event, error) {
	paths := append([]string{"data.message_id", "data.channel", "data.delivered_at"}, zexaPhoneFields...)
	paths = append(append(paths, zexaSenderFields...), zexaCampaignFields...)
	in = in.withPaths(paths...)
	w := webhook{provider: Zexa, in: in, name: in.Get("event"), at: timeAt(in, "timestamp", "data.delivered_at")}
	name := strings.ToLower(w.name)
	if status, ok := zexaDeliveries[name]; ok {
		return zexaDelivery(w, status)
	}
	if status, ok := zexaCampaigns[name]; ok {
		field, id := firstOf(in, zexaCampaignFields...)
		if id == "" {
			return nil, &FieldError{Field: field, Problem: "is missing"}
		}
		return []Event{w.campaign(id, w.name, status)}, nil
	}
	if name == zexaOptOut {
		field, phone := firstOf(in, zexaPhoneFields...)
		if phone == "" {
			return nil, &FieldError{Field: field, Problem: "is missing"}
		}
		_, sender := firstOf(in, zexaSenderFields...)
		return []Event{w.optOut(Phone(in.Fields[field]), sender)}, nil
	}
	return []Event{w.other(in.Get("data.message_id"), true)}, nil
}

// zexaDelivery maps a message event. Zexa's message events name a channel;
// a report about anything but SMS is kept as provider.event rather than
// reach consumers of sms.delivery.
func zexaDelivery(w webhook, status string) ([]Event, error) {
	id, err := w.in.Require("data.message_id")
	if err != nil {
		return nil, err
	}
	if ch := w.in.Get("data.channel"); ch != "" && !strings.EqualFold(ch, "sms") {
		return []Event{w.other(id, false)}, nil
	}
	d := SMSDelivery{MessageID: id, Recipient: Phone(w.in.Fields["data.to"]), Status: status, ProviderStatus: w.name}
	return []Event{w.delivery(d)}, nil
}
