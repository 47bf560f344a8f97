package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mlango/mlango/config"
	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/normalize"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// replayOptions is what mlango replay was asked to do.
type replayOptions struct {
	read      readOptions
	types     map[string]bool // empty: every type
	providers map[string]bool // empty: every provider
	toSubject string
	toURL     string
	secret    string // Standard Webhooks secret for -to-url
	raw       bool
	dryRun    bool
	// webhookSecrets re-sign raw webhook callbacks, by provider; an empty
	// secret sends them unsigned.
	webhookSecrets map[string]string
	retries        int
	backoff        time.Duration // the first retry's wait, doubled each time
	timeout        time.Duration
}

// replayBackoff is the wait before the first retry of an event.
var replayBackoff = 500 * time.Millisecond

// replaySecretEnv is where the -to-url signing secret can come from.
const replaySecretEnv = "MLANGO_REPLAY_SECRET"

// replayCmd re-delivers stored events: to a NATS subject, to an HTTP
// endpoint as signed CloudEvents, or (-raw) as the original callbacks to a
// gateway. A summary goes to stderr; exit 1 when it stopped on a failure.
func replayCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	o, cfg, code := parseReplay(args, stderr, getenv, time.Now())
	if code >= 0 {
		return code
	}
	nc, err := connectStream(cfg, "mlango-replay")
	if err != nil {
		fmt.Fprintf(stderr, "mlango replay: %v\n", err)
		return 1
	}
	defer nc.Close()
	target, err := newReplayTarget(ctx, o, cfg, nc, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "mlango replay: %v\n", err)
		return 1
	}
	r := &replayer{o: o, target: target, stdout: stdout, stderr: stderr}
	if o.raw && !o.read.follow {
		r.hops = &hopBuffer{}
	}
	return r.run(ctx, nc)
}

// replayArgs is what the flags give before it is checked.
type replayArgs struct {
	cfgPath, since, until         string
	types, providers, hookSecrets listFlag
}

// replayFlags declares replay's flags, into o and a.
func replayFlags(o *replayOptions, a *replayArgs, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("mlango replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&a.cfgPath, "config", "", "config file (default mlango.yaml if present): NATS, stream, prefix, webhook providers")
	fs.StringVar(&a.since, "since", "", "first stored time: RFC 3339 or a duration ago (2h, 90m, 1d); default the stream's start")
	fs.StringVar(&a.until, "until", "", "last stored time: RFC 3339 or a duration ago; default now")
	fs.StringVar(&o.read.subject, "subject", "", "subject filter (default <prefix>.>), e.g. telecom.africastalking.>")
	fs.Var(&a.types, "type", "event type(s), comma list or repeated, e.g. sms.delivery")
	fs.Var(&a.providers, "provider", "provider(s), comma list or repeated, e.g. africastalking")
	fs.StringVar(&o.toSubject, "to-subject", "", "publish to this subject plus the original's tail (replay.telecom → replay.telecom.africastalking.sms.delivery)")
	fs.StringVar(&o.toURL, "to-url", "", "POST each event to this URL as signed CloudEvents JSON; with -raw, the gateway's base URL")
	fs.StringVar(&o.secret, "secret", "", "Standard Webhooks secret (whsec_…) to sign -to-url requests (env "+replaySecretEnv+")")
	fs.BoolVar(&o.raw, "raw", false, "re-drive the original callbacks from data.raw against the gateway at -to-url")
	fs.Var(&a.hookSecrets, "webhook-secret", "with -raw: PROVIDER=SECRET to re-sign a webhook provider's callbacks (default its configured secret; empty: unsigned)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print what would be sent, send nothing")
	fs.BoolVar(&o.read.follow, "follow", false, "keep delivering new events after the stored ones, until interrupted")
	fs.IntVar(&o.retries, "retries", 5, "retries of an event after a 5xx, 408, 429 or connection error")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "per request or publish")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mlango replay [-since T] [-until T] [-subject S] [-type T] [-provider P]\n"+
			"                     (-to-subject S | -to-url URL [-secret whsec_…] | -raw -to-url BASE) [-dry-run] [-follow]")
		fs.PrintDefaults()
	}
	return fs
}

