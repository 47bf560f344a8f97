package normalize

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Event is one canonical event: what a provider callback means, in the shape
// every consumer reads whichever provider sent it. It is serialised as a
// CloudEvents 1.0 structured-mode JSON document (see MarshalJSON).
type Event struct {
	// ID is deterministic: the same callback twice gives the same ID, which
	// the publisher sends as Nats-Msg-Id so JetStream stores it once.
	ID string
	// Provider is the lowercase provider name, [a-z0-9_]+.
	Provider string
	// Type is the canonical event type, e.g. "sms.delivery".
	Type string
	// Subject is the provider's id of the thing the event is about.
	Subject string
	// Time is when the event happened by the provider's payload, or the
	// receive time where the payload has none. Always UTC.
	Time time.Time
	// Data is the type's data struct; each carries the raw callback.
	Data any
	// Unknown names the fields whose provider value was outside the known
	// enumeration (published as "unknown"), so the HTTP layer can log and
	// count protocol drift. It is not part of the wire form.
	Unknown []string
}

// SpecVersion and ContentType are the CloudEvents constants Mlango emits.
const (
	SpecVersion = "1.0"
	ContentType = "application/cloudevents+json"
)

// cloudEvent is the wire form of Event. Field order is the contract's.
type cloudEvent struct {
	SpecVersion     string `json:"specversion"`
	ID              string `json:"id"`
	Source          string `json:"source"`
	Type            string `json:"type"`
	Subject         string `json:"subject,omitempty"`
	Time            string `json:"time"`
	DataContentType string `json:"datacontenttype"`
	Provider        string `json:"provider"`
	Data            any    `json:"data"`
}

// MarshalJSON renders the event as a CloudEvents 1.0 JSON document.
func (e Event) MarshalJSON() ([]byte, error) {
	return json.Marshal(cloudEvent{
		SpecVersion:     SpecVersion,
		ID:              e.ID,
		Source:          e.Provider,
		Type:            e.Type,
		Subject:         e.Subject,
		Time:            e.Time.UTC().Format(time.RFC3339Nano),
		DataContentType: "application/json",
		Provider:        e.Provider,
		Data:            e.Data,
	})
}

// EventID derives an event id from the provider, the event type and the
// type's natural key. The parts are joined with a NUL byte so that
// ("ab","c") and ("a","bc") differ; 128 bits of SHA-256 is plenty to never
// collide within a de-duplication window while staying short in headers.
func EventID(provider, typ string, key ...string) string {
	h := sha256.New()
	h.Write([]byte(provider))
	h.Write([]byte{0})
	h.Write([]byte(typ))
	for _, k := range key {
		h.Write([]byte{0})
		h.Write([]byte(k))
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}
