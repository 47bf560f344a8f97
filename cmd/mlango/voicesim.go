package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/beevik/etree"
	"github.com/mlango/mlango/handlers/voicexml"
)

// voiceSimMaxCallbacks bounds one call: a flow that redirects to itself
// forever is stopped rather than run forever.
const voiceSimMaxCallbacks = 50

// voiceSimBodyLimit bounds what is read of an answer; the gateway's own
// XML is a few hundred bytes.
const voiceSimBodyLimit = 1 << 20

const voiceSimUsage = `usage: mlango voice-sim [flags]

Plays an inbound call against a running gateway as Africa's Talking does:
each callback is a real AT form POST (isActive=1); the voice XML answered is
validated and shown action by action. At a GetDigits the digits are read
from the terminal (an empty line is no input), or taken from -digits; they
are posted to the GetDigits callbackUrl, and a Redirect is followed. Only
URLs on the host of -url are followed. When the script ends the call, the
final notification (isActive=0) is posted to -url, as AT does.

Exit status: 0 when the call ended normally, 1 when the gateway could not be
reached, answered an error or invalid voice XML, or asked for a URL on
another host, 2 for bad flags.

Flags:
`

// voiceSimOptions are voice-sim's flags.
type voiceSimOptions struct {
	url, eventsURL      string
	caller, to, session string
	digits              []string
	scripted            bool
	timeout             time.Duration
}

func parseVoiceSimFlags(args []string, stderr io.Writer) (voiceSimOptions, error) {
	var o voiceSimOptions
	fs := flag.NewFlagSet("mlango voice-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.url, "url", "http://127.0.0.1:8080/api/voice/instruct", "the gateway's voice callback URL (keep ?key=<token> if the gateway needs one)")
	fs.StringVar(&o.caller, "caller", "+254711000111", "callerNumber: the phone calling")
	fs.StringVar(&o.to, "to", "+254711082000", "destinationNumber: the number called")
	fs.StringVar(&o.session, "session", "", "sessionId (default a random ATVId_…)")
	digits := fs.String("digits", "", "digit entries for the GetDigits prompts, comma separated (an empty entry is no input); when set, nothing is read from the terminal")
	fs.StringVar(&o.eventsURL, "events-url", "", "also post the final notification here (e.g. http://127.0.0.1:8080/api/voice/events)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "HTTP timeout of each request")
	fs.Usage = func() {
		fmt.Fprint(stderr, voiceSimUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	fs.Visit(func(f *flag.Flag) { o.scripted = o.scripted || f.Name == "digits" })
	if fs.NArg() > 0 {
		return o, voiceSimFlagError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if err := o.check(*digits); err != nil {
		return o, voiceSimFlagError{err}
	}
	return o, nil
}

// voiceSimFlagError is a flag problem found after parsing, which the flag
// package has not printed.
type voiceSimFlagError struct{ error }

func (o *voiceSimOptions) check(digits string) error {
	if _, err := voiceSimHTTPURL(o.url); err != nil {
		return fmt.Errorf("-url: %v", err)
	}
	if o.eventsURL != "" {
		if _, err := voiceSimHTTPURL(o.eventsURL); err != nil {
			return fmt.Errorf("-events-url: %v", err)
		}
	}
	if o.caller == "" || o.to == "" {
		return errors.New("-caller and -to must not be empty")
	}
	if o.session == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b) // never fails (crypto/rand)
		o.session = "ATVId_" + hex.EncodeToString(b)
	}
	if o.timeout <= 0 {
		return errors.New("-timeout must be positive")
	}
	if o.scripted {
		o.digits = strings.Split(digits, ",")
		for i, d := range o.digits {
			if !voiceSimKeys(d) {
				return fmt.Errorf("-digits: entry %d is %q; keys are 0-9, * and #", i+1, d)
			}
		}
	}
	return nil
}

// voiceSimHTTPURL accepts an absolute http or https URL with a host.
func voiceSimHTTPURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, fmt.Errorf("%q is not an absolute http or https URL", s)
	}
	return u, nil
}

// voiceSimKeys reports whether s holds only keypad keys (empty is no input).
func voiceSimKeys(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789*#", c) {
			return false
		}
	}
	return true
}