// parseReplay reads the flags; code is -1 when the replay should run.
func parseReplay(args []string, stderr io.Writer, getenv func(string) (string, bool), now time.Time) (replayOptions, config.Config, int) {
	var o replayOptions
	var a replayArgs
	fs := replayFlags(&o, &a, stderr)
	if err := fs.Parse(args); err != nil {
		return o, config.Config{}, 2
	}
	bad := func(format string, a ...any) (replayOptions, config.Config, int) {
		fmt.Fprintf(stderr, "mlango replay: "+format+"\n", a...)
		return o, config.Config{}, 2
	}
	if fs.NArg() > 0 {
		return bad("unexpected arguments %q", fs.Args())
	}
	var err error
	if o.read.since, err = parseWhen(a.since, now); err != nil {
		return bad("-since: %v", err)
	}
	if o.read.until, err = parseWhen(a.until, now); err != nil {
		return bad("-until: %v", err)
	}
	o.types, o.providers = a.types.set(), a.providers.set()
	if o.webhookSecrets, err = a.hookSecrets.pairs(); err != nil {
		return bad("-webhook-secret: %v", err)
	}
	if o.secret == "" {
		o.secret, _ = getenv(replaySecretEnv)
	}
	if msg := o.check(); msg != "" {
		return bad("%s", msg)
	}
	o.backoff = replayBackoff
	path, explicit := config.ConfigPath(a.cfgPath, getenv)
	cfg, err := config.Load(path, explicit, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "mlango replay: invalid configuration:\n%v\n", err)
		return o, cfg, 1
	}
	o.read.stream = cfg.Stream.Name
	if o.read.subject == "" {
		o.read.subject = cfg.SubjectPrefix + ".>"
	}
	return o, cfg, -1
}

// check returns what is wrong with a combination of flags, or "".
func (o replayOptions) check() string {
	switch {
	case o.toSubject != "" && o.toURL != "":
		return "-to-subject and -to-url are exclusive"
	case o.toSubject == "" && o.toURL == "" && !o.dryRun:
		return "say where to: -to-subject SUBJECT or -to-url URL (or -dry-run)"
	case o.raw && o.toSubject != "":
		return "-raw re-drives callbacks over HTTP: use -to-url with the gateway's base URL"
	case !o.raw && len(o.webhookSecrets) > 0:
		return "-webhook-secret applies with -raw"
	case o.toURL != "" && !o.raw && o.secret == "" && !o.dryRun:
		return "-to-url signs every request: give -secret whsec_… or set " + replaySecretEnv
	case strings.ContainsAny(o.toSubject, " *>"):
		return "-to-subject must be a plain subject, without wildcards"
	case !o.read.since.IsZero() && !o.read.until.IsZero() && o.read.until.Before(o.read.since):
		return "-until is before -since"
	case o.retries < 0 || o.timeout <= 0:
		return "-retries must be >= 0 and -timeout > 0"
	case o.read.follow && !o.read.until.IsZero():
		return "-follow and -until are exclusive"
	}
	return ""
}

// connectStream connects to the NATS the gateway's configuration names:
// MLANGO_NATS_URL, or the embedded server's client port.
func connectStream(cfg config.Config, name string) (*nats.Conn, error) {
	url := strings.Join(cfg.NATSURLs(), ",")
	if cfg.Embedded() {
		if cfg.NATS.Listen == config.ListenNone {
			return nil, errors.New("the embedded NATS has no client port (nats.listen is none); set MLANGO_NATS_URL")
		}
		url = "nats://" + cfg.NATS.Listen
	}
	nc, err := nats.Connect(url, nats.Name(name))
	if err != nil {
		return nil, fmt.Errorf("cannot reach NATS at %s: %v (is the gateway running?)", config.RedactURL(url), err)
	}
	return nc, nil
}

// replayer walks the selected events and hands each to the target.
type replayer struct {
	o                     replayOptions
	target                replayTarget
	hops                  *hopBuffer // -raw without -follow: USSD hops in the order received
	stdout, stderr        io.Writer
	sent, skipped, failed int
	stoppedAt             stored // the event that failed
}

func (r *replayer) run(ctx context.Context, nc *nats.Conn) int {
	js, err := jetstream.New(nc)
	if err != nil {
		fmt.Fprintf(r.stderr, "mlango replay: %v\n", err)
		return 1
	}
	last, err := readStream(ctx, js, r.o.read, r.one)
	if err == nil {
		err = r.flush(ctx)
	}
	if err == nil {
		err = r.target.finish(ctx)
	}
	if r.stoppedAt.seq != 0 {
		last = r.stoppedAt
	}
	verb := "sent"
	if r.o.dryRun {
		verb = "would send"
	}
	fmt.Fprintf(r.stderr, "mlango replay: %s %d, skipped %d, failed %d\n", verb, r.sent, r.skipped, r.failed)
	if err != nil {
		fmt.Fprintf(r.stderr, "mlango replay: stopped at stream sequence %d: %v\n", last.seq, err)
		if !last.at.IsZero() {
			fmt.Fprintf(r.stderr, "mlango replay: to resume from there: -since %s\n", last.at.UTC().Format(time.RFC3339Nano))
		}
		return 1
	}
	return 0
}

