package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
		want   string // "" means valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"addr with host", func(c *Config) { c.HTTP.Addr = "0.0.0.0:80" }, ""},
		{"addr ipv6", func(c *Config) { c.HTTP.Addr = "[::1]:8080" }, ""},
		{"addr port 0", func(c *Config) { c.HTTP.Addr = ":0" }, ""},
		{"addr no port", func(c *Config) { c.HTTP.Addr = "localhost" }, `http.addr (MLANGO_HTTP_ADDR): "localhost" is not host:port`},
		{"addr named port", func(c *Config) { c.HTTP.Addr = ":http" }, `":http" has port "http", not a number 0-65535`},
		{"addr port too big", func(c *Config) { c.HTTP.Addr = ":65536" }, `":65536" has port "65536"`},
		{"body limit min", func(c *Config) { c.HTTP.BodyLimit = KiB }, ""},
		{"body limit max", func(c *Config) { c.HTTP.BodyLimit = 64 * MiB }, ""},
		{"body limit small", func(c *Config) { c.HTTP.BodyLimit = 1000 }, "http.body_limit (MLANGO_BODY_LIMIT): 1KB is out of range; want 1KiB to 64MiB"},
		{"body limit big", func(c *Config) { c.HTTP.BodyLimit = 64*MiB + 1 }, "http.body_limit (MLANGO_BODY_LIMIT): 67108865 is out of range"},
		{"read timeout", func(c *Config) { c.HTTP.ReadTimeout = 0 }, "http.read_timeout: 0s is not positive"},
		{"write timeout", func(c *Config) { c.HTTP.WriteTimeout = -1 }, "http.write_timeout: -1ns is not positive"},
		{"shutdown timeout", func(c *Config) { c.HTTP.ShutdownTimeout = 0 }, "http.shutdown_timeout: 0s is not positive"},
		{"url list", func(c *Config) { c.NATS.URL = " nats://a:4222 ,tls://b, ws://c:80,wss://u:p@d" }, ""},
		{"url no scheme", func(c *Config) { c.NATS.URL = "localhost:4222" }, `nats.url (MLANGO_NATS_URL): entry 1: "localhost:4222" has scheme "localhost"`},
		{"url no host", func(c *Config) { c.NATS.URL = "nats://:4222" }, `entry 1: "nats://:4222" has no host`},
		{"url empty entry", func(c *Config) { c.NATS.URL = "nats://a," }, "entry 2: is empty"},
		{"url blank", func(c *Config) { c.NATS.URL = " " }, "entry 1: is empty"},
		{"url bad port", func(c *Config) { c.NATS.URL = "nats://u:pw@a:port" }, `entry 1: "xxxxx@a:port" is not a URL`},
		{"listen none", func(c *Config) { c.NATS.Listen = "none" }, ""},
		{"listen bad", func(c *Config) { c.NATS.Listen = "4222" }, `nats.listen (MLANGO_NATS_LISTEN): "4222" is not host:port`},
		{"data dir", func(c *Config) { c.DataDir = "" }, "data_dir (MLANGO_DATA_DIR): is empty"},
		{"prefix dotted", func(c *Config) { c.SubjectPrefix = "acme-1.tele_com" }, ""},
		{"prefix empty", func(c *Config) { c.SubjectPrefix = "" }, `subject_prefix (MLANGO_SUBJECT_PREFIX): "" has an empty token`},
		{"prefix double dot", func(c *Config) { c.SubjectPrefix = "a..b" }, `"a..b" has an empty token`},
		{"prefix trailing dot", func(c *Config) { c.SubjectPrefix = "telecom." }, `"telecom." has an empty token`},
		{"prefix wildcard", func(c *Config) { c.SubjectPrefix = "telecom.>" }, `"telecom.>" contains '>'`},
		{"prefix space", func(c *Config) { c.SubjectPrefix = "tele com" }, `"tele com" contains ' '`},
		{"prefix non-ascii", func(c *Config) { c.SubjectPrefix = "télécom" }, `contains 'é'`},
		{"stream empty", func(c *Config) { c.Stream.Name = "" }, `stream.name (MLANGO_STREAM): "" is not a stream name`},
		{"stream slash", func(c *Config) { c.Stream.Name = "A/B" }, `"A/B" is not a stream name`},
		{"stream backslash", func(c *Config) { c.Stream.Name = `A\B` }, `is not a stream name`},
		{"stream star", func(c *Config) { c.Stream.Name = "A*" }, `"A*" is not a stream name`},
		{"stream tab", func(c *Config) { c.Stream.Name = "A\tB" }, `is not a stream name`},
		{"replicas 0", func(c *Config) { c.Stream.Replicas = 0 }, "stream.replicas (MLANGO_STREAM_REPLICAS): 0 is out of range; want 1 to 5"},
		{"replicas 6", func(c *Config) { c.NATS.URL = "nats://a"; c.Stream.Replicas = 6 }, "6 is out of range"},
		{"replicas 3 clustered", func(c *Config) { c.NATS.URL = "nats://a"; c.Stream.Replicas = 3 }, ""},
		{"replicas 3 embedded", func(c *Config) { c.Stream.Replicas = 3 }, "3 needs a JetStream cluster"},
		{"window zero", func(c *Config) { c.Stream.DuplicateWindow = 0 }, "stream.duplicate_window (MLANGO_DUPLICATE_WINDOW): 0s is not positive"},
		{"window equals max age", func(c *Config) { c.Stream.MaxAge = c.Stream.DuplicateWindow }, ""},
		{"window above max age", func(c *Config) { c.Stream.MaxAge = Duration(time.Hour) }, "13h0m0s is longer than stream.max_age 1h0m0s"},
		{"max age negative", func(c *Config) { c.Stream.MaxAge = Duration(-time.Hour) }, "stream.max_age: -1h0m0s is negative"},
		{"max bytes negative", func(c *Config) { c.Stream.MaxBytes = -1 }, "stream.max_bytes: -1 is negative"},
		{"publish min", func(c *Config) { c.Publish.Timeout = Duration(100 * time.Millisecond) }, ""},
		{"publish max", func(c *Config) { c.Publish.Timeout = Duration(time.Minute) }, ""},
		{"publish short", func(c *Config) { c.Publish.Timeout = Duration(99 * time.Millisecond) }, "publish.timeout (MLANGO_PUBLISH_TIMEOUT): 99ms is out of range"},
		{"publish long", func(c *Config) { c.Publish.Timeout = Duration(61 * time.Second) }, "1m1s is out of range; want 100ms to 60s"},
		{"sync always", func(c *Config) { c.NATS.Sync = "always" }, ""},
		{"sync interval", func(c *Config) { c.NATS.Sync = "1s" }, ""},
		{"sync too short", func(c *Config) { c.NATS.Sync = "1ms" }, `nats.sync (MLANGO_NATS_SYNC): "1ms" is not a sync policy`},
		{"spool disabled ignores size", func(c *Config) { c.Spool.Enabled, c.Spool.MaxBytes = false, 0 }, ""},
		{"spool tiny", func(c *Config) { c.Spool.MaxBytes = KiB }, "spool.max_bytes (MLANGO_SPOOL_MAX_BYTES): 1KiB is out of range; want 1MiB to 1024GiB"},
		{"level trace", func(c *Config) { c.Log.Level = "trace" }, ""},
		{"level upper", func(c *Config) { c.Log.Level = "INFO" }, `log.level (MLANGO_LOG_LEVEL): "INFO" is not a level`},
		{"format", func(c *Config) { c.Log.Format = "text" }, `log.format (MLANGO_LOG_FORMAT): "text" is not a format; want json or console`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.mutate(&c)
			requireValidity(t, c, tc.want)
		})
	}
}

