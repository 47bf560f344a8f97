package spool

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// writer is the state only the writer goroutine touches (and Close, after
// the goroutine has stopped).
type writer struct {
	seg  *segment // where appends go; nil after a failure that left it unusable
	f    File
	size int64 // bytes known good (written and fsynced) in f
}

// Append writes the records and returns the seq of the first. When it
// returns nil they are on disk and fsynced (unless NoSync); the rest get
// consecutive seqs. Concurrent Appends share one write and one fsync.
//
// On error the records are not delivered: ErrFull (answer 503), ErrTooLarge,
// ErrClosed, or a write/sync error naming the file and what to do; later
// Appends retry the disk. One exception, at-least-once as ever: when fsync
// failed and the disk then refused to cut the records back, they may be
// delivered after a restart.
func (s *Spool) Append(data ...[]byte) (first uint64, err error) {
	if len(data) == 0 {
		return 0, nil
	}
	var size int64
	for _, d := range data {
		if len(d) > maxData {
			return 0, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(d), maxData)
		}
		size += headerSize + int64(len(d))
	}
	if size > s.o.MaxBytes {
		return 0, fmt.Errorf("%w: %d bytes exceed MaxBytes %d", ErrTooLarge, size, s.o.MaxBytes)
	}
	ns := time.Now().UnixNano()

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, ErrClosed
	}
	if held := s.liveBytes + s.pendBytes; held+size > s.o.MaxBytes {
		s.mu.Unlock()
		return 0, fmt.Errorf("%w: %d bytes held + %d new > MaxBytes %d; acknowledge records or raise MaxBytes",
			ErrFull, held, size, s.o.MaxBytes)
	}
	if s.nextSeq == 0 || s.nextSeq > math.MaxUint64-uint64(len(data)) {
		s.mu.Unlock()
		return 0, errors.New("spool: sequence numbers exhausted; move the spool directory aside")
	}
	b := s.pending
	if b == nil {
		b = &batch{first: s.nextSeq, done: make(chan struct{})}
		s.pending = b
	}
	first = s.nextSeq
	for _, d := range data {
		b.ents = append(b.ents, entry{seq: s.nextSeq, ns: ns, off: int64(len(b.buf)), size: headerSize + int64(len(d))})
		b.buf = appendFrame(b.buf, s.nextSeq, ns, d)
		s.nextSeq++
	}
	s.pendBytes += size
	s.mu.Unlock()

	s.signal()
	<-b.done
	if b.err != nil {
		return 0, b.err
	}
	return first, nil
}

// run is the writer goroutine: it takes whatever Appends queued while the
// previous write was in flight and commits them together (group commit).
func (s *Spool) run() {
	defer close(s.done)
	for range s.kick {
		for {
			s.mu.Lock()
			b, closed := s.pending, s.closed
			s.pending = nil
			s.mu.Unlock()
			if b == nil {
				if closed {
					return
				}
				break
			}
			s.commit(b)
		}
	}
}

func (s *Spool) commit(b *batch) {
	base, err := s.write(b)
	s.mu.Lock()
	s.pendBytes -= int64(len(b.buf))
	if err == nil {
		g := s.w.seg
		for _, e := range b.ents {
			e.off += base
			g.recs = append(g.recs, e)
		}
		s.liveBytes += int64(len(b.buf))
		s.durable = b.ents[len(b.ents)-1].seq
		s.appended += uint64(len(b.ents))
		if !s.o.NoSync {
			s.syncs++
		}
		s.live.Add(int64(len(b.ents)))
		s.err = nil
		if !s.closed {
			close(s.wake)
			s.wake = make(chan struct{})
		}
	} else {
		s.err = err
	}
	s.mu.Unlock()
	b.err = err
	close(b.done)
}

// write puts the batch at the end of the active segment and fsyncs it,
// returning the offset it starts at. On failure the segment is cut back to
// its last good size so no later record follows half a batch; if even that
// fails, the segment is abandoned and the next write starts a new one.
// Seqs are never reused within a process, so records of a failed batch that
// did reach an abandoned segment cannot be confused with later ones.
func (s *Spool) write(b *batch) (int64, error) {
	if s.w.f == nil || s.w.size >= s.o.SegmentBytes {
		if err := s.rotate(b.first); err != nil {
			return 0, err
		}
	}
	op := "write"
	_, err := s.w.f.Write(b.buf)
	if err == nil && !s.o.NoSync {
		op = "fsync"
		err = s.w.f.Sync()
	}
	if err != nil {
		s.rollback()
		return 0, fmt.Errorf("spool %s to %s failed: %w; %s", op, s.w.seg.path, cause(err), advice(err))
	}
	base := s.w.size
	s.w.size += int64(len(b.buf))
	return base, nil
}

func (s *Spool) rollback() {
	f, good := s.w.f, s.w.size
	err := f.Truncate(good)
	if err == nil {
		_, err = f.Seek(good, io.SeekStart)
	}
	if err == nil && !s.o.NoSync {
		err = f.Sync()
	}
	if err != nil {
		f.Close()
		s.w.f = nil
	}
}

// rotate closes the active segment and starts a new one named after first.
func (s *Spool) rotate(first uint64) error {
	path := filepath.Join(s.o.Dir, segName(first))
	f, err := s.openFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return fmt.Errorf("spool create %s failed: %w; %s", path, cause(err), advice(err))
	}
	if !s.o.NoSync {
		// The new name must survive a crash, or so would not its records.
		if err := syncDir(s.o.Dir); err != nil {
			f.Close()
			os.Remove(path)
			return fmt.Errorf("spool fsync of directory %s failed: %w; %s", s.o.Dir, err, advice(err))
		}
	}
	if s.w.f != nil {
		s.w.f.Close()
	}
	g := &segment{first: first, path: path}
	s.w = writer{seg: g, f: f}
	s.mu.Lock()
	s.segs = append(s.segs, g)
	s.mu.Unlock()
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// cause strips the *os.PathError our message already says the same as, so
// it reads "write to X failed: no space left on device"; errors.Is still
// finds the errno.
func cause(err error) error {
	if pe, ok := errors.AsType[*os.PathError](err); ok {
		return pe.Err
	}
	return err
}

// advice tells the operator what to do about a failed write.
func advice(err error) string {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return "free space on the spool's filesystem or lower MaxBytes; Appends retry and recover when space returns"
	case errors.Is(err, syscall.EROFS):
		return "the filesystem is read-only (often remounted after disk errors); check the disk and remount it read-write"
	case errors.Is(err, syscall.EIO):
		return "the disk reported an I/O error; check the device and the kernel log"
	case errors.Is(err, os.ErrPermission):
		return "give the gateway's user write access to the spool directory"
	default:
		return "Appends retry; if this persists, check the spool directory's disk"
	}
}
