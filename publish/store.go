// Package publish stores canonical events in NATS JetStream: it connects to
// NATS (or starts an embedded nats-server), makes sure the stream exists, and
// publishes events so that a callback is answered only once JetStream has
// acknowledged them. The event id travels as Nats-Msg-Id, so a callback that
// arrives twice within the stream's duplicate window is stored once.
package publish

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/mlango/mlango/normalize"
)

// Options configures Open. Zero values take the defaults noted per field.
type Options struct {
	// URLs of an existing NATS / JetStream deployment. Empty: start an
	// embedded server (see Embedded) and connect to it in-process.
	URLs []string
	// Embedded configures the embedded server, used only when URLs is empty.
	Embedded EmbeddedOptions
	// Name is the NATS connection name. Default "mlango".
	Name string
	// Stream is the JetStream stream name. Default "TELECOM".
	Stream string
	// SubjectPrefix is the first subject token; the stream captures
	// "<prefix>.>". Default "telecom".
	SubjectPrefix string
	// Replicas for a stream Open creates. Default 1.
	Replicas int
	// DuplicateWindow is how long JetStream remembers message ids. Default
	// 2 minutes (the server's own default).
	DuplicateWindow time.Duration
	// MaxAge of stored events; 0 keeps them forever.
	MaxAge time.Duration
	// MaxBytes of the stream; 0 or less is unlimited. The oldest events are
	// discarded when it is reached.
	MaxBytes int64
	// PublishTimeout bounds how long Store waits for JetStream's
	// acknowledgements. Default 5 seconds.
	PublishTimeout time.Duration
	// StartDisconnected lets Open return while the NATS URLs cannot be
	// reached: the stream is set up once the connection comes. Only worth
	// it with a spool in front (Durable), which keeps what is accepted in
	// the meantime: a gateway restarted during a NATS outage must serve.
	StartDisconnected bool
	// FailFastWhileDisconnected makes a publish fail at once while the
	// connection is down, instead of waiting in nats.go's reconnect buffer:
	// a buffered publish can still be stored after Store gave up on it and
	// the callback was refused. Right with a spool in front, which takes
	// the event at once; without one, the buffer rides out short blips.
	FailFastWhileDisconnected bool
}

// Defaults applied by Open.
const (
	DefaultName            = "mlango"
	DefaultStream          = "TELECOM"
	DefaultSubjectPrefix   = "telecom"
	DefaultDuplicateWindow = 2 * time.Minute
	DefaultPublishTimeout  = 5 * time.Second
)

// maxPendingAcks caps publishes awaiting JetStream's ack on one connection.
// Each pending publish holds its message (about 1 KiB for a typical event)
// until acked, so the cap bounds that memory to a few tens of MiB while
// leaving room for thousands of concurrent requests with a few events each.
// A publish beyond the cap waits (up to PublishTimeout) for a free slot.
const maxPendingAcks = 16384

// reconnectBufSize is how much the client buffers while reconnecting.
const reconnectBufSize = 16 * 1024 * 1024

// contentTypeValue is shared by every message's header (read-only; nats.go
// replaces header values rather than writing into them).
var contentTypeValue = []string{normalize.ContentType}[:1:1]

const contentTypeHeader = "Content-Type"

// ErrInvalidEvent marks an event Store refuses before publishing (no id,
// provider or type; not encodable). Retrying or spooling it cannot help.
var ErrInvalidEvent = errors.New("invalid event")

// Store publishes events to a JetStream stream. It is safe for concurrent use.
type Store struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	srv     *server.Server // nil when connected to an external NATS
	srvLog  *serverLogger  // the embedded server's logger
	log     zerolog.Logger
	stream  string
	prefix  string
	timeout time.Duration
	pubOpts []jetstream.PublishOpt
	closed  chan struct{} // closed by the connection's ClosedHandler
	// up mirrors "the connection is connected" from the status callbacks,
	// so the hot path asks an atomic rather than the connection's mutex,
	// which every publish also takes (measured: BenchmarkDurableStore).
	up atomic.Bool

	closeOnce sync.Once
	closeErr  error
}

