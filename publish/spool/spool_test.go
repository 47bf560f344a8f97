package spool

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestAppendPeekAckAcrossSegmentsAndRestarts(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, SegmentBytes: 256}
	s, rec := open(t, o)
	if rec.Records != 0 || rec.TornBytes != 0 || len(rec.CorruptSegments) != 0 {
		t.Fatalf("fresh Recovery = %+v", rec)
	}
	before := time.Now()
	seqs := appendN(t, s, 40, payload)
	if want := uint64(1); seqs[0] != want {
		t.Fatalf("first seq = %d, want %d", seqs[0], want)
	}
	first, err := s.Append([]byte("a"), []byte("b"), []byte("c"))
	if err != nil || first != 41 {
		t.Fatalf("multi Append = %d, %v; want 41", first, err)
	}
	if n := len(segFiles(t, dir)); n < 4 {
		t.Fatalf("%d segment files, want rotation past 256 bytes", n)
	}

	got, err := s.Peek(10, 0)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := s.Peek(10, 0)
	if !slices.Equal(seqsOf(got), seqsOf(again)) {
		t.Fatalf("repeated Peek differs: %v then %v", seqsOf(got), seqsOf(again))
	}
	for i, r := range got {
		if r.Seq != uint64(i+1) || !bytes.Equal(r.Data, payload(i)) {
			t.Fatalf("record %d = seq %d %q", i, r.Seq, r.Data)
		}
		if r.Time.Before(before.Add(-time.Second)) || r.Time.After(time.Now()) {
			t.Fatalf("record %d time %v not when appended", i, r.Time)
		}
	}

	segsBefore := len(segFiles(t, dir))
	if err := s.Ack(30); err != nil {
		t.Fatal(err)
	}
	if n := len(segFiles(t, dir)); n >= segsBefore {
		t.Fatalf("Ack kept %d of %d segment files", n, segsBefore)
	}
	if s.Len() != 13 {
		t.Fatalf("Len = %d after acking 30 of 43", s.Len())
	}
	st := s.Stats()
	if st.Records != 13 || st.Appended != 43 || st.Acked != 30 || st.Oldest.IsZero() || st.Err != nil {
		t.Fatalf("Stats = %+v", st)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, rec = open(t, o)
	if rec.Records != 13 {
		t.Fatalf("reopen Recovery.Records = %d, want 13", rec.Records)
	}
	got = peekAll(t, s)
	if got[0].Seq != 31 || got[len(got)-1].Seq != 43 || !bytes.Equal(got[0].Data, payload(30)) {
		t.Fatalf("after reopen Peek = %v", seqsOf(got))
	}
	if seq, err := s.Append([]byte("after restart")); err != nil || seq != 44 {
		t.Fatalf("Append after restart = %d, %v; want 44", seq, err)
	}
	if err := s.Ack(44); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 0 || peekAll(t, s) != nil || !s.Stats().Oldest.IsZero() {
		t.Fatalf("not empty after acking everything: Len %d", s.Len())
	}
}

// TestSeqNeverGoesBack drains the spool completely and loses the
// checkpoint: the kept last segment must still carry the sequence forward,
// or a consumer de-duplicating by seq would drop new records.
func TestSeqNeverGoesBack(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, SegmentBytes: 64, NoSync: true}
	s, _ := open(t, o)
	appendN(t, s, 10, payload)
	if err := s.Ack(10); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.Remove(filepath.Join(dir, ckptName)); err != nil {
		t.Fatal(err)
	}
	s, rec := open(t, o)
	// Without the checkpoint the last segment's record is delivered again,
	// which is allowed; a reused seq is not.
	if rec.Records > 2 {
		t.Fatalf("Recovery.Records = %d, want at most the last segment's records", rec.Records)
	}
	if seq, err := s.Append([]byte("x")); err != nil || seq != 11 {
		t.Fatalf("Append = %d, %v; want 11", seq, err)
	}
}

