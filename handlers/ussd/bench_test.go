package ussd_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/mlango/mlango/handlers/ussd"
)

// BenchmarkHop runs the demo's longest session (dial, 1, 1: three hops)
// on a real JetStream KV bucket (file storage), one session after
// another, and in parallel; it reports hops per second. Each hop reads
// the session and writes it back by revision (resume records are on: the
// second hop writes one, the END removes it). "engine-only" swaps the
// bucket for an in-memory map, to show what the engine itself costs.
//
//	go test -run '^$' -bench BenchmarkHop -benchtime 3s ./handlers/ussd/
func BenchmarkHop(b *testing.B) {
	n := startNATS(b)
	for _, mode := range []string{"serial", "parallel", "engine-only"} {
		b.Run(mode, func(b *testing.B) {
			r := n.newRig(b, nil, ussd.DefaultOptions())
			if mode == "engine-only" {
				r.engine = ussd.New(nil, newMemStore(), newMemStore(), nil, ussd.DefaultOptions())
			}
			var ids atomic.Int64
			session := func() {
				id := "bench-" + strconv.FormatInt(ids.Add(1), 10)
				req := ussd.Request{Provider: "africastalking", SessionID: id, ServiceCode: "*384*44135#",
					PhoneNumber: "+2547" + strconv.FormatInt(10000000+ids.Load(), 10), NetworkCode: "63902"}
				for _, text := range []string{"", "1", "1*1"} {
					req.Text = text
					if resp := r.engine.Hop(context.Background(), req); resp.Text == "" || resp.ScreenID == "apology" {
						b.Errorf("hop %q: %+v", text, resp)
					}
				}
			}
			b.ResetTimer()
			if mode != "parallel" {
				for i := 0; i < b.N; i++ {
					session()
				}
			} else {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						session()
					}
				})
			}
			b.ReportMetric(float64(3*b.N)/b.Elapsed().Seconds(), "hops/s")
		})
	}
}
