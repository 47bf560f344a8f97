// Package spool is a durable write-ahead spool of opaque records on local
// disk. The gateway appends an event here when JetStream cannot acknowledge it
// in time, so it can still answer the carrier 2xx; a forwarder later drains
// the spool to JetStream in order:
//
//	for {
//		wake := s.Wait()
//		recs, err := s.Peek(100, 1<<20)
//		if len(recs) == 0 && err == nil { <-wake; continue }
//		... publish recs in order, then s.Ack(recs[len(recs)-1].Seq)
//	}
//
// Records live in segment files named after the sequence number of their
// first record. Each record is framed with a CRC-32C, so a torn or zeroed
// tail is recognised after a crash and cut, never replayed. Acknowledged
// segments are deleted. Delivery is at-least-once: after a crash the records
// since the last persisted Ack come again, so the consumer de-duplicates.
// Seqs only grow, across restarts too, but have gaps where an Append failed.
//
// The spool owns its directory: *.seg, *.seg.corrupt (damaged segments set
// aside for an operator), checkpoint, lock and .probe. One process at a time
// (Open takes a lock). It keeps about 32 bytes of memory per live record.
// It imports only the standard library.
package spool

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

var (
	// ErrFull means an Append would take the live bytes past MaxBytes. The
	// caller should answer 503 so the carrier retries later.
	ErrFull = errors.New("spool full")
	// ErrClosed is returned by every method after Close.
	ErrClosed = errors.New("spool closed")
	// ErrTooLarge means one Append can never fit, whatever is acknowledged:
	// retrying it is pointless.
	ErrTooLarge = errors.New("spool record too large")
)

// Defaults applied by Open when the Options leave them at zero.
const (
	DefaultMaxBytes     int64 = 1 << 30
	DefaultSegmentBytes int64 = 16 << 20
)

// Options configures Open.
type Options struct {
	Dir          string // created (0o750) if missing; the spool owns the files in it
	MaxBytes     int64  // bound on bytes of records not yet acknowledged (framing included); DefaultMaxBytes when <= 0
	SegmentBytes int64  // a segment file is rotated past this size; DefaultSegmentBytes when <= 0
	NoSync       bool   // tests and benchmarks only: skip fsync
	// OpenFile opens segment, checkpoint and probe files; nil means
	// os.OpenFile. Tests inject faults (ENOSPC after N bytes, EROFS) through it.
	OpenFile func(name string, flag int, perm os.FileMode) (File, error)
}

// File is what the spool needs of an open file; *os.File satisfies it.
type File interface {
	io.Reader
	io.Writer
	io.Seeker
	io.Closer
	Sync() error
	Truncate(int64) error
	Stat() (os.FileInfo, error)
}

// Record is one appended record.
type Record struct {
	Seq  uint64    // 1-based, strictly increasing across restarts (gaps are possible after a failed Append)
	Time time.Time // when appended (wall clock, stored in the record)
	Data []byte
}

// Recovery is what Open found on disk.
type Recovery struct {
	Records         int      // live (unacknowledged) records
	TornBytes       int64    // bytes of a torn tail cut from the last segment
	CorruptSegments []string // segments whose reading stopped at a bad record before their end
}

// Stats is a snapshot of the spool.
type Stats struct {
	Records         int       // appended, not yet acknowledged
	Bytes           int64     // their size on disk, framing included
	Oldest          time.Time // append time of the oldest unacknowledged record; zero when empty
	Appended, Acked uint64    // records, since Open
	Syncs           uint64    // fsyncs of appended data since Open; Appended/Syncs is what group commit saves
	Err             error     // last write/sync error while the spool is failing writes, else nil
}

// entry locates one durable record.
type entry struct {
	seq  uint64
	ns   int64
	off  int64
	size int64
}

// segment is one segment file and its durable, unacknowledged records.
type segment struct {
	first uint64 // from the name: no record in it is below this
	path  string
	recs  []entry
	// corrupt segments are renamed aside, not deleted, once acknowledged:
	// past the damage there may be records an operator can still rescue.
	corrupt bool
}

// retire removes a segment whose records are all acknowledged.
func (g *segment) retire() error {
	var err error
	if g.corrupt {
		err = os.Rename(g.path, g.path+corruptSuffix)
	} else {
		err = os.Remove(g.path)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("spool: delete acknowledged segment: %w", err)
	}
	return nil
}

// batch is the group of Appends that share one write and one fsync.
type batch struct {
	first uint64
	buf   []byte
	ents  []entry // off relative to buf
	done  chan struct{}
	err   error
}

// Spool is a durable, bounded, ordered spool. Append, Peek, Ack, Len, Wait,
// Stats, Check and Close are safe for concurrent use; Peek and Ack are meant
// for one consumer.
type Spool struct {
	o        Options
	openFile func(string, int, os.FileMode) (File, error)
	ckpt     File
	lock     *os.File // held while open; nil where locking is unsupported

	ackMu sync.Mutex // serialises Ack so the checkpoint only moves forward

	mu        sync.Mutex
	segs      []*segment // oldest first; the last one is where appends go
	nextSeq   uint64
	durable   uint64 // highest seq known to be on disk
	acked     uint64
	liveBytes int64
	pending   *batch
	pendBytes int64
	err       error
	wake      chan struct{}
	closed    bool
	appended  uint64
	syncs     uint64
	ackedN    uint64
	live      atomic.Int64 // mirrors the record count for Len without the lock

	kick chan struct{}
	done chan struct{}
	w    writer // owned by the writer goroutine
}

// Len returns the number of unacknowledged records. It takes no lock.
func (s *Spool) Len() int { return int(s.live.Load()) }

// Wait returns a channel that is closed when records are next appended (or
// the spool is closed). Take the channel before checking Len, and no wake-up
// can be missed:
//
//	ch := s.Wait()
//	if s.Len() == 0 { <-ch }
func (s *Spool) Wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wake
}

// Stats returns a snapshot.
func (s *Spool) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{
		Records:  s.Len(),
		Bytes:    s.liveBytes,
		Appended: s.appended,
		Acked:    s.ackedN,
		Syncs:    s.syncs,
		Err:      s.err,
	}
	for _, g := range s.segs {
		if len(g.recs) > 0 {
			st.Oldest = time.Unix(0, g.recs[0].ns)
			break
		}
	}
	return st
}

// Close waits for Appends in flight to finish, then closes the files. Later
// calls return ErrClosed.
func (s *Spool) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.closed = true
	close(s.wake)
	s.mu.Unlock()
	s.signal()
	<-s.done

	var errs []error
	if s.w.f != nil {
		errs = append(errs, s.w.f.Close())
	}
	s.ackMu.Lock()
	errs = append(errs, s.ckpt.Close())
	s.ackMu.Unlock()
	if s.lock != nil {
		errs = append(errs, s.lock.Close())
	}
	return errors.Join(errs...)
}

func (s *Spool) signal() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}
