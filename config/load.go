package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ConfigPath decides which config file to read: the -config flag value
// (flagValue, empty when not given) wins, then MLANGO_CONFIG; both are
// explicit, so a missing file is an error. Otherwise it is the optional
// DefaultConfigFile in the working directory.
func ConfigPath(flagValue string, getenv func(string) (string, bool)) (path string, explicit bool) {
	if flagValue != "" {
		return flagValue, true
	}
	if getenv != nil {
		if v, ok := getenv("MLANGO_CONFIG"); ok && v != "" {
			return v, true
		}
	}
	return DefaultConfigFile, false
}

// Load builds the configuration: Default, then the YAML file at path (if
// path is non-empty; a missing file is fine unless explicit), then the
// environment variables read through getenv (os.LookupEnv in production, a
// map in tests; nil means none), then Validate.
// Every problem found on the way is returned at once, joined with
// errors.Join; on error the returned Config is the zero value.
func Load(path string, explicit bool, getenv func(string) (string, bool)) (Config, error) {
	cfg := Default()
	var problems []error
	if path != "" {
		problems = append(problems, loadFile(path, explicit, &cfg)...)
	}
	if getenv != nil {
		problems = append(problems, applyEnv(&cfg, getenv)...)
		problems = append(problems, applyWebhookEnv(&cfg, getenv)...)
	}
	problems = append(problems, cfg.problems()...)
	if len(problems) > 0 {
		return Config{}, errors.Join(problems...)
	}
	return cfg, nil
}

func loadFile(path string, explicit bool, cfg *Config) []error {
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		return decodeYAML(path, data, cfg)
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return []error{fmt.Errorf("config file %q does not exist (it was named by -config or MLANGO_CONFIG)", path)}
	default:
		return []error{fmt.Errorf("config file %q cannot be read: %w", path, err)}
	}
}

// decodeYAML decodes data over cfg, rejecting unknown keys. The decoder
// records type errors and carries on, so all of them are reported; each is
// rewritten to name the file, the line and the dotted key.
func decodeYAML(path string, data []byte, cfg *Config) []error {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return []error{fileProblem(path, nil, err.Error())}
	}
	keys := keyLines(&root)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(cfg)
	if errors.Is(err, io.EOF) {
		return nil // empty file or only comments
	}
	var problems []error
	var typeErr *yaml.TypeError
	if errors.As(err, &typeErr) {
		for _, msg := range typeErr.Errors {
			problems = append(problems, fileProblem(path, keys, msg))
		}
	} else if err != nil {
		return []error{fileProblem(path, keys, err.Error())}
	}
	if err := dec.Decode(new(yaml.Node)); !errors.Is(err, io.EOF) {
		problems = append(problems, fmt.Errorf("%s: holds more than one YAML document; put every setting in the first", path))
	}
	return problems
}

var (
	lineRE    = regexp.MustCompile(`(?s)^(?:yaml: )?line (\d+): (.*)$`)
	unknownRE = regexp.MustCompile(`^field (.+) not found in type (\S+)$`)
)

// fileProblem turns a YAML message ("line 7: ...") into
// "path:7: stream.replicas: ...". Unknown keys get the allowed keys listed.
func fileProblem(path string, keys map[int]string, msg string) error {
	m := lineRE.FindStringSubmatch(msg)
	if m == nil {
		return fmt.Errorf("%s: %s", path, strings.TrimPrefix(msg, "yaml: "))
	}
	line, text := m[1], m[2]
	if u := unknownRE.FindStringSubmatch(text); u != nil {
		text = fmt.Sprintf("unknown key %q; allowed here: %s", u[1], strings.Join(allowedKeys(u[2]), ", "))
	}
	n, _ := strconv.Atoi(line)
	if key := keys[n]; key != "" {
		return fmt.Errorf("%s:%s: %s: %s", path, line, key, text)
	}
	return fmt.Errorf("%s:%s: %s", path, line, text)
}

// keyLines maps each line of the document to the dotted key written on it
// ("stream.replicas"), or to "" when a line holds several keys (flow style).
func keyLines(root *yaml.Node) map[int]string {
	lines := map[int]string{}
	mark := func(line int, key string) {
		if old, seen := lines[line]; !seen {
			lines[line] = key
		} else if old != key {
			lines[line] = ""
		}
	}
	var walk func(n *yaml.Node, key string)
	walk = func(n *yaml.Node, key string) {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, key)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				sub := strings.TrimPrefix(key+"."+k.Value, ".")
				mark(k.Line, sub)
				walk(n.Content[i+1], sub)
			}
		case yaml.ScalarNode:
			if key != "" {
				mark(n.Line, key)
			}
		}
	}
	walk(root, "")
	return lines
}

// allowedKeys lists the YAML keys of the struct type (named as the decoder
// names it, e.g. "config.HTTPConfig") found anywhere inside Config.
func allowedKeys(typeName string) []string {
	var find func(t reflect.Type) []string
	find = func(t reflect.Type) []string {
		var keys []string
		for i := 0; i < t.NumField(); i++ {
			keys = append(keys, strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0])
		}
		if t.String() == typeName {
			return keys
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i).Type
			for f.Kind() == reflect.Map || f.Kind() == reflect.Slice || f.Kind() == reflect.Pointer {
				f = f.Elem() // webhooks.providers is a map of structs
			}
			if f.Kind() == reflect.Struct {
				if found := find(f); found != nil {
					return found
				}
			}
		}
		return nil
	}
	return find(reflect.TypeFor[Config]())
}

