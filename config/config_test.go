package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// env returns a getenv backed by m, so tests never read the real environment.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// writeConfig writes content to a fresh mlango.yaml and returns its path.
func writeConfig(tb testing.TB, content string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "mlango.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

func mustLoad(tb testing.TB, path string, vars map[string]string) Config {
	tb.Helper()
	cfg, err := Load(path, path != "", env(vars))
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	return cfg
}

// requireErrContains fails unless err is non-nil and contains every want.
func requireErrContains(tb testing.TB, err error, wants ...string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("got no error, want one containing %q", wants)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			tb.Errorf("error does not contain %q:\n%v", w, err)
		}
	}
}

func TestDefaults(t *testing.T) {
	for name, path := range map[string]string{
		"no path":           "",
		"missing optional":  filepath.Join(t.TempDir(), "mlango.yaml"),
		"empty file":        writeConfig(t, ""),
		"only comments":     writeConfig(t, "# nothing set\n"),
		"empty mapping doc": writeConfig(t, "{}\n"),
	} {
		t.Run(name, func(t *testing.T) {
			cfg, err := Load(path, false, env(nil))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !reflect.DeepEqual(cfg, Default()) {
				t.Errorf("got %+v, want Default() %+v", cfg, Default())
			}
		})
	}
}

func TestDefaultValues(t *testing.T) {
	d := Default()
	if err := d.Validate(); err != nil {
		t.Fatalf("Default() is invalid: %v", err)
	}
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"http.addr", d.HTTP.Addr, ":8080"},
		{"http.body_limit", d.HTTP.BodyLimit, Size(1 << 20)},
		{"http.read_header_timeout", d.HTTP.ReadHeaderTimeout, Duration(5 * time.Second)},
		{"http.read_timeout", d.HTTP.ReadTimeout, Duration(10 * time.Second)},
		{"http.max_header_bytes", d.HTTP.MaxHeaderBytes, 64 * KiB},
		{"http.write_timeout", d.HTTP.WriteTimeout, Duration(15 * time.Second)},
		{"http.idle_timeout", d.HTTP.IdleTimeout, Duration(60 * time.Second)},
		{"http.shutdown_timeout", d.HTTP.ShutdownTimeout, Duration(20 * time.Second)},
		{"nats.url", d.NATS.URL, ""},
		{"nats.listen", d.NATS.Listen, "127.0.0.1:4222"},
		{"nats.name", d.NATS.Name, "mlango"},
		{"data_dir", d.DataDir, "./data"},
		{"subject_prefix", d.SubjectPrefix, "telecom"},
		{"stream.name", d.Stream.Name, "TELECOM"},
		{"stream.replicas", d.Stream.Replicas, 1},
		{"stream.duplicate_window", d.Stream.DuplicateWindow, Duration(13 * time.Hour)},
		{"stream.max_age", d.Stream.MaxAge, Duration(0)},
		{"stream.max_bytes", d.Stream.MaxBytes, Size(0)},
		{"publish.timeout", d.Publish.Timeout, Duration(5 * time.Second)},
		{"log.level", d.Log.Level, "info"},
		{"log.format", d.Log.Format, "json"},
		{"embedded", d.Embedded(), true},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

const fullFile = `
http:
  addr: 127.0.0.1:9090
  body_limit: 512KiB
  read_header_timeout: 2s
  read_timeout: 3s
  write_timeout: 4s
  idle_timeout: 5s
  max_header_bytes: 16KiB
  shutdown_timeout: 6s
nats:
  url: nats://a:4222, nats://b:4222
  listen: none
  name: gw-1
data_dir: /var/lib/mlango
subject_prefix: acme.telecom
stream:
  name: ACME
  replicas: 3
  duplicate_window: 14h
  max_age: 720h
  max_bytes: 10GiB
publish:
  timeout: 2500ms
log:
  level: debug
  format: console
spool:
  dir: /var/spool/mlango
  max_bytes: 2GiB
`

