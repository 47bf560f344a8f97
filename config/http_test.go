package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHTTPEnv: every listener setting has its variable, over the file.
func TestHTTPEnv(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	for _, f := range []string{cert, key} {
		if err := os.WriteFile(f, []byte("PEM"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := writeConfig(t, fullFile)
	for _, tc := range []struct {
		name, value string
		get         func(Config) any
		want        any
	}{
		{"MLANGO_HTTP_READ_HEADER_TIMEOUT", "1s", func(c Config) any { return c.HTTP.ReadHeaderTimeout }, Duration(time.Second)},
		{"MLANGO_HTTP_READ_TIMEOUT", "8s", func(c Config) any { return c.HTTP.ReadTimeout }, Duration(8 * time.Second)},
		{"MLANGO_HTTP_WRITE_TIMEOUT", "12s", func(c Config) any { return c.HTTP.WriteTimeout }, Duration(12 * time.Second)},
		{"MLANGO_HTTP_IDLE_TIMEOUT", "2m", func(c Config) any { return c.HTTP.IdleTimeout }, Duration(2 * time.Minute)},
		{"MLANGO_HTTP_MAX_HEADER_BYTES", "8KiB", func(c Config) any { return c.HTTP.MaxHeaderBytes }, 8 * KiB},
		{"MLANGO_HTTP_SHUTDOWN_TIMEOUT", "30", func(c Config) any { return c.HTTP.ShutdownTimeout }, Duration(30 * time.Second)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.get(mustLoad(t, path, map[string]string{tc.name: tc.value})); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	cfg := mustLoad(t, path, map[string]string{"MLANGO_TLS_CERT": cert, "MLANGO_TLS_KEY": key})
	if cfg.HTTP.TLS != (TLSFiles{CertFile: cert, KeyFile: key}) || !cfg.HTTP.TLS.Enabled() {
		t.Errorf("tls = %+v", cfg.HTTP.TLS)
	}
	if Default().HTTP.TLS.Enabled() {
		t.Error("TLS is on by default")
	}
}

// TestHTTPProblems: bad limits and half a TLS pair are each reported,
// naming the key and the variable.
func TestHTTPProblems(t *testing.T) {
	dir := t.TempDir()
	cert := filepath.Join(dir, "tls.crt")
	if err := os.WriteFile(cert, []byte("PEM"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"header timeout", func(c *Config) { c.HTTP.ReadHeaderTimeout = 0 }, "http.read_header_timeout (MLANGO_HTTP_READ_HEADER_TIMEOUT): 0s is not positive"},
		{"header bytes low", func(c *Config) { c.HTTP.MaxHeaderBytes = 512 }, "http.max_header_bytes (MLANGO_HTTP_MAX_HEADER_BYTES): 512 is out of range; want 1KiB to 1MiB"},
		{"header bytes high", func(c *Config) { c.HTTP.MaxHeaderBytes = 2 * MiB }, "http.max_header_bytes (MLANGO_HTTP_MAX_HEADER_BYTES): 2MiB is out of range"},
		{"cert without key", func(c *Config) { c.HTTP.TLS.CertFile = cert }, "http.tls.key_file (MLANGO_TLS_KEY): is empty but http.tls.cert_file is set"},
		{"key without cert", func(c *Config) { c.HTTP.TLS.KeyFile = cert }, "http.tls.cert_file (MLANGO_TLS_CERT): is empty but http.tls.key_file is set"},
		{"missing file", func(c *Config) { c.HTTP.TLS = TLSFiles{CertFile: cert, KeyFile: filepath.Join(dir, "nope.key")} },
			`http.tls.key_file (MLANGO_TLS_KEY): "` + filepath.Join(dir, "nope.key") + `" cannot be read`},
		{"directory", func(c *Config) { c.HTTP.TLS = TLSFiles{CertFile: dir, KeyFile: cert} }, "http.tls.cert_file (MLANGO_TLS_CERT): \"" + dir + "\" is a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.mod(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}
