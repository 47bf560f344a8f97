package publish

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/mlango/mlango/normalize"
	"github.com/mlango/mlango/publish/spool"
)

// BenchmarkStore stores one event per Store call from parallel callers,
// into an embedded, in-process server with a file store in a temp dir. Every
// event has a new id, so each one is written, not de-duplicated. Each Store
// call waits for its ack, so with few callers ns/op is mostly round-trip
// latency; "callers=64xCPU" (b.SetParallelism(64)) is the many-concurrent-
// requests case, where ns/op is throughput. Allocations include the
// server's, which runs in the same process.
func BenchmarkStore(b *testing.B) {
	benchStore(b, func(b *testing.B, s *Store) eventStorer { return s })
}

// BenchmarkDurableStore is BenchmarkStore through the Durable store with a
// healthy JetStream (the spool stays empty): the cost of the checks in front
// of every publish, as a difference to BenchmarkStore.
func BenchmarkDurableStore(b *testing.B) {
	benchStore(b, func(b *testing.B, s *Store) eventStorer {
		sp, _, err := spool.Open(spool.Options{Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		d := NewDurable(s, sp, DurableOptions{}, zerolog.Nop())
		b.Cleanup(func() {
			d.Close()
			if n := sp.Len(); n != 0 {
				b.Errorf("%d events were spooled with JetStream healthy", n)
			}
			sp.Close()
		})
		return d
	})
}

type eventStorer interface {
	Store(ctx context.Context, events []normalize.Event) (int, error)
}

func benchStore(b *testing.B, wrap func(*testing.B, *Store) eventStorer) {
	for _, p := range []int{1, 64} {
		b.Run(fmt.Sprintf("callers=%dxCPU", p), func(b *testing.B) {
			s := wrap(b, openStore(b, Options{
				Embedded:       EmbeddedOptions{StoreDir: b.TempDir()},
				PublishTimeout: 30 * time.Second,
			}))
			ctx := context.Background()
			var n atomic.Int64
			b.SetParallelism(p)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				events := make([]normalize.Event, 1)
				for pb.Next() {
					events[0] = testEvent(strconv.FormatInt(n.Add(1), 10))
					if _, err := s.Store(ctx, events); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkDedupWindowMemory measures what JetStream's duplicate window
// costs per remembered message id: the server keeps every id it saw within
// the window in memory (a map from id to an entry, plus an ordered slice of
// the entries for expiry).
//
// Method, all in this process with an embedded server (so the Go heap is the
// server's heap):
//
//  1. Store N events with unique ids (32 hex characters, as
//     normalize.EventID makes them) into a stream with a 1 hour duplicate
//     window, so all N ids are remembered. Re-storing the newest event must
//     come back as a duplicate, proving they are.
//  2. Force GC and read the heap (HeapInuse, and HeapAlloc for live bytes
//     only): "with ids".
//  3. Shrink the stream's duplicate window to the 100ms minimum. The server
//     re-runs its expiry at once and drops every id older than that. Poll by
//     re-storing the newest event until the server no longer reports it as a
//     duplicate: then every older id is gone too.
//  4. Force GC and read the heap again: "without ids".
//
// Same server, same stream, same stored messages in both readings; the only
// difference is the dedup state, so (with - without) / N is the memory per
// remembered id. The store's block cache is kept warm by the probe publishes
// in both readings, so it does not skew the difference.
//
// N is MLANGO_DEDUP_N, default 1,000,000 (100,000 with -short):
//
//	go test ./publish/ -run '^$' -bench DedupWindowMemory -benchtime 1x
func BenchmarkDedupWindowMemory(b *testing.B) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	if v := os.Getenv("MLANGO_DEDUP_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("MLANGO_DEDUP_N=%q: want a positive integer", v)
		}
	}
	for i := 0; i < b.N; i++ {
		measureDedupMemory(b, n)
	}
}

func measureDedupMemory(b *testing.B, n int) {
	b.StopTimer()
	s := openStore(b, Options{
		Embedded:        EmbeddedOptions{StoreDir: b.TempDir()},
		DuplicateWindow: time.Hour,
		PublishTimeout:  time.Minute,
	})
	ctx := context.Background()
	before := heap()

	b.StartTimer()
	const batch = 512
	events := make([]normalize.Event, 0, batch)
	var last normalize.Event
	for i := 0; i < n; i++ {
		last = normalize.Event{
			ID:       normalize.EventID("bench", "sms.delivery", strconv.Itoa(i)),
			Provider: "bench",
			Type:     "sms.delivery",
			Time:     time.Unix(1767225600, 0).UTC(),
		}
		events = append(events, last)
		if len(events) == batch || i == n-1 {
			if dups, err := s.Store(ctx, events); err != nil || dups != 0 {
				b.Fatalf("Store: %d duplicates, %v", dups, err)
			}
			events = events[:0]
		}
	}
	b.StopTimer()

	probe := func() int {
		dups, err := s.Store(ctx, []normalize.Event{last})
		if err != nil {
			b.Fatalf("probe: %v", err)
		}
		return dups
	}
	if probe() != 1 {
		b.Fatal("the newest id is not remembered")
	}
	with := heap()

	st, err := s.js.Stream(ctx, s.stream)
	if err != nil {
		b.Fatal(err)
	}
	cfg := st.CachedInfo().Config
	cfg.Duplicates = 100 * time.Millisecond
	if _, err := s.js.UpdateStream(ctx, cfg); err != nil {
		b.Fatal(err)
	}
	forgotten := false
	eventually(b, time.Minute, "the server to forget the ids", func() bool {
		// Once the newest id is forgotten the probe is stored anew and
		// remembered again for 100ms; that one id is noise.
		forgotten = forgotten || probe() == 0
		return forgotten
	})
	without := heap()

	info, err := st.Info(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if want := uint64(n + 1); info.State.Msgs != want {
		b.Fatalf("stream holds %d messages, want %d", info.State.Msgs, want)
	}

	perID := float64(int64(with.inuse)-int64(without.inuse)) / float64(n)
	livePerID := float64(int64(with.alloc)-int64(without.alloc)) / float64(n)
	b.ReportMetric(perID, "heap-inuse-B/id")
	b.ReportMetric(livePerID, "live-B/id")
	b.ReportMetric(perID*1e6/(1<<20), "MiB/1M-ids")
	b.ReportMetric(float64(int64(with.inuse)-int64(before.inuse))/float64(n), "total-growth-B/msg")
	b.Logf("N=%d: heap in use %0.1f MiB before publishing, %0.1f MiB with %d remembered ids, %0.1f MiB after the server forgot them",
		n, mib(before.inuse), mib(with.inuse), n, mib(without.inuse))
	b.Logf("=> %.1f bytes per remembered id (%.1f live), %.1f MiB per million ids",
		perID, livePerID, perID*1e6/(1<<20))
	if err := s.Close(ctx); err != nil {
		b.Fatal(err)
	}
}

type heapReading struct{ inuse, alloc uint64 }

// heap forces a full collection (twice, so sync.Pool caches are dropped too)
// and reads the heap.
func heap() heapReading {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return heapReading{inuse: ms.HeapInuse, alloc: ms.HeapAlloc}
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }
