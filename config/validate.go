package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

var (
	logLevels   = []string{"trace", "debug", "info", "warn", "error"}
	logFormats  = []string{"json", "console"}
	natsSchemes = []string{"nats", "tls", "ws", "wss"}
)

// Validate checks c and reports every problem at once (errors.Join). Each
// message names the YAML key (and its environment variable, if any), the bad
// value, and what is allowed; NATS URLs are shown redacted.
func (c Config) Validate() error {
	return errors.Join(c.problems()...)
}

// problemList collects validation messages.
type problemList []error

func (p *problemList) addf(format string, args ...any) {
	*p = append(*p, fmt.Errorf(format, args...))
}

func (c Config) problems() []error {
	var p problemList
	c.validateHTTP(&p)
	c.validateNATS(&p)
	c.validateStream(&p)
	c.validateWebhooks(&p)
	c.validateUSSD(&p)
	c.validateAirtime(&p)
	c.validateVoice(&p)
	c.Console.validate(&p)
	c.validateSpool(&p)
	if c.DataDir == "" {
		p.addf("data_dir (MLANGO_DATA_DIR): is empty; want a directory path such as ./data")
	}
	if err := checkSubjectPrefix(c.SubjectPrefix); err != nil {
		p.addf("subject_prefix (MLANGO_SUBJECT_PREFIX): %v", err)
	}
	if t := c.Publish.Timeout; t < Duration(100*time.Millisecond) || t > Duration(time.Minute) {
		p.addf("publish.timeout (MLANGO_PUBLISH_TIMEOUT): %s is out of range; want 100ms to 60s", t)
	}
	if !slices.Contains(logLevels, c.Log.Level) {
		p.addf("log.level (MLANGO_LOG_LEVEL): %q is not a level; want one of %s", c.Log.Level, strings.Join(logLevels, ", "))
	}
	if !slices.Contains(logFormats, c.Log.Format) {
		p.addf("log.format (MLANGO_LOG_FORMAT): %q is not a format; want json or console", c.Log.Format)
	}
	return p
}

func (c Config) validateHTTP(p *problemList) {
	if err := checkHostPort(c.HTTP.Addr); err != nil {
		p.addf("http.addr (MLANGO_HTTP_ADDR): %v; want host:port such as :8080 or 0.0.0.0:8080", err)
	}
	if b := c.HTTP.BodyLimit; b < KiB || b > 64*MiB {
		p.addf("http.body_limit (MLANGO_BODY_LIMIT): %s is out of range; want 1KiB to 64MiB", b)
	}
	for _, t := range []struct {
		key string
		d   Duration
	}{
		{"http.read_header_timeout (MLANGO_HTTP_READ_HEADER_TIMEOUT)", c.HTTP.ReadHeaderTimeout},
		{"http.read_timeout", c.HTTP.ReadTimeout},
		{"http.write_timeout", c.HTTP.WriteTimeout},
		{"http.idle_timeout", c.HTTP.IdleTimeout},
		{"http.shutdown_timeout", c.HTTP.ShutdownTimeout},
	} {
		if t.d <= 0 {
			p.addf("%s: %s is not positive; want a duration above 0 such as 10s", t.key, t.d)
		}
	}
	c.validateHTTPLimits(p)
}

func (c Config) validateNATS(p *problemList) {
	if c.NATS.URL != "" {
		for i, raw := range strings.Split(c.NATS.URL, ",") {
			if err := checkNATSURL(strings.TrimSpace(raw)); err != nil {
				p.addf("nats.url (MLANGO_NATS_URL): entry %d: %v", i+1, err)
			}
		}
	}
	if c.NATS.Listen != ListenNone {
		if err := checkHostPort(c.NATS.Listen); err != nil {
			p.addf("nats.listen (MLANGO_NATS_LISTEN): %v; want host:port such as 127.0.0.1:4222, or %q for no client port", err, ListenNone)
		}
	}
}

func (c Config) validateStream(p *problemList) {
	s := c.Stream
	if s.Name == "" || strings.ContainsFunc(s.Name, badStreamRune) {
		p.addf("stream.name (MLANGO_STREAM): %q is not a stream name; want a non-empty name without spaces or any of . * > / \\", s.Name)
	}
	if s.Replicas < 1 || s.Replicas > 5 {
		p.addf("stream.replicas (MLANGO_STREAM_REPLICAS): %d is out of range; want 1 to 5", s.Replicas)
	} else if s.Replicas > 1 && c.Embedded() {
		p.addf("stream.replicas (MLANGO_STREAM_REPLICAS): %d needs a JetStream cluster, but the embedded nats-server is a single node; want 1, or set nats.url", s.Replicas)
	}
	if s.DuplicateWindow <= 0 {
		p.addf("stream.duplicate_window (MLANGO_DUPLICATE_WINDOW): %s is not positive; want a duration above 0 such as 13h", s.DuplicateWindow)
	} else if s.MaxAge > 0 && s.DuplicateWindow > s.MaxAge {
		p.addf("stream.duplicate_window (MLANGO_DUPLICATE_WINDOW): %s is longer than stream.max_age %s; want at most max_age", s.DuplicateWindow, s.MaxAge)
	}
	if s.MaxAge < 0 {
		p.addf("stream.max_age: %s is negative; want 0 (keep forever) or a positive duration", s.MaxAge)
	}
	if s.MaxBytes < 0 {
		p.addf("stream.max_bytes: %s is negative; want 0 (unlimited) or a size such as 10GiB", s.MaxBytes)
	}
}

func badStreamRune(r rune) bool {
	return strings.ContainsRune(".*>/\\", r) || unicode.IsSpace(r) || unicode.IsControl(r)
}

// checkHostPort accepts host:port with a numeric port 0-65535; the host may
// be empty (all interfaces).
func checkHostPort(v string) error {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Errorf("%q is not host:port", v)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("%q has port %q, not a number 0-65535", v, port)
	}
	return nil
}

// checkNATSURL checks one trimmed entry of nats.url. Messages show the URL
// redacted, never the url package's error (which would echo a password).
func checkNATSURL(raw string) error {
	if raw == "" {
		return errors.New("is empty; want a comma list of URLs such as nats://host:4222 without empty entries")
	}
	shown := RedactURL(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL; want e.g. nats://host:4222", shown)
	}
	if !slices.Contains(natsSchemes, u.Scheme) {
		return fmt.Errorf("%q has scheme %q; want nats, tls, ws or wss, e.g. nats://host:4222", shown, u.Scheme)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%q has no host; want e.g. nats://host:4222", shown)
	}
	return nil
}

// checkSubjectPrefix accepts dot-separated tokens of A-Z a-z 0-9 _ -.
func checkSubjectPrefix(s string) error {
	const want = "want dot-separated tokens of A-Z, a-z, 0-9, _ and - such as telecom or acme.telecom"
	for _, tok := range strings.Split(s, ".") {
		if tok == "" {
			return fmt.Errorf("%q has an empty token; %s", s, want)
		}
		for _, r := range tok {
			if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '_' || r == '-') {
				return fmt.Errorf("%q contains %q; %s", s, r, want)
			}
		}
	}
	return nil
}