func (o Options) withDefaults() Options {
	if o.Name == "" {
		o.Name = DefaultName
	}
	if o.Stream == "" {
		o.Stream = DefaultStream
	}
	if o.SubjectPrefix == "" {
		o.SubjectPrefix = DefaultSubjectPrefix
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.DuplicateWindow <= 0 {
		o.DuplicateWindow = DefaultDuplicateWindow
		if o.MaxAge > 0 && o.MaxAge < o.DuplicateWindow {
			o.DuplicateWindow = o.MaxAge
		}
	}
	if o.MaxAge < 0 {
		o.MaxAge = 0
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = -1
	}
	if o.PublishTimeout <= 0 {
		o.PublishTimeout = DefaultPublishTimeout
	}
	return o
}

func (o Options) validate() error {
	var problems []string
	if strings.ContainsAny(o.Stream, ".*> \t\r\n/\\") {
		problems = append(problems, fmt.Sprintf("stream name %q may not contain '.', '*', '>', '/', '\\' or whitespace", o.Stream))
	}
	if strings.ContainsAny(o.SubjectPrefix, " \t\r\n") || strings.HasPrefix(o.SubjectPrefix, ".") ||
		strings.HasSuffix(o.SubjectPrefix, ".") || strings.Contains(o.SubjectPrefix, "..") {
		problems = append(problems, fmt.Sprintf("subject prefix %q is not a valid subject", o.SubjectPrefix))
	} else {
		for _, tok := range strings.Split(o.SubjectPrefix, ".") {
			if tok == "*" || tok == ">" {
				problems = append(problems, fmt.Sprintf("subject prefix %q may not contain wildcards", o.SubjectPrefix))
				break
			}
		}
	}
	if o.MaxAge > 0 && o.DuplicateWindow > o.MaxAge {
		problems = append(problems, fmt.Sprintf("duplicate window %s is longer than max age %s", o.DuplicateWindow, o.MaxAge))
	}
	if o.DuplicateWindow < 100*time.Millisecond {
		problems = append(problems, fmt.Sprintf("duplicate window %s is shorter than JetStream's minimum of 100ms", o.DuplicateWindow))
	}
	if len(problems) > 0 {
		return errors.New("publish options: " + strings.Join(problems, "; "))
	}
	return nil
}

// Open connects to NATS (starting the embedded server when o.URLs is empty)
// and makes sure the stream exists with o's settings.
func Open(ctx context.Context, o Options, log zerolog.Logger) (*Store, error) {
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	s := &Store{
		log:     log,
		stream:  o.Stream,
		prefix:  o.SubjectPrefix,
		timeout: o.PublishTimeout,
		closed:  make(chan struct{}),
		pubOpts: []jetstream.PublishOpt{
			jetstream.WithExpectStream(o.Stream),
			// Beyond maxPendingAcks, wait as long as we would for an ack.
			jetstream.WithStallWait(o.PublishTimeout),
		},
	}
	copts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectBufSize(reconnectBuf(o)),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			s.up.Store(false)
			if err != nil {
				log.Warn().Err(err).Msg("NATS connection lost; reconnecting")
			} else {
				log.Debug().Msg("NATS connection disconnected")
			}
		}),
		nats.ConnectHandler(func(*nats.Conn) { s.up.Store(true) }), // a connection Open started without
		nats.ReconnectHandler(func(nc *nats.Conn) {
			s.up.Store(true)
			log.Info().Str("url", nc.ConnectedUrlRedacted()).Msg("NATS reconnected")
		}),
		nats.ReconnectErrHandler(func(nc *nats.Conn, err error) {
			log.Debug().Err(err).Msg("NATS reconnect attempt failed")
		}),
		nats.ErrorHandler(func(nc *nats.Conn, sub *nats.Subscription, err error) {
			ev := log.Error().Err(err)
			if sub != nil {
				ev = ev.Str("subject", sub.Subject)
			}
			ev.Msg("NATS asynchronous error")
		}),
		nats.ClosedHandler(func(*nats.Conn) {
			s.up.Store(false)
			log.Debug().Msg("NATS connection closed")
			close(s.closed)
		}),
	}

	var err error
	if len(o.URLs) == 0 {
		s.srv, s.srvLog, err = runEmbedded(o.Embedded, log)
		if err != nil {
			return nil, err
		}
		s.nc, err = nats.Connect("", append(copts, nats.InProcessServer(s.srv))...)
		if err != nil {
			s.shutdownServer()
			return nil, fmt.Errorf("connect to embedded NATS: %w", err)
		}
	} else {
		url := strings.Join(o.URLs, ",")
		if o.StartDisconnected {
			copts = append(copts, nats.RetryOnFailedConnect(true))
		}
		s.nc, err = nats.Connect(url, copts...)
		if err != nil {
			return nil, fmt.Errorf("connect to NATS at %s: %w", strings.Join(redactURLs(o.URLs), ","), err)
		}
		if s.nc.IsConnected() {
			log.Info().Str("url", s.nc.ConnectedUrlRedacted()).Msg("connected to NATS")
		}
	}

	s.up.Store(s.nc.IsConnected())
	s.js, err = jetstream.New(s.nc,
		jetstream.WithPublishAsyncMaxPending(maxPendingAcks),
		// Forget a publish whose ack never comes, so it cannot hold a
		// pending slot forever; Store has given up on it by then anyway.
		jetstream.WithPublishAsyncTimeout(o.PublishTimeout),
	)
	if err == nil && !s.nc.IsConnected() {
		log.Warn().Strs("urls", redactURLs(o.URLs)).
			Msg("NATS unreachable at start; serving anyway (events are spooled) and setting up the stream once it answers")
		go s.ensureStreamLater(o)
		return s, nil
	}
	if err == nil {
		err = s.ensureStream(ctx, o)
	}
	if err != nil {
		s.nc.Close()
		s.shutdownServer()
		return nil, err
	}
	return s, nil
}

