package main

import (
	"bytes"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSchedulerKeepsTheMix: over any whole cycle the requests of each kind
// are their share of the mix, and no kind waits long for its turn.
func TestSchedulerKeepsTheMix(t *testing.T) {
	for _, spec := range []string{defaultMix, "dlr=1", "ussd=1,voice=1", "dlr=50,sms=0,ussd=30,voice=20"} {
		m, err := parseMix(spec)
		if err != nil {
			t.Fatal(err)
		}
		sch := newScheduler(m)
		var reqs [kinds]float64
		var total float64
		for range 6000 {
			k := sch.next()
			reqs[k] += float64(requestsPer[k])
			total += float64(requestsPer[k])
		}
		var sum float64
		for _, w := range m {
			sum += w
		}
		for k := range kinds {
			want := m[k] / sum
			if got := reqs[k] / total; math.Abs(got-want) > 0.005 {
				t.Errorf("%s: %s has %.3f of requests, want %.3f", spec, kindNames[k], got, want)
			}
		}
	}
	for _, bad := range []string{"", "dlr", "sms=x", "fax=1", "dlr=-1", "dlr=0"} {
		if _, err := parseMix(bad); err == nil {
			t.Errorf("parseMix(%q) accepted", bad)
		}
	}
}

// TestUnitRequests checks every kind's bodies: AT's fields, ids unique per
// unit, one session or call id across a unit's requests.
func TestUnitRequests(t *testing.T) {
	now := time.Date(2026, 3, 4, 10, 30, 0, 0, time.UTC)
	want := map[kind][]string{
		kindDLR:   {"id", "status", "phoneNumber", "networkCode"},
		kindSMS:   {"id", "from", "to", "text", "date", "networkCode"},
		kindUSSD:  {"sessionId", "serviceCode", "phoneNumber", "networkCode", "text"},
		kindVoice: {"sessionId", "isActive", "callerNumber", "destinationNumber", "direction"},
	}
	ids := map[string]bool{}
	for k := range kinds {
		for seq := range uint64(3) {
			reqs := unitRequests(nil, k, "r1", seq, now)
			if len(reqs) != requestsPer[k] {
				t.Fatalf("%s: %d requests, want %d", kindNames[k], len(reqs), requestsPer[k])
			}
			unitID := ""
			for _, r := range reqs {
				v, err := url.ParseQuery(string(r.body))
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range want[k] {
					if _, ok := v[f]; !ok {
						t.Errorf("%s %s: no %s in %s", kindNames[k], r.path, f, r.body)
					}
				}
				id := v.Get("id") + v.Get("sessionId")
				if unitID != "" && id != unitID {
					t.Errorf("%s: ids %s and %s in one unit", kindNames[k], unitID, id)
				}
				unitID = id
			}
			if ids[unitID] {
				t.Errorf("%s: id %s twice", kindNames[k], unitID)
			}
			ids[unitID] = true
		}
	}
	sms, _ := url.ParseQuery(string(unitRequests(nil, kindSMS, "r1", 1, now)[0].body))
	if !regexp.MustCompile(`^\+2547[23]\d{7}$`).MatchString(sms.Get("from")) || sms.Get("date") != "2026-03-04 10:30:00" || sms.Get("networkCode") != "63903" {
		t.Errorf("two-way SMS: %v", sms)
	}
}

func TestSampleLineAndPercentiles(t *testing.T) {
	lat := []time.Duration{}
	for i := 1; i <= 200; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	if p := percentile(lat, 0.99); p != 198*time.Millisecond {
		t.Errorf("p99 = %s", p)
	}
	if p := percentile(lat, 0.5); p != 100*time.Millisecond {
		t.Errorf("p50 = %s", p)
	}
	s := sample{elapsed: 20*time.Second + 3*time.Millisecond, requests: 4000, rps: 400, failed: 1, p50: 1500 * time.Microsecond,
		p99: 9 * time.Millisecond, max: 31 * time.Millisecond, rss: 90 << 20, heap: -1, gcGoal: 96 << 20, serverCores: 0.8, otherCores: -1}
	want := "    20s      4000   400.0       1     0    1.50    9.00    31.00     90.0         -         96.0      0.80            -"
	if got := s.line(); got != want {
		t.Errorf("line\n got %q\nwant %q", got, want)
	}
	if len(sampleHeader) != len(want) {
		t.Errorf("header is %d wide, lines %d", len(sampleHeader), len(want))
	}
}

func TestMemoryReaders(t *testing.T) {
	status := "Name:\tmlango\nVmPeak:\t  900000 kB\nVmRSS:\t   81920 kB\nThreads:\t12\n"
	if got := parseVmRSS([]byte(status)); got != 80<<20 {
		t.Errorf("VmRSS = %d", got)
	}
	if got := parseVmRSS([]byte("Name: x\n")); got != -1 {
		t.Errorf("no VmRSS = %d", got)
	}
	metrics := "# HELP go_memstats_heap_inuse_bytes x\n# TYPE go_memstats_heap_inuse_bytes gauge\ngo_memstats_heap_inuse_bytes 4.194304e+07\ngo_goroutines 12\ngo_memstats_next_gc_bytes 1.2e+08\n"
	if heap, goal := parseMemory(strings.NewReader(metrics)); heap != 40<<20 || goal != 120_000_000 {
		t.Errorf("heap = %d, GC goal = %d", heap, goal)
	}
	if heap, goal := parseMemory(strings.NewReader("go_goroutines 3\n")); heap != -1 || goal != -1 {
		t.Errorf("without the metrics: %d %d", heap, goal)
	}
	if got := readRSS(0); got != -1 {
		t.Errorf("readRSS(0) = %d", got)
	}
}

func TestSummaryTrend(t *testing.T) {
	if s := slope([]float64{0, 1, 2, 3}, []float64{10, 12, 14, 16}); s != 2 {
		t.Errorf("slope = %g", s)
	}
	var out bytes.Buffer
	r := &soakResult{total: newWindow(), samples: []sample{
		{elapsed: time.Minute, requests: 10, p99: time.Second, rss: 50 << 20, heap: -1, gcGoal: -1},
		{elapsed: 2 * time.Minute, requests: 10, p99: 2 * time.Millisecond, rss: 60 << 20, heap: -1, gcGoal: -1},
		{elapsed: 3 * time.Minute, requests: 10, p99: 4 * time.Millisecond, rss: 60 << 20, heap: -1, gcGoal: -1},
		{elapsed: 4 * time.Minute, requests: 10, p99: 3 * time.Millisecond, rss: 60 << 20, heap: -1, gcGoal: -1},
	}}
	r.total.failures["voice /api/voice/events: status 503"] = 2
	r.printSummary(&out, soakConfig{})
	for _, want := range []string{
		"p99 per interval after the first: min 2.00  median 3.00  max 4.00 ms",
		"gateway RSS MiB after the first interval: first 60.0  last 60.0  min 60.0  max 60.0  slope +0.00 MiB/min",
		"failed 2x: voice /api/voice/events: status 503",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "Go heap") || strings.Contains(out.String(), "GC goal") {
		t.Errorf("heap trend without heap figures:\n%s", out.String())
	}
}

// fakeGateway answers every soak route as the gateway does, counting
// requests by path.
type fakeGateway struct {
	mu   sync.Mutex
	hits map[string]int
}

func (f *fakeGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	v, _ := url.ParseQuery(string(body))
	f.mu.Lock()
	f.hits[r.URL.Path]++
	f.mu.Unlock()
	switch r.URL.Path {
	case "/api/sms/twoway":
		io.WriteString(w, "GOOD")
	case "/api/ussd/session":
		if v.Get("text") == "1*1" {
			io.WriteString(w, demoEnd)
		} else {
			io.WriteString(w, "CON menu")
		}
	case "/api/voice/instruct":
		if v.Get("isActive") == "1" {
			io.WriteString(w, "<Response><Say>hi</Say></Response>")
		}
	default:
		io.WriteString(w, "OK")
	}
}

// TestSoakRun drives the fake gateway briefly: every kind is sent and every
// answer passes its check; nothing here depends on timing.
func TestSoakRun(t *testing.T) {
	f := &fakeGateway{hits: map[string]int{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	cfg, err := parseSoak([]string{"-mode", "soak", "-base", srv.URL, "-rate", "400", "-d", "300ms", "-interval", "100ms", "-c", "8"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res := runSoak(cfg, &out)
	if !res.ok() || res.total.failed != 0 || len(res.samples) == 0 {
		t.Fatalf("run: %+v\n%s", res.total.failures, out.String())
	}
	for _, p := range []string{"/api/sms/delivery-reports", "/api/sms/twoway", "/api/ussd/session", "/api/voice/instruct", "/api/voice/events"} {
		if f.hits[p] == 0 {
			t.Errorf("no request to %s:\n%s", p, out.String())
		}
	}
	if !strings.Contains(out.String(), sampleHeader) || !strings.Contains(out.String(), "total: ") {
		t.Errorf("output:\n%s", out.String())
	}
	if !isSoak([]string{"-mode", "soak"}) || !isSoak([]string{"--mode=soak"}) || isSoak([]string{"-ussd"}) {
		t.Error("isSoak")
	}
}
