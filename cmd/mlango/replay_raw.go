package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mlango/mlango/config"
	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/normalize"
)

// atRoutes is the Africa's Talking route each event type's callback came
// to (handlers/africastalking.go, handlers/ussd.go, handlers/airtime.go).
// voice.call comes to the instruct and the events URL alike; both parse
// it the same way, and the events URL answers without running a flow.
var atRoutes = map[string]string{
	normalize.TypeSMSInbound:        "/api/sms/twoway",
	normalize.TypeSMSDelivery:       "/api/sms/delivery-reports",
	normalize.TypeSMSOptOut:         "/api/sms/opt-out",
	normalize.TypeSMSSubscription:   "/api/sms/subscription",
	normalize.TypeUSSDInput:         "/api/ussd/session",
	normalize.TypeUSSDSession:       "/api/ussd/status",
	normalize.TypeVoiceCall:         "/api/voice/events",
	normalize.TypeVoiceDTMF:         "/api/voice/events",
	normalize.TypeVoiceRecording:    "/api/voice/events",
	normalize.TypeAirtimeValidation: handlers.AirtimeValidationPath,
	normalize.TypeAirtimeStatus:     "/api/airtime/status",
	normalize.TypeSIMSwapStatus:     "/api/sim-swap/status",
}

// rawTarget rebuilds each event's original callback from data.raw and
// POSTs it to a gateway: Africa's Talking's as a form (or as JSON when the
// raw copy is not what a form gives), webhooks as their JSON body, signed
// again with the provider's secret.
type rawTarget struct {
	base    *url.URL
	client  *http.Client
	now     func() time.Time
	signers map[string]*handlers.Signer // by webhook provider; nil: unsigned
	schemes map[string]handlers.Scheme
	// refuse says why a webhook provider's callbacks cannot be replayed.
	refuse map[string]string
	sent   recentSet // callbacks recently prepared
	noted  map[string]bool
	stderr io.Writer
}