// one replays one stored event, when the filters select it; with -raw,
// USSD hops go through the hop buffer first.
func (r *replayer) one(ctx context.Context, m stored) error {
	if (len(r.o.types) > 0 && !r.o.types[m.ev.Type]) || (len(r.o.providers) > 0 && !r.o.providers[m.ev.Provider]) {
		return nil
	}
	if r.hops != nil {
		for _, h := range r.hops.due(m.at) {
			if err := r.emit(ctx, h); err != nil {
				return err
			}
		}
		if m.ev.Type == normalize.TypeUSSDInput {
			r.hops.add(m)
			return nil
		}
	}
	return r.emit(ctx, m)
}

// flush sends the hops still held once the stream is read.
func (r *replayer) flush(ctx context.Context) error {
	if r.hops == nil {
		return nil
	}
	for _, h := range r.hops.all() {
		if err := r.emit(ctx, h); err != nil {
			return err
		}
	}
	return nil
}

// emit sends one selected event, or says in a dry run where it would go.
func (r *replayer) emit(ctx context.Context, m stored) error {
	d, err := r.target.prepare(m)
	var skip *skipError
	switch {
	case errors.As(err, &skip):
		r.skipped++
		if r.o.dryRun {
			fmt.Fprintf(r.stdout, "%s skip: %s\n", m, skip.reason)
		}
		return nil
	case err != nil:
		r.failed, r.stoppedAt = r.failed+1, m
		return err
	case r.o.dryRun:
		r.sent++
		fmt.Fprintf(r.stdout, "%s → %s\n", m, d)
		return nil
	}
	if err := r.deliver(ctx, m, d); err != nil {
		r.failed, r.stoppedAt = r.failed+1, m
		return fmt.Errorf("event %s: %w", m.ev.ID, err)
	}
	r.sent++
	return nil
}

// deliver sends d, retrying a temporary failure with a doubling wait.
func (r *replayer) deliver(ctx context.Context, m stored, d delivery) error {
	wait := r.o.backoff
	for attempt := 0; ; attempt++ {
		err := d.send(ctx)
		var perm *permanentError
		if err == nil || errors.As(err, &perm) || ctx.Err() != nil {
			return err
		}
		if attempt >= r.o.retries {
			return fmt.Errorf("%w (gave up after %d retries)", err, r.o.retries)
		}
		fmt.Fprintf(r.stderr, "mlango replay: event %s: %v; retry %d in %s\n", m.ev.ID, err, attempt+1, wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// replayTarget is where events go: a subject, an endpoint, a gateway.
type replayTarget interface {
	// prepare says how m would go, or returns a *skipError.
	prepare(m stored) (delivery, error)
	// finish waits for what was sent to be delivered.
	finish(ctx context.Context) error
}

// delivery is one prepared event; String says where it goes.
type delivery interface {
	fmt.Stringer
	send(ctx context.Context) error
}

// skipError is an event the target cannot take; it is counted, not fatal.
type skipError struct{ reason string }

func (e *skipError) Error() string { return e.reason }

// permanentError is a refusal a retry cannot change (an HTTP 4xx).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func newReplayTarget(ctx context.Context, o replayOptions, cfg config.Config, nc *nats.Conn, stderr io.Writer) (replayTarget, error) {
	client := &http.Client{Timeout: o.timeout}
	switch {
	case o.toSubject != "":
		return newSubjectTarget(nc, o.toSubject, cfg.SubjectPrefix, o.timeout)
	case o.raw:
		return newRawTarget(o, cfg, client, stderr)
	case o.toURL == "": // a dry run with nowhere to go: list the events
		return listTarget{}, nil
	}
	if o.secret == "" {
		return &eventTarget{url: o.toURL, client: client, now: time.Now}, nil // a dry run
	}
	signer, err := handlers.NewSigner(handlers.Signature{Scheme: handlers.SchemeStandardWebhooks, Secrets: []string{o.secret}})
	if err != nil {
		return nil, fmt.Errorf("-secret: want a Standard Webhooks secret, whsec_ followed by base64: %v", err)
	}
	return &eventTarget{url: o.toURL, client: client, signer: signer, now: time.Now}, nil
}

// listTarget is a dry run's target when none was given.
type listTarget struct{}

func (listTarget) prepare(m stored) (delivery, error) { return listed{}, nil }
func (listTarget) finish(context.Context) error       { return nil }

type listed struct{}

func (listed) String() string                 { return "(no target)" }
func (listed) send(ctx context.Context) error { return nil }
