package normalize

import (
	"strings"
	"time"
)

// ATVoice maps AT's voice notification, which arrives in the same form at
// the instruct and events URLs, to its events: always voice.call, then
// voice.dtmf when dtmfDigits is set and voice.recording when recordingUrl
// is, since one callback can carry all three.
func ATVoice(in Input) ([]Event, error) {
	id, err := in.Require("sessionId")
	if err != nil {
		return nil, err
	}
	d, unknown := voiceCall(in, id)
	at := in.ReceivedAt
	if d.StartedAt != nil {
		at = *d.StartedAt
	}
	stateKey := d.State
	if d.State == Unknown {
		// Two unknown values must not share an id and be de-duplicated.
		stateKey += "/" + strings.ToLower(d.ProviderState)
	}
	call := newEvent(TypeVoiceCall, id, at, d, id, stateKey, in.Get("isActive"))
	call.Unknown = unknown
	events := []Event{call}
	// DTMF and recordings happen when AT reports them, not when the call
	// started, so they take the receive time.
	if digits := in.Get("dtmfDigits"); digits != "" {
		dt := VoiceDTMF{SessionID: id, CallerNumber: d.CallerNumber, Digits: digits, Raw: in.Raw}
		events = append(events, newEvent(TypeVoiceDTMF, id, in.ReceivedAt, dt, id, digits))
	}
	if u := in.Get("recordingUrl"); u != "" {
		rec := VoiceRecording{SessionID: id, CallerNumber: d.CallerNumber, RecordingURL: u, Raw: in.Raw}
		events = append(events, newEvent(TypeVoiceRecording, id, in.ReceivedAt, rec, id, u))
	}
	return events, nil
}

// voiceCall builds a voice.call's data and names its unknown fields.
func voiceCall(in Input, id string) (VoiceCall, []string) {
	state, provider := callState(in)
	dir := in.Get("direction")
	d := VoiceCall{
		SessionID:         id,
		Direction:         lookupOr(atDirections, dir),
		ProviderDirection: dir,
		CallerNumber:      Phone(in.Fields["callerNumber"]), // untrimmed: a leading space is a decoded '+'
		DestinationNumber: Phone(in.Fields["destinationNumber"]),
		Active:            parseActive(in.Get("isActive")),
		State:             state,
		ProviderState:     provider,
		HangupCause:       in.Get("hangupCause"),
		DurationSeconds:   parseCount(in.Get("durationInSeconds")),
		Cost:              parseCost(strings.TrimSpace(in.Get("currencyCode") + " " + in.Get("amount"))),
		StartedAt:         timePtr(in.Get("callStartTime")),
		Dial:              dialLeg(in),
		Raw:               in.Raw,
	}
	var unknown []string
	if d.Direction == Unknown && dir != "" {
		unknown = append(unknown, "direction")
	}
	if d.State == Unknown && provider != "" {
		unknown = append(unknown, "callSessionState")
	}
	return d, unknown
}

// atDirections maps direction, lowercased; AT capitalises it.
var atDirections = map[string]string{"inbound": Inbound, "outbound": Outbound}

// callState picks the canonical state and the provider value it came
// from. callSessionState is the most precise; the sample app's eventType
// stands in where it is absent, then the final status. A final status that
// says the call failed or went unanswered refines a bare "Completed".
// With none of them, isActive=1 means AT is asking what to do with a live
// call: active.
func callState(in Input) (state, provider string) {
	status := in.Get("status")
	if s := in.Get("callSessionState"); s != "" {
		state = lookupOr(atCallStates, s)
		if fin := lookupOr(atCallStatuses, status); state == CallCompleted && (fin == CallFailed || fin == CallNotAnswered) {
			return fin, status
		}
		return state, s
	}
	if e := in.Get("eventType"); e != "" {
		return lookupOr(atCallEventTypes, e), e
	}
	if status != "" {
		return lookupOr(atCallStatuses, status), status
	}
	if in.Get("isActive") == "1" {
		return CallActive, ""
	}
	return Unknown, ""
}

func dialLeg(in Input) *VoiceDial {
	dest, dur, start := in.Fields["dialDestinationNumber"], in.Get("dialDurationInSeconds"), in.Get("dialStartTime")
	if strings.TrimSpace(dest) == "" && dur == "" && start == "" {
		return nil
	}
	return &VoiceDial{DestinationNumber: Phone(dest), DurationSeconds: parseCount(dur), StartedAt: timePtr(start)}
}

func parseActive(s string) *bool {
	switch s {
	case "1", "true":
		t := true
		return &t
	case "0", "false":
		f := false
		return &f
	}
	return nil
}

// timePtr parses a voice timestamp: "None" (never connected) is absent,
// and "2023-01-18+20:04:52" reads as a space-separated time (ParseTime).
func timePtr(s string) *time.Time {
	if t, ok := ParseTime(s); ok {
		return &t
	}
	return nil
}
