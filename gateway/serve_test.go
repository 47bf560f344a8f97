package gateway

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlango/mlango/handlers"
	"github.com/rs/zerolog"
)

// serveTest runs Serve over a real listener on a free port until the test
// ends, and returns the address.
func serveTest(t *testing.T, h http.Handler, o ServerOptions) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	o.Addr = "127.0.0.1:0"
	o.ShutdownTimeout = 5 * time.Second
	o.Listening = func(a net.Addr) { addrs <- a }
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, h, o) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	select {
	case a := <-addrs:
		return a.String()
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	}
	return ""
}

func plainHandler(t *testing.T) http.Handler {
	t.Helper()
	e, err := New(Options{Providers: []handlers.Provider{handlers.AfricasTalking()}, BodyLimit: 1 << 20, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// testDeadline bounds a blocking read: the test's own deadline, or a
// minute, so a broken server fails the test rather than hanging it.
func testDeadline(t *testing.T) time.Time {
	if d, ok := t.Deadline(); ok {
		return d.Add(-time.Second)
	}
	return time.Now().Add(time.Minute)
}

// TestSlowHeadersCutOff: a client that trickles its headers is
// disconnected at the header timeout, though the read timeout is long.
func TestSlowHeadersCutOff(t *testing.T) {
	addr := serveTest(t, plainHandler(t), ServerOptions{ReadHeaderTimeout: 100 * time.Millisecond, ReadTimeout: time.Hour})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(testDeadline(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, "POST /api/sms/delivery-reports HTTP/1.1\r\nHost: mlango\r\n"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() { // one more header byte now and then, as slowloris does
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := io.WriteString(conn, "X"); err != nil {
					return
				}
			}
		}
	}()
	got, err := io.ReadAll(conn) // returns once the server closes the connection
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the slow client past the test's deadline")
	}
	if bytes.Contains(got, []byte("200 OK")) {
		t.Fatalf("the slow request was answered: %q", got)
	}
}

// TestMaxHeaderBytes: a header block over the configured limit is refused
// with 431 before any handler runs.
func TestMaxHeaderBytes(t *testing.T) {
	addr := serveTest(t, plainHandler(t), ServerOptions{ReadTimeout: time.Minute, MaxHeaderBytes: 4 << 10})
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/healthz", nil)
	req.Header.Set("X-Padding", strings.Repeat("a", 16<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("oversize headers: %d, want 431", resp.StatusCode)
	}
	req.Header.Del("X-Padding")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("ordinary headers: %d, want 200", resp.StatusCode)
	}
}

// TestTLSRotation: HTTPS from files, HTTP/2 when the client offers it, and
// a certificate written over the same paths is served from the next
// handshake after the check interval, on a test clock; a pair that does
// not load is logged and the last good one kept.
func TestTLSRotation(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	pool := x509.NewCertPool()
	pairs := make([]testPair, 4)
	for i := range pairs {
		pairs[i] = newTestPair(t, int64(i+1))
		pool.AddCert(pairs[i].cert)
	}
	clock := &atomicClock{}
	clock.set(fixedNow)
	pairs[0].write(t, certFile, keyFile, clock.now())
	var logs syncBuffer
	r, err := NewCertReloader(CertOptions{CertFile: certFile, KeyFile: keyFile, Now: clock.now, Log: zerolog.New(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTest(t, plainHandler(t), ServerOptions{ReadTimeout: time.Minute, TLS: r})
	serial := func() int64 {
		t.Helper()
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "localhost"})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
	}

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}, ForceAttemptHTTP2: true}}
	defer client.CloseIdleConnections()
	resp, err := client.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ProtoMajor != 2 {
		t.Fatalf("HTTPS answer %d over %s, want 200 over HTTP/2", resp.StatusCode, resp.Proto)
	}
	if s := serial(); s != 1 {
		t.Fatalf("serial %d, want 1", s)
	}

	pairs[1].write(t, certFile, keyFile, clock.now().Add(time.Minute))
	if s := serial(); s != 1 {
		t.Fatalf("within the check interval: serial %d, want still 1", s)
	}
	clock.set(clock.now().Add(DefaultCertCheckInterval))
	if s := serial(); s != 2 {
		t.Fatalf("after rotation: serial %d, want 2", s)
	}

	// A certificate without its key yet: the old pair stays.
	writeFile(t, certFile, pairs[2].certPEM, clock.now().Add(2*time.Minute))
	clock.set(clock.now().Add(DefaultCertCheckInterval))
	if s := serial(); s != 2 {
		t.Fatalf("with a mismatched pair: serial %d, want the last good 2", s)
	}
	if !strings.Contains(logs.String(), "new TLS certificate does not load") {
		t.Fatalf("the bad pair was not logged:\n%s", logs.String())
	}
	writeFile(t, keyFile, pairs[2].keyPEM, clock.now().Add(2*time.Minute))
	if !r.Check() { // forced, whatever the clock
		t.Fatal("Check did not load the completed pair")
	}
	if s := serial(); s != 3 {
		t.Fatalf("after the key arrived: serial %d, want 3", s)
	}
}

func TestCertReloaderRefusesBadStart(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	a, b := newTestPair(t, 1), newTestPair(t, 2)
	writeFile(t, certFile, a.certPEM, fixedNow)
	writeFile(t, keyFile, b.keyPEM, fixedNow)
	if _, err := NewCertReloader(CertOptions{CertFile: certFile, KeyFile: keyFile}); err == nil {
		t.Fatal("a mismatched pair was accepted at start")
	}
	if _, err := NewCertReloader(CertOptions{CertFile: filepath.Join(dir, "missing"), KeyFile: keyFile}); err == nil {
		t.Fatal("a missing certificate was accepted at start")
	}
}

type testPair struct {
	cert            *x509.Certificate
	certPEM, keyPEM []byte
}

// newTestPair is a self-signed certificate for localhost and 127.0.0.1
// with the given serial.
func newTestPair(t *testing.T, serial int64) testPair {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return testPair{
		cert:    cert,
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
}

func (p testPair) write(t *testing.T, certFile, keyFile string, mod time.Time) {
	t.Helper()
	writeFile(t, certFile, p.certPEM, mod)
	writeFile(t, keyFile, p.keyPEM, mod)
}

// writeFile overwrites name in place and sets its modification time, as a
// renewal minutes later would: the filesystem's clock may not tick between
// two writes in one test.
func writeFile(t *testing.T, name string, data []byte, mod time.Time) {
	t.Helper()
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(name, mod, mod); err != nil {
		t.Fatal(err)
	}
}

type atomicClock struct{ ns atomic.Int64 }

func (c *atomicClock) now() time.Time  { return time.Unix(0, c.ns.Load()) }
func (c *atomicClock) set(t time.Time) { c.ns.Store(t.UnixNano()) }

// syncBuffer is a log sink the server's handshakes and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
