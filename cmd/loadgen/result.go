package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// result is what a run reports. Latencies are in milliseconds. With -ussd
// a request is one hop.
type result struct {
	Run         string         `json:"run"`
	URL         string         `json:"url"`
	Mode        string         `json:"mode"` // "deliveries" or "ussd"
	Concurrency int            `json:"concurrency"`
	Warmup      int            `json:"warmup"`
	WarmupNotOK int            `json:"warmup_not_2xx"`
	Requests    int            `json:"requests"`
	OK          int            `json:"ok_2xx"` // with -ussd: hops that got the expected screen
	Non2xx      int            `json:"non_2xx"`
	StatusCodes map[string]int `json:"non_2xx_by_status,omitempty"`
	Errors      int            `json:"errors"`
	ErrorKinds  map[string]int `json:"errors_by_kind,omitempty"`
	StoppedBy   string         `json:"stopped_by"` // "n" or "d"
	ElapsedSec  float64        `json:"elapsed_s"`
	RPS         float64        `json:"throughput_rps"`
	MeanMs      float64        `json:"mean_ms"`
	P50Ms       float64        `json:"p50_ms"`
	P90Ms       float64        `json:"p90_ms"`
	P99Ms       float64        `json:"p99_ms"`
	P999Ms      float64        `json:"p99_9_ms"`
	MaxMs       float64        `json:"max_ms"`

	// -ussd: 2xx answers that were not the expected screen, and why.
	BadAnswers     int            `json:"bad_answers"`
	BadAnswerKinds map[string]int `json:"bad_answers_by_kind,omitempty"`
	// -ussd: measured sessions (requests / 3), those whose every hop was
	// OK, and sessions per second.
	Sessions       int     `json:"sessions,omitempty"`
	SessionsOK     int     `json:"sessions_ok,omitempty"`
	SessionsPerSec float64 `json:"sessions_per_s,omitempty"`

	// CPU during the measured phase, in cores (1.0 = one core fully busy).
	HostCores      int     `json:"host_cores"`
	HostBusyCores  float64 `json:"host_busy_cores"`       // whole machine, from /proc/stat
	ClientCores    float64 `json:"client_cores"`          // this process
	ServerCores    float64 `json:"server_cores"`          // -server-pid, or -1
	ServerCPUUsReq float64 `json:"server_cpu_us_per_req"` // -server-pid, or -1
	// OtherCores is host busy minus loadgen minus server: other work on the
	// machine (noise), or -1 if unknown. Much above 0.1 means the run was
	// disturbed.
	OtherCores     float64 `json:"other_cores"`
	ClientCPUUsReq float64 `json:"client_cpu_us_per_req"`
}

// NotOK is the number of measured requests that did not get a 2xx answer,
// or (-ussd) got one that was not the expected screen.
func (r *result) NotOK() int { return r.Non2xx + r.Errors + r.BadAnswers }

