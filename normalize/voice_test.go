package normalize

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestATVoiceStates(t *testing.T) {
	cases := []struct {
		body          string
		state, native string
		unknown       []string
	}{
		{"callSessionState=Ringing&isActive=1", CallRinging, "Ringing", nil},
		{"callSessionState=Active&isActive=1", CallActive, "Active", nil},
		{"callSessionState=Completed&status=Success&isActive=0", CallCompleted, "Completed", nil},
		{"callSessionState=NotAnswered&status=NotAnswered&isActive=0", CallNotAnswered, "NotAnswered", nil},
		{"callSessionState=Transferred&status=Success", CallTransferred, "Transferred", nil},
		{"callSessionState=TransferCompleted", CallTransferCompleted, "TransferCompleted", nil},
		{"callSessionState=completed&status=Failed&isActive=0", CallFailed, "Failed", nil},
		{"callSessionState=Completed&status=NotAnswered", CallNotAnswered, "NotAnswered", nil},
		{"status=Success&isActive=0", CallCompleted, "Success", nil},
		{"status=NotAnswered&isActive=0", CallNotAnswered, "NotAnswered", nil},
		{"status=Failed&isActive=0", CallFailed, "Failed", nil},
		{"eventType=SessionInitiated", CallRinging, "SessionInitiated", nil},
		{"eventType=SessionAnswered", CallActive, "SessionAnswered", nil},
		{"eventType=SessionEnded&status=Success", CallCompleted, "SessionEnded", nil},
		{"eventType=CallTransferCompleted", CallTransferCompleted, "CallTransferCompleted", nil},
		{"isActive=1", CallActive, "", nil},
		{"isActive=0", Unknown, "", nil},
		{"callSessionState=Answered&isActive=1", Unknown, "Answered", []string{"callSessionState"}},
		{"eventType=SessionBridged", Unknown, "SessionBridged", []string{"callSessionState"}},
		{"status=Aborted&isActive=0&direction=Sideways", Unknown, "Aborted", []string{"direction", "callSessionState"}},
	}
	for _, tc := range cases {
		evs, err := ATVoice(formIn(t, "sessionId=ATVId_1&"+tc.body))
		if err != nil {
			t.Fatalf("%s: %v", tc.body, err)
		}
		d := evs[0].Data.(VoiceCall)
		if d.State != tc.state || d.ProviderState != tc.native {
			t.Errorf("%s: state %q (%q), want %q (%q)", tc.body, d.State, d.ProviderState, tc.state, tc.native)
		}
		if strings.Join(evs[0].Unknown, ",") != strings.Join(tc.unknown, ",") {
			t.Errorf("%s: unknown %v, want %v", tc.body, evs[0].Unknown, tc.unknown)
		}
	}
}

func TestATVoiceFields(t *testing.T) {
	body := "sessionId=ATVId_2&isActive=0&direction=Inbound&callerNumber=%2B256780000111&destinationNumber=%2B256310000222" +
		"&status=Success&callSessionState=Completed&callStartTime=2023-01-18+20:04:52&dialStartTime=2023-01-18+20:05:25" +
		"&dialDurationInSeconds=6&dialDestinationNumber=agent%40ke.sip.africastalking.com&durationInSeconds=39" +
		"&amount=147.440&currencyCode=UGX&hangupCause=NORMAL_CLEARING"
	evs, err := ATVoice(formIn(t, body))
	if err != nil || len(evs) != 1 {
		t.Fatalf("ATVoice = %d events, %v", len(evs), err)
	}
	d := evs[0].Data.(VoiceCall)
	start := time.Date(2023, 1, 18, 20, 4, 52, 0, time.UTC)
	if d.Direction != Inbound || d.Active == nil || *d.Active || d.HangupCause != "NORMAL_CLEARING" {
		t.Errorf("direction/active/cause: %+v", d)
	}
	if d.DurationSeconds == nil || *d.DurationSeconds != 39 || d.Cost == nil || *d.Cost != (Money{"UGX", "147.440"}) {
		t.Errorf("duration/cost: %v %v", d.DurationSeconds, d.Cost)
	}
	if d.StartedAt == nil || !d.StartedAt.Equal(start) || !evs[0].Time.Equal(start) {
		t.Errorf("startedAt %v, event time %v, want %v", d.StartedAt, evs[0].Time, start)
	}
	if d.Dial == nil || d.Dial.DestinationNumber != "agent@ke.sip.africastalking.com" || *d.Dial.DurationSeconds != 6 ||
		!d.Dial.StartedAt.Equal(start.Add(33*time.Second)) {
		t.Errorf("dial: %+v", d.Dial)
	}
}

