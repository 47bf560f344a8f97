package faults

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// callbacks is how many unique delivery reports a test sends:
// MLANGO_FAULTS_N, or def.
func callbacks(def int) int {
	if n, err := strconv.Atoi(os.Getenv("MLANGO_FAULTS_N")); err == nil && n > 0 {
		return n
	}
	return def
}

// load plays a carrier: unique delivery reports, several in flight, each
// answer recorded by message id.
type load struct {
	urls     []string // gateways, taken in turn
	hc       *http.Client
	answered atomic.Int64

	mu     sync.Mutex
	ok     map[string]bool // answered 2xx at least once
	failed map[string]int  // non-2xx answers and transport errors, by id
	codes  map[string]int  // "200", "503", "error": how many
}

func newLoad(urls ...string) *load {
	return &load{
		urls:   urls,
		hc:     &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
		ok:     map[string]bool{},
		failed: map[string]int{},
		codes:  map[string]int{},
	}
}

func messageID(i int) string { return fmt.Sprintf("ATXid_fault_%06d", i) }

func ids(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, messageID(i))
	}
	return out
}

// send POSTs one delivery report exactly as Africa's Talking does.
func (l *load) send(n int, id string) bool {
	body := "id=" + id + "&status=Success&phoneNumber=%2B254711000111&networkCode=63902&failureReason=&retryCount=0"
	resp, err := l.hc.Post(l.urls[n%len(l.urls)]+"/api/sms/delivery-reports", "application/x-www-form-urlencoded", strings.NewReader(body))
	code := "error"
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		code = strconv.Itoa(resp.StatusCode)
	}
	good := err == nil && resp.StatusCode/100 == 2
	l.mu.Lock()
	l.codes[code]++
	if good {
		l.ok[id] = true
	} else {
		l.failed[id]++
	}
	l.mu.Unlock()
	l.answered.Add(1)
	return good
}

// step runs in the test goroutine once `after` answers have come back,
// while the load goes on.
type step struct {
	after int
	do    func()
}

// run sends ids with `workers` in flight and runs the steps in order at
// their thresholds (or, if the load ends first, right after it).
func (l *load) run(t *testing.T, ids []string, workers int, steps ...step) {
	t.Helper()
	queue := make(chan int)
	var wg sync.WaitGroup
	finished := make(chan struct{})
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range queue {
				l.send(i, ids[i])
			}
		}()
	}
	go func() {
		for i := range ids {
			queue <- i
		}
		close(queue)
		wg.Wait()
		close(finished)
	}()
	start := l.answered.Load()
	for _, s := range steps {
		reached := func() bool { return l.answered.Load()-start >= int64(s.after) }
		tick := time.NewTicker(time.Millisecond)
	wait:
		for !reached() {
			select {
			case <-finished:
				break wait
			case <-tick.C:
			}
		}
		tick.Stop()
		s.do()
	}
	<-finished
}

// retryFailed re-sends, as a carrier retries, every id not yet answered 2xx.
func (l *load) retryFailed(t *testing.T, workers int) {
	t.Helper()
	l.mu.Lock()
	var again []string
	for id := range l.failed {
		if !l.ok[id] {
			again = append(again, id)
		}
	}
	l.mu.Unlock()
	if len(again) > 0 {
		l.run(t, again, workers)
	}
}

// stored reads the whole stream back: how many times each message id is in
// it. A cluster that just lost a node can refuse a read for a moment (no
// leader yet for the stream or the consumer): the whole read is retried.
func stored(t *testing.T, natsURL string) (map[string]int, int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		counts, total, err := readStream(natsURL)
		if err == nil {
			return counts, total
		}
		if errors.Is(err, errGarbage) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("reading the stream back: %v", err)
		}
		t.Logf("reading the stream back: %v; retrying", err)
		<-time.After(100 * time.Millisecond) // a poll interval between attempts
	}
}

func readStream(natsURL string) (map[string]int, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nc, err := nats.Connect(natsURL)
	if err != nil {
		return nil, 0, fmt.Errorf("connect: %w", err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	st, err := js.Stream(ctx, "TELECOM")
	if err != nil {
		return nil, 0, fmt.Errorf("stream: %w", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("stream info: %w", err)
	}
	total := int(info.State.Msgs)
	counts := map[string]int{}
	if total == 0 {
		return counts, 0, nil
	}
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, 0, fmt.Errorf("consumer: %w", err)
	}
	for read := 0; read < total; {
		batch, err := cons.Fetch(min(total-read, 500), jetstream.FetchMaxWait(10*time.Second))
		if err != nil {
			return nil, 0, fmt.Errorf("fetch: %w", err)
		}
		got := 0
		for m := range batch.Messages() {
			var ev struct {
				Subject string `json:"subject"`
			}
			if err := json.Unmarshal(m.Data(), &ev); err != nil || ev.Subject == "" {
				// Not transient: garbage in the stream breaks the promise.
				return nil, 0, fmt.Errorf("%w: stream message is not an event with a subject: %v %q", errGarbage, err, m.Data())
			}
			counts[ev.Subject]++
			read++
			got++
		}
		if err := batch.Error(); err != nil {
			return nil, 0, fmt.Errorf("fetch: %w", err)
		}
		if got == 0 {
			return nil, 0, fmt.Errorf("fetch returned nothing after %d of %d messages", read, total)
		}
	}
	return counts, total, nil
}

var errGarbage = errors.New("garbage")

// verify holds the promise: every id answered 2xx is stored exactly once,
// the stream holds as many events as there were 2xx'd ids, and reports the
// figures.
func (l *load) verify(t *testing.T, name, natsURL string, sent int) {
	t.Helper()
	counts, total := stored(t, natsURL)
	l.mu.Lock()
	defer l.mu.Unlock()
	var dups, lost, unanswered int
	for id, n := range counts {
		if n > 1 {
			dups += n - 1
		}
		if !l.ok[id] {
			unanswered++
		}
	}
	for id := range l.ok {
		if counts[id] == 0 {
			lost++
		}
	}
	line := fmt.Sprintf("%s: sent %d, 2xx %d, answers %v, stored %d, duplicates %d, lost %d, stored without a 2xx %d",
		name, sent, len(l.ok), l.codes, total, dups, lost, unanswered)
	t.Log(line)
	if f := os.Getenv("MLANGO_FAULTS_REPORT"); f != "" {
		if fh, err := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintln(fh, line)
			fh.Close()
		}
	}
	if lost != 0 || dups != 0 || total != len(l.ok) {
		t.Fatalf("promise broken: %d answered 2xx but lost, %d stored twice, stream holds %d events for %d 2xx'd callbacks",
			lost, dups, total, len(l.ok))
	}
}