// ok reports whether at most 0.1% of the measured requests were not 2xx.
func (r *result) ok() bool {
	return r.Requests > 0 && float64(r.NotOK()) <= 0.001*float64(r.Requests)
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

func (r *result) fill(t *tally, done int, elapsed time.Duration, lat []time.Duration, cfg config) {
	r.Requests, r.OK, r.Non2xx, r.Errors = done, t.ok, t.non2xx, t.errs
	if len(t.codes) > 0 {
		r.StatusCodes = map[string]int{}
		for c, n := range t.codes {
			r.StatusCodes[strconv.Itoa(c)] = n
		}
	}
	if len(t.errKinds) > 0 {
		r.ErrorKinds = t.errKinds
	}
	r.BadAnswers = t.bad
	if len(t.badKinds) > 0 {
		r.BadAnswerKinds = t.badKinds
	}
	r.StoppedBy = "n"
	if limit := cfg.n; done < limit-limit%unitSize(cfg) { // -ussd: whole sessions
		r.StoppedBy = "d"
	}
	r.ElapsedSec = math.Round(elapsed.Seconds()*1000) / 1000
	if elapsed > 0 {
		r.RPS = math.Round(float64(done) / elapsed.Seconds())
	}
	if cfg.ussd {
		r.Sessions, r.SessionsOK = done/len(demoHops), t.sessionsOK
		if elapsed > 0 {
			r.SessionsPerSec = math.Round(float64(r.Sessions)/elapsed.Seconds()*10) / 10
		}
	}
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	r.MeanMs = ms(sum / time.Duration(len(lat)))
	pct := func(p float64) float64 { // nearest rank
		i := int(math.Ceil(p*float64(len(lat)))) - 1
		return ms(lat[max(i, 0)])
	}
	r.P50Ms, r.P90Ms, r.P99Ms, r.P999Ms = pct(0.50), pct(0.90), pct(0.99), pct(0.999)
	r.MaxMs = ms(lat[len(lat)-1])
}

// cpuSample is CPU time used so far: by this process, by the server process
// (-1 if unknown) and by the whole machine (busy and total, -1 if unknown).
type cpuSample struct {
	self, server      time.Duration
	hostBusy, hostAll time.Duration
}

// clkTck is USER_HZ, the unit of /proc CPU times; 100 on every Linux ABI Go
// supports in practice.
const clkTck = 100

func takeCPU(pid int) cpuSample {
	s := cpuSample{server: -1, hostBusy: -1, hostAll: -1}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if pid > 0 {
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
			// Fields after the ")" closing the command name: state is field 3,
			// utime and stime are fields 14 and 15.
			if i := strings.LastIndexByte(string(b), ')'); i >= 0 {
				f := strings.Fields(string(b[i+1:]))
				if len(f) > 12 {
					u, _ := strconv.ParseInt(f[11], 10, 64)
					st, _ := strconv.ParseInt(f[12], 10, 64)
					s.server = time.Duration(u+st) * time.Second / clkTck
				}
			}
		}
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		if f := strings.Fields(line); len(f) > 5 && f[0] == "cpu" {
			var all, idle int64
			for i, v := range f[1:] {
				if i >= 8 { // guest times are already counted in user/nice
					break
				}
				n, _ := strconv.ParseInt(v, 10, 64)
				all += n
				if i == 3 || i == 4 { // idle, iowait
					idle += n
				}
			}
			s.hostAll = time.Duration(all) * time.Second / clkTck
			s.hostBusy = time.Duration(all-idle) * time.Second / clkTck
		}
	}
	return s
}

func (r *result) fillCPU(a, b cpuSample, elapsed time.Duration, done int) {
	r.HostCores = numCPU()
	round := func(x float64) float64 { return math.Round(x*100) / 100 }
	cores := func(d time.Duration) float64 { return round(d.Seconds() / elapsed.Seconds()) }
	perReq := func(d time.Duration) float64 {
		if done == 0 {
			return -1
		}
		return round(float64(d) / 1e3 / float64(done))
	}
	r.ClientCores = cores(b.self - a.self)
	r.ClientCPUUsReq = perReq(b.self - a.self)
	r.ServerCores, r.ServerCPUUsReq = -1, -1
	if a.server >= 0 && b.server >= 0 {
		r.ServerCores = cores(b.server - a.server)
		r.ServerCPUUsReq = perReq(b.server - a.server)
	}
	r.HostBusyCores, r.OtherCores = -1, -1
	if a.hostAll >= 0 && b.hostAll > a.hostAll {
		frac := float64(b.hostBusy-a.hostBusy) / float64(b.hostAll-a.hostAll)
		r.HostBusyCores = round(frac * float64(r.HostCores))
		if r.ServerCores >= 0 {
			r.OtherCores = round(max(r.HostBusyCores-r.ClientCores-r.ServerCores, 0))
		}
	}
}

func (r *result) printJSON(w io.Writer) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(r)
}

