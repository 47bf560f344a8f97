package spool

import (
	"testing"
)

// BenchmarkAppend appends 512-byte records, one per Append, acknowledging
// as it goes so the spool stays small. Parallel runs show what group commit
// buys: many Appends share each fsync.
//
//	go test -run '^$' -bench Append -benchtime 2s ./publish/spool
func BenchmarkAppend(b *testing.B) {
	for _, bc := range []struct {
		name     string
		parallel bool
		noSync   bool
	}{
		{"serial/fsync", false, false},
		{"serial/nosync", false, true},
		{"parallel/fsync", true, false},
		{"parallel/nosync", true, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, _ := open(b, Options{Dir: b.TempDir(), NoSync: bc.noSync})
			data := make([]byte, 512)
			appendOne := func() {
				// b.Error, not b.Fatal: this runs on RunParallel's goroutines.
				seq, err := s.Append(data)
				if err != nil {
					b.Error(err)
					return
				}
				if seq%4096 == 0 {
					if err := s.Ack(seq); err != nil {
						b.Error(err)
					}
				}
			}
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			if !bc.parallel {
				for b.Loop() {
					appendOne()
				}
			} else {
				b.SetParallelism(32) // HTTP handlers: many more goroutines than cores
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						appendOne()
					}
				})
			}
			if st := s.Stats(); st.Syncs > 0 {
				b.ReportMetric(float64(st.Appended)/float64(st.Syncs), "appends/fsync")
			}
		})
	}
}
