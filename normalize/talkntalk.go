package normalize

import (
	"strings"
)

// TalkNTalk is the provider name of TalkNTalk, a Kenyan SMS platform that
// pushes signed JSON webhooks.
const TalkNTalk = "talkntalk"

// tntEvents maps TalkNTalk's webhook event names, lowercased, to delivery
// statuses. Every documented event is about one message; the name, not
// data.status (the message's state when the webhook fired), says what
// happened.
var tntEvents = map[string]string{
	"sms.sent":        DeliverySent,        // submitted to the operator
	"sms.delivered":   DeliveryDelivered,   // the operator confirmed the handset got it
	"sms.failed":      DeliveryFailed,      // submission to the operator failed
	"sms.undelivered": DeliveryUndelivered, // the operator could not deliver (unreachable)
	"sms.cancelled":   DeliveryCancelled,   // cancelled while still queued
}

// tntNetworks maps TalkNTalk's network names, which are Kenyan operators
// (its timestamps are Africa/Nairobi, its numbers 254…), to network codes.
var tntNetworks = map[string]string{
	"safaricom": "63902",
	"airtel":    "63903",
	"telkom":    "63907",
	"equitel":   "63999",
}

// TalkNTalkWebhook maps one TalkNTalk webhook: {"event", "timestamp",
// "data": the message}. The natural key is data.id and the event name. An
// event it does not know becomes provider.event.
func TalkNTalkWebhook(in Input) ([]Event, error) {
	in = in.withPaths("data.id", "data.mobile", "data.network", "data.updated_at")
	w := webhook{provider: TalkNTalk, in: in, name: in.Get("event"), at: timeAt(in, "timestamp", "data.updated_at")}
	status, known := tntEvents[strings.ToLower(w.name)]
	if !known {
		return []Event{w.other(in.Get("data.id"), true)}, nil
	}
	id, err := in.Require("data.id")
	if err != nil {
		return nil, err
	}
	d := SMSDelivery{
		MessageID:      id,
		Recipient:      Phone(in.Fields["data.mobile"]),
		Status:         status,
		ProviderStatus: w.name,
	}
	name := in.Get("data.network")
	if strings.HasPrefix(d.Recipient, "+254") && tntNetworks[strings.ToLower(name)] != "" {
		d.Network = LookupNetwork(tntNetworks[strings.ToLower(name)])
	}
	ev := w.delivery(d)
	if name != "" && d.Network == nil {
		ev.Unknown = append(ev.Unknown, "data.network")
	}
	return []Event{ev}, nil
}
