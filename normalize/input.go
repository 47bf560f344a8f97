package normalize

import (
	"encoding/json"
	"strings"
	"time"
)

// Input is one callback as the HTTP layer decoded it: every field as a
// string for lookup, and the raw fields kept exactly as received.
type Input struct {
	// Fields holds the first value of each field, body over query string.
	// JSON values that are not strings hold their JSON text.
	Fields map[string]string
	// Raw is every field as received: form fields as a JSON object of
	// strings (a repeated field as a list), a JSON body as the original.
	Raw json.RawMessage
	// ReceivedAt is when the gateway received the callback, used as the
	// event time where the payload carries none.
	ReceivedAt time.Time
	// Meta holds what arrived beside the body that a mapping needs, such
	// as a verified Standard Webhooks message id (MetaWebhookID). It is not
	// part of Raw.
	Meta map[string]string
}

// Get returns a field's value with surrounding white space removed, or ""
// when the field is absent. Providers pad values now and then; the raw copy
// keeps the padding.
func (in Input) Get(name string) string {
	return strings.TrimSpace(in.Fields[name])
}

// Require returns a field's value or a FieldError naming it when it is
// absent or blank.
func (in Input) Require(name string) (string, error) {
	v := in.Get(name)
	if v == "" {
		return "", &FieldError{Field: name, Problem: "is missing"}
	}
	return v, nil
}

// FieldError says which field of a callback made it unusable. The HTTP layer
// answers it with a 4xx: the provider must not retry the same bytes.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string {
	return "field " + e.Field + " " + e.Problem
}

// WithField returns a copy of in whose field name holds value, in Fields
// and in Raw alike: how a secret the provider echoes back (a PIN in a USSD
// session's input) is masked before it can reach an event. Raw must be a
// JSON object; a field it lacks is added.
func (in Input) WithField(name, value string) Input {
	fields := make(map[string]string, len(in.Fields)+1)
	for k, v := range in.Fields {
		fields[k] = v
	}
	fields[name] = value
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(in.Raw, &raw); err != nil || raw == nil {
		raw = map[string]json.RawMessage{}
	}
	raw[name], _ = json.Marshal(value)
	in.Fields = fields
	in.Raw, _ = json.Marshal(raw)
	return in
}
