package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Soak mode (-mode soak) holds a steady mixed load on a running gateway
// for minutes and prints one line per interval: requests, errors, p50/p99
// and the gateway's memory, so flat memory and a stable p99 can be seen.
//
//	go run ./cmd/loadgen -mode soak [-base http://127.0.0.1:8080] [-rate 200]
//	    [-mix dlr=60,sms=15,ussd=15,voice=10] [-d 5m] [-interval 10s]
//	    [-server-pid PID] [-metrics-url http://127.0.0.1:8080/metrics]
//
// It is open-loop: units of work (a delivery report, a two-way SMS, a whole
// USSD session of three hops, a voice call of three callbacks) are
// scheduled at fixed times so that requests go out at -rate per second
// whatever the gateway's latency, and a request's latency is counted from
// when it was due, so a stalled gateway shows as latency (not as fewer
// requests). -c workers take the units; a unit that finds more than 2 s
// of backlog queued is shed and counted. cmd/loadgen/soak.sh starts a
// gateway and runs this against it.

// soakConfig is soak mode's command line.
type soakConfig struct {
	base       string // the gateway's base URL
	rate       float64
	mix        mix
	d          time.Duration
	interval   time.Duration
	c          int
	timeout    time.Duration
	run        string
	serverPID  int
	metricsURL string
}

// isSoak reports whether the command line asks for soak mode.
func isSoak(args []string) bool {
	for i, a := range args {
		a = strings.TrimLeft(a, "-")
		if a == "mode=soak" || (a == "mode" && i+1 < len(args) && args[i+1] == "soak") {
			return true
		}
	}
	return false
}

// soakMain runs soak mode; it returns the exit status.
func soakMain(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseSoak(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errFlags):
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "loadgen:", err)
		return 2
	}
	s := runSoak(cfg, stdout)
	if !s.ok() {
		fmt.Fprintf(stderr, "loadgen: FAIL: %d of %d requests failed (limit 0.1%%)\n", s.notOK(), s.total.requests)
		return 1
	}
	return 0
}

func parseSoak(args []string, stderr io.Writer) (soakConfig, error) {
	fs := flag.NewFlagSet("loadgen -mode soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c soakConfig
	fs.String("mode", "soak", "soak: a steady mixed load with a line per interval")
	fs.StringVar(&c.base, "base", "http://127.0.0.1:8080", "the gateway's base URL (loopback only)")
	fs.Float64Var(&c.rate, "rate", 200, "requests per second, all kinds together")
	mixSpec := fs.String("mix", defaultMix, "share of requests per kind: dlr (delivery report), sms (two-way SMS), ussd (hops of 3-hop sessions), voice (callbacks of 3-callback calls)")
	fs.DurationVar(&c.d, "d", 5*time.Minute, "how long to hold the load")
	fs.DurationVar(&c.interval, "interval", 10*time.Second, "one report line per interval")
	fs.IntVar(&c.c, "c", 64, "workers (and keep-alive connections)")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, "per-request timeout")
	fs.StringVar(&c.run, "run", "", "run label, part of every id (default: derived from the clock)")
	fs.IntVar(&c.serverPID, "server-pid", 0, "the gateway's pid: its RSS (/proc/PID/status VmRSS) and CPU per interval")
	fs.StringVar(&c.metricsURL, "metrics-url", "", "the gateway's Prometheus /metrics, for its Go heap in use and GC goal per interval (loopback only)")
	if err := fs.Parse(args); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			err = errFlags
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if c.mix, err = parseMix(*mixSpec); err != nil {
		return c, fmt.Errorf("-mix: %w", err)
	}
	return c, c.validate()
}

func (c *soakConfig) validate() error {
	c.base = strings.TrimSuffix(c.base, "/")
	if err := checkLoopbackURL(c.base + "/"); err != nil {
		return err
	}
	if c.metricsURL != "" {
		if err := checkLoopbackURL(c.metricsURL); err != nil {
			return fmt.Errorf("-metrics-url: %w", err)
		}
	}
	switch {
	case c.rate <= 0 || c.rate > 100_000:
		return fmt.Errorf("-rate %g: want >0 and at most 100000", c.rate)
	case c.d <= 0 || c.d > 24*time.Hour:
		return fmt.Errorf("-d %s: want >0 and at most 24h", c.d)
	case c.interval <= 0 || c.interval > c.d:
		return fmt.Errorf("-interval %s: want >0 and at most -d", c.interval)
	case c.c < 1 || c.c > 10000:
		return fmt.Errorf("-c %d: want 1..10000", c.c)
	case c.timeout <= 0:
		return fmt.Errorf("-timeout %s: want > 0", c.timeout)
	}
	if c.run == "" {
		c.run = "soak" + strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	if url.QueryEscape(c.run) != c.run {
		return fmt.Errorf("-run %q: use letters, digits, '-', '_' or '.'", c.run)
	}
	return nil
}

// kind is one sort of unit of work.
type kind int

const (
	kindDLR kind = iota
	kindSMS
	kindUSSD
	kindVoice
	kinds
)

var kindNames = [kinds]string{"dlr", "sms", "ussd", "voice"}

// requestsPer is how many requests one unit of each kind sends.
var requestsPer = [kinds]int{kindDLR: 1, kindSMS: 1, kindUSSD: len(demoHops), kindVoice: len(voiceCall)}

const defaultMix = "dlr=60,sms=15,ussd=15,voice=10"

// mix is each kind's share of requests, in percent or any other unit.
type mix [kinds]float64

func parseMix(s string) (mix, error) {
	var m mix
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		k := kinds
		for i, n := range kindNames {
			if n == name {
				k = kind(i)
			}
		}
		w, err := strconv.ParseFloat(val, 64)
		if !ok || k == kinds || err != nil || w < 0 {
			return m, fmt.Errorf("%q: want KIND=SHARE with KIND dlr, sms, ussd or voice", part)
		}
		m[k] = w
	}
	if m == (mix{}) {
		return m, errors.New("every share is 0")
	}
	return m, nil
}

