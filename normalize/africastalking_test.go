package normalize

import (
	"encoding/json"
	"errors"
	"net/url"
	"testing"
	"time"
)

var received = time.Date(2026, 3, 4, 10, 31, 0, 0, time.UTC)

// formIn builds an Input the way the HTTP layer does for a form body.
func formIn(tb testing.TB, body string) Input {
	tb.Helper()
	vals, err := url.ParseQuery(body)
	if err != nil {
		tb.Fatalf("bad test body %q: %v", body, err)
	}
	in := Input{Fields: map[string]string{}, ReceivedAt: received}
	raw := map[string]string{}
	for k, v := range vals {
		in.Fields[k], raw[k] = v[0], v[0]
	}
	in.Raw, _ = json.Marshal(raw)
	return in
}

// fuzzInput turns a fuzzed form body into an Input as the HTTP layer would,
// or reports that the body is not a form the HTTP layer accepts.
func fuzzInput(body string) (Input, bool) {
	vals, err := url.ParseQuery(body)
	if err != nil {
		return Input{}, false
	}
	in := Input{Fields: map[string]string{}, Raw: json.RawMessage(`{}`), ReceivedAt: received}
	for k, v := range vals {
		in.Fields[k] = v[0]
	}
	return in, true
}

var atParsers = map[string]func(Input) ([]Event, error){
	TypeSMSInbound:      ATSMSInbound,
	TypeSMSDelivery:     ATSMSDelivery,
	TypeSMSOptOut:       ATSMSOptOut,
	TypeSMSSubscription: ATSMSSubscription,
	TypeUSSDSession:     ATUSSDSession,
	TypeAirtimeStatus:   ATAirtimeStatus,
	TypeSIMSwapStatus:   ATSIMSwapStatus,
}

