package config

import "os"

// validateHTTPLimits checks the header limit and that TLS files come in
// pairs and exist. Timeouts are not checked against each other: a header
// timeout longer than read_timeout is simply cut to it, and a write_timeout
// shorter than publish.timeout only loses the 503 of a very slow ack
// (docs/configuration.md says so).
func (c Config) validateHTTPLimits(p *problemList) {
	h := c.HTTP
	if b := h.MaxHeaderBytes; b < KiB || b > MiB {
		p.addf("http.max_header_bytes (MLANGO_HTTP_MAX_HEADER_BYTES): %s is out of range; want 1KiB to 1MiB", b)
	}
	t := h.TLS
	switch {
	case t.CertFile != "" && t.KeyFile == "":
		p.addf("http.tls.key_file (MLANGO_TLS_KEY): is empty but http.tls.cert_file is set; want both files, or neither for plain HTTP")
	case t.CertFile == "" && t.KeyFile != "":
		p.addf("http.tls.cert_file (MLANGO_TLS_CERT): is empty but http.tls.key_file is set; want both files, or neither for plain HTTP")
	}
	for _, f := range []struct{ key, name string }{
		{"http.tls.cert_file (MLANGO_TLS_CERT)", t.CertFile},
		{"http.tls.key_file (MLANGO_TLS_KEY)", t.KeyFile},
	} {
		if f.name == "" {
			continue
		}
		if fi, err := os.Stat(f.name); err != nil {
			p.addf("%s: %q cannot be read: %v", f.key, f.name, err)
		} else if fi.IsDir() {
			p.addf("%s: %q is a directory; want a PEM file", f.key, f.name)
		}
	}
}
