package spool

import (
	"errors"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestDiskFullMidWrite: the disk fills in the middle of a record. The Append
// fails saying so, the half record is cut away, Check and Stats report the
// failure, and once space returns Appends succeed and a reopen finds only
// the records whose Appends succeeded.
func TestDiskFullMidWrite(t *testing.T) {
	dir := t.TempDir()
	fs := newFaultFS()
	o := Options{Dir: dir, OpenFile: fs.open}
	s, _ := open(t, o)
	appendN(t, s, 3, payload)
	fs.set(func(fs *faultFS) { fs.budget = 10 })

	_, err := s.Append([]byte("this record does not fit"))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Append err = %v, want ENOSPC", err)
	}
	for _, want := range []string{"spool write to", segFiles(t, dir)[0], "free space"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if st := s.Stats(); st.Err == nil || st.Records != 3 {
		t.Fatalf("Stats = %+v, want the sticky error and 3 records", st)
	}
	if err := s.Check(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Check = %v, want ENOSPC", err)
	}
	if _, err := s.Append([]byte("still full")); err == nil {
		t.Fatal("Append succeeded on a full disk")
	}

	fs.set(func(fs *faultFS) { fs.budget = -1 })
	if err := s.Check(); err != nil {
		t.Fatalf("Check after space returned: %v", err)
	}
	seq, err := s.Append([]byte("space is back"))
	if err != nil {
		t.Fatalf("Append after space returned: %v", err)
	}
	if s.Stats().Err != nil {
		t.Fatal("sticky error kept after a successful Append")
	}
	s.Close()

	s, rec := open(t, Options{Dir: dir})
	got := peekAll(t, s)
	if rec.TornBytes != 0 || len(rec.CorruptSegments) != 0 {
		t.Fatalf("Recovery = %+v: the half record was left behind", rec)
	}
	if want := []uint64{1, 2, 3, seq}; !slices.Equal(seqsOf(got), want) {
		t.Fatalf("records = %v, want %v", seqsOf(got), want)
	}
	if string(got[3].Data) != "space is back" {
		t.Fatalf("last record = %q", got[3].Data)
	}
}

// TestSyncFails: fsync fails (EIO), so nobody can say what reached the disk.
// The Append fails, its bytes are cut, and since the cut cannot be synced
// either, the segment is abandoned for a new one.
func TestSyncFails(t *testing.T) {
	dir := t.TempDir()
	fs := newFaultFS()
	s, _ := open(t, Options{Dir: dir, OpenFile: fs.open})
	appendN(t, s, 2, payload)
	fs.set(func(fs *faultFS) { fs.syncErr = syscall.EIO })
	_, err := s.Append([]byte("unsynced"))
	if !errors.Is(err, syscall.EIO) || !strings.Contains(err.Error(), "fsync") {
		t.Fatalf("Append err = %v, want an fsync EIO", err)
	}
	if err := s.Check(); err == nil {
		t.Fatal("Check passed while fsync fails")
	}
	fs.set(func(fs *faultFS) { fs.syncErr = nil })
	seq, err := s.Append([]byte("synced"))
	if err != nil {
		t.Fatalf("Append after the fault cleared: %v", err)
	}
	if seq != 4 {
		t.Fatalf("seq = %d; the failed Append's seq 3 must not be reused in-process", seq)
	}
	s.Close()

	s, rec := open(t, Options{Dir: dir})
	if got := seqsOf(peekAll(t, s)); !slices.Equal(got, []uint64{1, 2, 4}) || rec.TornBytes != 0 {
		t.Fatalf("reopen: records %v, Recovery %+v", got, rec)
	}
}

// TestReadOnlyAfterPartialWrite: the write is cut short and the file cannot
// even be truncated (the filesystem went read-only). The half record stays
// in the abandoned segment; a reopen reports that segment and never replays
// the half record.
func TestReadOnlyAfterPartialWrite(t *testing.T) {
	dir := t.TempDir()
	fs := newFaultFS()
	s, _ := open(t, Options{Dir: dir, OpenFile: fs.open})
	appendN(t, s, 2, payload)
	abandoned := segFiles(t, dir)[0]
	fs.set(func(fs *faultFS) { fs.budget, fs.truncErr = 12, syscall.EROFS })
	if _, err := s.Append([]byte("half of this lands")); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Append err = %v", err)
	}
	fs.set(func(fs *faultFS) { fs.budget, fs.truncErr = -1, nil })
	seq, err := s.Append([]byte("in a new segment"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(segFiles(t, dir)); n != 2 {
		t.Fatalf("%d segments, want the abandoned one and a new one", n)
	}
	s.Close()

	s, rec := open(t, Options{Dir: dir})
	if !slices.Equal(rec.CorruptSegments, []string{abandoned}) {
		t.Fatalf("Recovery = %+v, want %s reported", rec, abandoned)
	}
	if got := seqsOf(peekAll(t, s)); !slices.Equal(got, []uint64{1, 2, seq}) {
		t.Fatalf("records = %v", got)
	}
}

// TestNewSegmentFails: the segment is full and the next one cannot be
// created (the filesystem went read-only). Appends fail saying so, and
// succeed once it is writable again.
func TestNewSegmentFails(t *testing.T) {
	dir := t.TempDir()
	fs := newFaultFS()
	s, _ := open(t, Options{Dir: dir, SegmentBytes: 100, OpenFile: fs.open})
	appendN(t, s, 3, payload)
	fs.set(func(fs *faultFS) { fs.openErr = syscall.EROFS })
	_, err := s.Append([]byte("needs a new segment"))
	if !errors.Is(err, syscall.EROFS) || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("Append err = %v, want EROFS with advice", err)
	}
	if err := s.Check(); !errors.Is(err, syscall.EROFS) {
		t.Fatalf("Check = %v", err)
	}
	fs.set(func(fs *faultFS) { fs.openErr = nil })
	seq, err := s.Append([]byte("writable again"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, rec := open(t, Options{Dir: dir})
	if got := seqsOf(peekAll(t, s)); !slices.Equal(got, []uint64{1, 2, 3, seq}) || len(rec.CorruptSegments) != 0 {
		t.Fatalf("reopen: %v, %+v", got, rec)
	}
}

// TestCheckpointWriteFails: Ack still moves the head in memory (the records
// were delivered) but says the checkpoint was not saved; a reopen then
// delivers them again rather than losing any.
func TestCheckpointWriteFails(t *testing.T) {
	dir := t.TempDir()
	fs := newFaultFS()
	s, _ := open(t, Options{Dir: dir, OpenFile: fs.open})
	appendN(t, s, 4, payload)
	fs.set(func(fs *faultFS) { fs.budget = 0 })
	if err := s.Ack(2); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Ack err = %v, want ENOSPC", err)
	}
	if got := seqsOf(peekAll(t, s)); !slices.Equal(got, []uint64{3, 4}) {
		t.Fatalf("after Ack(2): %v", got)
	}
	s.Close()
	s, _ = open(t, Options{Dir: dir})
	if got := seqsOf(peekAll(t, s)); !slices.Equal(got, []uint64{1, 2, 3, 4}) {
		t.Fatalf("after reopen: %v, want everything again", got)
	}
}

// TestOpenCannotCutTornTail: Open refuses to start appending after a torn
// tail it could not remove, and says where.
func TestOpenCannotCutTornTail(t *testing.T) {
	dir := t.TempDir()
	s, _ := open(t, Options{Dir: dir, NoSync: true})
	appendN(t, s, 2, payload)
	s.Close()
	path := segFiles(t, dir)[0]
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, append(b, 0, 0, 0), 0o640); err != nil {
		t.Fatal(err)
	}
	fs := newFaultFS()
	fs.set(func(fs *faultFS) { fs.truncErr = syscall.EROFS })
	_, _, err := Open(Options{Dir: dir, OpenFile: fs.open})
	if !errors.Is(err, syscall.EROFS) || !strings.Contains(err.Error(), "torn tail") {
		t.Fatalf("Open err = %v", err)
	}
	// The failed Open released the directory.
	s, rec := open(t, Options{Dir: dir})
	if rec.Records != 2 || rec.TornBytes != 3 {
		t.Fatalf("Recovery = %+v", rec)
	}
}