func TestValidateNeverShowsPasswords(t *testing.T) {
	c := Default()
	c.NATS.URL = "redis://ops:hunter2@a:1,nats://ops:hunter2@:4222,nats://ops:hunter2@a:x,s3cr3t-token@host:4222"
	err := c.Validate()
	requireErrContains(t, err, "entry 1", "entry 2", "entry 3", "entry 4")
	if s := err.Error(); strings.Contains(s, "hunter2") || strings.Contains(s, "s3cr3t") {
		t.Errorf("error leaks a secret:\n%v", s)
	}
}

func TestRedactURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"nats://host:4222", "nats://host:4222"},
		{"nats://user:pass@host:4222", "nats://user:xxxxx@host:4222"},
		{"tls://user:p%40ss@host:4222", "tls://user:xxxxx@host:4222"},
		{"nats://s3cr3t-token@host:4222", "nats://xxxxx@host:4222"},
		{"nats://user:@host", "nats://user:xxxxx@host"},
		{"user:pass@host:4222", "xxxxx@host:4222"},
		{"nats://u:pw@host:port", "xxxxx@host:port"},
		{"not a url", "not a url"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := RedactURL(tc.in); got != tc.want {
				t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestNATSURLs(t *testing.T) {
	for _, tc := range []struct {
		url      string
		want     []string
		embedded bool
	}{
		{"", nil, true},
		{"nats://a:4222", []string{"nats://a:4222"}, false},
		{" nats://a:4222 , nats://b:4222,", []string{"nats://a:4222", "nats://b:4222"}, false},
	} {
		c := Default()
		c.NATS.URL = tc.url
		if got := c.NATSURLs(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("NATSURLs(%q) = %q, want %q", tc.url, got, tc.want)
		}
		if got := c.Embedded(); got != tc.embedded {
			t.Errorf("Embedded(%q) = %v, want %v", tc.url, got, tc.embedded)
		}
	}
}

func TestRedacted(t *testing.T) {
	c := Default()
	c.NATS.URL = "nats://user:pass@a:4222, nats://tok@b:4222"
	got := c.Redacted()
	nats := got["nats"].(map[string]any)
	if want := "nats://user:xxxxx@a:4222,nats://xxxxx@b:4222"; nats["url"] != want {
		t.Errorf("nats.url = %q, want %q", nats["url"], want)
	}
	if nats["embedded"] != false || nats["listen"] != "127.0.0.1:4222" {
		t.Errorf("nats = %v", nats)
	}
	http := got["http"].(map[string]any)
	stream := got["stream"].(map[string]any)
	for _, tc := range []struct{ got, want any }{
		{http["body_limit"], "1MiB"},
		{http["read_timeout"], "10s"},
		{stream["duplicate_window"], "13h0m0s"},
		{stream["replicas"], 1},
		{got["subject_prefix"], "telecom"},
		{got["data_dir"], "./data"},
		{got["log"].(map[string]any)["level"], "info"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %v, want %v", tc.got, tc.want)
		}
	}
}

// requireValidity holds c valid when want is empty, else invalid with a
// problem containing want.
func requireValidity(tb testing.TB, c Config, want string) {
	tb.Helper()
	err := c.Validate()
	if want == "" {
		if err != nil {
			tb.Fatalf("want valid, got %v", err)
		}
		return
	}
	requireErrContains(tb, err, want)
}
