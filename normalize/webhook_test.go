package normalize

import (
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"testing"
	"time"
)

// jsonIn builds an Input the way the HTTP layer does for a JSON body: top
// level strings as they are, other values as their JSON text.
func jsonIn(tb testing.TB, body string) Input {
	tb.Helper()
	in := Input{Fields: map[string]string{}, Raw: json.RawMessage(body), ReceivedAt: received}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &obj); err != nil {
		return in
	}
	for k, v := range obj {
		var s string
		if json.Unmarshal(v, &s) == nil {
			in.Fields[k] = s
		} else if string(v) != "null" {
			in.Fields[k] = string(v)
		}
	}
	return in
}

// katembe is a Standard-Webhooks provider configured the way docs/webhooks.md
// shows: type/timestamp/data bodies, statuses in data.status.
var katembe = WebhookMapping{
	Provider: "katembe",
	Event:    "type",
	Types: map[string]string{
		"message.delivered":      TypeSMSDelivery,
		"message.failed":         TypeSMSDelivery,
		"message.optout":         TypeSMSOptOut,
		"broadcast.finished":     TypeCampaignStatus,
		"verification.completed": TypeProviderEvent,
	},
	ID:       "data.message_id",
	EventID:  "event_id",
	Phone:    "data.recipient",
	Sender:   "data.sender",
	Status:   "data.status",
	Statuses: map[string]string{"delivrd": DeliveryDelivered, "undeliv": DeliveryUndelivered, "done": CampaignCompleted},
	Time:     "timestamp",
}

func TestWebhookMapping(t *testing.T) {
	at := time.Date(2026, 3, 4, 7, 30, 12, 0, time.UTC)
	cases := []struct {
		name, body string
		typ        string
		subject    string
		check      func(t *testing.T, data any)
		unknown    []string
		time       time.Time
	}{
		{"delivered", `{"type":"message.delivered","timestamp":"2026-03-04T10:30:12+03:00","data":{"message_id":"m1","recipient":"255754000111","status":"DELIVRD"}}`,
			TypeSMSDelivery, "m1", func(t *testing.T, d any) {
				got := d.(SMSDelivery)
				if got.Status != DeliveryDelivered || !got.Final || got.Recipient != "+255754000111" || got.ProviderStatus != "DELIVRD" {
					t.Errorf("got %+v", got)
				}
			}, nil, at},
		{"unknown status", `{"type":"message.failed","data":{"message_id":"m1","status":"E042"}}`,
			TypeSMSDelivery, "m1", func(t *testing.T, d any) {
				if got := d.(SMSDelivery); got.Status != Unknown || got.Final || got.ProviderStatus != "E042" {
					t.Errorf("got %+v", got)
				}
			}, []string{"status"}, received},
		{"status maps to a campaign status", `{"type":"message.failed","data":{"message_id":"m1","status":"done"}}`,
			TypeSMSDelivery, "m1", func(t *testing.T, d any) {
				if got := d.(SMSDelivery); got.Status != Unknown {
					t.Errorf("a campaign status leaked into a delivery: %+v", got)
				}
			}, []string{"status"}, received},
		{"opt-out", `{"type":"Message.OptOut","data":{"recipient":"+255 754 000 111","sender":"SHOP"}}`,
			TypeSMSOptOut, "+255754000111", func(t *testing.T, d any) {
				if got := d.(SMSOptOut); got.PhoneNumber != "+255754000111" || got.SenderID != "SHOP" {
					t.Errorf("got %+v", got)
				}
			}, nil, received},
		{"campaign", `{"type":"broadcast.finished","data":{"message_id":"b7","status":"done"}}`,
			TypeCampaignStatus, "b7", func(t *testing.T, d any) {
				if got := d.(CampaignStatus); got.Status != CampaignCompleted || got.ProviderStatus != "done" {
					t.Errorf("got %+v", got)
				}
			}, nil, received},
		{"mapped to provider.event", `{"type":"verification.completed","data":{"message_id":"v1"}}`,
			TypeProviderEvent, "v1", func(t *testing.T, d any) {
				if got := d.(ProviderEvent); got.Event != "verification.completed" {
					t.Errorf("got %+v", got)
				}
			}, nil, received},
		{"unmapped", `{"type":"account.suspended","data":{}}`,
			TypeProviderEvent, "", func(t *testing.T, d any) {
				if got := d.(ProviderEvent); got.Event != "account.suspended" || string(got.Raw) != `{"type":"account.suspended","data":{}}` {
					t.Errorf("got %+v", got)
				}
			}, []string{"event"}, received},
		{"no event name", `{"data":{"x":1}}`, TypeProviderEvent, "", nil, []string{"event"}, received},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := katembe.Parse(jsonIn(t, tc.body))
			if err != nil {
				t.Fatal(err)
			}
			ev := evs[0]
			if len(evs) != 1 || ev.Type != tc.typ || ev.Subject != tc.subject || ev.Provider != "katembe" || !ev.Time.Equal(tc.time) {
				t.Fatalf("got %d events, first %+v", len(evs), ev)
			}
			if !slices.Equal(ev.Unknown, tc.unknown) {
				t.Errorf("unknown = %v, want %v", ev.Unknown, tc.unknown)
			}
			if tc.check != nil {
				tc.check(t, ev.Data)
			}
		})
	}
}

