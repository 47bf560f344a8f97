package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// inputSource yields the caller's inputs; ok false is a hang-up.
type inputSource interface {
	next() (input string, ok bool)
	// echo says whether the transcript shows each input as a "> input"
	// line; a terminal already shows what was typed after the prompt.
	echo() bool
}

// scripted replays inputs given up front, each taken verbatim: an empty
// line is an empty reply, which AT sends as a trailing '*'.
type scripted struct{ lines []string }

func (s *scripted) next() (string, bool) {
	if len(s.lines) == 0 {
		return "", false
	}
	in := s.lines[0]
	s.lines = s.lines[1:]
	return in, true
}

func (s *scripted) echo() bool { return true }

func readScript(r io.Reader) (*scripted, error) {
	sc := bufio.NewScanner(r)
	var lines []string
	for sc.Scan() {
		lines = append(lines, strings.TrimSuffix(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the script: %v", err)
	}
	return &scripted{lines: lines}, nil
}

// prompter reads inputs from a terminal. Lines arrive through a channel so
// that an interrupt (ctx) ends the session even while a read is blocked.
type prompter struct {
	ctx   context.Context
	out   io.Writer
	lines <-chan string
}

func newPrompter(ctx context.Context, stdin io.Reader, stdout io.Writer) *prompter {
	ch := make(chan string)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			select {
			case ch <- strings.TrimSuffix(sc.Text(), "\r"):
			case <-ctx.Done():
				return
			}
		}
	}()
	return &prompter{ctx: ctx, out: stdout, lines: ch}
}

func (p *prompter) next() (string, bool) {
	fmt.Fprint(p.out, "> ")
	select {
	case in, ok := <-p.lines:
		if !ok {
			fmt.Fprintln(p.out)
		}
		return in, ok
	case <-p.ctx.Done():
		fmt.Fprintln(p.out)
		return "", false
	}
}

func (p *prompter) echo() bool { return false }

// simulator is one USSD session as Africa's Talking runs it against the
// gateway: it keeps what AT keeps (the inputs, the hop metadata labels,
// the last answer) to send the cumulative text and the end-of-session
// report.
type simulator struct {
	o         simOptions
	client    *http.Client
	out, errw io.Writer
	inputs    []string
	metadata  []string // every at-ussd-hop-metadata label answered
	lastMeta  string   // the previous answer's, echoed on the next hop
	hops      int
	last      string // the last body answered, prefix included
	started   time.Time
}

// simUserAgent is AT's, so that logs filtering on it see the simulator,
// with a note that it is not AT.
const simUserAgent = "at-ussd-api/1.0 (mlango ussd-sim)"