// The golden files under testdata/africastalking hold each documented
// payload end to end; these cases hold the mapping rules one at a time.
func TestATDeliveryStatuses(t *testing.T) {
	cases := []struct {
		status, reason string
		want           string
		final          bool
		wantReason     string
		unknown        int
	}{
		{"Success", "", DeliveryDelivered, true, "", 0},
		{"SUCCESS", "", DeliveryDelivered, true, "", 0},
		{"Sent", "", DeliverySent, false, "", 0},
		{"Submitted", "", DeliverySent, false, "", 0},
		{"Buffered", "", DeliveryQueued, false, "", 0},
		{"Queued", "", DeliveryQueued, false, "", 0},
		{"Rejected", "NotNetworkSubcriber", DeliveryRejected, true, "not_network_subscriber", 0},
		{"Failed", "userinblacklist", DeliveryFailed, true, "user_blacklisted", 0},
		{"Failed", "InsufficientCredit", DeliveryFailed, true, "insufficient_credit", 0},
		{"Expired", "", DeliveryExpired, true, "", 0},
		{"AbsentSubscriber", "", DeliveryUndelivered, false, "", 0},
		{"Mystery", "Gremlins", Unknown, false, Unknown, 2},
	}
	for _, tc := range cases {
		t.Run(tc.status+"/"+tc.reason, func(t *testing.T) {
			evs, err := ATSMSDelivery(formIn(t, url.Values{"id": {"ATXid_1"}, "status": {tc.status}, "failureReason": {tc.reason}}.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			d := evs[0].Data.(SMSDelivery)
			if d.Status != tc.want || d.Final != tc.final || d.FailureReason != tc.wantReason || d.ProviderStatus != tc.status {
				t.Errorf("got status %q final %v reason %q provider %q", d.Status, d.Final, d.FailureReason, d.ProviderStatus)
			}
			if len(evs[0].Unknown) != tc.unknown {
				t.Errorf("unknown fields = %v", evs[0].Unknown)
			}
		})
	}
}

func TestATEventIDs(t *testing.T) {
	id := func(body string) string {
		evs, err := ATSMSDelivery(formIn(t, body))
		if err != nil {
			t.Fatal(err)
		}
		return evs[0].ID
	}
	a := id("id=ATXid_1&status=Sent")
	if a != id("id=ATXid_1&status=Sent&retryCount=3") {
		t.Error("the same message and status gave two ids")
	}
	if a != id("id=ATXid_1&status=sent") {
		t.Error("a status differing only in case gave a new id")
	}
	if a == id("id=ATXid_1&status=Success") || a == id("id=ATXid_2&status=Sent") {
		t.Error("a new status or message reused an id")
	}
	if len(a) != 32 {
		t.Errorf("id %q is not 32 hex digits", a)
	}
}

func TestATMissingFields(t *testing.T) {
	cases := map[string]struct{ body, field string }{
		TypeSMSInbound:      {"id=1&from=%2B254711000111&to=21512", "date"},
		TypeSMSDelivery:     {"status=Success", "id"},
		TypeSMSOptOut:       {"senderId=X", "phoneNumber"},
		TypeSMSSubscription: {"phoneNumber=%2B254711000111&shortCode=1&keyword=K", "updateType"},
		TypeUSSDSession:     {"status=Success", "sessionId"},
		TypeAirtimeStatus:   {"requestId=ATQid_1&value=KES+1", "status"},
		TypeSIMSwapStatus:   {"status=Swapped", "requestId"},
	}
	for typ, tc := range cases {
		_, err := atParsers[typ](formIn(t, tc.body))
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: err = %v, want missing %s", typ, err, tc.field)
		}
	}
}

// FuzzATParsers: whatever fields arrive, no parser panics, and what a parser
// accepts is a well-formed event that marshals.
func FuzzATParsers(f *testing.F) {
	f.Add("id=ATXid_1&status=Success&phoneNumber=%2B254711000111&networkCode=63902&cost=KES+0.10&retryCount=0")
	f.Add("linkId=1&text=Msg&to=21512&id=ec9a&date=2017-05-03T06:04:45Z&from=+254791541111")
	f.Add("senderId=MyBrand&phoneNumber=%2B254711000111")
	f.Add("phoneNumber=%2B254711000111&shortCode=12345&keyword=NEWS&updateType=addition")
	f.Add("date=2025-09-29+12%3A00%3A00&sessionId=ATUid_1&serviceCode=%2A123%23&networkCode=63902&phoneNumber=%2B254711000111&status=Success&cost=KES+0.10&durationInMillis=12345&hopsCount=3&hopsMetadata=main%7Cacct&input=1%2A1&lastAppResponse=END+x")
	f.Add("requestId=ATQid_1&status=Success&value=KES+100.0000&discount=KES+0.6000&lastSimSwapDate=01-01-1900")
	f.Add("id=%00&status=%FF&date=None&from=++&to=&networkCode=6&retryCount=-1")
	f.Fuzz(func(t *testing.T, body string) {
		in, ok := fuzzInput(body)
		if !ok {
			return
		}
		for typ, parse := range atParsers {
			evs, err := parse(in)
			if err != nil {
				continue
			}
			for _, ev := range evs {
				if ev.Type != typ || len(ev.ID) != 32 || ev.Provider != AfricasTalking || ev.Time.IsZero() {
					t.Fatalf("%s: malformed event %+v", typ, ev)
				}
				if _, err := json.Marshal(ev); err != nil {
					t.Fatalf("%s: event does not marshal: %v", typ, err)
				}
			}
		}
	})
}

func BenchmarkATSMSDelivery(b *testing.B) {
	in := formIn(b, "id=ATXid_dda018a640edfcc5d2ce455de3e4a6e7&status=Failed&phoneNumber=%2B254711000111&networkCode=63902&failureReason=UserInBlackList&retryCount=0")
	b.ReportAllocs()
	for b.Loop() {
		evs, err := ATSMSDelivery(in)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(evs[0]); err != nil {
			b.Fatal(err)
		}
	}
}
