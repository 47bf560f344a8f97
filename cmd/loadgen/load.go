package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

var (
	statuses = [...]string{"Success", "Failed", "Sent", "Buffered", "Rejected"}
	// Failure reasons Africa's Talking sends with Failed / Rejected reports.
	failedReasons   = [...]string{"DeliveryFailure", "UserIsInactive", "UserDoesNotExist", "AbsentSubscriber"}
	rejectedReasons = [...]string{"UserInBlackList", "InsufficientCredit", "UserAccountSuspended", "NotNetworkSubscriber"}
)

// appendReport appends the form-encoded delivery report number seq of run.
// Even seq: Safaricom (+25472..., 63902); odd: Airtel (+25473..., 63903).
func appendReport(b []byte, run string, seq uint64) []byte {
	status := statuses[seq%uint64(len(statuses))]
	b = append(b, "id=ATXid_"...)
	b = append(b, run...)
	b = append(b, '_')
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, "&status="...)
	b = append(b, status...)
	b = appendSubscriber(b, seq)
	switch status {
	case "Failed":
		b = append(b, "&failureReason="...)
		b = append(b, failedReasons[(seq/5)%uint64(len(failedReasons))]...)
	case "Rejected":
		b = append(b, "&failureReason="...)
		b = append(b, rejectedReasons[(seq/5)%uint64(len(rejectedReasons))]...)
	}
	b = append(b, "&retryCount=0"...)
	return b
}

// appendSubscriber appends "&phoneNumber=...&networkCode=..." for number
// seq: even seq Safaricom (+25472..., 63902), odd Airtel (+25473..., 63903).
func appendSubscriber(b []byte, seq uint64) []byte {
	b = append(b, "&phoneNumber=%2B2547"...) // %2B is '+'
	network := "63902"
	if seq%2 == 0 {
		b = append(b, '2')
	} else {
		b = append(b, '3')
		network = "63903"
	}
	sub := (seq*7919 + 1234567) % 10_000_000 // 7 more digits, varying
	s := strconv.FormatUint(sub, 10)
	for i := len(s); i < 7; i++ {
		b = append(b, '0')
	}
	b = append(b, s...)
	b = append(b, "&networkCode="...)
	b = append(b, network...)
	return b
}

// tally is one worker's counts, merged after the run.
type tally struct {
	ok, non2xx, errs int
	bad              int // -ussd: 2xx answers that were not the expected screen
	sessionsOK       int // -ussd: sessions whose every hop was OK
	codes            map[int]int
	errKinds         map[string]int
	badKinds         map[string]int
}

func (t *tally) add(o *tally) {
	t.ok += o.ok
	t.non2xx += o.non2xx
	t.errs += o.errs
	t.bad += o.bad
	t.sessionsOK += o.sessionsOK
	for k, v := range o.codes {
		t.codes[k] += v
	}
	for k, v := range o.errKinds {
		t.errKinds[k] += v
	}
	for k, v := range o.badKinds {
		t.badKinds[k] += v
	}
}

func newTally() *tally {
	return &tally{codes: map[int]int{}, errKinds: map[string]int{}, badKinds: map[string]int{}}
}

type loader struct {
	cfg    config
	client *http.Client
	seq    atomic.Uint64 // report or session number, across warm-up and measured phase
}

// worker is one worker's reusable buffers.
type worker struct {
	body   []byte
	answer bytes.Buffer
}

// maxAnswer is how much of an answer is kept for checking; the rest is
// read and dropped so the connection is reused.
const maxAnswer = 4096

// post sends one form body and reads the answer into w.answer. It returns
// true for a 2xx; otherwise it has counted the failure in t.
func (l *loader) post(t *tally, w *worker) bool {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, l.cfg.url, bytes.NewReader(w.body))
	if err != nil {
		t.errs++
		t.errKinds[err.Error()]++
		return false
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := l.client.Do(req)
	if err != nil {
		t.errs++
		t.errKinds[errKind(err)]++
		return false
	}
	w.answer.Reset()
	_, err = w.answer.ReadFrom(io.LimitReader(resp.Body, maxAnswer))
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	resp.Body.Close()
	switch {
	case err != nil:
		t.errs++
		t.errKinds["reading body: "+errKind(err)]++
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return true
	default:
		t.non2xx++
		t.codes[resp.StatusCode]++
	}
	return false
}

// unitSize is the number of requests in one unit of work: one report, or
// the hops of one USSD session.
func unitSize(c config) int {
	if c.ussd {
		return len(demoHops)
	}
	return 1
}

// unit does one unit of work, storing each request's latency in lat (of
// length unitSize) unless lat is nil.
func (l *loader) unit(t *tally, w *worker, lat []time.Duration) {
	if l.cfg.ussd {
		l.session(t, w, lat)
		return
	}
	start := time.Now()
	w.body = appendReport(w.body[:0], l.cfg.run, l.seq.Add(1)-1)
	if l.post(t, w) {
		t.ok++
	}
	if lat != nil {
		lat[0] = time.Since(start)
	}
}

func errKind(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// phase runs c workers until limit requests have been taken (in whole
// units: reports, or USSD sessions) or the deadline passes. If lat is
// non-nil, request i's latency is stored in lat[i]. It returns the merged
// tally and the number of requests sent.
func (l *loader) phase(limit int, deadline time.Time, lat []time.Duration) (*tally, int) {
	size := unitSize(l.cfg)
	units := int64(limit / size)
	var next atomic.Int64
	total := newTally()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range l.cfg.c {
		wg.Go(func() {
			t := newTally()
			w := &worker{body: make([]byte, 0, 256)}
			for time.Now().Before(deadline) {
				u := next.Add(1) - 1
				if u >= units {
					break
				}
				var ul []time.Duration
				if lat != nil {
					ul = lat[u*int64(size) : (u+1)*int64(size)]
				}
				l.unit(t, w, ul)
			}
			mu.Lock()
			total.add(t)
			mu.Unlock()
		})
	}
	wg.Wait()
	return total, int(min(next.Load(), units)) * size
}

func runLoad(cfg config) *result {
	l := &loader{cfg: cfg, client: newClient(cfg.c, cfg.timeout)}
	res := &result{Run: cfg.run, URL: cfg.url, Mode: "deliveries", Concurrency: cfg.c, Warmup: cfg.warmup}
	if cfg.ussd {
		res.Mode = "ussd"
	}

	if cfg.warmup > 0 {
		wt, _ := l.phase(cfg.warmup, time.Now().Add(cfg.d), nil)
		res.WarmupNotOK = wt.non2xx + wt.errs + wt.bad
	}

	lat := make([]time.Duration, cfg.n)
	before := takeCPU(cfg.serverPID)
	start := time.Now()
	t, done := l.phase(cfg.n, start.Add(cfg.d), lat)
	elapsed := time.Since(start)
	after := takeCPU(cfg.serverPID)
	l.client.CloseIdleConnections()

	res.fill(t, done, elapsed, lat[:done], cfg)
	res.fillCPU(before, after, elapsed, done)
	return res
}
