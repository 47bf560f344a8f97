package spool

import (
	"encoding/binary"
	"hash/crc32"
)

// A frame on disk is a 28-byte header followed by the record's data:
//
//	magic  uint32  frameMagic, so a zeroed or foreign tail is rejected cheaply
//	crc    uint32  CRC-32C over everything after it (length, seq, time, data)
//	length uint32  len(data)
//	seq    uint64
//	time   int64   Unix nanoseconds
//
// All little-endian. The CRC covers the length too, so a flipped length bit
// cannot make the reader skip into the middle of the next record and accept it.
const (
	frameMagic uint32 = 0x50534c4d // "MLSP"
	headerSize        = 28

	// maxData keeps a frame's length inside its uint32 field and a single
	// Append's buffer inside what a 64-bit process can allocate sanely.
	maxData = 1<<31 - headerSize
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendFrame appends the framed record to dst.
func appendFrame(dst []byte, seq uint64, ns int64, data []byte) []byte {
	start := len(dst)
	dst = binary.LittleEndian.AppendUint32(dst, frameMagic)
	dst = binary.LittleEndian.AppendUint32(dst, 0)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(data)))
	dst = binary.LittleEndian.AppendUint64(dst, seq)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(ns))
	dst = append(dst, data...)
	binary.LittleEndian.PutUint32(dst[start+4:], crc32.Checksum(dst[start+8:], castagnoli))
	return dst
}

// frame is one decoded record; data aliases the buffer it was decoded from.
type frame struct {
	seq  uint64
	ns   int64
	data []byte
	size int64 // header + data
}

// decodeFrame reports whether b starts with a complete frame whose checksum
// is valid. Anything else (short, wrong magic, length past the end, bad CRC)
// is not a record.
func decodeFrame(b []byte) (frame, bool) {
	if len(b) < headerSize || binary.LittleEndian.Uint32(b) != frameMagic {
		return frame{}, false
	}
	n := int64(binary.LittleEndian.Uint32(b[8:]))
	if n > int64(len(b)-headerSize) {
		return frame{}, false
	}
	end := headerSize + int(n)
	if crc32.Checksum(b[8:end], castagnoli) != binary.LittleEndian.Uint32(b[4:]) {
		return frame{}, false
	}
	return frame{
		seq:  binary.LittleEndian.Uint64(b[12:]),
		ns:   int64(binary.LittleEndian.Uint64(b[20:])),
		data: b[headerSize:end:end],
		size: int64(end),
	}, true
}
