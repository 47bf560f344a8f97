package config

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// SpoolConfig is the durable local spool (the spool: section): where an
// event goes, fsynced, when JetStream does not acknowledge it within
// publish.timeout, so the provider can still be answered 2xx. A forwarder
// moves it to JetStream once JetStream answers again. See docs/reliability.md.
type SpoolConfig struct {
	// Enabled: without the spool a JetStream outage turns into 503s and the
	// provider's retries are the only buffer.
	Enabled bool `yaml:"enabled"`
	// Dir holds the spool's segment files; empty means <data_dir>/spool.
	// It must be local disk: its fsync is the promise behind a 2xx.
	Dir string `yaml:"dir"`
	// MaxBytes bounds the spool; beyond it callbacks are answered 503.
	MaxBytes Size `yaml:"max_bytes"`
}

func defaultSpool() SpoolConfig {
	return SpoolConfig{Enabled: true, MaxBytes: 1 * GiB}
}

// SpoolDir is the spool's directory, defaulting under the data dir.
func (c Config) SpoolDir() string {
	if c.Spool.Dir != "" {
		return c.Spool.Dir
	}
	return filepath.Join(c.DataDir, "spool")
}

func (c Config) validateSpool(p *problemList) {
	if c.Spool.Enabled && (c.Spool.MaxBytes < MiB || c.Spool.MaxBytes > 1024*GiB) {
		p.addf("spool.max_bytes (MLANGO_SPOOL_MAX_BYTES): %s is out of range; want 1MiB to 1024GiB", c.Spool.MaxBytes)
	}
	if _, _, err := ParseSync(c.NATS.Sync); err != nil {
		p.addf("nats.sync (MLANGO_NATS_SYNC): %v", err)
	}
}

// ParseSync reads nats.sync: "" keeps nats-server's default (flush to disk
// every 2 minutes), "always" fsyncs every write before the ack, a duration
// sets the interval.
func ParseSync(v string) (always bool, interval time.Duration, err error) {
	switch v = strings.TrimSpace(v); strings.ToLower(v) {
	case "", "default":
		return false, 0, nil
	case "always":
		return true, 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 10*time.Millisecond {
		return false, 0, fmt.Errorf("%q is not a sync policy; want always, default, or a duration of at least 10ms such as 1s", v)
	}
	return false, d, nil
}

func setBool(dst *bool, v string) error {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("%q is not a boolean; want true or false", v)
	}
	*dst = b
	return nil
}
