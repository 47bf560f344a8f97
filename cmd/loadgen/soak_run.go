package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// window is what happened in one interval (or, merged, in the whole run).
type window struct {
	requests, failed int
	byKind           [kinds]int
	failures         map[string]int // why, bounded descriptions
	lat              []time.Duration
	shed             int // units dropped for backlog
}

func newWindow() *window { return &window{failures: map[string]int{}} }

func (w *window) merge(o *window) {
	w.requests += o.requests
	w.failed += o.failed
	w.shed += o.shed
	for k := range kinds {
		w.byKind[k] += o.byKind[k]
	}
	for k, n := range o.failures {
		w.failures[k] += n
	}
	w.lat = append(w.lat, o.lat...)
}

// percentile is the nearest-rank percentile of sorted latencies.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// sample is one interval's line.
type sample struct {
	elapsed       time.Duration
	requests      int
	rps           float64
	failed, shed  int
	p50, p99, max time.Duration
	rss, heap     int64   // bytes, -1 unknown
	gcGoal        int64   // the heap size that triggers the next GC: live heap × (1+GOGC/100); -1 unknown
	serverCores   float64 // -1 unknown
	otherCores    float64 // busy cores not loadgen's nor the gateway's; -1 unknown
}

const sampleHeader = "elapsed  requests  req/s   failed  shed  p50_ms  p99_ms   max_ms  rss_mib  heap_mib  gc_goal_mib  gw_cores  other_cores"

func (s sample) line() string {
	return fmt.Sprintf("%7s  %8d  %6.1f  %6d  %4d  %6.2f  %6.2f  %7.2f  %7s  %8s  %11s  %8s  %11s",
		s.elapsed.Round(time.Second), s.requests, s.rps, s.failed, s.shed,
		msf(s.p50), msf(s.p99), msf(s.max), mib(s.rss), mib(s.heap), mib(s.gcGoal), cores(s.serverCores), cores(s.otherCores))
}

func msf(d time.Duration) float64 { return float64(d) / 1e6 }

func mib(b int64) string {
	if b < 0 {
		return "-"
	}
	return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64)
}

func cores(c float64) string {
	if c < 0 {
		return "-"
	}
	return strconv.FormatFloat(c, 'f', 2, 64)
}

// soaker runs the load: a scheduler feeding workers, and the open window.
type soaker struct {
	cfg    soakConfig
	client *http.Client
	mu     sync.Mutex
	cur    *window
}

type soakUnit struct {
	k   kind
	seq uint64
	due time.Time
}

// soakResult is the whole run.
type soakResult struct {
	total   *window
	samples []sample
}

func (r *soakResult) notOK() int { return r.total.failed }

func (r *soakResult) ok() bool {
	return r.total.requests > 0 && float64(r.notOK()) <= 0.001*float64(r.total.requests)
}

func runSoak(cfg soakConfig, out io.Writer) *soakResult {
	s := &soaker{cfg: cfg, client: newClient(cfg.c, cfg.timeout), cur: newWindow()}
	fmt.Fprintf(out, "soak %s: %.0f req/s mixed %s, %s, %d workers, run %s, gateway pid %d\n",
		cfg.base, cfg.rate, cfg.mix, cfg.d, cfg.c, cfg.run, cfg.serverPID)
	fmt.Fprintln(out, sampleHeader)
	queue := make(chan soakUnit, max(int(2*cfg.rate), 1))
	var wg sync.WaitGroup
	for range cfg.c {
		wg.Go(func() { s.work(queue) })
	}
	start := time.Now()
	res := &soakResult{total: newWindow()}
	done := make(chan struct{})
	go func() { s.schedule(queue, start); close(queue); wg.Wait(); close(done) }()
	tick := time.NewTicker(cfg.interval)
	defer tick.Stop()
	prev, prevAt := takeCPU(cfg.serverPID), start
	for finished := false; !finished; {
		select {
		case <-tick.C:
		case <-done:
			finished = true
		}
		now := s.swap()
		at, cpu := time.Now(), takeCPU(cfg.serverPID)
		smp := s.sampleOf(now, at.Sub(start), at.Sub(prevAt), prev, cpu)
		prev, prevAt = cpu, at
		if now.requests > 0 || !finished {
			res.samples = append(res.samples, smp)
			fmt.Fprintln(out, smp.line())
		}
		res.total.merge(now)
	}
	s.client.CloseIdleConnections()
	res.printSummary(out, cfg)
	return res
}