// newSim builds a client that talks to the given URLs only: no proxy from
// the environment, and redirects are answers, never followed.
func newSim(o simOptions, out, errw io.Writer) *simulator {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	client := &http.Client{Transport: tr, Timeout: o.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &simulator{o: o, client: client, out: out, errw: errw}
}

// badAnswer is a gateway answer AT would count as the application failing
// (status Failed), as opposed to the gateway not being reached at all.
type badAnswer struct{ msg string }

func (b badAnswer) Error() string { return b.msg }

// dial runs the session to its END, a hang-up or an error, and returns the
// exit code.
func (s *simulator) dial(ctx context.Context, src inputSource) int {
	defer s.client.CloseIdleConnections()
	fmt.Fprintf(s.errw, "session %s\n", s.o.sid)
	fmt.Fprintf(s.out, "dial %s · %s · network %s\n", s.o.code, s.o.phone, s.o.network)
	s.started = time.Now()
	for {
		body, err := s.hop(ctx)
		if err != nil {
			fmt.Fprintf(s.errw, "mlango ussd-sim: %v\n", err)
			if errors.As(err, new(badAnswer)) {
				return s.finish(ctx, "Failed", err.Error(), 1)
			}
			return 1
		}
		writeFramed(s.out, body[4:])
		fmt.Fprintln(s.out, screenStatus(body, s.lastMeta, s.o.budget, s.o.budgetUCS2))
		if strings.HasPrefix(body, "END ") {
			if sc, ok := src.(*scripted); ok && len(sc.lines) > 0 {
				fmt.Fprintf(s.errw, "mlango ussd-sim: the session ended with %d inputs unused\n", len(sc.lines))
			}
			return s.finish(ctx, "Success", "", 0)
		}
		in, ok := src.next()
		if !ok {
			fmt.Fprintln(s.out, "= hung up")
			return s.finish(ctx, "Incomplete", "", simHungUp)
		}
		if src.echo() {
			fmt.Fprintln(s.out, strings.TrimRight("> "+in, " "))
		}
		s.inputs = append(s.inputs, in)
	}
}

// hop sends one session request, as AT's form in AT's field order, and
// returns the answer when it is a screen.
func (s *simulator) hop(ctx context.Context) (string, error) {
	form := atForm("phoneNumber", s.o.phone, "serviceCode", s.o.code, "text", strings.Join(s.inputs, "*"),
		"sessionId", s.o.sid, "networkCode", s.o.network)
	headers := map[string]string{}
	if s.lastMeta != "" {
		headers["at-ussd-hop-metadata"] = s.lastMeta
	}
	s.hops++
	code, body, h, err := s.post(ctx, s.o.url, form, headers)
	if err != nil {
		return "", err
	}
	s.last, s.lastMeta = body, h.Get("at-ussd-hop-metadata")
	if s.lastMeta != "" {
		s.metadata = append(s.metadata, s.lastMeta)
	}
	switch {
	case code != http.StatusOK:
		return "", badAnswer{fmt.Sprintf("the gateway answered HTTP %d: %q", code, body)}
	case !strings.HasPrefix(body, "CON ") && !strings.HasPrefix(body, "END "):
		return "", badAnswer{fmt.Sprintf("the gateway answered %q, which starts with neither \"CON \" nor \"END \"", body)}
	}
	return body, nil
}

// finish sends the end-of-session report when asked to, and returns code
// unless the report could not be delivered.
func (s *simulator) finish(ctx context.Context, status, errMsg string, code int) int {
	if !s.o.endReport {
		return code
	}
	form := atForm("date", time.Now().UTC().Format(time.DateTime), "sessionId", s.o.sid,
		"serviceCode", s.o.code, "networkCode", s.o.network, "phoneNumber", s.o.phone, "status", status,
		"durationInMillis", strconv.FormatInt(time.Since(s.started).Milliseconds(), 10),
		"hopsCount", strconv.Itoa(s.hops), "hopsMetadata", strings.Join(s.metadata, "|"),
		"input", strings.Join(s.inputs, "*"), "lastAppResponse", s.last)
	if errMsg != "" {
		form += "&" + atForm("errorMessage", errMsg)
	}
	answered, body, _, err := s.post(ctx, s.o.statusURL, form, nil)
	if err == nil && answered/100 != 2 {
		err = fmt.Errorf("the gateway answered the end-of-session report with HTTP %d: %q", answered, body)
	}
	if err != nil {
		fmt.Fprintf(s.errw, "mlango ussd-sim: %v\n", err)
		return 1
	}
	fmt.Fprintf(s.out, "= end report: status %s, %d hops, answered %d %s\n", status, s.hops, answered, strings.TrimSpace(body))
	return code
}

// post sends a form and reads the answer; errors never carry the URL,
// whose query may hold the token.
func (s *simulator) post(ctx context.Context, target, form string, headers map[string]string) (int, string, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form))
	if err != nil {
		return 0, "", nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
	req.Header.Set("User-Agent", simUserAgent)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, "", nil, fmt.Errorf("POST %s: %v", redactURL(target), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return 0, "", nil, fmt.Errorf("POST %s: reading the answer: %v", redactURL(target), err)
	}
	return resp.StatusCode, string(b), resp.Header, nil
}

// atForm encodes pairs in the order given, as AT orders its fields
// (url.Values would sort them), escaping '*', '#' and '+' as AT does.
func atForm(kv ...string) string {
	parts := make([]string, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+"="+url.QueryEscape(kv[i+1]))
	}
	return strings.Join(parts, "&")
}
