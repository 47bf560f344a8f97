package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"
)

// Exit codes of ussd-sim beyond 0 (the session reached END), 1 (the
// gateway could not be reached or answered something that is not a
// screen) and 2 (bad flags). A hang-up is not a success: a script that
// means to reach END fails loudly when a menu change leaves it short.
const simHungUp = 3

// simOptions are ussd-sim's flags.
type simOptions struct {
	url, statusURL            string
	code, phone, network, sid string
	script, inputs            string
	inputsSet, endReport      bool
	budget, budgetUCS2        int
	timeout                   time.Duration
}

const simUsage = `usage: mlango ussd-sim [flags]

Dials a service code against a running gateway as Africa's Talking does:
each hop is a real AT form POST with the cumulative text. Screens are read
from the terminal until END; with -script or -inputs, or when stdin is not
a terminal, the whole transcript is printed without prompting.

Exit status: 0 at an END screen, 1 when the gateway cannot be reached or
answers something other than CON/END, 2 for bad flags, 3 when the input
runs out at a CON screen (the caller hung up).
`

// ussdSimCmd runs `mlango ussd-sim`.
func ussdSimCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, ok := parseSimFlags(args, stderr)
	if !ok {
		return 2
	}
	src, err := o.inputSource(ctx, stdin, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "mlango ussd-sim: %v\n", err)
		return 2
	}
	return newSim(o, stdout, stderr).dial(ctx, src)
}

// parseSimFlags reads and checks the flags, reporting every problem.
func parseSimFlags(args []string, stderr io.Writer) (simOptions, bool) {
	var o simOptions
	fs := flag.NewFlagSet("mlango ussd-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, simUsage+"\nflags:\n"); fs.PrintDefaults() }
	fs.StringVar(&o.url, "url", "http://127.0.0.1:8080/api/ussd/session", "the gateway's USSD session route, with ?key=TOKEN if it needs one")
	fs.StringVar(&o.statusURL, "status-url", "", "the end-of-session route (default: -url with /session replaced by /status)")
	fs.StringVar(&o.code, "code", "*384*44135#", "service code dialled, e.g. *384*44135*2# to type 2 in advance")
	fs.StringVar(&o.phone, "phone", "+254711000111", "caller's phone number")
	fs.StringVar(&o.network, "network", "63902", "caller's network code (MCC+MNC)")
	fs.StringVar(&o.sid, "session", "", "session id (default a random ATUid_… id)")
	fs.StringVar(&o.script, "script", "", "file of inputs, one per line (- for stdin); prints the transcript")
	fs.StringVar(&o.inputs, "inputs", "", "inputs separated by commas, e.g. 1,1; prints the transcript")
	fs.BoolVar(&o.endReport, "end-report", false, "when the session ends, POST the end-of-session notification as AT does")
	fs.IntVar(&o.budget, "budget", 160, "screen budget in GSM characters, CON/END prefix included (ussd.budgets.default)")
	fs.IntVar(&o.budgetUCS2, "budget-ucs2", 70, "screen budget for UCS-2 screens (ussd.budgets.ucs2)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "how long to wait for each answer (AT waits 10s)")
	if err := fs.Parse(args); err != nil {
		return o, false // the flag package has said why
	}
	fs.Visit(func(f *flag.Flag) { o.inputsSet = o.inputsSet || f.Name == "inputs" })
	err := o.check()
	if fs.NArg() > 0 {
		err = errors.Join(fmt.Errorf("unexpected argument %q; inputs go in -inputs or -script", fs.Arg(0)), err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mlango ussd-sim: %v\n", strings.ReplaceAll(err.Error(), "\n", "\nmlango ussd-sim: "))
		return o, false
	}
	return o, true
}

// check validates the flags, and fills the session id and status URL.
func (o *simOptions) check() error {
	var problems []string
	if _, err := httpURL(o.url); err != nil {
		problems = append(problems, "-url: "+err.Error())
	}
	if o.script != "" && o.inputsSet {
		problems = append(problems, "-script and -inputs: give one")
	}
	for _, f := range []struct{ name, v string }{{"-code", o.code}, {"-phone", o.phone}, {"-network", o.network}} {
		if strings.TrimSpace(f.v) == "" {
			problems = append(problems, f.name+": empty")
		}
	}
	if o.budget <= 4 || o.budgetUCS2 <= 4 || o.timeout <= 0 {
		problems = append(problems, "-budget, -budget-ucs2 and -timeout: want positive values (budgets above 4)")
	}
	if o.endReport {
		if err := o.deriveStatusURL(); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if o.sid == "" {
		o.sid = randomSessionID()
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

// deriveStatusURL keeps the session URL's host, token and query, so the
// report goes to the same gateway as the hops and to nothing else.
func (o *simOptions) deriveStatusURL() error {
	if o.statusURL != "" {
		_, err := httpURL(o.statusURL)
		if err != nil {
			return fmt.Errorf("-status-url: %v", err)
		}
		return nil
	}
	u, err := httpURL(o.url)
	if err != nil {
		return nil // reported for -url already
	}
	if !strings.HasSuffix(u.Path, "/session") {
		return errors.New("-end-report: -url does not end in /session; give -status-url")
	}
	u.Path = strings.TrimSuffix(u.Path, "session") + "status"
	u.RawPath = ""
	o.statusURL = u.String()
	return nil
}

func httpURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return nil, err
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return nil, fmt.Errorf("%q: want an http:// or https:// URL", redactURL(s))
	}
	return u, nil
}

// redactURL hides an Africa's Talking token (?key= or /t/<token>/) in
// messages, which end up in CI logs.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.RawQuery != "" {
		u.RawQuery = "redacted"
	}
	if parts := strings.Split(u.Path, "/"); len(parts) > 2 && parts[1] == "t" {
		parts[2] = "redacted"
		u.Path, u.RawPath = strings.Join(parts, "/"), ""
	}
	return u.String()
}

// randomSessionID looks like AT's: ATUid_ and 32 hex digits.
func randomSessionID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return "ATUid_" + hex.EncodeToString(b)
}

// inputSource picks where inputs come from: -inputs, -script, stdin piped
// in, or the terminal (prompting).
func (o simOptions) inputSource(ctx context.Context, stdin io.Reader, stdout io.Writer) (inputSource, error) {
	switch {
	case o.inputsSet:
		if o.inputs == "" {
			return &scripted{}, nil
		}
		return &scripted{lines: strings.Split(o.inputs, ",")}, nil
	case o.script == "-" || o.script == "" && !isTerminal(stdin):
		return readScript(stdin)
	case o.script != "":
		f, err := os.Open(o.script)
		if err != nil {
			return nil, fmt.Errorf("-script: %v", err)
		}
		defer f.Close()
		return readScript(f)
	}
	return newPrompter(ctx, stdin, stdout), nil
}

// isTerminal reports whether r is a character device (a terminal), without
// a dependency for it.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
