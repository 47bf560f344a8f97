package normalize

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// tntBody is TalkNTalk's documented payload with the event name replaced.
func tntBody(event string) string {
	return `{"event":"` + event + `","timestamp":"2026-05-20T11:30:04+03:00","data":{"id":9041,"mobile":"254712345678",` +
		`"sender_id":"TALKNTALK","message":"Your OTP is 847291.","status":"delivered","network":"safaricom","source":"api",` +
		`"created_at":"2026-05-20T11:30:00+03:00","updated_at":"2026-05-20T11:30:04+03:00"}}`
}

func TestTalkNTalkEvents(t *testing.T) {
	fired := time.Date(2026, 5, 20, 8, 30, 4, 0, time.UTC)
	cases := []struct {
		event, status string
		final         bool
	}{
		{"sms.sent", DeliverySent, false},
		{"sms.delivered", DeliveryDelivered, true},
		{"sms.failed", DeliveryFailed, true},
		{"sms.undelivered", DeliveryUndelivered, true},
		{"sms.cancelled", DeliveryCancelled, true},
		{"SMS.Delivered", DeliveryDelivered, true},
	}
	for _, tc := range cases {
		t.Run(tc.event, func(t *testing.T) {
			evs, err := TalkNTalkWebhook(jsonIn(t, tntBody(tc.event)))
			if err != nil {
				t.Fatal(err)
			}
			ev := evs[0]
			d := ev.Data.(SMSDelivery)
			if ev.Type != TypeSMSDelivery || ev.Subject != "9041" || !ev.Time.Equal(fired) || ev.Time.Location() != time.UTC {
				t.Errorf("event %+v", ev)
			}
			if d.Status != tc.status || d.Final != tc.final || d.ProviderStatus != tc.event || d.Recipient != "+254712345678" {
				t.Errorf("data %+v", d)
			}
			if d.Network == nil || d.Network.Code != "63902" || d.Network.Operator != "Safaricom Kenya" {
				t.Errorf("network %+v", d.Network)
			}
			if ev.ID != EventID(TalkNTalk, TypeSMSDelivery, "9041", strings.ToLower(tc.event)) || len(ev.Unknown) != 0 {
				t.Errorf("id %s unknown %v", ev.ID, ev.Unknown)
			}
		})
	}
}

func TestTalkNTalkUnknownEvent(t *testing.T) {
	evs, err := TalkNTalkWebhook(jsonIn(t, tntBody("sms.queued")))
	if err != nil {
		t.Fatal(err)
	}
	ev := evs[0]
	if ev.Type != TypeProviderEvent || ev.Subject != "9041" || ev.Data.(ProviderEvent).Event != "sms.queued" || !slices.Equal(ev.Unknown, []string{"event"}) {
		t.Errorf("got %+v", ev)
	}
}

func TestTalkNTalkNetworks(t *testing.T) {
	cases := []struct {
		mobile, network, code string
		unknown               bool
	}{
		{"254733000111", "airtel", "63903", false},
		{"254770000111", "Telkom", "63907", false},
		{"256772000111", "airtel", "", true}, // Airtel Uganda is not Airtel Kenya
		{"254712345678", "jamii", "", true},
		{"254712345678", "", "", false},
	}
	for _, tc := range cases {
		body := strings.Replace(strings.Replace(tntBody("sms.sent"), "254712345678", tc.mobile, 1), `"safaricom"`, `"`+tc.network+`"`, 1)
		evs, err := TalkNTalkWebhook(jsonIn(t, body))
		if err != nil {
			t.Fatal(err)
		}
		d := evs[0].Data.(SMSDelivery)
		if got := d.Network; (tc.code == "" && got != nil) || (tc.code != "" && (got == nil || got.Code != tc.code)) {
			t.Errorf("%s/%s: network %+v, want %q", tc.mobile, tc.network, got, tc.code)
		}
		if slices.Contains(evs[0].Unknown, "data.network") != tc.unknown {
			t.Errorf("%s/%s: unknown = %v", tc.mobile, tc.network, evs[0].Unknown)
		}
	}
}

func TestTalkNTalkTimes(t *testing.T) {
	noStamp := strings.Replace(tntBody("sms.sent"), `"timestamp":"2026-05-20T11:30:04+03:00",`, "", 1)
	evs, _ := TalkNTalkWebhook(jsonIn(t, noStamp))
	if want := time.Date(2026, 5, 20, 8, 30, 4, 0, time.UTC); !evs[0].Time.Equal(want) {
		t.Errorf("without timestamp: %v, want data.updated_at %v", evs[0].Time, want)
	}
	evs, _ = TalkNTalkWebhook(jsonIn(t, `{"event":"sms.sent","timestamp":"soon","data":{"id":1}}`))
	if !evs[0].Time.Equal(received) {
		t.Errorf("unreadable times: %v, want the receive time", evs[0].Time)
	}
}

func TestTalkNTalkMissingID(t *testing.T) {
	_, err := TalkNTalkWebhook(jsonIn(t, `{"event":"sms.delivered","data":{"mobile":"254712345678"}}`))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Error() != "field data.id is missing" {
		t.Fatalf("err = %v", err)
	}
}