// ensureStreamLater sets up the stream once the connection Open started
// without comes up, retrying until it succeeds or the store closes.
func (s *Store) ensureStreamLater(o Options) {
	up := s.nc.StatusChanged(nats.CONNECTED)
	defer s.nc.RemoveStatusListener(up)
	if !s.nc.IsConnected() {
		select {
		case <-up:
		case <-s.closed:
			return
		}
	}
	wait := 100 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(context.Background(), o.PublishTimeout)
		err := s.ensureStream(ctx, o)
		cancel()
		if err == nil {
			s.log.Info().Str("url", s.nc.ConnectedUrlRedacted()).Msg("connected to NATS; stream ready")
			return
		}
		s.log.Warn().Err(err).Msg("setting up the JetStream stream; retrying")
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-s.closed:
			t.Stop()
			return
		}
		wait = min(2*wait, 5*time.Second)
	}
}

func redactURLs(urls []string) []string {
	out := make([]string, len(urls))
	for i, u := range urls {
		if at := strings.LastIndex(u, "@"); at >= 0 {
			start := 0
			if scheme := strings.Index(u, "://"); scheme >= 0 && scheme < at {
				start = scheme + 3
			}
			u = u[:start] + "[REDACTED]" + u[at:]
		}
		out[i] = u
	}
	return out
}

func reconnectBuf(o Options) int {
	if o.FailFastWhileDisconnected {
		return -1 // nats.go: no buffering while reconnecting
	}
	return reconnectBufSize
}

// Subject returns the subject an event of typ from provider is published
// on: "<prefix>.<provider>.<type>", e.g. "telecom.africastalking.sms.delivery".
func Subject(prefix, provider, typ string) string {
	return prefix + "." + provider + "." + typ
}

// timerPool recycles Store's deadline timers (since Go 1.23 a stopped or
// reset timer never delivers a stale tick, so reuse is safe).
var timerPool sync.Pool

func getTimer(d time.Duration) *time.Timer {
	if t, ok := timerPool.Get().(*time.Timer); ok {
		t.Reset(d)
		return t
	}
	return time.NewTimer(d)
}

