// Package config owns Mlango's start-up configuration: the Config struct and
// its defaults, reading the optional YAML file (mlango.yaml), applying the
// MLANGO_* environment overrides, and validating the result.
//
// Precedence is defaults, then the file, then environment variables. A bad
// configuration is reported with every problem at once (errors.Join), each
// message naming the key or variable, the bad value and what is allowed.
// Values that may carry credentials (NATS URLs) are only ever shown redacted.
//
// The package imports only the standard library and the YAML parser
// (go.yaml.in/yaml/v3), never another package of this module, so any
// package may import it.
package config

import (
	"net/url"
	"strings"
	"time"
)

// DefaultConfigFile is the optional config file read from the working
// directory when neither -config nor MLANGO_CONFIG names one.
const DefaultConfigFile = "mlango.yaml"

// ListenNone as nats.listen means the embedded nats-server opens no client
// port; only the in-process connection is used.
const ListenNone = "none"

// redactedSecret replaces secrets (URL passwords and tokens) in anything
// that may be logged or shown in an error.
const redactedSecret = "xxxxx"

// Config is the whole start-up configuration. The zero value is not useful;
// start from Default or Load.
type Config struct {
	HTTP          HTTPConfig    `yaml:"http"`
	NATS          NATSConfig    `yaml:"nats"`
	DataDir       string        `yaml:"data_dir"`       // embedded JetStream file storage
	SubjectPrefix string        `yaml:"subject_prefix"` // events go to <prefix>.…
	Stream        StreamConfig  `yaml:"stream"`
	Publish       PublishConfig `yaml:"publish"`
	Log           LogConfig     `yaml:"log"`
	Spool         SpoolConfig   `yaml:"spool"`
	// Webhooks configures signed webhook providers and route guards
	// (webhooks.go); USSD configures menus and sessions (ussd.go).
	Webhooks WebhooksConfig `yaml:"webhooks"`
	USSD     USSDConfig     `yaml:"ussd"`
	// Airtime configures the airtime validation callback (airtime.go).
	Airtime AirtimeConfig `yaml:"airtime"`
	// Voice configures scripted voice flows (voice.go).
	Voice VoiceConfig `yaml:"voice"`
	// Console configures the web console at /console (console.go).
	Console ConsoleConfig `yaml:"console"`
}

// HTTPConfig configures the callback listener.
type HTTPConfig struct {
	Addr      string `yaml:"addr"`       // host:port
	BodyLimit Size   `yaml:"body_limit"` // largest accepted request body
	// ReadHeaderTimeout bounds reading a request's headers: a client
	// trickling them (slowloris) is cut off.
	ReadHeaderTimeout Duration `yaml:"read_header_timeout"`
	ReadTimeout       Duration `yaml:"read_timeout"` // the whole request, body included
	// WriteTimeout runs from the end of the headers to the end of the
	// answer, so it covers the JetStream ack wait (publish.timeout).
	WriteTimeout    Duration `yaml:"write_timeout"`
	IdleTimeout     Duration `yaml:"idle_timeout"`     // a kept-alive connection between requests
	MaxHeaderBytes  Size     `yaml:"max_header_bytes"` // larger header blocks get 431
	ShutdownTimeout Duration `yaml:"shutdown_timeout"` // graceful drain on SIGTERM
	TLS             TLSFiles `yaml:"tls"`
}

// TLSFiles names the PEM certificate (chain) and key HTTPS is served with.
// Both empty: plain HTTP (behind a terminating proxy, say). The files are
// re-read when they change, so a renewal needs no restart.
type TLSFiles struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// Enabled reports whether HTTPS is configured.
func (t TLSFiles) Enabled() bool { return t.CertFile != "" || t.KeyFile != "" }

// NATSConfig says where events are published.
type NATSConfig struct {
	// URL is one NATS URL or a comma list. Empty means: run an embedded
	// nats-server with JetStream instead of connecting to a cluster.
	URL string `yaml:"url"`
	// Listen is the embedded server's client port (host:port), or ListenNone.
	// Ignored when URL is set.
	Listen string `yaml:"listen"`
	// Name is the client connection name shown by the server.
	Name string `yaml:"name"`
	// Sync is the embedded server's JetStream flush policy (nats.sync):
	// default (every 2 minutes; an ack means "in the server's memory and
	// the page cache"), always (fsync before every ack), or an interval.
	// A cluster sets sync_interval in its own server config.
	Sync string `yaml:"sync"`
}

// StreamConfig describes the JetStream stream capturing <prefix>.>.
type StreamConfig struct {
	Name     string `yaml:"name"`
	Replicas int    `yaml:"replicas"` // 1..5; above 1 needs a cluster
	// DuplicateWindow is JetStream's de-duplication window for Nats-Msg-Id.
	// It defaults to 13h because Africa's Talking retries an incoming SMS
	// callback every minute for up to 12 hours; the window must outlast the
	// whole retry period or a late retry is published twice.
	DuplicateWindow Duration `yaml:"duplicate_window"`
	MaxAge          Duration `yaml:"max_age"`   // 0 keeps messages forever
	MaxBytes        Size     `yaml:"max_bytes"` // 0 is unlimited
}

