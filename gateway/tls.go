package gateway

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// DefaultCertCheckInterval is how often, at most, the certificate files'
// modification times and sizes are looked at again.
const DefaultCertCheckInterval = time.Second

// CertOptions configure NewCertReloader.
type CertOptions struct {
	CertFile, KeyFile string
	// CheckInterval bounds how often the files are stat'ed, on a TLS
	// handshake; 0 is DefaultCertCheckInterval.
	CheckInterval time.Duration
	// Now is the clock that interval is measured on; nil is time.Now.
	Now func() time.Time
	// Log receives a line for each reload and each pair that fails to load.
	Log zerolog.Logger
}

// CertReloader serves a certificate from a PEM certificate (chain) file and
// a key file, and picks up new files without a restart: a handshake at
// least CheckInterval after the last look stats both files, and when
// either's modification time or size changed the pair is loaded again. A
// pair that does not load (half written, mismatched) is logged and the last
// good certificate kept; it is tried again when the files next change.
type CertReloader struct {
	o     CertOptions
	cert  atomic.Pointer[tls.Certificate]
	next  atomic.Int64 // UnixNano of the next look at the files
	mu    sync.Mutex   // one look at a time; handshakes meanwhile use cert
	stamp [2]fileStamp
}

type fileStamp struct {
	mod  time.Time
	size int64
}

// NewCertReloader loads the pair once; it fails when it cannot, so a bad
// certificate stops start-up.
func NewCertReloader(o CertOptions) (*CertReloader, error) {
	if o.CertFile == "" || o.KeyFile == "" {
		return nil, errors.New("TLS needs both a certificate file and a key file")
	}
	if o.CheckInterval <= 0 {
		o.CheckInterval = DefaultCertCheckInterval
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	r := &CertReloader{o: o}
	stamp, err := r.stat()
	if err != nil {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate %s and key %s: %w", o.CertFile, o.KeyFile, err)
	}
	r.cert.Store(&cert)
	r.stamp = stamp
	r.next.Store(o.Now().Add(o.CheckInterval).UnixNano())
	return r, nil
}

// GetCertificate is a tls.Config.GetCertificate: the current certificate,
// after looking at the files if CheckInterval has passed.
func (r *CertReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	if now := r.o.Now(); now.UnixNano() >= r.next.Load() && r.mu.TryLock() {
		r.check(now)
		r.mu.Unlock()
	}
	return r.cert.Load(), nil
}

// Check looks at the files now, whatever the interval, and reloads them if
// they changed. It reports whether a new certificate is in use.
func (r *CertReloader) Check() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.check(r.o.Now())
}

func (r *CertReloader) check(now time.Time) bool {
	r.next.Store(now.Add(r.o.CheckInterval).UnixNano())
	stamp, err := r.stat()
	if err != nil {
		r.o.Log.Error().Err(err).Msg("TLS certificate files unreadable; serving the last good certificate")
		return false
	}
	if sameStamps(stamp, r.stamp) {
		return false
	}
	r.stamp = stamp // a bad pair is reported once per change, not per handshake
	cert, err := tls.LoadX509KeyPair(r.o.CertFile, r.o.KeyFile)
	if err != nil {
		r.o.Log.Error().Err(err).Str("cert_file", r.o.CertFile).Str("key_file", r.o.KeyFile).
			Msg("new TLS certificate does not load; serving the last good certificate")
		return false
	}
	r.cert.Store(&cert)
	e := r.o.Log.Info().Str("cert_file", r.o.CertFile)
	if cert.Leaf != nil {
		e = e.Str("serial", cert.Leaf.SerialNumber.String()).Time("not_after", cert.Leaf.NotAfter)
	}
	e.Msg("TLS certificate reloaded")
	return true
}

func sameStamps(a, b [2]fileStamp) bool {
	return a[0].size == b[0].size && a[0].mod.Equal(b[0].mod) && a[1].size == b[1].size && a[1].mod.Equal(b[1].mod)
}

func (r *CertReloader) stat() ([2]fileStamp, error) {
	var out [2]fileStamp
	for i, name := range []string{r.o.CertFile, r.o.KeyFile} {
		fi, err := os.Stat(name)
		if err != nil {
			return out, fmt.Errorf("TLS file: %w", err)
		}
		out[i] = fileStamp{mod: fi.ModTime(), size: fi.Size()}
	}
	return out, nil
}

// tlsConfig serves r's certificate; net/http adds h2 to NextProtos, so a
// client offering HTTP/2 by ALPN gets it.
func tlsConfig(r *CertReloader) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.GetCertificate}
}