func putTimer(t *time.Timer) {
	t.Stop()
	timerPool.Put(t)
}

// Store publishes events and waits until JetStream has acknowledged every
// one, bounded by ctx and the publish timeout, whichever ends sooner. It
// returns how many were duplicates JetStream already had (same id within the
// duplicate window). Any error means some event may not be stored: the
// caller must not acknowledge the callback. On timeout the error wraps
// context.DeadlineExceeded.
func (s *Store) Store(ctx context.Context, events []normalize.Event) (duplicates int, err error) {
	if len(events) == 0 {
		return 0, nil
	}
	within := s.timeout
	if dl, ok := ctx.Deadline(); ok {
		if d := time.Until(dl); d < within {
			within = d
		}
	}
	if err := ctx.Err(); err != nil {
		ev := &events[0]
		return 0, fmt.Errorf("not publishing %s event %s: %w", ev.Type, ev.ID, err)
	}
	timer := getTimer(s.timeout)
	defer putTimer(timer)

	var stack [4]jetstream.PubAckFuture
	futs := stack[:0]
	if len(events) > len(stack) {
		futs = make([]jetstream.PubAckFuture, 0, len(events))
	}
	for i := range events {
		if ev := &events[i]; ev.ID == "" || ev.Provider == "" || ev.Type == "" {
			return 0, fmt.Errorf("not publishing event %q: it needs an id, a provider and a type (provider %q, type %q): %w",
				ev.ID, ev.Provider, ev.Type, ErrInvalidEvent)
		}
	}
	for i := range events {
		ev := &events[i]
		// Event.MarshalJSON is encoding/json's output, compact; calling it
		// directly gives the bytes json.Marshal(ev) gives (the tests check)
		// without json.Marshal re-scanning and copying them.
		body, err := ev.MarshalJSON()
		if err != nil {
			return 0, fmt.Errorf("encode %s event %s: %w (%w)", ev.Type, ev.ID, ErrInvalidEvent, err)
		}
		h := make(nats.Header, 3) // + Nats-Expected-Stream, added by nats.go
		h[jetstream.MsgIDHeader] = []string{ev.ID}
		h[contentTypeHeader] = contentTypeValue
		f, err := s.js.PublishMsgAsync(&nats.Msg{
			Subject: Subject(s.prefix, ev.Provider, ev.Type),
			Data:    body,
			Header:  h,
		}, s.pubOpts...)
		if err != nil {
			return 0, fmt.Errorf("could not publish %s event %s to %s: %w",
				ev.Type, ev.ID, Subject(s.prefix, ev.Provider, ev.Type), err)
		}
		futs = append(futs, f)
	}

	for i, f := range futs {
		select {
		case ack := <-f.Ok():
			if ack.Duplicate {
				duplicates++
			}
		case err := <-f.Err():
			return duplicates, s.ackError(&events[i], err)
		case <-timer.C:
			ev := &events[i]
			return duplicates, fmt.Errorf("JetStream did not acknowledge %s event %s within %s: %w",
				ev.Type, ev.ID, s.timeout, context.DeadlineExceeded)
		case <-ctx.Done():
			ev := &events[i]
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return duplicates, fmt.Errorf("JetStream did not acknowledge %s event %s within %s: %w",
					ev.Type, ev.ID, within.Round(time.Millisecond), ctx.Err())
			}
			return duplicates, fmt.Errorf("stopped waiting for JetStream to acknowledge %s event %s: %w",
				ev.Type, ev.ID, ctx.Err())
		}
	}
	return duplicates, nil
}

func (s *Store) ackError(ev *normalize.Event, err error) error {
	switch {
	case errors.Is(err, jetstream.ErrAsyncPublishTimeout):
		return fmt.Errorf("JetStream did not acknowledge %s event %s within %s: %w (%w)",
			ev.Type, ev.ID, s.timeout, context.DeadlineExceeded, err)
	case errors.Is(err, jetstream.ErrNoStreamResponse):
		return fmt.Errorf("no JetStream stream answered for %s (is stream %s missing?) storing %s event %s: %w",
			Subject(s.prefix, ev.Provider, ev.Type), s.stream, ev.Type, ev.ID, err)
	case errors.Is(err, nats.ErrDisconnected):
		return fmt.Errorf("NATS connection lost before JetStream acknowledged %s event %s: %w", ev.Type, ev.ID, err)
	default:
		return fmt.Errorf("JetStream refused %s event %s on %s: %w",
			ev.Type, ev.ID, Subject(s.prefix, ev.Provider, ev.Type), err)
	}
}