// TestWebhookMappingUnsetPaths: a path the mapping leaves empty matches
// nothing, not even a body's empty key.
func TestWebhookMappingUnsetPaths(t *testing.T) {
	m := WebhookMapping{Provider: "p", Event: "type", Types: map[string]string{"opt": TypeSMSOptOut}}
	evs, err := m.Parse(jsonIn(t, `{"":"x","type":"ping"}`))
	if err != nil || evs[0].Subject != "" || evs[0].Data.(ProviderEvent).Event != "ping" {
		t.Fatalf("got %+v, %v", evs, err)
	}
	if _, err := m.Parse(jsonIn(t, `{"":"+254711000111","type":"opt"}`)); err == nil {
		t.Fatal("an opt-out without a phone path took the empty key's value")
	}
}

func TestWebhookMappingMissingFields(t *testing.T) {
	for body, field := range map[string]string{
		`{"type":"message.delivered","data":{"status":"delivrd"}}`:              "data.message_id",
		`{"type":"message.delivered","data":{"message_id":"m1"}}`:               "data.status",
		`{"type":"message.optout","data":{"sender":"SHOP"}}`:                    "data.recipient",
		`{"type":"broadcast.finished","data":{"message_id":" "}}`:               "data.message_id",
		`{"type":"broadcast.finished","data":{"message_id":"b","status":null}}`: "data.status",
	} {
		_, err := katembe.Parse(jsonIn(t, body))
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: err = %v, want field %s missing", body, err, field)
		}
	}
}

// TestWebhookMappingKeys: a verified webhook-id, then the body's event id,
// then the type's natural key decide the event id, so a re-delivery is one
// event and a new status another.
func TestWebhookMappingKeys(t *testing.T) {
	body := `{"type":"message.delivered","data":{"message_id":"m1","status":"delivrd"}}`
	id := func(body string, meta map[string]string) string {
		in := jsonIn(t, body)
		in.Meta = meta
		evs, err := katembe.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		return evs[0].ID
	}
	natural := id(body, nil)
	if natural != EventID("katembe", TypeSMSDelivery, "m1", "delivrd") {
		t.Errorf("natural key id = %s", natural)
	}
	if got := id(body, map[string]string{MetaWebhookID: "msg_1"}); got != EventID("katembe", TypeSMSDelivery, "msg_1") {
		t.Errorf("webhook-id did not key the event: %s", got)
	}
	withEventID := `{"event_id":"evt_9","type":"message.delivered","data":{"message_id":"m1","status":"delivrd"}}`
	if got := id(withEventID, nil); got != EventID("katembe", TypeSMSDelivery, "evt_9") {
		t.Errorf("event_id did not key the event: %s", got)
	}
	if id(withEventID, map[string]string{MetaWebhookID: "msg_1"}) != id(body, map[string]string{MetaWebhookID: "msg_1"}) {
		t.Error("the verified webhook-id must win over the body's event id")
	}
	other := `{"type":"account.suspended","data":{"reason":"billing"}}`
	if id(other, nil) != id(other, nil) || id(other, nil) == id(`{"type":"account.suspended","data":{"reason":"fraud"}}`, nil) {
		t.Error("an unmapped event without ids must be keyed by its body")
	}
}