// voiceSimCmd is `mlango voice-sim`.
func voiceSimCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parseVoiceSimFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var bad voiceSimFlagError
	if errors.As(err, &bad) {
		fmt.Fprintf(stderr, "mlango voice-sim: %v\n", err)
	}
	if err != nil {
		return 2 // the flag package printed its own errors
	}
	s := &voiceSim{
		o:      o,
		client: &http.Client{Timeout: o.timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		out:    stdout,
		errw:   stderr,
	}
	s.base, _ = url.Parse(o.url) // checked by parseVoiceSimFlags
	if o.scripted {
		s.input = voiceSimScript(o.digits, stdout)
	} else {
		s.input = voiceSimPrompter(ctx, stdin, stdout)
	}
	return s.call(ctx)
}

// voiceSim plays one call.
type voiceSim struct {
	o         voiceSimOptions
	base      *url.URL
	client    *http.Client
	out, errw io.Writer
	// input returns the next digit entry ("" is no input); false when the
	// caller hangs up (the script or stdin ran out).
	input     func() (string, bool)
	seconds   int // the simulated length of the call so far
	callbacks int
}

// voiceSimRequest is the next callback the call makes.
type voiceSimRequest struct {
	url    string
	fields [][2]string // beyond the live call's own fields, in order
	// sticks: url is the call's callback URL from now on (a Redirect, or
	// a Record with a callbackUrl).
	sticks bool
}

// voiceSimError ends the call with exit status 1: a transport or HTTP
// error, invalid XML, or a URL the simulator will not follow.
type voiceSimError struct{ msg string }

func (e voiceSimError) Error() string { return e.msg }

func (s *voiceSim) call(ctx context.Context) int {
	fmt.Fprintf(s.out, "call %s from %s to %s\n", s.o.session, s.o.caller, s.o.to)
	req := voiceSimRequest{url: s.o.url}
	current := s.o.url // where GetDigits and Record post without a callbackUrl
	for {
		if s.callbacks == voiceSimMaxCallbacks {
			fmt.Fprintf(s.out, "(%d callbacks in one call: the simulator hangs up)\n", voiceSimMaxCallbacks)
			s.hangup(ctx)
			fmt.Fprintf(s.errw, "mlango voice-sim: stopped after %d callbacks; does the flow loop?\n", voiceSimMaxCallbacks)
			return 1
		}
		s.callbacks++
		root, err := s.live(ctx, req)
		if err != nil {
			fmt.Fprintf(s.errw, "mlango voice-sim: %v\n", err)
			return 1
		}
		if req.sticks {
			current = req.url
		}
		next, end, err := s.play(root, current)
		if err != nil {
			fmt.Fprintf(s.errw, "mlango voice-sim: %v\n", err)
			return 1
		}
		if end {
			return s.hangup(ctx)
		}
		req = next
	}
}