func TestFileOverridesDefaults(t *testing.T) {
	want := Config{
		HTTP: HTTPConfig{
			Addr: "127.0.0.1:9090", BodyLimit: 512 * KiB,
			ReadHeaderTimeout: Duration(2 * time.Second),
			ReadTimeout:       Duration(3 * time.Second), WriteTimeout: Duration(4 * time.Second),
			IdleTimeout: Duration(5 * time.Second), MaxHeaderBytes: 16 * KiB, ShutdownTimeout: Duration(6 * time.Second),
		},
		NATS:          NATSConfig{URL: "nats://a:4222, nats://b:4222", Listen: "none", Name: "gw-1"},
		DataDir:       "/var/lib/mlango",
		SubjectPrefix: "acme.telecom",
		Stream: StreamConfig{
			Name: "ACME", Replicas: 3, DuplicateWindow: Duration(14 * time.Hour),
			MaxAge: Duration(720 * time.Hour), MaxBytes: 10 * GiB,
		},
		Publish:  PublishConfig{Timeout: Duration(2500 * time.Millisecond)},
		Log:      LogConfig{Level: "debug", Format: "console"},
		Webhooks: defaultWebhooks(),
		USSD:     defaultUSSD(),
		Airtime:  defaultAirtime(),
		Voice:    defaultVoice(),
		Console:  defaultConsole(),
		Spool:    SpoolConfig{Enabled: true, Dir: "/var/spool/mlango", MaxBytes: 2 * GiB},
	}
	if got := mustLoad(t, writeConfig(t, fullFile), nil); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestPartialFileKeepsOtherDefaults(t *testing.T) {
	got := mustLoad(t, writeConfig(t, "http:\n  addr: :9000\nstream:\n  max_age: 24h\n"), nil)
	want := Default()
	want.HTTP.Addr = ":9000"
	want.Stream.MaxAge = Duration(24 * time.Hour)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestEnvOverridesFile(t *testing.T) {
	path := writeConfig(t, fullFile)
	for _, tc := range []struct {
		name, value string
		get         func(Config) any
		want        any
	}{
		{"MLANGO_HTTP_ADDR", ":7000", func(c Config) any { return c.HTTP.Addr }, ":7000"},
		{"MLANGO_BODY_LIMIT", "2MB", func(c Config) any { return c.HTTP.BodyLimit }, 2 * MB},
		{"MLANGO_NATS_URL", "tls://c:4222", func(c Config) any { return c.NATS.URL }, "tls://c:4222"},
		{"MLANGO_NATS_LISTEN", "0.0.0.0:4223", func(c Config) any { return c.NATS.Listen }, "0.0.0.0:4223"},
		{"MLANGO_DATA_DIR", "/tmp/d", func(c Config) any { return c.DataDir }, "/tmp/d"},
		{"MLANGO_SUBJECT_PREFIX", "sms", func(c Config) any { return c.SubjectPrefix }, "sms"},
		{"MLANGO_STREAM", "SMS", func(c Config) any { return c.Stream.Name }, "SMS"},
		{"MLANGO_STREAM_REPLICAS", "5", func(c Config) any { return c.Stream.Replicas }, 5},
		{"MLANGO_DUPLICATE_WINDOW", "20h", func(c Config) any { return c.Stream.DuplicateWindow }, Duration(20 * time.Hour)},
		{"MLANGO_PUBLISH_TIMEOUT", "7", func(c Config) any { return c.Publish.Timeout }, Duration(7 * time.Second)},
		{"MLANGO_LOG_LEVEL", "warn", func(c Config) any { return c.Log.Level }, "warn"},
		{"MLANGO_NATS_SYNC", "always", func(c Config) any { return c.NATS.Sync }, "always"},
		{"MLANGO_SPOOL", "false", func(c Config) any { return c.Spool.Enabled }, false},
		{"MLANGO_SPOOL_DIR", "/mnt/spool", func(c Config) any { return c.Spool.Dir }, "/mnt/spool"},
		{"MLANGO_SPOOL_MAX_BYTES", "64MiB", func(c Config) any { return c.Spool.MaxBytes }, 64 * MiB},
		{"MLANGO_LOG_FORMAT", "json", func(c Config) any { return c.Log.Format }, "json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := mustLoad(t, path, map[string]string{tc.name: tc.value})
			if got := tc.get(cfg); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if cfg.NATS.Name != "gw-1" {
				t.Errorf("file value lost: nats.name = %q", cfg.NATS.Name)
			}
		})
	}
}

func TestEnvEmptyNATSURLSelectsEmbedded(t *testing.T) {
	path := writeConfig(t, "nats:\n  url: nats://a:4222\n")
	if cfg := mustLoad(t, path, nil); cfg.Embedded() {
		t.Fatal("file URL ignored")
	}
	if cfg := mustLoad(t, path, map[string]string{"MLANGO_NATS_URL": ""}); !cfg.Embedded() {
		t.Errorf("empty MLANGO_NATS_URL should select the embedded server, got %q", cfg.NATS.URL)
	}
}

func TestEnvBadValues(t *testing.T) {
	for _, tc := range []struct{ name, value, want string }{
		{"MLANGO_BODY_LIMIT", "lots", `MLANGO_BODY_LIMIT: "lots" is not a size`},
		{"MLANGO_STREAM_REPLICAS", "three", `MLANGO_STREAM_REPLICAS: "three" is not a whole number; want 1 to 5`},
		{"MLANGO_DUPLICATE_WINDOW", "1 day", `MLANGO_DUPLICATE_WINDOW: "1 day" is not a duration`},
		{"MLANGO_PUBLISH_TIMEOUT", "", `MLANGO_PUBLISH_TIMEOUT: "" is not a duration`},
		{"MLANGO_HTTP_ADDR", "8080", `http.addr (MLANGO_HTTP_ADDR): "8080" is not host:port`},
		{"MLANGO_SPOOL", "maybe", `MLANGO_SPOOL: "maybe" is not a boolean; want true or false`},
		{"MLANGO_NATS_SYNC", "sometimes", `nats.sync (MLANGO_NATS_SYNC): "sometimes" is not a sync policy`},
		{"MLANGO_SPOOL_MAX_BYTES", "1KiB", `spool.max_bytes (MLANGO_SPOOL_MAX_BYTES): 1KiB is out of range`},
		{"MLANGO_LOG_LEVEL", "verbose", `log.level (MLANGO_LOG_LEVEL): "verbose" is not a level; want one of trace, debug, info, warn, error`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("", false, env(map[string]string{tc.name: tc.value}))
			requireErrContains(t, err, tc.want)
			if n := strings.Count(err.Error(), "\n") + 1; n != 1 {
				t.Errorf("want exactly one problem, got %d:\n%v", n, err)
			}
		})
	}
}