func TestWithPaths(t *testing.T) {
	in := jsonIn(t, `{"a":{"b":[{"c":9007199254740993},{"c":"x"}],"t":true,"n":null,"o":{"k":1}},"top":"v"}`)
	got := in.withPaths("a.b.0.c", "a.b.1.c", "a.t", "a.n", "a.o", "a.b.2.c", "a.b.-1", "top.x", "", "top")
	want := map[string]string{"a.b.0.c": "9007199254740993", "a.b.1.c": "x", "a.t": "true", "a.o": `{"k":1}`, "top": "v"}
	for k, v := range want {
		if got.Fields[k] != v {
			t.Errorf("%s = %q, want %q", k, got.Fields[k], v)
		}
	}
	for _, absent := range []string{"a.n", "a.b.2.c", "a.b.-1", "top.x"} {
		if _, ok := got.Fields[absent]; ok {
			t.Errorf("%s should be absent, got %q", absent, got.Fields[absent])
		}
	}
	if _, ok := in.Fields["a.b.0.c"]; ok {
		t.Error("withPaths changed the caller's fields")
	}
	if bad := (Input{Raw: json.RawMessage("not json")}).withPaths("a"); bad.Fields["a"] != "" {
		t.Error("a non-JSON body yielded a value")
	}
}

var eventIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// webhookParsers are every JSON webhook mapping, fuzzed together.
var webhookParsers = map[string]func(Input) ([]Event, error){
	TalkNTalk: TalkNTalkWebhook,
	Zexa:      ZexaWebhook,
	"katembe": katembe.Parse,
}

// FuzzWebhookMapping feeds arbitrary JSON to every webhook mapping: none may
// panic; each either names a missing field or returns well-formed events of
// a mappable type, the same ones twice.
func FuzzWebhookMapping(f *testing.F) {
	for _, seed := range []string{
		`{"event":"sms.delivered","timestamp":"2026-05-20T11:30:04+03:00","data":{"id":9041,"mobile":"254712345678","network":"safaricom"}}`,
		`{"event":"message.optout","data":{"to":"+244912345678"}}`,
		`{"event":"campaign.sent","data":{"campaign_id":"c1"}}`,
		`{"type":"message.delivered","data":{"message_id":"m1","status":"delivrd","recipient":"+255754000111"}}`,
		`{"type":"broadcast.finished","data":{"message_id":[1,{"a":null}],"status":{"x":1}}}`,
		`{"event":null,"data":[]}`, `[]`, `"x"`, `{"event":"sms.sent","data":{"id":"\u0000","mobile":"++"}}`,
	} {
		f.Add(seed, "")
		f.Add(seed, "msg_1")
	}
	f.Fuzz(func(t *testing.T, body, webhookID string) {
		var obj map[string]json.RawMessage
		if json.Unmarshal([]byte(body), &obj) != nil || obj == nil {
			return // the HTTP layer answers 400 before any mapping runs
		}
		for name, parse := range webhookParsers {
			in := jsonIn(t, body)
			in.Meta = map[string]string{MetaWebhookID: webhookID}
			evs, err := parse(in)
			var fe *FieldError
			if err != nil {
				if !errors.As(err, &fe) {
					t.Fatalf("%s: error %v is not a FieldError", name, err)
				}
				continue
			}
			again, _ := parse(in)
			checkWebhookEvents(t, name, evs, again)
		}
	})
}

func checkWebhookEvents(t *testing.T, provider string, evs, again []Event) {
	t.Helper()
	if len(evs) != 1 || len(again) != 1 {
		t.Fatalf("%s: %d events", provider, len(evs))
	}
	ev := evs[0]
	if !eventIDRE.MatchString(ev.ID) || ev.ID != again[0].ID || ev.Provider != provider {
		t.Fatalf("%s: bad or unstable event %+v / %+v", provider, ev, again[0])
	}
	if !slices.Contains(MappableTypes, ev.Type) || ev.Time.Location() != time.UTC {
		t.Fatalf("%s: type %q time %v", provider, ev.Type, ev.Time)
	}
	if _, err := json.Marshal(ev); err != nil {
		t.Fatalf("%s: event does not marshal: %v", provider, err)
	}
}