// Ready returns nil when the NATS connection is up and the stream exists,
// and otherwise an error saying which is missing.
func (s *Store) Ready(ctx context.Context) error {
	if st := s.nc.Status(); st != nats.CONNECTED {
		return fmt.Errorf("NATS connection is %s, not connected", strings.ToLower(st.String()))
	}
	if _, err := s.js.Stream(ctx, s.stream); err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return fmt.Errorf("JetStream stream %s does not exist", s.stream)
		}
		return fmt.Errorf("JetStream stream %s: %w", s.stream, err)
	}
	return nil
}

// Healthy reports a fault only a restart clears: the embedded nats-server
// logged a critical write error (a full or failing disk), after which it
// stores nothing on that stream until it restarts. Callbacks are spooled
// meanwhile; the spool drains after the restart.
func (s *Store) Healthy() error {
	if s.srvLog != nil {
		if msg := s.srvLog.criticalWrite(); msg != "" {
			return fmt.Errorf("embedded JetStream stopped storing after a write error (%s); free space and restart the gateway: what was accepted meanwhile is in the spool", msg)
		}
	}
	return nil
}

// ClientURL is where other clients reach this store's NATS: the embedded
// server's listener (an in-process connection reports only a default URL),
// or the server connected to.
func (s *Store) ClientURL() string {
	if s.srv != nil {
		return s.srv.ClientURL()
	}
	return s.nc.ConnectedUrl()
}

// Conn returns the NATS connection, e.g. for Tail.
func (s *Store) Conn() *nats.Conn { return s.nc }

// Close waits (bounded by ctx) for outstanding publishes to be acknowledged,
// drains and closes the connection, then shuts down the embedded server if
// there is one. Calling it again returns the first call's result.
func (s *Store) Close(ctx context.Context) error {
	s.closeOnce.Do(func() { s.closeErr = s.close(ctx) })
	return s.closeErr
}

func (s *Store) close(ctx context.Context) error {
	var errs []error
	if !s.nc.IsClosed() {
		// Let outstanding publishes get their acks, while that can happen:
		// once the connection is down they fail anyway.
		if s.nc.IsConnected() {
			down := s.nc.StatusChanged(nats.RECONNECTING, nats.CLOSED)
			select {
			case <-s.js.PublishAsyncComplete():
			case <-down:
			case <-ctx.Done():
				errs = append(errs, fmt.Errorf("%d publishes still unacknowledged at close: %w", s.js.PublishAsyncPending(), ctx.Err()))
			}
			s.nc.RemoveStatusListener(down)
		}
		if n := s.js.PublishAsyncPending(); n > 0 {
			s.log.Warn().Int("pending", n).Msg("closing the NATS connection with publishes unacknowledged")
		}
		if err := s.nc.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) &&
			!errors.Is(err, nats.ErrConnectionReconnecting) {
			errs = append(errs, fmt.Errorf("drain NATS connection: %w", err))
			s.nc.Close()
		}
		select {
		case <-s.closed:
		case <-ctx.Done():
			s.nc.Close()
			if len(errs) == 0 {
				errs = append(errs, fmt.Errorf("drain NATS connection: %w", ctx.Err()))
			}
		}
	}
	if s.srv != nil {
		done := make(chan struct{})
		go func() {
			s.shutdownServer()
			close(done)
		}()
		select {
		case <-done:
			s.log.Info().Msg("embedded NATS stopped")
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("embedded NATS shutdown still running: %w", ctx.Err()))
		}
	}
	return errors.Join(errs...)
}

func (s *Store) shutdownServer() {
	if s.srv != nil {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
	}
}