func (m mix) String() string {
	parts := make([]string, 0, kinds)
	for k, w := range m {
		if w > 0 {
			parts = append(parts, kindNames[k]+"="+strconv.FormatFloat(w, 'g', -1, 64))
		}
	}
	return strings.Join(parts, ",")
}

// scheduler picks the kind of each next unit by smooth weighted round
// robin over units (a kind's share of requests divided by its requests per
// unit), so any stretch of units keeps the mix, deterministically.
type scheduler struct {
	weight, current [kinds]float64
	total           float64
}

func newScheduler(m mix) *scheduler {
	s := &scheduler{}
	for k, w := range m {
		s.weight[k] = w / float64(requestsPer[k])
		s.total += s.weight[k]
	}
	return s
}

func (s *scheduler) next() kind {
	best := kind(0)
	for k := range kinds {
		s.current[k] += s.weight[k]
		if s.current[k] > s.current[best] {
			best = k
		}
	}
	s.current[best] -= s.total
	return best
}

// soakRequest is one request of a unit: a path and a form body, and how
// to check the answer ("" when it is right).
type soakRequest struct {
	path  string
	body  []byte
	check func(status int, answer []byte) string
}

// unitRequests builds the requests of unit seq of kind k, in order, into
// reqs (reused).
func unitRequests(reqs []soakRequest, k kind, run string, seq uint64, now time.Time) []soakRequest {
	reqs = reqs[:0]
	switch k {
	case kindDLR:
		reqs = append(reqs, soakRequest{"/api/sms/delivery-reports", appendReport(nil, run, seq), answered("OK")})
	case kindSMS:
		reqs = append(reqs, soakRequest{"/api/sms/twoway", appendTwoWay(nil, run, seq, now), answered("GOOD")})
	case kindUSSD:
		for i, h := range demoHops {
			reqs = append(reqs, soakRequest{"/api/ussd/session", appendHop(nil, run, seq, h.text), func(_ int, a []byte) string { return checkScreen(i, h.end, a) }})
		}
	case kindVoice:
		for _, c := range voiceCall {
			reqs = append(reqs, soakRequest{c.path, appendVoice(nil, run, seq, c.fields), c.check})
		}
	}
	return reqs
}

// answered checks for an exact answer body.
func answered(want string) func(int, []byte) string {
	return func(_ int, a []byte) string {
		if string(a) != want {
			return "want " + strconv.Quote(want) + ", got " + quote(a)
		}
		return ""
	}
}

// appendTwoWay appends a two-way SMS (AT's incoming message) form body.
func appendTwoWay(b []byte, run string, seq uint64, now time.Time) []byte {
	b = append(b, "id=ATSMSid_"...)
	b = append(b, run...)
	b = append(b, '_')
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, "&to=21512&text=BAL+"...)
	b = strconv.AppendUint(b, seq%1000, 10)
	b = append(b, "&linkId=&date="...)
	b = append(b, url.QueryEscape(now.UTC().Format("2006-01-02 15:04:05"))...)
	b = append(b, "&from=%2B2547"...)
	sub := appendSubscriber(nil, seq) // "&phoneNumber=%2B2547…&networkCode=…"
	num, network, _ := bytes.Cut(bytes.TrimPrefix(sub, []byte("&phoneNumber=%2B2547")), []byte("&"))
	b = append(b, num...)
	b = append(b, '&')
	return append(b, network...)
}

// voiceCall is the call each voice unit plays: AT asks the callback URL
// for instructions (the built-in flow answers a greeting), the events URL
// hears the call is up, and the final notification ends it.
var voiceCall = [...]struct {
	path   string
	fields string
	check  func(int, []byte) string
}{
	{"/api/voice/instruct", "isActive=1&direction=Inbound&callSessionState=Ringing", wantXML},
	{"/api/voice/events", "isActive=1&direction=Inbound&callSessionState=Active", answered("OK")},
	{"/api/voice/instruct", "isActive=0&direction=Inbound&callSessionState=Completed&status=Success&hangupCause=NORMAL_CLEARING&durationInSeconds=14&currencyCode=KES&amount=0.60", answered("")},
}

func wantXML(_ int, a []byte) string {
	if !bytes.Contains(a, []byte("<Response>")) {
		return "want voice XML, got " + quote(a)
	}
	return ""
}

// appendVoice appends a voice callback's form body for call seq.
func appendVoice(b []byte, run string, seq uint64, fields string) []byte {
	b = append(b, "sessionId=ATVCid_"...)
	b = append(b, run...)
	b = append(b, '_')
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, "&callerNumber=%2B2547"...)
	sub := appendSubscriber(nil, seq)
	num, _, _ := bytes.Cut(bytes.TrimPrefix(sub, []byte("&phoneNumber=%2B2547")), []byte("&"))
	b = append(b, num...)
	b = append(b, "&destinationNumber=%2B254711082000&"...)
	return append(b, fields...)
}

// readRSS reads a process's resident set size from /proc/PID/status, in
// bytes; -1 when it cannot.
func readRSS(pid int) int64 {
	if pid <= 0 {
		return -1
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return -1
	}
	return parseVmRSS(b)
}

// parseVmRSS finds "VmRSS:  123456 kB" in a /proc status file.
func parseVmRSS(status []byte) int64 {
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					return n << 10
				}
			}
		}
	}
	return -1
}