// envVar is one MLANGO_* override. secret marks values that must never be
// echoed in an error message.
type envVar struct {
	name   string
	secret bool
	apply  func(c *Config, v string) error
}

var envVars = []envVar{
	{name: "MLANGO_HTTP_ADDR", apply: func(c *Config, v string) error { c.HTTP.Addr = v; return nil }},
	{name: "MLANGO_BODY_LIMIT", apply: func(c *Config, v string) error { return setSize(&c.HTTP.BodyLimit, v) }},
	{name: "MLANGO_HTTP_READ_HEADER_TIMEOUT", apply: func(c *Config, v string) error { return setDuration(&c.HTTP.ReadHeaderTimeout, v) }},
	{name: "MLANGO_HTTP_READ_TIMEOUT", apply: func(c *Config, v string) error { return setDuration(&c.HTTP.ReadTimeout, v) }},
	{name: "MLANGO_HTTP_WRITE_TIMEOUT", apply: func(c *Config, v string) error { return setDuration(&c.HTTP.WriteTimeout, v) }},
	{name: "MLANGO_HTTP_IDLE_TIMEOUT", apply: func(c *Config, v string) error { return setDuration(&c.HTTP.IdleTimeout, v) }},
	{name: "MLANGO_HTTP_MAX_HEADER_BYTES", apply: func(c *Config, v string) error { return setSize(&c.HTTP.MaxHeaderBytes, v) }},
	{name: "MLANGO_HTTP_SHUTDOWN_TIMEOUT", apply: func(c *Config, v string) error { return setDuration(&c.HTTP.ShutdownTimeout, v) }},
	{name: "MLANGO_TLS_CERT", apply: func(c *Config, v string) error { c.HTTP.TLS.CertFile = v; return nil }},
	{name: "MLANGO_TLS_KEY", apply: func(c *Config, v string) error { c.HTTP.TLS.KeyFile = v; return nil }},
	{name: "MLANGO_NATS_URL", secret: true, apply: func(c *Config, v string) error { c.NATS.URL = v; return nil }},
	{name: "MLANGO_NATS_LISTEN", apply: func(c *Config, v string) error { c.NATS.Listen = v; return nil }},
	{name: "MLANGO_DATA_DIR", apply: func(c *Config, v string) error { c.DataDir = v; return nil }},
	{name: "MLANGO_SUBJECT_PREFIX", apply: func(c *Config, v string) error { c.SubjectPrefix = v; return nil }},
	{name: "MLANGO_STREAM", apply: func(c *Config, v string) error { c.Stream.Name = v; return nil }},
	{name: "MLANGO_STREAM_REPLICAS", apply: func(c *Config, v string) error { return setInt(&c.Stream.Replicas, v, "1 to 5") }},
	{name: "MLANGO_DUPLICATE_WINDOW", apply: func(c *Config, v string) error { return setDuration(&c.Stream.DuplicateWindow, v) }},
	{name: "MLANGO_PUBLISH_TIMEOUT", apply: func(c *Config, v string) error { return setDuration(&c.Publish.Timeout, v) }},
	{name: "MLANGO_NATS_SYNC", apply: func(c *Config, v string) error { c.NATS.Sync = v; return nil }},
	{name: "MLANGO_SPOOL", apply: func(c *Config, v string) error { return setBool(&c.Spool.Enabled, v) }},
	{name: "MLANGO_SPOOL_DIR", apply: func(c *Config, v string) error { c.Spool.Dir = v; return nil }},
	{name: "MLANGO_SPOOL_MAX_BYTES", apply: func(c *Config, v string) error { return setSize(&c.Spool.MaxBytes, v) }},
	{name: "MLANGO_LOG_LEVEL", apply: func(c *Config, v string) error { c.Log.Level = v; return nil }},
	{name: "MLANGO_LOG_FORMAT", apply: func(c *Config, v string) error { c.Log.Format = v; return nil }},
	{name: VoiceSecretEnv, secret: true, apply: func(c *Config, v string) error { c.Voice.Secret = v; return nil }},
	{name: ConsoleEnv, apply: func(c *Config, v string) error { return setSwitch(&c.Console.Enabled, v) }},
}

// applyEnv applies every variable that is set, even to an empty value (an
// empty MLANGO_NATS_URL selects the embedded server over the file's URL).
func applyEnv(c *Config, getenv func(string) (string, bool)) []error {
	var problems []error
	for _, e := range envVars {
		v, ok := getenv(e.name)
		if !ok {
			continue
		}
		if err := e.apply(c, v); err != nil {
			if e.secret {
				err = errors.New("invalid value (not shown: it may hold a secret)")
			}
			problems = append(problems, fmt.Errorf("%s: %w", e.name, err))
		}
	}
	return problems
}

// The setters leave *dst alone on error, so a bad variable is reported
// once, not again by Validate.

func setSize(dst *Size, v string) error {
	n, err := ParseSize(v)
	if err == nil {
		*dst = n
	}
	return err
}

func setDuration(dst *Duration, v string) error {
	d, err := ParseDuration(v)
	if err == nil {
		*dst = d
	}
	return err
}

func setInt(dst *int, v, allowed string) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("%q is not a whole number; want %s", v, allowed)
	}
	*dst = n
	return nil
}
