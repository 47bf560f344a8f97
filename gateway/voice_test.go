package gateway

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/mlango/mlango/handlers/voicexml"
)

const welcomeXML = `<?xml version="1.0" encoding="UTF-8"?><Response><Say>Welcome to the service. This is a demo voice application. Goodbye.</Say></Response>`

// TestVoiceInstruct: a live call gets the default flow as voice XML, the
// final notification an empty 200, and both are stored before the answer.
func TestVoiceInstruct(t *testing.T) {
	r := newRig(t)
	rec := r.post(t, "/api/voice/instruct", form,
		"isActive=1&sessionId=ATVId_v1&direction=Inbound&callerNumber=%2B254711000111&destinationNumber=%2B254711000222")
	if rec.Code != http.StatusOK || rec.Body.String() != welcomeXML {
		t.Fatalf("live call: %d %q", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
		t.Errorf("Content-Type = %q, want AT's sample's text/plain", ct)
	}
	if err := voicexml.Validate(rec.Body.Bytes()); err != nil {
		t.Errorf("answer does not validate: %v", err)
	}
	if n := len(r.messages(t)); n != 1 {
		t.Fatalf("%d events stored before the answer, want 1", n)
	}

	rec = r.post(t, "/api/voice/instruct", form,
		"isActive=0&sessionId=ATVId_v1&status=Success&callSessionState=Completed&durationInSeconds=12&amount=0.40&currencyCode=KES")
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Fatalf("final notification: %d %q, want an empty 200", rec.Code, rec.Body)
	}
	msgs := r.messages(t)
	if len(msgs) != 2 || msgs[1].Event["data"].(map[string]any)["state"] != "completed" {
		t.Fatalf("after the final notification: %d events", len(msgs))
	}

	// AT retries: the same notification is stored once.
	r.post(t, "/api/voice/instruct", form, "isActive=0&sessionId=ATVId_v1&status=Success&callSessionState=Completed")
	if n := len(r.messages(t)); n != 2 {
		t.Errorf("a repeated final notification left %d events, want 2", n)
	}
}

// TestVoiceEventsRoute: the events URL stores every event of a callback
// and answers OK.
func TestVoiceEventsRoute(t *testing.T) {
	r := newRig(t)
	rec := r.post(t, "/api/voice/events", form,
		"isActive=1&sessionId=ATVId_v2&callSessionState=Active&dtmfDigits=42&recordingUrl=https%3A%2F%2Fr.example%2Fa.mp3")
	if rec.Code != http.StatusOK || rec.Body.String() != "OK" {
		t.Fatalf("events: %d %q", rec.Code, rec.Body)
	}
	var types []string
	for _, m := range r.messages(t) {
		types = append(types, m.Subject)
	}
	want := "telecom.africastalking.voice.call telecom.africastalking.voice.dtmf telecom.africastalking.voice.recording"
	if strings.Join(types, " ") != want {
		t.Errorf("subjects %v, want %s", types, want)
	}
}

// TestVoiceNotStored: with JetStream gone a live caller hears an apology
// (AT does not retry a live call's request), while the final notification
// gets 503 so AT retries it.
func TestVoiceNotStored(t *testing.T) {
	r := newRig(t)
	if err := jsOf(t, r.url).DeleteStream(context.Background(), "TELECOM"); err != nil {
		t.Fatal(err)
	}
	rec := r.post(t, "/api/voice/instruct", form, "isActive=1&sessionId=ATVId_v3")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<Say>Sorry, we cannot take your call right now.") {
		t.Fatalf("live call, store down: %d %q", rec.Code, rec.Body)
	}
	if err := voicexml.Validate(rec.Body.Bytes()); err != nil {
		t.Errorf("apology does not validate: %v", err)
	}
	rec = r.post(t, "/api/voice/instruct", form, "isActive=0&sessionId=ATVId_v3&status=Success")
	if rec.Code != http.StatusServiceUnavailable || rec.Body.String() != "event not stored, retry later" {
		t.Fatalf("final notification, store down: %d %q, want 503", rec.Code, rec.Body)
	}
}
