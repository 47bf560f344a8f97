package spool

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to Open as a segment file, or as two when
// split cuts it in two (damage in an older segment). Open must not panic, and every record it yields must be a frame, byte for byte, with a
// valid checksum that was in the input, in seq order. Appends after it must
// survive another reopen behind the recovered records.
func FuzzOpen(f *testing.F) {
	var valid []byte
	for i := range 4 {
		valid = appendFrame(valid, uint64(i+1), int64(i)*1e9, payload(i))
	}
	second := int64(len(appendFrame(nil, 1, 0, payload(0))))
	f.Add(valid, int64(0))
	f.Add(valid, second)
	f.Add(valid[:len(valid)-3], int64(0))
	f.Add(append(bytes.Clone(valid), make([]byte, 64)...), int64(0))
	f.Add(append(valid[:40:40], valid[60:]...), int64(0))
	f.Add(append(valid[:40:40], valid[60:]...), int64(100))
	f.Add([]byte{}, int64(0))
	f.Add([]byte("MLSP not a frame"), int64(0))

	f.Fuzz(func(t *testing.T, seg []byte, split int64) {
		dir := t.TempDir()
		files := [][]byte{seg}
		if split > 0 && split < int64(len(seg)) {
			files = [][]byte{seg[:split], seg[split:]}
		}
		for i, b := range files {
			if err := os.WriteFile(filepath.Join(dir, segName(uint64(i+1))), b, 0o640); err != nil {
				t.Fatal(err)
			}
		}
		o := Options{Dir: dir, NoSync: true}
		s, rec, err := Open(o)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		got := peekAll(t, s)
		if rec.Records != len(got) {
			t.Fatalf("Recovery.Records %d, Peek %d", rec.Records, len(got))
		}
		for _, r := range got {
			if !bytes.Contains(seg, appendFrame(nil, r.Seq, r.Time.UnixNano(), r.Data)) {
				t.Fatalf("record %d is not a valid frame of the input", r.Seq)
			}
		}
		seq, err := s.Append([]byte("after"))
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
		if len(got) > 0 && seq <= got[len(got)-1].Seq {
			t.Fatalf("Append seq %d not above recovered %d", seq, got[len(got)-1].Seq)
		}
		s.Close()

		s, _, err = Open(o)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		defer s.Close()
		again := peekAll(t, s)
		if want := append(seqsOf(got), seq); !slices.Equal(seqsOf(again), want) {
			t.Fatalf("after reopen records %v, want %v", seqsOf(again), want)
		}
	})
}

// FuzzDecodeFrame: decoding never panics, and what decodes re-encodes to
// the same bytes.
func FuzzDecodeFrame(f *testing.F) {
	f.Add(appendFrame(nil, 7, 42, []byte("data")))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, ok := decodeFrame(b)
		if !ok {
			return
		}
		if enc := appendFrame(nil, fr.seq, fr.ns, fr.data); !bytes.Equal(enc, b[:fr.size]) {
			t.Fatalf("decoded %+v re-encodes differently", fr)
		}
	})
}
