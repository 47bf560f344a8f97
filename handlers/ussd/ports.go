// Package ussd is Mlango's USSD menu engine: the menu language (YAML), its
// validation and rendering within a screen budget, and the runtime that
// answers one hop at a time with session state kept outside the process,
// so any gateway instance can answer the next hop.
//
// It knows nothing of HTTP or NATS: the route in handlers/ussd.go adapts a
// provider's request to Request, and the world is reached through the small
// interfaces below (implemented over NATS KV and request-reply in publish).
package ussd

import (
	"context"
	"time"
)

// Request is one hop as the provider sent it, already decoded.
type Request struct {
	Provider    string
	SessionID   string
	ServiceCode string
	PhoneNumber string // E.164 where it parses
	NetworkCode string
	// Text is the provider's cumulative input: "" on the first hop, then
	// every input joined by '*'.
	Text       string
	ReceivedAt time.Time
}

// Response is the screen that answers a hop. The engine always produces
// one: a failure inside it becomes an END screen with the configured
// apology, never an error, because the provider counts a 5xx or an empty
// body as the application failing.
type Response struct {
	End  bool
	Text string // the screen, without the CON/END prefix
	// ScreenID names the screen shown (the step id, with a page suffix when
	// paginated) for the provider's hop metadata header.
	ScreenID string
	// Input is the newest input this hop carried, derived from Text; empty
	// on the first hop. InputSecret marks a secret step's input (a PIN),
	// which must be neither logged nor published.
	Input       string
	InputSecret bool
	// MaskedText is the provider's cumulative text with every secret input
	// of the session (this hop's and earlier ones') replaced by "****":
	// the only form of the text that may be logged or published.
	MaskedText string
	// Replayed is true when the hop was a re-send of the previous one and
	// was answered with the previous screen without running any step.
	Replayed bool
	// Submissions are named form submissions the hop completed. They must
	// be stored (acknowledged) before the screen is answered.
	Submissions []Submission
	// Flow and Version identify the menu the session runs on.
	Flow    string
	Version string
}

// Submission is a named set of collected inputs a screen submits, published
// as a ussd.submission event. Secret inputs are never included.
type Submission struct {
	Name   string
	Inputs map[string]string
}

// SessionStore keeps small values by key with a time-to-live, and
// compare-and-set updates by revision so two instances answering duplicate
// hops at once cannot both advance a session. Implemented over a NATS
// JetStream KV bucket.
//
// Absence and lost races are answers, not errors: err is for the store
// failing (NATS unreachable), which the engine turns into an apology.
type SessionStore interface {
	// Get returns the value and its revision; a nil value means no such
	// key (never stored, deleted or expired).
	Get(ctx context.Context, key string) (value []byte, revision uint64, err error)
	// Create stores a new key; ok is false when the key already exists.
	Create(ctx context.Context, key string, value []byte) (revision uint64, ok bool, err error)
	// Update replaces the value if the key is still at revision; ok is
	// false when another writer got there first.
	Update(ctx context.Context, key string, value []byte, revision uint64) (newRevision uint64, ok bool, err error)
	// Delete removes the key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Remote asks a downstream service and returns its reply. Implemented over
// NATS request-reply; it must honour ctx's deadline and fail fast when no
// service listens on subject.
type Remote interface {
	Request(ctx context.Context, subject string, body []byte, headers map[string]string) ([]byte, error)
}
