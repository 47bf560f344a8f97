package normalize

import (
	"encoding/json"
	"time"
)

// Voice event types.
const (
	TypeVoiceCall      = "voice.call"
	TypeVoiceDTMF      = "voice.dtmf"
	TypeVoiceRecording = "voice.recording"
)

// Call states: the canonical vocabulary of VoiceCall.State.
const (
	CallRinging           = "ringing"
	CallActive            = "active"
	CallCompleted         = "completed"
	CallNotAnswered       = "not_answered"
	CallFailed            = "failed"
	CallTransferred       = "transferred"
	CallTransferCompleted = "transfer_completed"
)

// Call directions: the canonical vocabulary of VoiceCall.Direction.
const (
	Inbound  = "inbound"
	Outbound = "outbound"
)

// VoiceCall is the data of a voice.call event: one notification about a
// call, mid-call (Active is true) or final (false).
type VoiceCall struct {
	SessionID         string `json:"sessionId"`
	Direction         string `json:"direction"`
	ProviderDirection string `json:"providerDirection"`
	CallerNumber      string `json:"callerNumber"`
	DestinationNumber string `json:"destinationNumber"`
	// Active is AT's isActive: null when absent or neither 0 nor 1.
	Active        *bool  `json:"active"`
	State         string `json:"state"`
	ProviderState string `json:"providerState"`
	// HangupCause is AT's value as sent; atHangupCauses documents them.
	HangupCause     string          `json:"hangupCause"`
	DurationSeconds *int            `json:"durationSeconds"`
	Cost            *Money          `json:"cost"`
	StartedAt       *time.Time      `json:"startedAt"`
	Dial            *VoiceDial      `json:"dial"`
	Raw             json.RawMessage `json:"raw"`
}

// VoiceDial is the dialled leg of a call that ran a Dial action.
type VoiceDial struct {
	DestinationNumber string     `json:"destinationNumber"`
	DurationSeconds   *int       `json:"durationSeconds"`
	StartedAt         *time.Time `json:"startedAt"`
}

// VoiceDTMF is the data of a voice.dtmf event: keys the caller pressed for
// a GetDigits action, the finish key included when pressed.
type VoiceDTMF struct {
	SessionID    string          `json:"sessionId"`
	CallerNumber string          `json:"callerNumber"`
	Digits       string          `json:"digits"`
	Raw          json.RawMessage `json:"raw"`
}

// VoiceRecording is the data of a voice.recording event: the audio a
// Record action (or Dial record="true") produced.
type VoiceRecording struct {
	SessionID    string          `json:"sessionId"`
	CallerNumber string          `json:"callerNumber"`
	RecordingURL string          `json:"recordingUrl"`
	Raw          json.RawMessage `json:"raw"`
}

// atCallStates maps callSessionState, lowercased. Only these six are
// supported by evidence (reference section 5a, Uncertain #6); Answered and
// Initiated, seen only in community tests, stay unknown until confirmed.
var atCallStates = map[string]string{
	"ringing":           CallRinging,
	"active":            CallActive,
	"completed":         CallCompleted,
	"notanswered":       CallNotAnswered, // AT Help Center sample
	"transferred":       CallTransferred, // call-transfer events
	"transfercompleted": CallTransferCompleted,
}

// atCallEventTypes maps the eventType names of AT's sample app
// (provider-docs/001), which sends no callSessionState.
var atCallEventTypes = map[string]string{
	"sessioninitiated":      CallRinging,
	"sessionanswered":       CallActive,
	"sessionended":          CallCompleted,
	"calltransfercompleted": CallTransferCompleted,
}

// atCallStatuses maps the final notification's status. AT publishes no
// full list: Success and NotAnswered are seen; Failed is the failure value
// of AT's call API. Any other value is unknown, its text kept.
var atCallStatuses = map[string]string{
	"success":     CallCompleted,
	"notanswered": CallNotAnswered,
	"failed":      CallFailed,
}

// atHangupCauses is AT's hangupCause list (reference section 5a). The
// value is published as sent; this table is its documentation, and the
// test that keeps docs/events.md honest.
var atHangupCauses = map[string]string{
	"NORMAL_CLEARING":          "answered and ended normally by one party",
	"CALL_REJECTED":            "the called party declined",
	"NORMAL_TEMPORARY_FAILURE": "short-lived network problem; a retry may work",
	"RECOVERY_ON_TIMER_EXPIRE": "the called side timed out (often NAT/SIP softphones)",
	"ORIGINATOR_CANCEL":        "the caller hung up before the callee answered",
	"LOSE_RACE":                "multi-number Dial: another number answered first",
	"USER_BUSY":                "the callee was busy",
	"NO_ANSWER":                "the callee was alerted but did not answer in time",
	"NO_USER_RESPONSE":         "the callee's device did not respond in time",
	"SUBSCRIBER_ABSENT":        "the phone was off or unreachable",
	"SERVICE_UNAVAILABLE":      "the service was not available",
	"USER_NOT_REGISTERED":      "the SIP user was not registered",
	"UNALLOCATED_NUMBER":       "the number is well formed but not assigned",
	"UNSPECIFIED":              "no cause could be obtained",
}
