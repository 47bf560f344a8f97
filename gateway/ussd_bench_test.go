package gateway

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/publish"
	"github.com/rs/zerolog"
)

// BenchmarkUSSDHop is a USSD hop's whole path in one process: the router,
// Africa's Talking's form decoding, the engine reading the session from and
// writing it back to JetStream KV (file storage, embedded server; resume
// records on), the request log (to io.Discard) and the hop's ussd.input
// event, published after the answer and waited for before the clock stops.
// Each op is one hop of the demo's account branch ("", "1", "1*1", three
// hops per session, each session a new id); every answer is checked.
//
// "serial" plays one session at a time: a hop's latency alone.
// "sessions=32" keeps 32 sessions in flight (b.SetParallelism), as
// cmd/loadgen -ussd -sessions 32 does over HTTP. Both report hops/s and
// the p50 and p99 of a hop in milliseconds.
//
//	go test ./gateway -run '^$' -bench BenchmarkUSSDHop -benchtime 3s
func BenchmarkUSSDHop(b *testing.B) {
	for _, sessions := range []int{1, 32} {
		name := "serial"
		if sessions > 1 {
			name = "sessions=" + strconv.Itoa(sessions)
		}
		b.Run(name, func(b *testing.B) { benchUSSD(b, sessions) })
	}
}

// ussdBenchHops is the account branch of the demo and the screen each hop
// must get: a CON screen, then exactly the END.
var ussdBenchHops = [...]struct{ text, want string }{
	{"", "CON "},
	{"1", "CON "},
	{"1%2A1", "END Your account number is ACC1001"},
}

func benchUSSD(b *testing.B, sessions int) {
	o := testOptions()
	o.DuplicateWindow = 13 * time.Hour
	o.Embedded = publish.EmbeddedOptions{StoreDir: b.TempDir()}
	store, err := publish.Open(context.Background(), o, zerolog.Nop())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = store.Close(context.Background()) })
	us := newUSSD(b, store, nil)
	at := handlers.AfricasTalking()
	at.Routes = append(at.Routes, us.routes...)
	e, err := New(Options{Providers: []handlers.Provider{at}, Store: store,
		BodyLimit: 1 << 20, Log: zerolog.New(io.Discard)})
	if err != nil {
		b.Fatal(err)
	}

	var ids atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	// player plays sessions hop by hop, one hop per call.
	player := func() (hop func() bool, done func()) {
		var mine []time.Duration
		var session string
		i := len(ussdBenchHops)
		hop = func() bool {
			if i == len(ussdBenchHops) {
				session, i = "ATUid_bench_"+strconv.FormatInt(ids.Add(1), 10), 0
			}
			h := ussdBenchHops[i]
			body := "sessionId=" + session + "&serviceCode=%2A384%2A44135%23&phoneNumber=%2B254711000111&networkCode=63902&text=" + h.text
			req := httptest.NewRequest(http.MethodPost, "/api/ussd/session", strings.NewReader(body))
			req.Header.Set("Content-Type", form)
			rec := httptest.NewRecorder()
			start := time.Now()
			e.ServeHTTP(rec, req)
			mine = append(mine, time.Since(start))
			i++
			got := rec.Body.String()
			if rec.Code != 200 || !strings.HasPrefix(got, h.want) || (strings.HasPrefix(h.want, "END") && got != h.want) {
				b.Errorf("session %s hop %q: %d %q, want %q", session, h.text, rec.Code, got, h.want)
				return false
			}
			return true
		}
		done = func() {
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}
		return hop, done
	}

	b.ReportAllocs()
	b.ResetTimer()
	if sessions == 1 {
		hop, done := player()
		for i := 0; i < b.N && hop(); i++ {
		}
		done()
	} else {
		b.SetParallelism(max(1, sessions/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			hop, done := player()
			defer done()
			for pb.Next() && hop() {
			}
		})
	}
	if err := us.async.Wait(context.Background()); err != nil { // the hops' events
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "hops/s")
	slices.Sort(lat)
	for _, p := range []float64{0.50, 0.99} {
		if len(lat) > 0 {
			d := lat[max(int(math.Ceil(p*float64(len(lat))))-1, 0)]
			b.ReportMetric(float64(d)/1e6, fmt.Sprintf("p%.0f-ms", p*100))
		}
	}
}
