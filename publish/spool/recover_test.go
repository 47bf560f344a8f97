package spool

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

func TestTornTail(t *testing.T) {
	frame := appendFrame(nil, 6, 1, []byte("the sixth record, half written"))
	cases := []struct {
		name string
		tear func(b []byte) []byte // the last segment's bytes after the crash
	}{
		{"cut mid record", func(b []byte) []byte { return append(b, frame[:len(frame)-5]...) }},
		{"cut mid header", func(b []byte) []byte { return append(b, frame[:10]...) }},
		{"garbage", func(b []byte) []byte { return append(b, "\x00garbage\xffthat is no frame at all..."...) }},
		{"zeroed", func(b []byte) []byte { return append(b, make([]byte, 4096)...) }},
		{"bad checksum", func(b []byte) []byte {
			bad := bytes.Clone(frame)
			bad[len(bad)-1] ^= 1
			return append(b, bad...)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			o := Options{Dir: dir, NoSync: true}
			s, _ := open(t, o)
			appendN(t, s, 5, payload)
			s.Close()
			path := segFiles(t, dir)[0]
			good, _ := os.ReadFile(path)
			torn := tc.tear(bytes.Clone(good))
			if err := os.WriteFile(path, torn, 0o640); err != nil {
				t.Fatal(err)
			}

			s, rec := open(t, o)
			if rec.Records != 5 || rec.TornBytes != int64(len(torn)-len(good)) || len(rec.CorruptSegments) != 0 {
				t.Fatalf("Recovery = %+v, want 5 records and %d torn bytes", rec, len(torn)-len(good))
			}
			if fi, _ := os.Stat(path); fi.Size() != int64(len(good)) {
				t.Fatalf("segment is %d bytes, want cut back to %d", fi.Size(), len(good))
			}
			if seq, err := s.Append([]byte("after the tear")); err != nil || seq != 6 {
				t.Fatalf("Append = %d, %v; want 6", seq, err)
			}
			s.Close()

			s, rec = open(t, o)
			got := peekAll(t, s)
			if rec.TornBytes != 0 || len(got) != 6 || string(got[5].Data) != "after the tear" {
				t.Fatalf("second reopen: Recovery %+v, records %v", rec, seqsOf(got))
			}
		})
	}
}

// corruptMiddle flips a byte inside the record that starts at off.
func corruptAt(t *testing.T, path string, off int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off+headerSize] ^= 0xff
	if err := os.WriteFile(path, b, 0o640); err != nil {
		t.Fatal(err)
	}
}

func TestCorruptionInOlderSegment(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, SegmentBytes: 200, NoSync: true}
	s, _ := open(t, o)
	appendN(t, s, 30, payload)
	// The second segment's second record goes bad.
	s.mu.Lock()
	bad := s.segs[1]
	badRec, kept := bad.recs[1], bad.recs[0].seq
	s.mu.Unlock()
	s.Close()
	corruptAt(t, bad.path, badRec.off)

	s, rec := open(t, o)
	if !slices.Equal(rec.CorruptSegments, []string{bad.path}) || rec.TornBytes != 0 {
		t.Fatalf("Recovery = %+v, want %s corrupt", rec, bad.path)
	}
	var want []uint64
	for seq := uint64(1); seq <= 30; seq++ {
		if seq <= kept || seq > bad.recs[len(bad.recs)-1].seq {
			want = append(want, seq)
		}
	}
	got := peekAll(t, s)
	if !slices.Equal(seqsOf(got), want) {
		t.Fatalf("records after corruption = %v, want %v", seqsOf(got), want)
	}
	for _, r := range got {
		if !bytes.Equal(r.Data, payload(int(r.Seq-1))) {
			t.Fatalf("record %d = %q", r.Seq, r.Data)
		}
	}
	if seq, err := s.Append([]byte("x")); err != nil || seq != 31 {
		t.Fatalf("Append = %d, %v", seq, err)
	}
	// Acknowledged, the corrupt segment is set aside, not deleted: past
	// the damage lie valid records an operator may want.
	if err := s.Ack(31); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bad.path + corruptSuffix); err != nil {
		t.Fatalf("corrupt segment not kept aside: %v", err)
	}
}