func TestATVoiceNoneAndAbsent(t *testing.T) {
	evs, _ := ATVoice(formIn(t, "sessionId=ATVId_3&callStartTime=None&amount=0&isActive=maybe&direction=Outbound"))
	d := evs[0].Data.(VoiceCall)
	if d.StartedAt != nil || !evs[0].Time.Equal(received) || d.Active != nil || d.Dial != nil {
		t.Errorf("None start, odd isActive: %+v at %v", d, evs[0].Time)
	}
	if d.Cost == nil || d.Cost.Amount != "0" || d.Cost.Currency != "" || d.Direction != Outbound {
		t.Errorf("bare amount: %+v", d.Cost)
	}
}

// TestATVoiceSeveralEvents: one callback can be a state, digits and a
// recording at once; each has its own natural key.
func TestATVoiceSeveralEvents(t *testing.T) {
	in := formIn(t, "sessionId=ATVId_4&isActive=1&callerNumber=%2B254711000111&dtmfDigits=123%23&recordingUrl=https%3A%2F%2Fr.example%2Fa.mp3")
	evs, err := ATVoice(in)
	if err != nil || len(evs) != 3 {
		t.Fatalf("ATVoice = %d events, %v", len(evs), err)
	}
	want := []string{TypeVoiceCall, TypeVoiceDTMF, TypeVoiceRecording}
	for i, ev := range evs {
		if ev.Type != want[i] || ev.Subject != "ATVId_4" {
			t.Errorf("event %d: %s %s", i, ev.Type, ev.Subject)
		}
	}
	if dt := evs[1].Data.(VoiceDTMF); dt.Digits != "123#" || dt.CallerNumber != "+254711000111" {
		t.Errorf("dtmf: %+v", dt)
	}
	if r := evs[2].Data.(VoiceRecording); r.RecordingURL != "https://r.example/a.mp3" {
		t.Errorf("recording: %+v", r)
	}
	if evs[1].ID != EventID(AfricasTalking, TypeVoiceDTMF, "ATVId_4", "123#") {
		t.Errorf("dtmf id is not sessionId + digits")
	}
	again, _ := ATVoice(formIn(t, "sessionId=ATVId_4&isActive=1&callSessionState=Active"))
	if again[0].ID != evs[0].ID {
		t.Errorf("an active call without state and with Active must share an id")
	}
	ended, _ := ATVoice(formIn(t, "sessionId=ATVId_4&isActive=0&callSessionState=Active"))
	if ended[0].ID == evs[0].ID {
		t.Errorf("isActive is part of the key")
	}
	u1, _ := ATVoice(formIn(t, "sessionId=ATVId_4&callSessionState=Odd"))
	u2, _ := ATVoice(formIn(t, "sessionId=ATVId_4&callSessionState=Odder"))
	if u1[0].ID == u2[0].ID {
		t.Errorf("two unknown states share an id")
	}
}

func TestATVoiceMissingSession(t *testing.T) {
	_, err := ATVoice(formIn(t, "isActive=1&callerNumber=%2B254711000111"))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "sessionId" {
		t.Fatalf("err = %v, want a FieldError for sessionId", err)
	}
}

// TestATHangupCauses keeps AT's list of 14 complete: the values are
// published as sent, and this table documents them.
func TestATHangupCauses(t *testing.T) {
	if len(atHangupCauses) != 14 {
		t.Errorf("%d hangup causes, AT documents 14", len(atHangupCauses))
	}
}

func FuzzATVoice(f *testing.F) {
	f.Add("sessionId=ATVId_1&isActive=0&callSessionState=Completed&status=Success&callStartTime=2023-01-18+20:04:52&amount=1.5&currencyCode=KES&durationInSeconds=39&dialStartTime=None")
	f.Add("sessionId=ATVId_1&isActive=1&dtmfDigits=1%23&recordingUrl=http%3A%2F%2Fx&eventType=SessionEnded&direction=Inbound")
	f.Add("sessionId=%00&callStartTime=2023-01-18+99:99:99&amount=NaN&currencyCode=%FF&dialDurationInSeconds=-1")
	f.Fuzz(func(t *testing.T, body string) {
		in, ok := fuzzInput(body)
		if !ok {
			return
		}
		evs, err := ATVoice(in)
		if err != nil {
			if in.Get("sessionId") != "" {
				t.Fatalf("refused a callback with a session: %v", err)
			}
			return
		}
		if len(evs) == 0 || evs[0].Type != TypeVoiceCall {
			t.Fatalf("no voice.call first: %+v", evs)
		}
		for _, ev := range evs {
			if len(ev.ID) != 32 || ev.Time.IsZero() || ev.Subject == "" {
				t.Fatalf("malformed event %+v", ev)
			}
			b, err := json.Marshal(ev)
			if err != nil || !json.Valid(b) {
				t.Fatalf("event does not marshal: %v", err)
			}
		}
	})
}
