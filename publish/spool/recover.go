package spool

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

const (
	segSuffix     = ".seg"
	corruptSuffix = ".corrupt" // a corrupt segment, acknowledged and kept for an operator
	ckptName      = "checkpoint"
	lockName      = "lock"
	ckptMagic     = 0x4b43534d // "MSCK"
	ckptSize      = 16
	segNameLen    = 20 // zero-padded first seq, so names sort in order
)

func segName(first uint64) string { return fmt.Sprintf("%020d%s", first, segSuffix) }

// Open opens the spool in o.Dir, creating it if missing, and recovers what a
// previous process left: every segment is scanned and checked record by
// record. A bad record with nothing valid after it in the last segment is a
// torn write: the file is cut there and appends continue after it. A bad
// record anywhere else is corruption: that segment is read only up to it
// (the file is left as it is), the records in later segments are kept, and
// new appends go to a fresh segment.
func Open(o Options) (*Spool, Recovery, error) {
	if o.Dir == "" {
		return nil, Recovery{}, errors.New("spool: Options.Dir is empty")
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = DefaultSegmentBytes
	}
	s := &Spool{
		o:        o,
		openFile: o.OpenFile,
		wake:     make(chan struct{}),
		kick:     make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	if s.openFile == nil {
		s.openFile = func(name string, flag int, perm os.FileMode) (File, error) {
			return os.OpenFile(name, flag, perm)
		}
	}
	if err := makeDir(o.Dir, o.NoSync); err != nil {
		return nil, Recovery{}, err
	}
	lock, err := lockDir(o.Dir)
	if err != nil {
		return nil, Recovery{}, err
	}
	s.lock = lock
	rec, err := s.recover()
	if err != nil {
		if s.lock != nil {
			s.lock.Close()
		}
		if s.ckpt != nil {
			s.ckpt.Close()
		}
		if s.w.f != nil {
			s.w.f.Close()
		}
		return nil, Recovery{}, err
	}
	go s.run()
	return s, rec, nil
}

// makeDir creates dir if missing and fsyncs its parent, so a crash cannot
// lose the directory with the records in it.
func makeDir(dir string, noSync bool) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("spool: create %s: %w", dir, err)
	}
	if noSync {
		return nil
	}
	if err := syncDir(filepath.Dir(filepath.Clean(dir))); err != nil {
		return fmt.Errorf("spool: fsync the parent of %s: %w", dir, err)
	}
	return nil
}

func (s *Spool) recover() (Recovery, error) {
	var rec Recovery
	if err := s.loadCheckpoint(); err != nil {
		return rec, err
	}
	firsts, err := listSegments(s.o.Dir)
	if err != nil {
		return rec, err
	}
	var last uint64 // highest seq seen: every later record must be above it
	healthy := false
	for i, first := range firsts {
		g := &segment{first: first, path: filepath.Join(s.o.Dir, segName(first))}
		isLast := i == len(firsts)-1
		size, torn, corrupt, err := s.scan(g, &last, isLast)
		if err != nil {
			return rec, err
		}
		rec.TornBytes += torn
		if corrupt {
			g.corrupt = true
			rec.CorruptSegments = append(rec.CorruptSegments, g.path)
		}
		last = max(last, first-1)
		s.segs = append(s.segs, g)
		if isLast && !corrupt {
			healthy = true
			s.w.seg, s.w.size = g, size
		}
	}
	last = max(last, s.acked)
	s.nextSeq = last + 1
	s.durable = last
	s.dropAcked()
	for _, g := range s.segs {
		for _, e := range g.recs {
			s.liveBytes += e.size
		}
		rec.Records += len(g.recs)
	}
	s.live.Store(int64(rec.Records))
	if healthy {
		f, err := s.openFile(s.w.seg.path, os.O_RDWR, 0)
		if err != nil {
			return rec, fmt.Errorf("spool: open %s for appending: %w", s.w.seg.path, err)
		}
		s.w.f = f // closed by Open if the Seek fails
		if _, err := f.Seek(s.w.size, io.SeekStart); err != nil {
			return rec, fmt.Errorf("spool: open %s for appending: %w", s.w.seg.path, err)
		}
	}
	return rec, nil
}

// dropAcked forgets records at or below the checkpoint and deletes the
// segments left with none (deletions a crash may have lost). The last
// segment stays: its name keeps the sequence from going back.
func (s *Spool) dropAcked() {
	for _, g := range s.segs {
		n := 0
		for n < len(g.recs) && g.recs[n].seq <= s.acked {
			n++
		}
		g.recs = g.recs[n:]
	}
	keep := s.segs[:0]
	for i, g := range s.segs {
		if len(g.recs) == 0 && i < len(s.segs)-1 {
			g.retire() // a failure leaves it for the next Open
			continue
		}
		keep = append(keep, g)
	}
	s.segs = keep
}