// live posts one callback of the live call and returns its checked XML.
func (s *voiceSim) live(ctx context.Context, req voiceSimRequest) (*etree.Element, error) {
	form := url.Values{}
	keys := []string{"isActive", "sessionId", "direction", "callerNumber", "destinationNumber", "callSessionState"}
	vals := []string{"1", s.o.session, "Inbound", s.o.caller, s.o.to, "Active"}
	shown := "isActive=1"
	for _, f := range req.fields {
		keys, vals = append(keys, f[0]), append(vals, f[1])
		shown += " " + f[0] + "=" + f[1]
	}
	for i, k := range keys {
		form.Set(k, vals[i])
	}
	fmt.Fprintf(s.out, "→ POST %s %s\n", voiceSimShowURL(req.url), shown)
	status, body, err := s.post(ctx, req.url, form)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(s.out, "← %d\n", status)
	if status != http.StatusOK {
		return nil, voiceSimError{fmt.Sprintf("the gateway answered %d: %s", status, voiceSimClip(body))}
	}
	if err := voicexml.Validate(body); err != nil {
		return nil, voiceSimError{fmt.Sprintf("invalid voice XML from %s: %v", voiceSimShowURL(req.url), err)}
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(body); err != nil || doc.Root() == nil { // Validate read it already
		return nil, voiceSimError{fmt.Sprintf("invalid voice XML from %s: %v", voiceSimShowURL(req.url), err)}
	}
	return doc.Root(), nil
}

// play shows the actions of one answer in order, as the caller hears
// them, and returns the callback they lead to, or end when the call is
// over.
func (s *voiceSim) play(root *etree.Element, current string) (next voiceSimRequest, end bool, err error) {
	for _, a := range root.ChildElements() {
		switch a.Tag {
		case "Say", "Play":
			fmt.Fprintf(s.out, "%s\n", s.prompt(a))
		case "GetDigits":
			target, err := s.describeInput(a, current, []string{"numDigits", "", "finishOnKey", "", "timeout", "s"})
			if err != nil {
				return next, false, err
			}
			fmt.Fprint(s.out, "  digits> ")
			d, ok := s.input()
			if !ok {
				fmt.Fprint(s.out, "(no more digits: the caller hangs up)\n")
				return next, true, nil
			}
			if d == "" {
				timeout := 30 // AT's default
				if t, err := strconv.Atoi(a.SelectAttrValue("timeout", "")); err == nil {
					timeout = t
				}
				s.seconds += timeout
				fmt.Fprint(s.out, "(no input: next action)\n")
				continue
			}
			s.seconds += len(d)
			return voiceSimRequest{url: target, fields: [][2]string{{"dtmfDigits", d}}}, false, nil
		case "Record":
			if len(a.Attr) == 0 && len(a.ChildElements()) == 0 {
				fmt.Fprint(s.out, "Record (until hang-up)\n(the caller hangs up)\n")
				return next, true, nil
			}
			target, err := s.describeInput(a, current, []string{"finishOnKey", "", "maxLength", "s", "timeout", "s", "trimSilence", "", "playBeep", ""})
			if err != nil {
				return next, false, err
			}
			s.seconds += 5
			fmt.Fprint(s.out, "(the caller says nothing: recordingUrl is empty)\n")
			return voiceSimRequest{url: target, fields: [][2]string{{"recordingUrl", ""}}, sticks: a.SelectAttr("callbackUrl") != nil}, false, nil
		case "Dial":
			fmt.Fprintf(s.out, "Dial %s%s\n", a.SelectAttrValue("phoneNumbers", ""),
				voiceSimAttrs(a, "record", "", "sequential", "", "callerId", "", "maxDuration", "s", "ringBackTone", "", "ringbackTone", ""))
			fmt.Fprint(s.out, "(the simulator treats the dialled call as answered and hung up)\n")
			return next, true, nil
		case "Dequeue":
			fmt.Fprintf(s.out, "Dequeue %s%s\n", a.SelectAttrValue("phoneNumber", ""), voiceSimAttrs(a, "name", ""))
			fmt.Fprint(s.out, "(the simulator treats the dequeued call as answered and hung up)\n")
			return next, true, nil
		case "Enqueue":
			fmt.Fprintf(s.out, "Enqueue%s\n(the caller hangs up while queued)\n", voiceSimAttrs(a, "name", "", "holdMusic", ""))
			return next, true, nil
		case "Conference":
			fmt.Fprint(s.out, "Conference\n(the caller hangs up)\n")
			return next, true, nil
		case "Redirect":
			target := strings.TrimSpace(a.Text())
			fmt.Fprintf(s.out, "Redirect → %s\n", voiceSimShowURL(target))
			if err := s.follow(target); err != nil {
				return next, false, err
			}
			return voiceSimRequest{url: target, sticks: true}, false, nil
		case "Reject":
			fmt.Fprint(s.out, "Reject\n(the call is rejected)\n")
			return next, true, nil
		}
	}
	fmt.Fprint(s.out, "(no more actions: the call ends)\n")
	return next, true, nil
}

// describeInput shows a GetDigits or Record with its prompt and returns
// where its input is posted: its callbackUrl, or the current callback URL.
func (s *voiceSim) describeInput(a *etree.Element, current string, attrs []string) (string, error) {
	target, shown := a.SelectAttrValue("callbackUrl", ""), "callbackUrl"
	if target == "" {
		target, shown = current, "current URL"
	}
	fmt.Fprintf(s.out, "%s%s → %s %s\n", a.Tag, voiceSimAttrs(a, attrs...), shown, voiceSimShowURL(target))
	for _, p := range a.ChildElements() {
		fmt.Fprintf(s.out, "  %s\n", s.prompt(p))
	}
	return target, s.follow(target)
}

// prompt describes a Say or Play and adds the time it takes to the call.
func (s *voiceSim) prompt(e *etree.Element) string {
	if e.Tag == "Play" {
		s.seconds += 5
		return "Play " + e.SelectAttrValue("url", "")
	}
	text := strings.Join(strings.Fields(e.Text()), " ")
	s.seconds += max(1, (utf8.RuneCountInString(text)+14)/15) // about 15 characters a second
	opts := []string{e.SelectAttrValue("voice", "woman")}
	if e.SelectAttrValue("playBeep", "") == "true" {
		opts = append(opts, "beep")
	}
	return fmt.Sprintf("Say (%s): %s", strings.Join(opts, ", "), text)
}

// follow refuses a URL that is not on the host of -url: the simulator
// talks only to the gateway it was pointed at.
func (s *voiceSim) follow(target string) error {
	u, err := url.Parse(target)
	if err == nil && strings.EqualFold(u.Hostname(), s.base.Hostname()) && voiceSimPort(u) == voiceSimPort(s.base) {
		return nil
	}
	return voiceSimError{fmt.Sprintf("refusing to follow %s: its host is not %s, the gateway -url points at, and voice-sim talks to no other", voiceSimShowURL(target), s.base.Host)}
}

func voiceSimPort(u *url.URL) string {
	switch {
	case u.Port() != "":
		return u.Port()
	case u.Scheme == "https":
		return "443"
	}
	return "80"
}

// hangup posts the final notification, as AT does after the call, to -url
// and, if given, -events-url.
func (s *voiceSim) hangup(ctx context.Context) int {
	seconds := max(s.seconds, 1)
	amount := fmt.Sprintf("%.2f", float64(seconds)*2/60) // a made-up KES 2.00 a minute
	form := url.Values{}
	for _, kv := range [][2]string{
		{"isActive", "0"}, {"sessionId", s.o.session}, {"direction", "Inbound"},
		{"callerNumber", s.o.caller}, {"destinationNumber", s.o.to},
		{"callSessionState", "Completed"}, {"status", "Success"},
		{"durationInSeconds", strconv.Itoa(seconds)}, {"hangupCause", "NORMAL_CLEARING"},
		{"currencyCode", "KES"}, {"amount", amount},
	} {
		form.Set(kv[0], kv[1])
	}
	targets := []string{s.o.url}
	if s.o.eventsURL != "" {
		targets = append(targets, s.o.eventsURL)
	}
	for _, t := range targets {
		fmt.Fprintf(s.out, "→ POST %s isActive=0 callSessionState=Completed durationInSeconds=%d hangupCause=NORMAL_CLEARING amount=%s currencyCode=KES\n",
			voiceSimShowURL(t), seconds, amount)
		status, body, err := s.post(ctx, t, form)
		if err != nil {
			fmt.Fprintf(s.errw, "mlango voice-sim: %v\n", err)
			return 1
		}
		fmt.Fprintf(s.out, "← %d\n", status)
		if status != http.StatusOK {
			fmt.Fprintf(s.errw, "mlango voice-sim: the final notification was answered %d: %s\n", status, voiceSimClip(body))
			return 1
		}
	}
	fmt.Fprintln(s.out, "call ended")
	return 0
}

// post sends one AT form and returns the status and (bounded) body.
func (s *voiceSim) post(ctx context.Context, target string, form url.Values) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, voiceSimError{fmt.Sprintf("POST %s: %v", voiceSimShowURL(target), err)}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "mlango voice-sim")
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, voiceSimError{fmt.Sprintf("POST %s: %v (is the gateway running?)", voiceSimShowURL(target), voiceSimUnwrap(err))}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, voiceSimBodyLimit))
	if err != nil {
		return 0, nil, voiceSimError{fmt.Sprintf("POST %s: reading the answer: %v", voiceSimShowURL(target), err)}
	}
	return resp.StatusCode, body, nil
}

