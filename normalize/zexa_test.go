package normalize

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// zexaDelivered is Zexa's documented message.delivered payload.
const zexaDelivered = `{"event":"message.delivered","timestamp":"2026-06-24T10:05:00Z","data":{"message_id":"msg_abc123",` +
	`"channel":"sms","to":"+244912345678","status":"delivered","delivered_at":"2026-06-24T10:04:55Z"}}`

func TestZexaEvents(t *testing.T) {
	cases := []struct {
		name, body string
		typ        string
		subject    string
		check      func(t *testing.T, data any)
		unknown    []string
	}{
		{"delivered", zexaDelivered, TypeSMSDelivery, "msg_abc123", func(t *testing.T, d any) {
			if got := d.(SMSDelivery); got.Status != DeliveryDelivered || !got.Final || got.Recipient != "+244912345678" || got.ProviderStatus != "message.delivered" {
				t.Errorf("got %+v", got)
			}
		}, nil},
		{"failed", `{"event":"message.failed","data":{"message_id":"m2","to":"244912345678"}}`, TypeSMSDelivery, "m2", func(t *testing.T, d any) {
			if got := d.(SMSDelivery); got.Status != DeliveryFailed || !got.Final || got.Recipient != "+244912345678" {
				t.Errorf("got %+v", got)
			}
		}, nil},
		{"undeliverable", `{"event":"message.undeliverable","data":{"message_id":"m3"}}`, TypeSMSDelivery, "m3", func(t *testing.T, d any) {
			if got := d.(SMSDelivery); got.Status != DeliveryUndelivered || !got.Final {
				t.Errorf("got %+v", got)
			}
		}, nil},
		{"optout", `{"event":"message.optout","data":{"to":"+244912345678","sender_id":"LOJA"}}`, TypeSMSOptOut, "+244912345678", func(t *testing.T, d any) {
			if got := d.(SMSOptOut); got.PhoneNumber != "+244912345678" || got.SenderID != "LOJA" {
				t.Errorf("got %+v", got)
			}
		}, nil},
		{"optout from", `{"event":"message.optout","data":{"from":"244912345678"}}`, TypeSMSOptOut, "+244912345678", nil, nil},
		{"campaign sent", `{"event":"campaign.sent","data":{"campaign_id":"cmp_1"}}`, TypeCampaignStatus, "cmp_1", func(t *testing.T, d any) {
			if got := d.(CampaignStatus); got.Status != CampaignSent || got.ProviderStatus != "campaign.sent" {
				t.Errorf("got %+v", got)
			}
		}, nil},
		{"campaign completed by id", `{"event":"campaign.completed","data":{"id":"cmp_1"}}`, TypeCampaignStatus, "cmp_1", func(t *testing.T, d any) {
			if got := d.(CampaignStatus); got.Status != CampaignCompleted {
				t.Errorf("got %+v", got)
			}
		}, nil},
		{"test event", `{"event":"webhook.test","data":{}}`, TypeProviderEvent, "", nil, []string{"event"}},
		{"whatsapp report", `{"event":"message.delivered","data":{"message_id":"m4","channel":"whatsapp"}}`, TypeProviderEvent, "m4", func(t *testing.T, d any) {
			if got := d.(ProviderEvent); got.Event != "message.delivered" {
				t.Errorf("got %+v", got)
			}
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := ZexaWebhook(jsonIn(t, tc.body))
			if err != nil {
				t.Fatal(err)
			}
			ev := evs[0]
			if ev.Type != tc.typ || ev.Subject != tc.subject || ev.Provider != Zexa || !slices.Equal(ev.Unknown, tc.unknown) {
				t.Fatalf("got %+v", ev)
			}
			if tc.check != nil {
				tc.check(t, ev.Data)
			}
		})
	}
}

func TestZexaTimeAndKey(t *testing.T) {
	evs, _ := ZexaWebhook(jsonIn(t, zexaDelivered))
	if want := time.Date(2026, 6, 24, 10, 5, 0, 0, time.UTC); !evs[0].Time.Equal(want) {
		t.Errorf("time %v, want %v", evs[0].Time, want)
	}
	if evs[0].ID != EventID(Zexa, TypeSMSDelivery, "msg_abc123", "message.delivered") {
		t.Errorf("id %s", evs[0].ID)
	}
	evs, _ = ZexaWebhook(jsonIn(t, `{"event":"message.delivered","data":{"message_id":"m","delivered_at":"2026-06-24T10:04:55Z"}}`))
	if want := time.Date(2026, 6, 24, 10, 4, 55, 0, time.UTC); !evs[0].Time.Equal(want) {
		t.Errorf("time %v, want delivered_at %v", evs[0].Time, want)
	}
}

func TestZexaMissingFields(t *testing.T) {
	for body, want := range map[string]string{
		`{"event":"message.delivered","data":{"to":"+244912345678"}}`: "field data.message_id is missing",
		`{"event":"message.optout","data":{"sender_id":"LOJA"}}`:      "field data.to is missing",
		`{"event":"campaign.sent","data":{}}`:                         "field data.campaign_id is missing",
	} {
		_, err := ZexaWebhook(jsonIn(t, body))
		var fe *FieldError
		if !errors.As(err, &fe) || err.Error() != want {
			t.Errorf("%s: err = %v, want %s", body, err, want)
		}
	}
}
