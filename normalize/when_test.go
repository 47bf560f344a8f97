package normalize

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		name, in string
		want     time.Time
		ok       bool
	}{
		{"rfc3339 Z", "2017-05-03T06:04:45Z", utc(2017, 5, 3, 6, 4, 45, 0), true},
		{"rfc3339 offset to UTC", "2026-03-04T10:30:00+03:00", utc(2026, 3, 4, 7, 30, 0, 0), true},
		{"rfc3339 negative offset", "2026-03-04T10:30:00-05:00", utc(2026, 3, 4, 15, 30, 0, 0), true},
		{"rfc3339 fraction", "2026-03-04T10:30:00.123Z", utc(2026, 3, 4, 10, 30, 0, 123e6), true},
		{"rfc3339 nanos offset", "2026-03-04T10:30:00.123456789+01:00", utc(2026, 3, 4, 9, 30, 0, 123456789), true},
		{"space no zone is UTC", "2026-03-04 10:30:00", utc(2026, 3, 4, 10, 30, 0, 0), true},
		{"space fraction", "2026-03-04 10:30:00.5", utc(2026, 3, 4, 10, 30, 0, 5e8), true},
		{"T no zone", "2026-03-04T10:30:00", utc(2026, 3, 4, 10, 30, 0, 0), true},
		{"T no zone fraction", "2026-03-04T10:30:00.250", utc(2026, 3, 4, 10, 30, 0, 25e7), true},
		{"plus artefact", "2023-01-18+20:04:52", utc(2023, 1, 18, 20, 4, 52, 0), true},
		{"plus artefact with zone", "2023-01-18+20:04:52+03:00", utc(2023, 1, 18, 17, 4, 52, 0), true},
		{"space with zone", "2023-01-18 20:04:52Z", utc(2023, 1, 18, 20, 4, 52, 0), true},
		{"date only", "2026-03-04", utc(2026, 3, 4, 0, 0, 0, 0), true},
		{"day month year", "18-01-2023", utc(2023, 1, 18, 0, 0, 0, 0), true},
		{"sim swap sentinel", "01-01-1900", utc(1900, 1, 1, 0, 0, 0, 0), true},
		{"epoch seconds", "1700000000", time.Unix(1700000000, 0).UTC(), true},
		{"epoch millis", "1700000000123", time.UnixMilli(1700000000123).UTC(), true},
		{"padded", "  2026-03-04 10:30:00\n", utc(2026, 3, 4, 10, 30, 0, 0), true},
		{"empty", "", time.Time{}, false},
		{"blank", "  ", time.Time{}, false},
		{"None", "None", time.Time{}, false},
		{"null", "null", time.Time{}, false},
		{"word", "yesterday", time.Time{}, false},
		{"epoch 12 digits", "170000000012", time.Time{}, false},
		{"epoch 9 digits", "170000000", time.Time{}, false},
		{"negative epoch", "-1700000000", time.Time{}, false},
		{"month out of range", "2026-13-04", time.Time{}, false},
		{"day out of range", "2026-02-30 10:00:00", time.Time{}, false},
		{"plus before non-digit", "2023-01-18+T20:04:52", time.Time{}, false},
		{"plus artefact on a bad date", "2023/01/18+20:04:52", time.Time{}, false},
		{"US order", "03/04/2026", time.Time{}, false},
		{"trailing junk", "2026-03-04T10:30:00Zjunk", time.Time{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseTime(tc.in)
			if ok != tc.ok || !got.Equal(tc.want) {
				t.Fatalf("ParseTime(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
			if ok && got.Location() != time.UTC {
				t.Errorf("ParseTime(%q) location = %v, want UTC", tc.in, got.Location())
			}
		})
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2017-05-03T06:04:45Z", "2026-03-04T10:30:00+03:00", "2026-03-04T10:30:00.123Z",
		"2026-03-04 10:30:00", "2023-01-18+20:04:52", "2026-03-04", "01-01-1900",
		"1700000000", "1700000000123", "None", "", "+", "2023-01-18+",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, ok := ParseTime(in)
		if !ok {
			if !got.IsZero() {
				t.Fatalf("ParseTime(%q) = %v with ok false, want the zero time", in, got)
			}
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) location = %v, want UTC", in, got.Location())
		}
		again, ok := ParseTime(got.Format(time.RFC3339Nano))
		if !ok || !again.Equal(got) {
			t.Fatalf("ParseTime(%q) = %v does not round-trip through RFC 3339: %v, %v", in, got, again, ok)
		}
	})
}

func BenchmarkParseTime(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"rfc3339", "2017-05-03T06:04:45Z"},
		{"space", "2026-03-04 10:30:00"},
		{"plus artefact", "2023-01-18+20:04:52"},
		{"day month year", "01-01-1900"},
		{"epoch", "1700000000"},
		{"bad", "yesterday"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ParseTime(bc.in)
			}
		})
	}
}
