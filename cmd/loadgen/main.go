// Command loadgen POSTs unique Africa's Talking SMS delivery reports
// (application/x-www-form-urlencoded) to a running Mlango gateway, or to
// cmd/refserver, over loopback, and reports throughput and latency.
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
//	    [-c 64] [-n 200000] [-d 60s] [-warmup 5000] [-run LABEL]
//	    [-json | -summary] [-server-pid PID] [-timeout 10s] [-cpuprofile FILE]
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
// 2xx (non-2xx answers plus transport errors) or none completed; 2 on bad
// flags.
//
// cmd/loadgen/compare.sh runs the gateway and the reference alternately and
// prints the gateway/reference throughput ratio.
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"runtime/pprof"
	"strconv"
	"time"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.url, "url", "http://127.0.0.1:8080/api/sms/delivery-reports", "target URL (loopback only)")
	flag.IntVar(&cfg.c, "c", 64, "concurrency: number of workers (and keep-alive connections)")
	flag.IntVar(&cfg.n, "n", 200000, "measured requests (the run ends at -n or -d, whichever comes first)")
	flag.DurationVar(&cfg.d, "d", 60*time.Second, "maximum duration of the measured phase (warm-up is bounded by it too)")
	flag.IntVar(&cfg.warmup, "warmup", 5000, "requests sent first and not counted")
	flag.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "per-request timeout")
	flag.StringVar(&cfg.run, "run", "", "run label, part of every report id (default: derived from the clock)")
	jsonOut := flag.Bool("json", false, "print the result as a JSON object")
	summary := flag.Bool("summary", false, "print the result as one key=value line")
	flag.IntVar(&cfg.serverPID, "server-pid", 0, "pid of the server process, to report its CPU use (Linux /proc)")
	cpuProfile := flag.String("cpuprofile", "", "write loadgen's own CPU profile to this file")
	flag.Parse()

	if err := cfg.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	if *jsonOut && *summary {
		fmt.Fprintln(os.Stderr, "loadgen: -json and -summary are exclusive")
		os.Exit(2)
	}

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
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

	switch {
	case *jsonOut:
		res.printJSON(os.Stdout)
	case *summary:
		res.printSummary(os.Stdout)
	default:
		res.printText(os.Stdout)
	}
	if !res.ok() {
		fmt.Fprintf(os.Stderr, "loadgen: FAIL: %d of %d requests not 2xx (limit 0.1%%)\n",
			res.NotOK(), res.Requests)
		os.Exit(1)
	}
}

type config struct {
	url       string
	c, n      int
	warmup    int
	d         time.Duration
	timeout   time.Duration
	run       string
	serverPID int
}

func (c *config) validate() error {
	if err := checkLoopbackURL(c.url); err != nil {
		return err
	}
	if c.c < 1 || c.c > 10000 {
		return fmt.Errorf("-c %d: want 1..10000", c.c)
	}
	if c.n < 1 || c.n > 50_000_000 {
		return fmt.Errorf("-n %d: want 1..50000000", c.n)
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
