package normalize

import (
	"bytes"
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

// MarshalJSON renders the event as a CloudEvents 1.0 JSON document, its
// attributes in the contract's order. The envelope is written by hand and
// Data is encoded straight after it into the same buffer: this runs once
// per callback, on the path the provider waits on.
func (e Event) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 1024)
	b = append(b, `{"specversion":"`+SpecVersion+`","id":`...)
	b = AppendJSONString(b, e.ID)
	b = append(b, `,"source":`...)
	b = AppendJSONString(b, e.Provider)
	b = append(b, `,"type":`...)
	b = AppendJSONString(b, e.Type)
	if e.Subject != "" {
		b = append(b, `,"subject":`...)
		b = AppendJSONString(b, e.Subject)
	}
	b = append(b, `,"time":"`...)
	b = e.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","datacontenttype":"application/json","provider":`...)
	b = AppendJSONString(b, e.Provider)
	b = append(b, `,"data":`...)
	buf := bytes.NewBuffer(b)
	if err := json.NewEncoder(buf).Encode(e.Data); err != nil {
		return nil, err
	}
	b = buf.Bytes()
	b[len(b)-1] = '}' // Encode ends with a newline
	return b, nil
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
