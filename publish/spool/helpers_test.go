package spool

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// open opens a spool on dir and closes it when the test ends (unless the
// test closed it already).
func open(tb testing.TB, o Options) (*Spool, Recovery) {
	tb.Helper()
	s, rec, err := Open(o)
	if err != nil {
		tb.Fatalf("Open(%s): %v", o.Dir, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, rec
}

func payload(seq int) []byte {
	return []byte(fmt.Sprintf("event-%04d-%s", seq, bytes.Repeat([]byte{'x'}, seq%17)))
}

// appendN appends n records one by one and returns their seqs.
func appendN(tb testing.TB, s *Spool, n int, data func(i int) []byte) []uint64 {
	tb.Helper()
	seqs := make([]uint64, 0, n)
	for i := range n {
		seq, err := s.Append(data(i))
		if err != nil {
			tb.Fatalf("Append %d: %v", i, err)
		}
		seqs = append(seqs, seq)
	}
	return seqs
}

// peekAll returns every live record, checking they come in seq order.
func peekAll(tb testing.TB, s *Spool) []Record {
	tb.Helper()
	recs, err := s.Peek(0, 0)
	if err != nil {
		tb.Fatalf("Peek: %v", err)
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].Seq <= recs[i-1].Seq {
			tb.Fatalf("Peek out of order: seq %d after %d", recs[i].Seq, recs[i-1].Seq)
		}
	}
	return recs
}

func seqsOf(recs []Record) []uint64 {
	out := make([]uint64, len(recs))
	for i, r := range recs {
		out[i] = r.Seq
	}
	return out
}

func segFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"+segSuffix))
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// copyDir copies the regular files of src into a new temp dir, as a
// crashed machine's disk would hold them: whatever each file held when read.
func copyDir(tb testing.TB, src string) string {
	tb.Helper()
	dst := tb.TempDir()
	des, err := os.ReadDir(src)
	if err != nil {
		tb.Fatal(err)
	}
	for _, de := range des {
		b, err := os.ReadFile(filepath.Join(src, de.Name()))
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted since the listing
			}
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, de.Name()), b, 0o640); err != nil {
			tb.Fatal(err)
		}
	}
	return dst
}

// faultFS hands out files whose writes, syncs and truncates fail on demand,
// as a full or failing disk would make them.
type faultFS struct {
	mu       sync.Mutex
	budget   int64 // bytes that can still be written; < 0 means no limit
	syncErr  error
	truncErr error
	openErr  error // for files opened with O_CREATE
	syncs    int
	syncHook func() // called at the start of every Sync, outside mu
}

func newFaultFS() *faultFS { return &faultFS{budget: -1} }

func (fs *faultFS) set(fn func(fs *faultFS)) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fn(fs)
}

func (fs *faultFS) open(name string, flag int, perm os.FileMode) (File, error) {
	fs.mu.Lock()
	err := fs.openErr
	fs.mu.Unlock()
	if err != nil && flag&os.O_CREATE != 0 {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: f, fs: fs}, nil
}

type faultFile struct {
	*os.File
	fs *faultFS
}

func (f *faultFile) Write(p []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.fs.budget < 0 || int64(len(p)) <= f.fs.budget {
		if f.fs.budget >= 0 {
			f.fs.budget -= int64(len(p))
		}
		return f.File.Write(p)
	}
	// Write what fits, then fail: the half record a full disk leaves.
	n, _ := f.File.Write(p[:f.fs.budget])
	f.fs.budget = 0
	return n, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
}

func (f *faultFile) Sync() error {
	f.fs.mu.Lock()
	hook := f.fs.syncHook
	f.fs.mu.Unlock()
	if hook != nil {
		hook()
	}
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	f.fs.syncs++
	if f.fs.syncErr != nil {
		return &os.PathError{Op: "sync", Path: f.Name(), Err: f.fs.syncErr}
	}
	return f.File.Sync()
}

func (f *faultFile) Truncate(n int64) error {
	f.fs.mu.Lock()
	err := f.fs.truncErr
	f.fs.mu.Unlock()
	if err != nil {
		return &os.PathError{Op: "truncate", Path: f.Name(), Err: err}
	}
	return f.File.Truncate(n)
}

var _ io.ReadWriteSeeker = (*faultFile)(nil)