func newRawTarget(o replayOptions, cfg config.Config, client *http.Client, stderr io.Writer) (*rawTarget, error) {
	base, err := url.Parse(o.toURL)
	if o.toURL != "" && (err != nil || base.Scheme == "" || base.Host == "") {
		return nil, fmt.Errorf("-to-url %q: want the gateway's base URL, e.g. http://127.0.0.1:8080", o.toURL)
	}
	t := &rawTarget{base: base, client: client, now: time.Now, signers: map[string]*handlers.Signer{}, schemes: map[string]handlers.Scheme{},
		refuse: map[string]string{}, sent: newRecentSet(recentCallbacks), noted: map[string]bool{}, stderr: stderr}
	names := map[string]bool{normalize.TalkNTalk: true, normalize.Zexa: true}
	for _, n := range cfg.Webhooks.Names() {
		names[n] = true
	}
	for n := range o.webhookSecrets {
		names[n] = true
	}
	for name := range names {
		if err := t.addSigner(name, cfg.Webhooks.Providers[name], o.webhookSecrets); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// addSigner prepares the signature a webhook provider's callbacks need:
// the -webhook-secret given for it, else its configured secret.
func (t *rawTarget) addSigner(name string, pc config.WebhookProviderConfig, given map[string]string) error {
	sig, known := webhookSignature(name, pc)
	t.schemes[name] = sig.Scheme
	secret, set := given[name]
	if !set && len(pc.Secrets) > 0 {
		secret, set = pc.Secrets[0], true
	}
	switch {
	case !known:
		t.refuse[name] = "its signature scheme is not configured here; run replay with the gateway's configuration (-config)"
		return nil
	case !set:
		t.refuse[name] = "its callbacks are signed, and replaying them needs its secret: -webhook-secret " + name + "=SECRET or " + config.SecretEnv(name) +
			" (an empty secret sends them unsigned, for a gateway that takes them so)"
		return nil
	case secret == "":
		t.signers[name] = nil
		return nil
	}
	sig.Secrets = []string{secret}
	s, err := handlers.NewSigner(sig)
	if err != nil {
		return fmt.Errorf("secret for %s: %v", name, err)
	}
	t.signers[name] = s
	return nil
}

// webhookSignature is how provider name signs: fixed for the built-in
// providers (handlers/talkntalk.go, handlers/zexa.go), configured for
// others.
func webhookSignature(name string, pc config.WebhookProviderConfig) (handlers.Signature, bool) {
	switch name {
	case normalize.TalkNTalk:
		return handlers.Signature{Scheme: handlers.SchemeHex, Header: handlers.TalkNTalkSignature, Prefix: "sha256="}, true
	case normalize.Zexa:
		return handlers.Signature{Scheme: handlers.SchemeHex, Header: handlers.ZexaSignature}, true
	}
	return handlers.Signature{Scheme: handlers.Scheme(pc.Scheme), Header: pc.Header, Prefix: pc.Prefix}, pc.Scheme != ""
}

func (t *rawTarget) prepare(m stored) (delivery, error) {
	raw := bytes.TrimSpace(m.ev.Data.Raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, &skipError{"no data.raw: the gateway made this event itself (a USSD submission comes from its hop)"}
	}
	d, err := t.request(m, raw)
	if err != nil {
		return nil, err
	}
	key := sha256.Sum256([]byte(d.url + "\x00" + string(raw)))
	if !t.sent.add(key) {
		return nil, &skipError{"the same callback as an event already replayed (one callback made both)"}
	}
	return d, nil
}

// request builds the callback that made m.
func (t *rawTarget) request(m stored, raw []byte) (httpDelivery, error) {
	d := httpDelivery{client: t.client, body: raw, contentType: "application/json", note: "JSON"}
	if m.ev.Provider == normalize.AfricasTalking {
		path, ok := atRoutes[m.ev.Type]
		if !ok {
			return d, &skipError{"no Africa's Talking route makes " + m.ev.Type}
		}
		d.url = t.urlFor(path)
		if form, ok := formOf(raw); ok {
			d.body, d.contentType, d.note = []byte(form.Encode()), "application/x-www-form-urlencoded", "form"
		}
		return d, nil
	}
	if why, refused := t.refuse[m.ev.Provider]; refused {
		return d, &skipError{m.ev.Provider + ": not replayed: " + why}
	}
	signer, known := t.signers[m.ev.Provider]
	if !known {
		return d, &skipError{m.ev.Provider + ": not replayed: not a webhook provider this configuration knows; run replay with the gateway's configuration (-config)"}
	}
	d.url = t.urlFor(handlers.WebhookPath(m.ev.Provider))
	id, body := m.ev.ID, d.body
	switch {
	case signer != nil:
		d.note = "JSON, signed"
		d.sign = func(h http.Header) { signer.Sign(h, id, t.now(), body) }
	case t.schemes[m.ev.Provider] == handlers.SchemeStandardWebhooks:
		d.sign = func(h http.Header) { h.Set(handlers.HeaderWebhookID, id) }
	}
	if t.schemes[m.ev.Provider] == handlers.SchemeStandardWebhooks {
		t.noteOnce(m.ev.Provider, "mlango replay: note: "+m.ev.Provider+" uses Standard Webhooks, whose events are keyed by the original webhook-id, "+
			"which data.raw does not hold; they are replayed with webhook-id = the original event id, so the gateway gives them new ids (the same on every replay)")
	}
	return d, nil
}

// urlFor is the gateway's URL for path, under the base URL's path (a
// /t/<token> prefix) and with its query (?key=<token>).
func (t *rawTarget) urlFor(path string) string {
	if t.base == nil {
		return path
	}
	u := *t.base
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawPath = ""
	return u.String()
}

func (t *rawTarget) noteOnce(key, msg string) {
	if !t.noted[key] {
		t.noted[key] = true
		fmt.Fprintln(t.stderr, msg)
	}
}

func (t *rawTarget) finish(context.Context) error { return nil }

// recentCallbacks is how many callbacks replay remembers to send each once:
// the events one callback makes are stored in one batch, so they sit
// close together in the stream, and remembering a whole day's would cost
// memory by the gigabyte.
const recentCallbacks = 4096

// recentSet remembers the last n keys added.
type recentSet struct {
	seen map[[sha256.Size]byte]bool
	ring [][sha256.Size]byte
	next int
}

func newRecentSet(n int) recentSet {
	return recentSet{seen: make(map[[sha256.Size]byte]bool, n), ring: make([][sha256.Size]byte, 0, n)}
}

// add reports whether k is new among the last n keys, and remembers it.
func (r *recentSet) add(k [sha256.Size]byte) bool {
	if r.seen[k] {
		return false
	}
	if len(r.ring) < cap(r.ring) {
		r.ring = append(r.ring, k)
	} else {
		delete(r.seen, r.ring[r.next])
		r.ring[r.next] = k
		r.next = (r.next + 1) % len(r.ring)
	}
	r.seen[k] = true
	return true
}

// formOf returns raw as form values when raw is exactly what the gateway
// records for a form (string fields, a repeated field as a list, keys
// sorted, encoded as encoding/json does), so the form the gateway decodes
// gives the same raw again. Anything else was a JSON body.
func formOf(raw []byte) (url.Values, bool) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return nil, false
	}
	vals := make(url.Values, len(obj))
	same := make(map[string]any, len(obj))
	for k, v := range obj {
		var s string
		var list []string
		switch {
		case string(v) == "null":
			return nil, false
		case json.Unmarshal(v, &s) == nil:
			vals[k], same[k] = []string{s}, s
		case json.Unmarshal(v, &list) == nil && len(list) > 1:
			vals[k], same[k] = list, list
		default:
			return nil, false
		}
	}
	again, err := json.Marshal(same)
	return vals, err == nil && bytes.Equal(again, raw)
}