func TestCheckpointNeverGoesBackward(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, SegmentBytes: 128, NoSync: true}
	s, _ := open(t, o)
	appendN(t, s, 20, payload)
	if err := s.Ack(10); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(5); err != nil {
		t.Fatal(err)
	}
	if got := peekAll(t, s); got[0].Seq != 11 {
		t.Fatalf("after Ack(10), Ack(5): head = %d", got[0].Seq)
	}
	// Acking past what is durable must not swallow records appended later.
	if err := s.Ack(1000); err != nil {
		t.Fatal(err)
	}
	if seq, err := s.Append([]byte("later")); err != nil || seq != 21 {
		t.Fatalf("Append = %d, %v; want 21", seq, err)
	}
	s.Close()

	s, rec := open(t, o)
	got := peekAll(t, s)
	if rec.Records != 1 || len(got) != 1 || got[0].Seq != 21 {
		t.Fatalf("reopen: Recovery %+v, Peek %v; want only seq 21", rec, seqsOf(got))
	}
}

func TestConcurrentAppendsAllPresentOnceInOrder(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, SegmentBytes: 4096}
	s, _ := open(t, o)
	const writers, each = 64, 20
	type sent struct {
		seq  uint64
		data string
	}
	results := make([][]sent, writers)
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				d := []byte{byte(g), byte(i), 'e', 'v'}
				seq, err := s.Append(d)
				if err != nil {
					t.Errorf("writer %d Append %d: %v", g, i, err)
					return
				}
				results[g] = append(results[g], sent{seq, string(d)})
			}
		})
	}
	wg.Wait()
	s.Close()

	s, rec := open(t, o)
	if rec.Records != writers*each {
		t.Fatalf("Recovery.Records = %d, want %d", rec.Records, writers*each)
	}
	bySeq := map[uint64]string{}
	for _, r := range peekAll(t, s) {
		bySeq[r.Seq] = string(r.Data)
	}
	for g, rs := range results {
		for i, r := range rs {
			if bySeq[r.seq] != r.data {
				t.Fatalf("writer %d record %d: seq %d holds %q", g, i, r.seq, bySeq[r.seq])
			}
			if i > 0 && r.seq <= rs[i-1].seq {
				t.Fatalf("writer %d: seq %d after %d", g, r.seq, rs[i-1].seq)
			}
			delete(bySeq, r.seq)
		}
	}
	if len(bySeq) != 0 {
		t.Fatalf("%d records nobody appended", len(bySeq))
	}
}

// TestGroupCommit holds the first fsync until more Appends have queued and
// checks they all share the second one.
func TestGroupCommit(t *testing.T) {
	fs := newFaultFS()
	s, _ := open(t, Options{Dir: t.TempDir(), OpenFile: fs.open})
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	fs.set(func(fs *faultFS) {
		fs.syncHook = func() {
			once.Do(func() { close(entered); <-release })
		}
	})
	var wg sync.WaitGroup
	wg.Go(func() {
		if _, err := s.Append([]byte("first")); err != nil {
			t.Error(err)
		}
	})
	<-entered
	const queued = 10
	for i := range queued {
		wg.Go(func() {
			if _, err := s.Append([]byte{byte(i)}); err != nil {
				t.Error(err)
			}
		})
	}
	waitFor(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.pending != nil && len(s.pending.ents) == queued
	})
	syncsBefore := syncCount(fs)
	close(release)
	wg.Wait()
	// The held fsync counts once released; directory syncs do not go
	// through OpenFile.
	if n := syncCount(fs) - syncsBefore; n != 2 {
		t.Fatalf("%d Appends queued behind a held fsync took %d fsyncs including it, want 2", queued, n)
	}
	if s.Len() != queued+1 {
		t.Fatalf("Len = %d", s.Len())
	}
}

func syncCount(fs *faultFS) (n int) {
	fs.set(func(fs *faultFS) { n = fs.syncs })
	return n
}