// scan reads one segment and indexes its valid records. It cuts a torn tail
// of the last segment and returns the size that remains.
func (s *Spool) scan(g *segment, last *uint64, isLast bool) (size, torn int64, corrupt bool, err error) {
	flag := os.O_RDONLY
	if isLast {
		flag = os.O_RDWR
	}
	f, err := s.openFile(g.path, flag, 0)
	if err != nil {
		return 0, 0, false, fmt.Errorf("spool: open %s: %w", g.path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return 0, 0, false, fmt.Errorf("spool: read %s: %w", g.path, err)
	}
	good := indexFrames(b, g, last)
	if good == int64(len(b)) {
		return good, 0, false, nil
	}
	found, hi := resync(b[good:], *last)
	if !isLast || found {
		// Later seqs must stay above whatever valid records lie past the
		// damage (and the new segment's name must differ from this one's).
		*last = max(*last, hi, g.first)
		return good, 0, true, nil
	}
	// A torn write: cut it so the next append does not follow garbage.
	if err := f.Truncate(good); err != nil {
		return 0, 0, false, fmt.Errorf("spool: cut torn tail of %s at %d: %w", g.path, good, err)
	}
	if !s.o.NoSync {
		if err := f.Sync(); err != nil {
			return 0, 0, false, fmt.Errorf("spool: sync %s: %w", g.path, err)
		}
	}
	return good, int64(len(b)) - good, false, nil
}

// indexFrames appends the valid records at the start of b to g and returns
// the offset of the first byte that is not one. A record must have a seq
// above every record before it; one that does not is stale, not ours.
func indexFrames(b []byte, g *segment, last *uint64) int64 {
	var off int64
	for off < int64(len(b)) {
		fr, ok := decodeFrame(b[off:])
		if !ok || fr.seq <= *last {
			break
		}
		g.recs = append(g.recs, entry{seq: fr.seq, ns: fr.ns, off: off, size: fr.size})
		*last = fr.seq
		off += fr.size
	}
	return off
}

// resync reports whether a valid record follows the bad bytes at the start
// of b (then they are damage in the middle of the file, not a torn tail) and
// the highest seq among such records.
func resync(b []byte, last uint64) (found bool, hi uint64) {
	var magic [4]byte
	binary.LittleEndian.PutUint32(magic[:], frameMagic)
	for i := 1; i+headerSize <= len(b); i++ {
		j := bytes.Index(b[i:], magic[:])
		if j < 0 {
			break
		}
		i += j
		if fr, ok := decodeFrame(b[i:]); ok && fr.seq > last {
			found, hi = true, max(hi, fr.seq)
		}
	}
	return found, hi
}

func listSegments(dir string) ([]uint64, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("spool: list %s: %w", dir, err)
	}
	var firsts []uint64
	for _, de := range des {
		name := de.Name()
		num, ok := strings.CutSuffix(name, segSuffix)
		if !ok || len(num) != segNameLen || !de.Type().IsRegular() {
			continue
		}
		first, err := strconv.ParseUint(num, 10, 64)
		if err != nil || first == 0 {
			continue
		}
		firsts = append(firsts, first)
	}
	slices.Sort(firsts)
	return firsts, nil
}

// loadCheckpoint opens the checkpoint file and reads the acknowledged seq.
// A missing, short or damaged checkpoint reads as 0: records are delivered
// again, which the consumer de-duplicates.
func (s *Spool) loadCheckpoint() error {
	path := filepath.Join(s.o.Dir, ckptName)
	f, err := s.openFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("spool: open %s: %w", path, err)
	}
	s.ckpt = f
	var b [ckptSize]byte
	if _, err := io.ReadFull(f, b[:]); err != nil {
		return nil
	}
	if binary.LittleEndian.Uint32(b[:]) == ckptMagic &&
		crc32.Checksum(b[8:], castagnoli) == binary.LittleEndian.Uint32(b[4:]) {
		s.acked = binary.LittleEndian.Uint64(b[8:])
	}
	return nil
}

// writeCheckpoint overwrites the checkpoint in place. It is not fsynced: a
// lost checkpoint only means records are delivered again.
func (s *Spool) writeCheckpoint(acked uint64) error {
	var b [ckptSize]byte
	binary.LittleEndian.PutUint32(b[:], ckptMagic)
	binary.LittleEndian.PutUint64(b[8:], acked)
	binary.LittleEndian.PutUint32(b[4:], crc32.Checksum(b[8:], castagnoli))
	if _, err := s.ckpt.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("spool: write checkpoint: %w", err)
	}
	if _, err := s.ckpt.Write(b[:]); err != nil {
		return fmt.Errorf("spool: write checkpoint: %w", err)
	}
	return nil
}