// PublishConfig configures publishing to JetStream.
type PublishConfig struct {
	// Timeout is how long to wait for JetStream's ack before the callback
	// is answered with 503 (so the carrier retries).
	Timeout Duration `yaml:"timeout"`
}

// LogConfig configures logging.
type LogConfig struct {
	Level  string `yaml:"level"`  // trace, debug, info, warn, error
	Format string `yaml:"format"` // json or console
}

// Default returns the built-in configuration: an embedded nats-server on
// 127.0.0.1:4222 storing under ./data, HTTP on :8080.
func Default() Config {
	return Config{
		HTTP: HTTPConfig{
			Addr:              ":8080",
			BodyLimit:         1 * MiB,
			ReadHeaderTimeout: Duration(5 * time.Second),
			ReadTimeout:       Duration(10 * time.Second),
			WriteTimeout:      Duration(15 * time.Second),
			IdleTimeout:       Duration(60 * time.Second),
			MaxHeaderBytes:    64 * KiB,
			ShutdownTimeout:   Duration(20 * time.Second),
		},
		NATS: NATSConfig{
			Listen: "127.0.0.1:4222",
			Name:   "mlango",
		},
		DataDir:       "./data",
		SubjectPrefix: "telecom",
		Stream: StreamConfig{
			Name:            "TELECOM",
			Replicas:        1,
			DuplicateWindow: Duration(13 * time.Hour),
		},
		Publish:  PublishConfig{Timeout: Duration(5 * time.Second)},
		Log:      LogConfig{Level: "info", Format: "json"},
		Webhooks: defaultWebhooks(),
		USSD:     defaultUSSD(),
		Airtime:  defaultAirtime(),
		Voice:    defaultVoice(),
		Console:  defaultConsole(),
		Spool:    defaultSpool(),
	}
}

// Embedded reports whether Mlango runs its own nats-server (no URL given).
func (c Config) Embedded() bool { return c.NATS.URL == "" }

// NATSURLs returns the comma list in NATS.URL split and trimmed, without
// empty entries; nil when Embedded.
func (c Config) NATSURLs() []string {
	var urls []string
	for _, u := range strings.Split(c.NATS.URL, ",") {
		if u = strings.TrimSpace(u); u != "" {
			urls = append(urls, u)
		}
	}
	return urls
}

// Redacted returns a view of c that is safe to log at start-up, keyed like
// the YAML file: NATS URL credentials are replaced by "xxxxx"
// (nats://user:xxxxx@host:4222, nats://xxxxx@host for a token); sizes and
// durations are rendered as strings; everything else is as is.
func (c Config) Redacted() map[string]any {
	urls := c.NATSURLs()
	for i, u := range urls {
		urls[i] = RedactURL(u)
	}
	return map[string]any{
		"http": map[string]any{
			"addr":                c.HTTP.Addr,
			"body_limit":          c.HTTP.BodyLimit.String(),
			"read_header_timeout": c.HTTP.ReadHeaderTimeout.String(),
			"read_timeout":        c.HTTP.ReadTimeout.String(),
			"write_timeout":       c.HTTP.WriteTimeout.String(),
			"idle_timeout":        c.HTTP.IdleTimeout.String(),
			"max_header_bytes":    c.HTTP.MaxHeaderBytes.String(),
			"shutdown_timeout":    c.HTTP.ShutdownTimeout.String(),
			"tls":                 map[string]any{"cert_file": c.HTTP.TLS.CertFile, "key_file": c.HTTP.TLS.KeyFile},
		},
		"nats": map[string]any{
			"url":      strings.Join(urls, ","),
			"embedded": c.Embedded(),
			"listen":   c.NATS.Listen,
			"name":     c.NATS.Name,
			"sync":     c.NATS.Sync,
		},
		"data_dir":       c.DataDir,
		"subject_prefix": c.SubjectPrefix,
		"stream": map[string]any{
			"name":             c.Stream.Name,
			"replicas":         c.Stream.Replicas,
			"duplicate_window": c.Stream.DuplicateWindow.String(),
			"max_age":          c.Stream.MaxAge.String(),
			"max_bytes":        c.Stream.MaxBytes.String(),
		},
		"publish":  map[string]any{"timeout": c.Publish.Timeout.String()},
		"log":      map[string]any{"level": c.Log.Level, "format": c.Log.Format},
		"webhooks": c.Webhooks.redacted(),
		"ussd":     c.USSD.redacted(),
		"airtime":  c.Airtime.redacted(),
		"voice":    c.Voice.redacted(),
		"spool":    map[string]any{"enabled": c.Spool.Enabled, "dir": c.SpoolDir(), "max_bytes": c.Spool.MaxBytes.String()},
		"console":  c.Console.redacted(),
	}
}

// RedactURL returns raw with any userinfo secret replaced by "xxxxx": the
// password of user:password, or the whole userinfo when it is a lone token.
// Text that does not parse as a URL but contains '@' keeps only what follows
// the last '@'. It is used for logs and for error messages alike.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.User == nil && strings.Contains(raw, "@")) {
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			return redactedSecret + raw[i:]
		}
		return raw
	}
	if u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), redactedSecret)
	} else {
		u.User = url.User(redactedSecret)
	}
	return u.String()
}