func TestErrFullAndRecoveryAfterAck(t *testing.T) {
	rec := int64(headerSize + 10)
	s, _ := open(t, Options{Dir: t.TempDir(), MaxBytes: 5 * rec, NoSync: true})
	appendN(t, s, 5, func(int) []byte { return make([]byte, 10) })
	_, err := s.Append(make([]byte, 10))
	if !errors.Is(err, ErrFull) {
		t.Fatalf("sixth Append err = %v, want ErrFull", err)
	}
	if _, err := s.Append(make([]byte, 6*rec)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversize Append err = %v, want ErrTooLarge", err)
	}
	if err := s.Ack(2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(make([]byte, 10), make([]byte, 10)); err != nil {
		t.Fatalf("Append after Ack: %v", err)
	}
	if st := s.Stats(); st.Bytes != 5*rec || st.Records != 5 {
		t.Fatalf("Stats = %+v, want 5 records of %d bytes", st, rec)
	}
}

func TestPeekLimits(t *testing.T) {
	s, _ := open(t, Options{Dir: t.TempDir(), NoSync: true})
	if got, err := s.Peek(10, 0); got != nil || err != nil {
		t.Fatalf("empty Peek = %v, %v", got, err)
	}
	appendN(t, s, 5, func(i int) []byte { return make([]byte, 100) })
	if got, _ := s.Peek(3, 0); len(got) != 3 {
		t.Fatalf("Peek(3) returned %d", len(got))
	}
	if got, _ := s.Peek(0, 250); len(got) != 2 {
		t.Fatalf("Peek(maxBytes 250) returned %d records of 100, want 2", len(got))
	}
	if got, _ := s.Peek(0, 1); len(got) != 1 {
		t.Fatalf("Peek(maxBytes 1) returned %d, want the first record anyway", len(got))
	}
}

func TestWaitWakesOnAppendAndClose(t *testing.T) {
	s, _ := open(t, Options{Dir: t.TempDir(), NoSync: true})
	ch := s.Wait()
	select {
	case <-ch:
		t.Fatal("Wait closed before any Append")
	default:
	}
	if _, err := s.Append([]byte("x")); err != nil {
		t.Fatal(err)
	}
	<-ch // closed by the Append
	next := s.Wait()
	select {
	case <-next:
		t.Fatal("a new Wait is already closed")
	default:
	}
	s.Close()
	<-next
	<-s.Wait()
}

func TestClosed(t *testing.T) {
	s, _ := open(t, Options{Dir: t.TempDir(), NoSync: true})
	s.Close()
	if _, err := s.Append([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
	if _, err := s.Peek(1, 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Peek after Close: %v", err)
	}
	if err := s.Ack(1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Ack after Close: %v", err)
	}
	if err := s.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
}

// waitFor polls cond, yielding between tries; it never sleeps a fixed time.
func waitFor(tb testing.TB, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatal("condition not met within 10s")
		}
		runtime.Gosched()
	}
}

// TestForwarderDrainsWhileAppending runs the forwarder's loop (Wait, Peek,
// Ack) against concurrent Appends across rotating segments: it must see
// every record once, in seq order, and leave the directory nearly empty.
func TestForwarderDrainsWhileAppending(t *testing.T) {
	dir := t.TempDir()
	s, _ := open(t, Options{Dir: dir, SegmentBytes: 512, NoSync: true})
	const writers, each = 16, 100
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := s.Append([]byte{byte(g), byte(i)}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var last uint64
	seen := 0
	for seen < writers*each {
		wake := s.Wait()
		recs, err := s.Peek(7, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			<-wake
			continue
		}
		for _, r := range recs {
			if r.Seq <= last {
				t.Fatalf("seq %d delivered after %d", r.Seq, last)
			}
			last = r.Seq
		}
		seen += len(recs)
		if err := s.Ack(last); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if s.Len() != 0 || peekAll(t, s) != nil {
		t.Fatalf("Len %d after draining", s.Len())
	}
	if n := len(segFiles(t, dir)); n != 1 {
		t.Fatalf("%d segment files after draining, want the last one only", n)
	}
	if st := s.Stats(); st.Appended != writers*each || st.Acked != writers*each || st.Bytes != 0 {
		t.Fatalf("Stats = %+v", st)
	}
}

func TestOpenCreatesDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "var", "spool")
	s, _ := open(t, Options{Dir: dir})
	if _, err := s.Append([]byte("x")); err != nil {
		t.Fatal(err)
	}
	// At most 0o750: the umask may take more away.
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() || fi.Mode().Perm()&^0o750 != 0 {
		t.Fatalf("spool dir: %v, %v", fi, err)
	}
	if _, _, err := Open(Options{}); err == nil {
		t.Fatal("Open without a Dir succeeded")
	}
}
