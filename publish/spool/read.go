package spool

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// span is a run of records to read from one segment.
type span struct {
	path string
	ents []entry
}

// Peek returns up to max of the oldest unacknowledged records in order (max
// <= 0: no limit), stopping before the data would pass maxBytes (<= 0: no
// limit) but always returning at least one record when there is one. It
// returns nil when the spool is empty; repeated Peeks without Ack return the
// same records. Only durable records are seen, and the disk is read without
// holding the lock Append needs.
//
// Each record's checksum is checked again. A record damaged on disk since it
// was written yields the records before it and a *CorruptRecordError; the
// consumer can report it and Ack its Seq to get past it.
func (s *Spool) Peek(max int, maxBytes int64) ([]Record, error) {
	spans, err := s.plan(max, maxBytes)
	if err != nil || len(spans) == 0 {
		return nil, err
	}
	var out []Record
	for _, sp := range spans {
		if out, err = s.read(out, sp); err != nil {
			return out, err
		}
	}
	return out, nil
}

// plan picks the records Peek returns, under the lock.
func (s *Spool) plan(max int, maxBytes int64) ([]span, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	var spans []span
	n, bytes := 0, int64(0)
	for _, g := range s.segs {
		var ents []entry
		for _, e := range g.recs {
			data := e.size - headerSize
			if n > 0 && ((max > 0 && n >= max) || (maxBytes > 0 && bytes+data > maxBytes)) {
				break
			}
			ents = append(ents, e)
			n, bytes = n+1, bytes+data
		}
		if len(ents) > 0 {
			spans = append(spans, span{path: g.path, ents: ents})
		}
		if len(ents) < len(g.recs) {
			break
		}
	}
	return spans, nil
}

// read reads one span with a single read and decodes its records.
func (s *Spool) read(out []Record, sp span) ([]Record, error) {
	f, err := s.openFile(sp.path, os.O_RDONLY, 0)
	if err != nil {
		return out, fmt.Errorf("spool: peek %s: %w", sp.path, err)
	}
	defer f.Close()
	start, last := sp.ents[0].off, sp.ents[len(sp.ents)-1]
	buf := make([]byte, last.off+last.size-start)
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return out, fmt.Errorf("spool: peek %s: %w", sp.path, err)
	}
	if _, err := io.ReadFull(f, buf); err != nil {
		return out, fmt.Errorf("spool: peek %s at %d: %w", sp.path, start, err)
	}
	for _, e := range sp.ents {
		fr, ok := decodeFrame(buf[e.off-start : e.off-start+e.size])
		if !ok || fr.seq != e.seq {
			return out, &CorruptRecordError{Seq: e.seq, Path: sp.path, Offset: e.off}
		}
		out = append(out, Record{Seq: fr.seq, Time: time.Unix(0, fr.ns), Data: fr.data})
	}
	return out, nil
}

// CorruptRecordError is a record that changed on disk after it was written.
type CorruptRecordError struct {
	Seq    uint64
	Path   string
	Offset int64
}

func (e *CorruptRecordError) Error() string {
	return fmt.Sprintf("spool: record %d in %s at offset %d changed on disk since it was written (failing disk?); Ack %d to skip it",
		e.Seq, e.Path, e.Offset, e.Seq)
}

// Ack marks the records with Seq <= upTo delivered: it forgets them, deletes
// segment files left with no live record, and persists upTo as the
// checkpoint. The checkpoint only moves forward (an older upTo is a no-op)
// and never past the last durable record. It is not fsynced: after a crash
// the records since an unsynced checkpoint are delivered again.
func (s *Spool) Ack(upTo uint64) error {
	s.ackMu.Lock()
	defer s.ackMu.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	upTo = min(upTo, s.durable)
	if upTo <= s.acked {
		s.mu.Unlock()
		return nil
	}
	var dead []*segment
	for len(s.segs) > 0 {
		g := s.segs[0]
		n := 0
		for n < len(g.recs) && g.recs[n].seq <= upTo {
			s.liveBytes -= g.recs[n].size
			n++
		}
		g.recs = g.recs[n:]
		if len(g.recs) == 0 {
			g.recs = nil // let the backing array go
		}
		s.ackedN += uint64(n)
		s.live.Add(-int64(n))
		// The last segment stays: appends go there, and its name keeps
		// the sequence from going back if the checkpoint is lost.
		if len(g.recs) > 0 || len(s.segs) == 1 {
			break
		}
		dead = append(dead, g)
		s.segs = s.segs[1:]
	}
	s.acked = upTo
	s.mu.Unlock()

	errs := []error{s.writeCheckpoint(upTo)}
	for _, g := range dead {
		errs = append(errs, g.retire())
	}
	return errors.Join(errs...)
}

// Check reports whether the spool can be written right now, for readiness
// probes: it writes, fsyncs and removes a small file in the directory. A
// success clears the sticky error left by a failed Append (the next Append
// tries the disk again anyway); a failure says what failed and what to do.
func (s *Spool) Check() error {
	s.mu.Lock()
	closed, sticky := s.closed, s.err
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if err := s.probe(); err != nil {
		if sticky != nil {
			return fmt.Errorf("%w (last Append: %v)", err, sticky)
		}
		return err
	}
	s.mu.Lock()
	if s.err == sticky {
		s.err = nil
	}
	s.mu.Unlock()
	return nil
}

func (s *Spool) probe() error {
	path := filepath.Join(s.o.Dir, ".probe")
	f, err := s.openFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("spool directory %s is not writable: %w; %s", s.o.Dir, err, advice(err))
	}
	_, err = f.Write([]byte("mlango spool probe\n"))
	if err == nil && !s.o.NoSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	os.Remove(path)
	if err != nil {
		return fmt.Errorf("spool directory %s is not writable: %w; %s", s.o.Dir, err, advice(err))
	}
	return nil
}