// schedule hands out units at their due times until -d has passed; a unit
// that finds the queue full is shed.
func (s *soaker) schedule(queue chan<- soakUnit, start time.Time) {
	sch := newScheduler(s.cfg.mix)
	perRequest := time.Duration(float64(time.Second) / s.cfg.rate)
	due := start
	for seq := uint64(0); ; seq++ {
		k := sch.next()
		if due.Sub(start) >= s.cfg.d {
			return
		}
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		select {
		case queue <- soakUnit{k: k, seq: seq, due: due}:
		default:
			s.record(func(w *window) { w.shed++ })
		}
		due = due.Add(time.Duration(requestsPer[k]) * perRequest)
	}
}

func (s *soaker) work(queue <-chan soakUnit) {
	var reqs []soakRequest
	var answer bytes.Buffer
	lat := make([]time.Duration, 0, 4)
	for u := range queue {
		reqs = unitRequests(reqs, u.k, s.cfg.run, u.seq, time.Now())
		lat = lat[:0]
		var failures []string
		from := u.due // the first request is late by however long it queued
		for _, r := range reqs {
			why := s.post(r, &answer)
			lat = append(lat, time.Since(from))
			from = time.Now()
			if why != "" {
				failures = append(failures, kindNames[u.k]+" "+r.path+": "+why)
			}
		}
		s.record(func(w *window) {
			w.requests += len(reqs)
			w.byKind[u.k] += len(reqs)
			w.lat = append(w.lat, lat...)
			w.failed += len(failures)
			for _, f := range failures {
				w.failures[f]++
			}
		})
	}
}

// post sends one request and returns "" or why it failed.
func (s *soaker) post(r soakRequest, answer *bytes.Buffer) string {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, s.cfg.base+r.path, bytes.NewReader(r.body))
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.client.Do(req)
	if err != nil {
		return errKind(err)
	}
	answer.Reset()
	_, err = answer.ReadFrom(io.LimitReader(resp.Body, maxAnswer))
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return "reading body: " + errKind(err)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return "status " + strconv.Itoa(resp.StatusCode)
	}
	return r.check(resp.StatusCode, answer.Bytes())
}

func (s *soaker) record(f func(*window)) {
	s.mu.Lock()
	f(s.cur)
	s.mu.Unlock()
}

// swap closes the open window and opens the next.
func (s *soaker) swap() *window {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.cur
	s.cur = newWindow()
	return w
}

func (s *soaker) sampleOf(w *window, elapsed, span time.Duration, a, b cpuSample) sample {
	slices.Sort(w.lat)
	smp := sample{elapsed: elapsed, requests: w.requests, failed: w.failed, shed: w.shed,
		p50: percentile(w.lat, 0.50), p99: percentile(w.lat, 0.99), max: percentile(w.lat, 1),
		rss: readRSS(s.cfg.serverPID), serverCores: -1, otherCores: -1}
	smp.heap, smp.gcGoal = scrapeMemory(s.client, s.cfg.metricsURL)
	if span > 0 {
		smp.rps = float64(w.requests) / span.Seconds()
	}
	var r result
	r.fillCPU(a, b, span, max(w.requests, 1))
	smp.serverCores, smp.otherCores = r.ServerCores, r.OtherCores
	return smp
}

// scrapeMemory reads go_memstats_heap_inuse_bytes and
// go_memstats_next_gc_bytes from a Prometheus text exposition; -1 for
// each without a URL or the metric.
func scrapeMemory(c *http.Client, url string) (heap, gcGoal int64) {
	if url == "" {
		return -1, -1
	}
	resp, err := c.Get(url)
	if err != nil {
		return -1, -1
	}
	defer resp.Body.Close()
	return parseMemory(resp.Body)
}

func parseMemory(r io.Reader) (heap, gcGoal int64) {
	heap, gcGoal = -1, -1
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, val, _ := strings.Cut(sc.Text(), " ")
		f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		switch {
		case err != nil:
		case name == "go_memstats_heap_inuse_bytes":
			heap = int64(f)
		case name == "go_memstats_next_gc_bytes":
			gcGoal = int64(f)
		}
	}
	return heap, gcGoal
}
