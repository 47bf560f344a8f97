package config

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Size
	}{
		{"0", 0},
		{"1048576", 1 << 20},
		{"512B", 512},
		{"1KB", 1000},
		{"1MiB", 1 << 20},
		{"512KiB", 512 << 10},
		{"2MB", 2_000_000},
		{"1GB", 1_000_000_000},
		{"3GiB", 3 << 30},
		{"1mib", 1 << 20},
		{"1KIB", 1 << 10},
		{"4 MiB", 4 << 20},
		{" 64kb ", 64_000},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSize(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
		})
	}
	for _, in := range []string{"", "MiB", "-1", "1.5MiB", "1TB", "1 M", "12XB", "0x10", "9223372036854775807KiB", "99999999999999999999"} {
		t.Run("bad "+in, func(t *testing.T) {
			if got, err := ParseSize(in); err == nil {
				t.Errorf("ParseSize(%q) = %d, want an error", in, got)
			}
		})
	}
}

func TestSizeString(t *testing.T) {
	for _, tc := range []struct {
		in   Size
		want string
	}{
		{0, "0"}, {1500, "1500"}, {KiB, "1KiB"}, {MiB, "1MiB"}, {64 * MiB, "64MiB"},
		{2 * MB, "2MB"}, {2 * GB, "2GB"}, {10 * GiB, "10GiB"}, {1000 * KiB, "1000KiB"}, {1023, "1023"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.in.String(); got != tc.want {
				t.Errorf("Size(%d).String() = %q, want %q", int64(tc.in), got, tc.want)
			}
			if back, err := ParseSize(tc.in.String()); err != nil || back != tc.in {
				t.Errorf("round trip: ParseSize(%q) = %d, %v", tc.in.String(), back, err)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"13h", 13 * time.Hour},
		{"500ms", 500 * time.Millisecond},
		{"1h30m", 90 * time.Minute},
		{"0", 0},
		{"0s", 0},
		{"30", 30 * time.Second},
		{" 10s ", 10 * time.Second},
		{"13h0m0s", 13 * time.Hour},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDuration(tc.in)
			if err != nil || got != Duration(tc.want) {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
	for _, in := range []string{"", "1 day", "1.5", "-5", "ten seconds", "99999999999999999999", "9223372036854775807"} {
		t.Run("bad "+in, func(t *testing.T) {
			if got, err := ParseDuration(in); err == nil {
				t.Errorf("ParseDuration(%q) = %v, want an error", in, got)
			}
		})
	}
}

// TestUnitsFromYAML covers the YAML forms: quoted and plain strings, plain
// integers (bytes for Size, seconds for Duration), and rejected shapes.
func TestUnitsFromYAML(t *testing.T) {
	type doc struct {
		S Size     `yaml:"s"`
		D Duration `yaml:"d"`
	}
	for _, tc := range []struct {
		name, yaml string
		want       doc
		wantErr    string
	}{
		{"strings", "s: 1MiB\nd: 13h\n", doc{MiB, Duration(13 * time.Hour)}, ""},
		{"quoted", "s: '512KiB'\nd: \"500ms\"\n", doc{512 * KiB, Duration(500 * time.Millisecond)}, ""},
		{"integers", "s: 1048576\nd: 30\n", doc{MiB, Duration(30 * time.Second)}, ""},
		{"spaced unit", "s: 2 MB\nd: 1m\n", doc{2 * MB, Duration(time.Minute)}, ""},
		{"null keeps value", "s:\nd:\n", doc{7, 7}, ""},
		{"float", "s: 1.5\n", doc{}, `line 1: "1.5" is not a size`},
		{"bool", "d: true\n", doc{}, `line 1: "true" is not a duration`},
		{"list", "s: [1]\n", doc{}, "line 1: want a size"},
		{"mapping", "d: {h: 1}\n", doc{}, "line 1: want a duration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := doc{S: 7, D: 7}
			err := yaml.Unmarshal([]byte(tc.yaml), &got)
			if tc.wantErr != "" {
				requireErrContains(t, err, tc.wantErr)
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestUnitsMarshalRoundTrip(t *testing.T) {
	in := Default()
	in.Stream.MaxBytes = 10 * GiB
	in.Stream.MaxAge = Duration(90 * time.Minute)
	out, err := yaml.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	back := Default()
	if err := yaml.Unmarshal(out, &back); err != nil || !reflect.DeepEqual(back, in) {
		t.Errorf("round trip through\n%s\ngot %+v, %v", out, back, err)
	}
	if s := fmt.Sprint(in.HTTP.BodyLimit, " ", in.Stream.DuplicateWindow); s != "1MiB 13h0m0s" {
		t.Errorf("Stringers print %q", s)
	}
}