// voiceSimUnwrap drops url.Error's repetition of the method and URL, which
// would show a token the transcript redacts.
func voiceSimUnwrap(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// voiceSimAttrs shows the attributes present among names, given as
// name-unit pairs: " (numDigits 1, timeout 10s)", or "" when none is set.
func voiceSimAttrs(e *etree.Element, pairs ...string) string {
	var parts []string
	for i := 0; i+1 < len(pairs); i += 2 {
		name, unit := pairs[i], pairs[i+1]
		v := e.SelectAttrValue(name, "")
		switch {
		case v == "":
		case v == "true":
			parts = append(parts, name)
		case v == "false":
		default:
			parts = append(parts, name+" "+voiceSimShowURL(v)+unit)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// voiceSimShowURL hides an Africa's Talking token (?key= or /t/<token>/)
// in what is printed; anything that is not a URL is returned as is.
func voiceSimShowURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return s
	}
	q := u.Query()
	if q.Has("key") {
		q.Set("key", "redacted")
		u.RawQuery = q.Encode()
	}
	if parts := strings.Split(u.Path, "/"); len(parts) > 2 && parts[1] == "t" {
		parts[2] = "redacted"
		u.Path, u.RawPath = strings.Join(parts, "/"), ""
	}
	return u.String()
}

func voiceSimClip(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}

// voiceSimScript hands out -digits entries in order; when they run out
// the caller hangs up.
func voiceSimScript(entries []string, stdout io.Writer) func() (string, bool) {
	return func() (string, bool) {
		if len(entries) == 0 {
			return "", false
		}
		d := entries[0]
		entries = entries[1:]
		voiceSimEcho(stdout, d)
		return d, true
	}
}

// voiceSimPrompter reads digit entries from stdin, one a line, until EOF
// (the caller hangs up) or ctx ends. What is typed is echoed when stdin is
// not a terminal, so a piped run still shows it.
func voiceSimPrompter(ctx context.Context, stdin io.Reader, stdout io.Writer) func() (string, bool) {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	echo := !voiceSimTerminal(stdin)
	return func() (string, bool) {
		for {
			var line string
			var ok bool
			select {
			case line, ok = <-lines:
			case <-ctx.Done():
			}
			if !ok {
				return "", false
			}
			d := strings.Join(strings.Fields(line), "")
			if voiceSimKeys(d) {
				if echo {
					voiceSimEcho(stdout, d)
				}
				return d, true
			}
			fmt.Fprint(stdout, "  keys are 0-9, * and #; digits> ")
		}
	}
}

// voiceSimEcho shows an entry that was not typed at a terminal.
func voiceSimEcho(w io.Writer, d string) {
	if d == "" {
		d = "(none)"
	}
	fmt.Fprintln(w, d)
}

func voiceSimTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