// printSummary prints one line of space-separated key=value pairs; no value
// contains a space.
func (r *result) printSummary(w io.Writer) {
	codes := "-"
	if len(r.StatusCodes) > 0 {
		var b strings.Builder
		for i, k := range sortedKeys(r.StatusCodes) {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%s:%d", k, r.StatusCodes[k])
		}
		codes = b.String()
	}
	fmt.Fprintf(w, "run=%s c=%d requests=%d ok=%d non2xx=%d non2xx_codes=%s errors=%d stopped_by=%s elapsed_s=%.3f rps=%.0f "+
		"p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f "+
		"host_busy_cores=%.2f client_cores=%.2f server_cores=%.2f server_us_per_req=%.2f client_us_per_req=%.2f other_cores=%.2f",
		r.Run, r.Concurrency, r.Requests, r.OK, r.Non2xx, codes, r.Errors, r.StoppedBy, r.ElapsedSec, r.RPS,
		r.P50Ms, r.P90Ms, r.P99Ms, r.P999Ms, r.MaxMs,
		r.HostBusyCores, r.ClientCores, r.ServerCores, r.ServerCPUUsReq, r.ClientCPUUsReq, r.OtherCores)
	if r.Mode == "ussd" {
		// Appended, so the keys above mean what they always meant (a
		// request is a hop: rps is hops/s).
		fmt.Fprintf(w, " mode=ussd sessions=%d sessions_ok=%d sessions_per_s=%.1f bad_answers=%d",
			r.Sessions, r.SessionsOK, r.SessionsPerSec, r.BadAnswers)
	}
	fmt.Fprintln(w)
}

func (r *result) printText(w io.Writer) {
	unit, ok := "req", "2xx"
	if r.Mode == "ussd" {
		unit, ok = "hop", "OK"
	}
	fmt.Fprintf(w, "target       %s (run %s, c=%d, warm-up %d, %d of them not %s)\n",
		r.URL, r.Run, r.Concurrency, r.Warmup, r.WarmupNotOK, ok)
	fmt.Fprintf(w, "%-12s %d in %.3fs (stopped by -%s): %d %s, %d non-2xx, %d errors",
		unit+"s", r.Requests, r.ElapsedSec, r.StoppedBy, r.OK, ok, r.Non2xx, r.Errors)
	if r.Mode == "ussd" {
		fmt.Fprintf(w, ", %d wrong screens", r.BadAnswers)
	}
	fmt.Fprintln(w)
	for _, k := range sortedKeys(r.StatusCodes) {
		fmt.Fprintf(w, "  status %s: %d\n", k, r.StatusCodes[k])
	}
	for _, k := range sortedKeys(r.ErrorKinds) {
		fmt.Fprintf(w, "  error %q: %d\n", k, r.ErrorKinds[k])
	}
	for _, k := range sortedKeys(r.BadAnswerKinds) {
		fmt.Fprintf(w, "  %s: %d\n", k, r.BadAnswerKinds[k])
	}
	if r.Mode == "ussd" {
		fmt.Fprintf(w, "sessions     %d, %d with every hop OK\n", r.Sessions, r.SessionsOK)
		fmt.Fprintf(w, "throughput   %.0f hops/s, %.1f sessions/s\n", r.RPS, r.SessionsPerSec)
	} else {
		fmt.Fprintf(w, "throughput   %.0f req/s\n", r.RPS)
	}
	fmt.Fprintf(w, "latency ms   mean %.3f  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f (per %s)\n",
		r.MeanMs, r.P50Ms, r.P90Ms, r.P99Ms, r.P999Ms, r.MaxMs, unit)
	fmt.Fprintf(w, "cpu cores    host busy %.2f of %d, loadgen %.2f (%.1f us/%s)",
		r.HostBusyCores, r.HostCores, r.ClientCores, r.ClientCPUUsReq, unit)
	if r.ServerCores >= 0 {
		fmt.Fprintf(w, ", server %.2f (%.1f us/%s)", r.ServerCores, r.ServerCPUUsReq, unit)
	}
	if r.OtherCores >= 0 {
		fmt.Fprintf(w, ", other %.2f", r.OtherCores)
	}
	fmt.Fprintln(w)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// numCPU counts the machine's CPUs as /proc/stat does (its "cpu" line covers
// all of them, whatever this process's affinity), falling back to Go's count.
func numCPU() int {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return runtime.NumCPU()
	}
	n := 0
	for line := range strings.Lines(string(b)) {
		if len(line) > 3 && strings.HasPrefix(line, "cpu") && line[3] >= '0' && line[3] <= '9' {
			n++
		}
	}
	if n == 0 {
		return runtime.NumCPU()
	}
	return n
}
