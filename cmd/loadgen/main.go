// Command loadgen POSTs unique Africa's Talking SMS delivery reports
// (application/x-www-form-urlencoded) to a running Mlango gateway, or to
// cmd/refserver, over loopback, and reports throughput and latency. With
// -ussd it plays whole USSD sessions instead (see "USSD mode" below).
//
// It only ever talks to this machine: a URL whose host is not a loopback
// address (127.0.0.0/8, ::1, localhost) is refused, every dial is checked to
// reach a loopback IP, proxies from the environment are ignored, and
// redirects are not followed. A run is bounded by both -n and -d, whichever
// comes first, and stops by itself.
//
// Usage:
//
//	go run ./cmd/loadgen [-url http://127.0.0.1:8080/api/sms/delivery-reports]
//	    [-c 64 | -ussd [-sessions 32]] [-n 200000] [-d 60s] [-warmup 5000]
//	    [-run LABEL] [-json | -summary] [-server-pid PID] [-timeout 10s]
//	    [-cpuprofile FILE]
//
// For example, against the reference started with go run ./cmd/refserver:
//
//	go run ./cmd/loadgen -url http://127.0.0.1:8090/api/sms/delivery-reports \
//	    -n 50000 -c 64 -server-pid $(pgrep -n refserver)
//
// Each request carries a fresh id ATXid_<run>_<seq> (warm-up requests
// included, so no report is a duplicate), a status cycling through
// Success/Failed/Sent/Buffered/Rejected (failureReason on Failed and
// Rejected), a Kenyan mobile number +2547XXXXXXXX and a matching networkCode
// (63902 Safaricom, 63903 Airtel). The -run label defaults to a value derived
// from the clock, so repeated runs against the same store stay unique.
//
// -c workers share one keep-alive http.Client (MaxIdleConnsPerHost = c).
// The default of 64 is where the reference saturates a 2-core machine shared
// with loadgen: 16 reaches about 90% of its throughput, 256 no more than 64
// but with about 3.5x the p99 (Little's law once the cores are busy).
// The first -warmup requests are sent by the same workers but not counted;
// the measured phase starts after they have all completed. Every measured
// request's latency goes into a preallocated slice; percentiles are exact.
//
// USSD mode (-ussd): each of -sessions workers (default 32, so 32 sessions
// in flight; -c does not apply) plays one session after another of the
// built-in demo menu's account branch against POST /api/ussd/session (the
// default -url in this mode): three hops with Africa's Talking's form fields
// sessionId (ATUid_<run>_<seq>, new for every session), serviceCode
// *384*44135#, phoneNumber, networkCode and the cumulative text "", "1",
// "1*1". A hop counts as OK only if it is a 2xx whose answer is a USSD
// screen of the right kind: CON for the first two, exactly "END Your
// account number is ACC1001" for the last. Every hop of a session is sent
// even when an earlier one failed. Here -n and -warmup count hops, rounded
// down to whole sessions; a request in the reports is a hop, and the
// throughput is hops/s, with sessions/s beside it.
//
// Output: a human-readable report (default), a JSON object (-json), or one
// "key=value ..." line (-summary, what cmd/loadgen/compare.sh parses). The
// report includes the CPU the load generator itself used, and with
// -server-pid (Linux) the CPU the server process used during the measured
// phase (and, from /proc/stat, what everything else on the machine used),
// because client and server share the same cores: loadgen itself takes
// about 0.7 of 2 cores at saturation, so compare servers at the same -c and
// look at server CPU per request as well as at throughput.
//
// Exit status: 0 on success; 1 if more than 0.1% of measured requests were not
// 2xx (non-2xx answers plus transport errors, plus wrong screens with -ussd)
// or none completed; 2 on bad flags.
//
// Soak mode (-mode soak, soak.go): a steady open-loop mix of delivery
// reports, two-way SMS, USSD sessions and voice calls at -rate requests/s
// for -d, one line per -interval with the gateway's RSS (-server-pid), Go
// heap (-metrics-url) and p99; cmd/loadgen/soak.sh starts a gateway and
// runs it.
//
// cmd/loadgen/compare.sh runs the gateway and the reference alternately and
// prints the gateway/reference throughput ratio; MODE=ussd does the same
// for USSD hops.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime/pprof"
	"strconv"
	"time"
)

const (
	defaultURL     = "http://127.0.0.1:8080/api/sms/delivery-reports"
	defaultUSSDURL = "http://127.0.0.1:8080/api/ussd/session"
)

// errFlags is returned for flags the flag package rejected (and explained).
var errFlags = errors.New("bad flags")

// output is how the result is printed.
type output int

const (
	outText output = iota
	outJSON
	outSummary
)