// TestCorruptionInLastSegment: damage with valid records after it is not a
// torn tail, so the file is not cut (valid records stay on disk) and new
// appends go to a new segment.
func TestCorruptionInLastSegment(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, NoSync: true}
	s, _ := open(t, o)
	appendN(t, s, 10, payload)
	s.mu.Lock()
	g := s.segs[0]
	badRec := g.recs[4]
	s.mu.Unlock()
	s.Close()
	corruptAt(t, g.path, badRec.off)
	size := func() int64 { fi, _ := os.Stat(g.path); return fi.Size() }
	before := size()

	s, rec := open(t, o)
	if !slices.Equal(rec.CorruptSegments, []string{g.path}) || rec.TornBytes != 0 || rec.Records != 4 {
		t.Fatalf("Recovery = %+v", rec)
	}
	if size() != before {
		t.Fatal("a corrupt segment was cut")
	}
	if seq, err := s.Append([]byte("new")); err != nil || seq != 11 {
		t.Fatalf("Append = %d, %v; want 11 (above the records past the damage)", seq, err)
	}
	s.Close()
	s, _ = open(t, o)
	if got := seqsOf(peekAll(t, s)); !slices.Equal(got, []uint64{1, 2, 3, 4, 11}) {
		t.Fatalf("records = %v", got)
	}
}

// TestKill9 copies the directory while appends run, as a crash would leave
// it, and opens the copy: every Append that returned before the copy began
// is there, intact and in order, and nothing else but valid records.
func TestKill9(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, SegmentBytes: 2048, NoSync: true}
	s, _ := open(t, o)
	var (
		mu        sync.Mutex
		confirmed = map[uint64][]byte{}
		stop      atomic.Bool
		wg        sync.WaitGroup
	)
	for g := range 8 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				d := []byte{byte(g), byte(i), byte(i >> 8), 'k'}
				seq, err := s.Append(d)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				confirmed[seq] = d
				mu.Unlock()
			}
		})
	}
	waitFor(t, func() bool { return s.Len() >= 500 })
	mu.Lock()
	before := maps(confirmed)
	mu.Unlock()
	crashed := copyDir(t, dir)
	stop.Store(true)
	wg.Wait()

	c, rec := open(t, Options{Dir: crashed, SegmentBytes: 2048, NoSync: true})
	got := peekAll(t, c)
	if rec.Records != len(got) {
		t.Fatalf("Recovery.Records %d, Peek %d", rec.Records, len(got))
	}
	mu.Lock()
	defer mu.Unlock()
	have := map[uint64]bool{}
	for _, r := range got {
		have[r.Seq] = true
		if d, ok := confirmed[r.Seq]; ok && !bytes.Equal(d, r.Data) {
			t.Fatalf("seq %d = %q, appended %q", r.Seq, r.Data, d)
		}
	}
	for seq := range before {
		if !have[seq] {
			t.Fatalf("seq %d returned before the crash and is gone", seq)
		}
	}

	// The directory as the quiet but unclosed spool left it is what a
	// kill -9 between Appends leaves (the kernel drops the lock).
	r, _ := open(t, Options{Dir: copyDir(t, dir), SegmentBytes: 2048, NoSync: true})
	if n := len(peekAll(t, r)); n != len(confirmed) {
		t.Fatalf("reopen without Close: %d records, %d appended", n, len(confirmed))
	}
	if s2, _, err := Open(o); err == nil {
		s2.Close()
		if lockSupported {
			t.Fatal("a second Open of a directory in use succeeded")
		}
	}
}

func maps(m map[uint64][]byte) map[uint64]bool {
	out := make(map[uint64]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// TestPeekFindsDamageAfterWrite: a record rots on disk while the spool runs.
// Peek hands over the records before it and names the bad one, and acking
// it lets the consumer go on.
func TestPeekFindsDamageAfterWrite(t *testing.T) {
	s, _ := open(t, Options{Dir: t.TempDir(), NoSync: true})
	appendN(t, s, 5, payload)
	s.mu.Lock()
	g, bad := s.segs[0], s.segs[0].recs[2]
	s.mu.Unlock()
	corruptAt(t, g.path, bad.off)

	got, err := s.Peek(0, 0)
	var ce *CorruptRecordError
	if !errors.As(err, &ce) || ce.Seq != 3 || !slices.Equal(seqsOf(got), []uint64{1, 2}) {
		t.Fatalf("Peek = %v, %v; want 1, 2 and record 3 corrupt", seqsOf(got), err)
	}
	if err := s.Ack(ce.Seq); err != nil {
		t.Fatal(err)
	}
	if got := seqsOf(peekAll(t, s)); !slices.Equal(got, []uint64{4, 5}) {
		t.Fatalf("after acking the bad record: %v", got)
	}
}
