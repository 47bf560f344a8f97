package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration that reads from YAML and environment
// variables as a Go duration string ("500ms", "10s", "13h") or as a whole
// number of seconds ("30", or a plain YAML integer 30).
type Duration time.Duration

// ParseDuration parses the forms Duration accepts.
func ParseDuration(s string) (Duration, error) {
	t := strings.TrimSpace(s)
	if t != "" && isDigits(t) {
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil || n > math.MaxInt64/int64(time.Second) {
			return 0, fmt.Errorf("%q is too long a duration", s)
		}
		return Duration(time.Duration(n) * time.Second), nil
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration; want e.g. 500ms, 10s, 5m, 13h, or whole seconds like 30", s)
	}
	return Duration(d), nil
}

// String formats d like time.Duration ("13h0m0s"), which ParseDuration reads back.
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return nodeError(n, "want a duration such as 10s or 13h, not a list or mapping")
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return nodeError(n, err.Error())
	}
	*d = v
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// Size is a number of bytes. It reads from YAML and environment variables
// as a whole number with an optional, case-insensitive unit: B, KB, MB, GB
// (powers of 1000) or KiB, MiB, GiB (powers of 1024), e.g. "1MiB",
// "512KiB", "2MB", "1048576".
type Size int64

// Byte size units.
const (
	KB  Size = 1000
	MB  Size = 1000 * KB
	GB  Size = 1000 * MB
	KiB Size = 1 << 10
	MiB Size = 1 << 20
	GiB Size = 1 << 30
)

var sizeUnits = map[string]Size{
	"": 1, "b": 1,
	"kb": KB, "mb": MB, "gb": GB,
	"kib": KiB, "mib": MiB, "gib": GiB,
}

// ParseSize parses the forms Size accepts.
func ParseSize(s string) (Size, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	unit, ok := sizeUnits[strings.ToLower(strings.TrimSpace(t[i:]))]
	if i == 0 || !ok {
		return 0, fmt.Errorf("%q is not a size; want a whole number of bytes with an optional unit B, KB, MB, GB, KiB, MiB or GiB, e.g. 1MiB, 512KiB, 2MB, 1048576", s)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil || n > math.MaxInt64/int64(unit) {
		return 0, fmt.Errorf("%q is too large a size", s)
	}
	return Size(n) * unit, nil
}

// String formats s with the largest unit that divides it exactly ("1MiB",
// "2MB", "1500B" as "1500"), which ParseSize reads back.
func (s Size) String() string {
	best, name := Size(1), ""
	for _, u := range []struct {
		n    Size
		name string
	}{{GiB, "GiB"}, {GB, "GB"}, {MiB, "MiB"}, {MB, "MB"}, {KiB, "KiB"}, {KB, "KB"}} {
		if s != 0 && s%u.n == 0 && u.n > best {
			best, name = u.n, u.name
		}
	}
	return strconv.FormatInt(int64(s/best), 10) + name
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return nodeError(n, "want a size such as 1MiB or 1048576, not a list or mapping")
	}
	v, err := ParseSize(n.Value)
	if err != nil {
		return nodeError(n, err.Error())
	}
	*s = v
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (s Size) MarshalYAML() (any, error) { return s.String(), nil }

// nodeError reports a bad value as a *yaml.TypeError, which makes the
// decoder record it and carry on, so that one Load reports every problem.
func nodeError(n *yaml.Node, msg string) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, msg)}}
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