func TestUnknownKeyRejected(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		wants      []string
	}{
		{"top level", "subject_prefx: sms\n", []string{
			"mlango.yaml:1: subject_prefx:", `unknown key "subject_prefx"`, "allowed here: http, nats, data_dir, subject_prefix",
		}},
		{"nested", "http:\n  addr: :1\n  bodylimit: 1MiB\n", []string{
			"mlango.yaml:3: http.bodylimit:", `unknown key "bodylimit"`, "allowed here: addr, body_limit,",
		}},
		{"flow style", "stream: {name: X, replica: 2}\n", []string{
			"mlango.yaml:1:", `unknown key "replica"`, "allowed here: name, replicas,",
		}},
		{"removed sync key", "stream:\n  sync: always\n", []string{`unknown key "sync"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tc.file), true, env(nil))
			requireErrContains(t, err, tc.wants...)
		})
	}
}

func TestAllProblemsReportedAtOnce(t *testing.T) {
	path := writeConfig(t, `http:
  addr: localhost
  body_limit: 12XB
  read_timeout: [1]
  idle_timeout: 0s
nats:
  url: "nats://ops:hunter2@a:4222,,redis://b:6379"
  listen: nowhere
stream:
  name: my.stream
  replicas: many
  max_age: 1h
  colour: blue
subject_prefix: "telecom.*"
publish:
  timeout: 50ms
log:
  level: loud
  format: xml
`)
	_, err := Load(path, true, env(map[string]string{"MLANGO_BODY_LIMIT": "huge", "MLANGO_DATA_DIR": ""}))
	requireErrContains(t, err,
		"mlango.yaml:3: http.body_limit: \"12XB\" is not a size",
		"mlango.yaml:4: http.read_timeout: want a duration",
		"mlango.yaml:11: stream.replicas: cannot unmarshal !!str `many` into int",
		`mlango.yaml:13: stream.colour: unknown key "colour"`,
		`MLANGO_BODY_LIMIT: "huge" is not a size`,
		`http.addr (MLANGO_HTTP_ADDR): "localhost" is not host:port`,
		"http.idle_timeout: 0s is not positive",
		"nats.url (MLANGO_NATS_URL): entry 2: is empty",
		`nats.url (MLANGO_NATS_URL): entry 3: "redis://b:6379" has scheme "redis"`,
		`nats.listen (MLANGO_NATS_LISTEN): "nowhere" is not host:port`,
		"data_dir (MLANGO_DATA_DIR): is empty",
		`subject_prefix (MLANGO_SUBJECT_PREFIX): "telecom.*" contains '*'`,
		`stream.name (MLANGO_STREAM): "my.stream" is not a stream name`,
		"stream.duplicate_window (MLANGO_DUPLICATE_WINDOW): 13h0m0s is longer than stream.max_age 1h0m0s",
		"publish.timeout (MLANGO_PUBLISH_TIMEOUT): 50ms is out of range; want 100ms to 60s",
		`log.level (MLANGO_LOG_LEVEL): "loud"`,
		`log.format (MLANGO_LOG_FORMAT): "xml" is not a format; want json or console`,
	)
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error leaks the NATS password:\n%v", err)
	}
}

func TestConfigFileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       string
	}{
		{"syntax", "http:\n  addr: [\n", "mlango.yaml:"},
		{"not a mapping", "just text\n", "cannot unmarshal !!str `just text` into config.Config"},
		{"two documents", "log: {level: info}\n---\nlog: {level: warn}\n", "more than one YAML document"},
		{"wrong shape", "http: [1, 2]\n", "mlango.yaml:1: http: cannot unmarshal !!seq into config.HTTPConfig"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tc.file), true, env(nil))
			requireErrContains(t, err, tc.want)
		})
	}
}

func TestMissingFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	if _, err := Load(missing, false, env(nil)); err != nil {
		t.Errorf("missing optional file: %v", err)
	}
	_, err := Load(missing, true, env(nil))
	requireErrContains(t, err, `config file "`+missing+`" does not exist`)

	_, err = Load(t.TempDir(), false, env(nil)) // a directory exists but is unreadable as a file
	requireErrContains(t, err, "cannot be read")
}

func TestConfigPath(t *testing.T) {
	for _, tc := range []struct {
		name, flag   string
		vars         map[string]string
		wantPath     string
		wantExplicit bool
	}{
		{"nothing", "", nil, "mlango.yaml", false},
		{"env", "", map[string]string{"MLANGO_CONFIG": "/etc/mlango.yaml"}, "/etc/mlango.yaml", true},
		{"empty env ignored", "", map[string]string{"MLANGO_CONFIG": ""}, "mlango.yaml", false},
		{"flag", "a.yaml", nil, "a.yaml", true},
		{"flag beats env", "a.yaml", map[string]string{"MLANGO_CONFIG": "b.yaml"}, "a.yaml", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, explicit := ConfigPath(tc.flag, env(tc.vars))
			if path != tc.wantPath || explicit != tc.wantExplicit {
				t.Errorf("got (%q, %v), want (%q, %v)", path, explicit, tc.wantPath, tc.wantExplicit)
			}
		})
	}
}

// FuzzLoadYAML feeds arbitrary bytes as the config file: Load must never
// panic, and whatever it accepts must be valid.
func FuzzLoadYAML(f *testing.F) {
	for _, seed := range []string{"", fullFile, "http: {addr: ':1'}\n", "a: &a [*a]\n", "stream:\n  max_bytes: 9999999999GiB\n", "---\n---\n", "\t:"} {
		f.Add([]byte(seed))
	}
	path := filepath.Join(f.TempDir(), "mlango.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(path, true, env(nil))
		if err == nil {
			if verr := cfg.Validate(); verr != nil {
				t.Fatalf("Load accepted an invalid config: %v", verr)
			}
		}
	})
}