func main() {
	if isSoak(os.Args[1:]) { // soak.go
		os.Exit(soakMain(os.Args[1:], os.Stdout, os.Stderr))
	}
	cfg, out, cpuProfile, err := parseArgs(os.Args[1:], os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errFlags): // the flag package has said why
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}

	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen: -cpuprofile:", err)
			os.Exit(2)
		}
		defer f.Close()
	}
	res := runLoad(cfg)
	pprof.StopCPUProfile()

	switch out {
	case outJSON:
		res.printJSON(os.Stdout)
	case outSummary:
		res.printSummary(os.Stdout)
	default:
		res.printText(os.Stdout)
	}
	if !res.ok() {
		what := "requests not 2xx"
		if cfg.ussd {
			what = "hops not 2xx or not the expected screen"
		}
		fmt.Fprintf(os.Stderr, "loadgen: FAIL: %d of %d %s (limit 0.1%%)\n", res.NotOK(), res.Requests, what)
		os.Exit(1)
	}
}

// parseArgs reads the command line into a validated config.
func parseArgs(args []string, stderr io.Writer) (cfg config, out output, cpuProfile string, err error) {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.url, "url", defaultURL, "target URL (loopback only); with -ussd the default is "+defaultUSSDURL)
	fs.IntVar(&cfg.c, "c", 64, "concurrency: number of workers (and keep-alive connections)")
	fs.BoolVar(&cfg.ussd, "ussd", false, "play USSD sessions of the demo menu (three hops each) instead of delivery reports")
	fs.IntVar(&cfg.sessions, "sessions", 32, "with -ussd: concurrent sessions (workers and keep-alive connections)")
	fs.IntVar(&cfg.n, "n", 200000, "measured requests, hops with -ussd (the run ends at -n or -d, whichever comes first)")
	fs.DurationVar(&cfg.d, "d", 60*time.Second, "maximum duration of the measured phase (warm-up is bounded by it too)")
	fs.IntVar(&cfg.warmup, "warmup", 5000, "requests (hops with -ussd) sent first and not counted")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "per-request timeout")
	fs.StringVar(&cfg.run, "run", "", "run label, part of every report and session id (default: derived from the clock)")
	jsonOut := fs.Bool("json", false, "print the result as a JSON object")
	summary := fs.Bool("summary", false, "print the result as one key=value line")
	fs.IntVar(&cfg.serverPID, "server-pid", 0, "pid of the server process, to report its CPU use (Linux /proc)")
	fs.StringVar(&cpuProfile, "cpuprofile", "", "write loadgen's own CPU profile to this file")
	if err = fs.Parse(args); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			err = errFlags
		}
		return cfg, out, "", err
	}
	if fs.NArg() > 0 {
		return cfg, out, "", fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case cfg.ussd && set["c"]:
		return cfg, out, "", errors.New("-c does not apply with -ussd; -sessions sets the concurrency")
	case !cfg.ussd && set["sessions"]:
		return cfg, out, "", errors.New("-sessions needs -ussd")
	case cfg.ussd:
		cfg.c = cfg.sessions
		if !set["url"] {
			cfg.url = defaultUSSDURL
		}
	}
	if *jsonOut && *summary {
		return cfg, out, "", errors.New("-json and -summary are exclusive")
	}
	if *jsonOut {
		out = outJSON
	} else if *summary {
		out = outSummary
	}
	return cfg, out, cpuProfile, cfg.validate()
}

type config struct {
	url       string
	c, n      int
	warmup    int
	d         time.Duration
	timeout   time.Duration
	run       string
	serverPID int
	ussd      bool // play USSD sessions; c is then the number of sessions in flight
	sessions  int
}

func (c *config) validate() error {
	if err := checkLoopbackURL(c.url); err != nil {
		return err
	}
	if c.c < 1 || c.c > 10000 {
		if c.ussd {
			return fmt.Errorf("-sessions %d: want 1..10000", c.c)
		}
		return fmt.Errorf("-c %d: want 1..10000", c.c)
	}
	if c.n < 1 || c.n > 50_000_000 {
		return fmt.Errorf("-n %d: want 1..50000000", c.n)
	}
	if c.ussd && c.n < len(demoHops) {
		return fmt.Errorf("-n %d: with -ussd, want at least one session (%d hops)", c.n, len(demoHops))
	}
	if c.d <= 0 || c.d > time.Hour {
		return fmt.Errorf("-d %s: want >0 and at most 1h", c.d)
	}
	if c.warmup < 0 {
		return fmt.Errorf("-warmup %d: want >= 0", c.warmup)
	}
	if c.timeout <= 0 {
		return fmt.Errorf("-timeout %s: want > 0", c.timeout)
	}
	if c.run == "" {
		c.run = strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	if url.QueryEscape(c.run) != c.run {
		return fmt.Errorf("-run %q: use letters, digits, '-', '_' or '.'", c.run)
	}
	return nil
}
