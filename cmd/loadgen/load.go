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

// tally is one worker's counts, merged after the run.
type tally struct {
	ok, non2xx, errs int
	codes            map[int]int
	errKinds         map[string]int
}

func (t *tally) add(o *tally) {
	t.ok += o.ok
	t.non2xx += o.non2xx
	t.errs += o.errs
	for k, v := range o.codes {
		t.codes[k] += v
	}
	for k, v := range o.errKinds {
		t.errKinds[k] += v
	}
}

func newTally() *tally { return &tally{codes: map[int]int{}, errKinds: map[string]int{}} }

type loader struct {
	cfg    config
	client *http.Client
	seq    atomic.Uint64 // report number, across warm-up and measured phase
}

// do sends one report and records its outcome in t.
func (l *loader) do(t *tally, buf []byte) {
	body := appendReport(buf[:0], l.cfg.run, l.seq.Add(1)-1)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, l.cfg.url, bytes.NewReader(body))
	if err != nil {
		t.errs++
		t.errKinds[err.Error()]++
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := l.client.Do(req)
	if err != nil {
		t.errs++
		t.errKinds[errKind(err)]++
		return
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		t.errs++
		t.errKinds["reading body: "+errKind(err)]++
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		t.ok++
	default:
		t.non2xx++
		t.codes[resp.StatusCode]++
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

// phase runs c workers until limit requests have been taken or the deadline
// passes. If lat is non-nil, request i's latency is stored in lat[i].
// It returns the merged tally and the number of requests sent.
func (l *loader) phase(limit int, deadline time.Time, lat []time.Duration) (*tally, int) {
	var next atomic.Int64
	total := newTally()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range l.cfg.c {
		wg.Go(func() {
			t := newTally()
			buf := make([]byte, 0, 256)
			for time.Now().Before(deadline) {
				i := next.Add(1) - 1
				if i >= int64(limit) {
					break
				}
				start := time.Now()
				l.do(t, buf)
				if lat != nil {
					lat[i] = time.Since(start)
				}
			}
			mu.Lock()
			total.add(t)
			mu.Unlock()
		})
	}
	wg.Wait()
	return total, int(min(next.Load(), int64(limit)))
}

func runLoad(cfg config) *result {
	l := &loader{cfg: cfg, client: newClient(cfg.c, cfg.timeout)}
	res := &result{Run: cfg.run, URL: cfg.url, Concurrency: cfg.c, Warmup: cfg.warmup}

	if cfg.warmup > 0 {
		wt, _ := l.phase(cfg.warmup, time.Now().Add(cfg.d), nil)
		res.WarmupNotOK = wt.non2xx + wt.errs
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
