package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/normalize"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// subjectTarget publishes each event again on <to>.<tail>, where tail is
// the original subject less the gateway's prefix, with the original
// headers (Nats-Msg-Id included, so a JetStream target stores an event
// once however often it is replayed). A subject a stream captures is
// published with an ack; any other as plain NATS, flushed at the end.
type subjectTarget struct {
	nc       *nats.Conn
	js       jetstream.JetStream
	to       string
	prefix   string
	timeout  time.Duration
	captured map[string]bool // by target subject: a stream takes it
}

func newSubjectTarget(nc *nats.Conn, to, prefix string, timeout time.Duration) (*subjectTarget, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	return &subjectTarget{nc: nc, js: js, to: strings.TrimSuffix(to, "."), prefix: prefix, timeout: timeout, captured: map[string]bool{}}, nil
}

func (t *subjectTarget) prepare(m stored) (delivery, error) {
	tail, ok := strings.CutPrefix(m.subject, t.prefix+".")
	if !ok {
		tail = m.subject
	}
	msg := &nats.Msg{Subject: t.to + "." + tail, Header: nats.Header{}, Data: m.body}
	for k, v := range m.header {
		if !strings.HasPrefix(k, "Nats-Expected-") { // the gateway's guard on its own stream
			msg.Header[k] = v
		}
	}
	if msg.Header.Get(jetstream.MsgIDHeader) == "" && m.ev.ID != "" {
		msg.Header.Set(jetstream.MsgIDHeader, m.ev.ID)
	}
	return subjectDelivery{t: t, msg: msg}, nil
}

func (t *subjectTarget) finish(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	return t.nc.FlushWithContext(ctx)
}

// streamCaptures reports whether a JetStream stream takes subject.
func (t *subjectTarget) streamCaptures(ctx context.Context, subject string) (bool, error) {
	if c, ok := t.captured[subject]; ok {
		return c, nil
	}
	_, err := t.js.StreamNameBySubject(ctx, subject)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
	case err != nil:
		return false, err
	}
	t.captured[subject] = err == nil
	return err == nil, nil
}

type subjectDelivery struct {
	t   *subjectTarget
	msg *nats.Msg
}

func (d subjectDelivery) String() string {
	return "publish " + d.msg.Subject + " Nats-Msg-Id " + d.msg.Header.Get(jetstream.MsgIDHeader)
}

func (d subjectDelivery) send(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, d.t.timeout)
	defer cancel()
	captured, err := d.t.streamCaptures(ctx, d.msg.Subject)
	if err != nil {
		return err
	}
	if !captured {
		return d.t.nc.PublishMsg(d.msg)
	}
	_, err = d.t.js.PublishMsg(ctx, d.msg)
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) { // the stream refused it: a retry gets the same
		return &permanentError{err}
	}
	return err
}

// eventTarget POSTs each event, as stored (CloudEvents structured JSON), to
// one URL, signed with Standard Webhooks headers: webhook-id is the event
// id, so a receiver de-duplicates on it as it would on a provider's.
type eventTarget struct {
	url    string
	client *http.Client
	signer *handlers.Signer // nil only in a dry run
	now    func() time.Time
}

func (t *eventTarget) prepare(m stored) (delivery, error) {
	return httpDelivery{
		client: t.client, url: t.url, body: m.body, contentType: normalize.ContentType,
		sign: func(h http.Header) {
			if t.signer != nil {
				t.signer.Sign(h, m.ev.ID, t.now(), m.body)
			}
		},
	}, nil
}

func (t *eventTarget) finish(context.Context) error { return nil }

// httpDelivery is one POST; sign adds its signature headers on every try,
// so a retry carries a fresh timestamp.
type httpDelivery struct {
	client      *http.Client
	url         string
	body        []byte
	contentType string
	note        string // a word on the body's form, for dry runs
	sign        func(http.Header)
}

func (d httpDelivery) String() string {
	s := "POST " + d.url
	if d.note != "" {
		s += " (" + d.note + ")"
	}
	return s
}

func (d httpDelivery) send(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
	if err != nil {
		return &permanentError{err}
	}
	req.Header.Set("Content-Type", d.contentType)
	req.Header.Set("User-Agent", "mlango-replay")
	if d.sign != nil {
		d.sign(req.Header)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return err // connection refused, reset, timeout: worth a retry
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	return httpOutcome(resp.StatusCode, strings.TrimSpace(string(answer)))
}

// httpOutcome maps an answer to nil (2xx), a temporary error (5xx, 408,
// 429: retried) or a *permanentError (any other status: the replay stops,
// since the next event would most likely be refused the same way).
func httpOutcome(status int, answer string) error {
	if status >= 200 && status < 300 {
		return nil
	}
	err := fmt.Errorf("answered %d %q", status, answer)
	if status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests {
		return err
	}
	return &permanentError{err}
}
