package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeHTTPSMetrics runs the real command with TLS files set: a
// callback over HTTPS (HTTP/2), then /metrics counts it.
func TestServeHTTPSMetrics(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	vars := env(map[string]string{"MLANGO_HTTP_ADDR": "127.0.0.1:0", "MLANGO_DATA_DIR": dir, "MLANGO_NATS_LISTEN": "none",
		"MLANGO_TLS_CERT": certFile, "MLANGO_TLS_KEY": keyFile})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errs syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, nil, &out, &errs, vars) }()
	addr := waitFor(t, &out, regexp.MustCompile(`"addr":"([^"]+)".*mlango serving HTTPS`))[1]

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	defer client.CloseIdleConnections()
	resp, err := client.Post("https://"+addr+"/api/sms/delivery-reports", "application/x-www-form-urlencoded",
		strings.NewReader("id=ATXid_tls&status=Failed&phoneNumber=%2B254711000111"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ProtoMajor != 2 {
		t.Fatalf("callback answered %d over %s, want 200 over HTTP/2", resp.StatusCode, resp.Proto)
	}
	resp, err = client.Get("https://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		`mlango_events_total{provider="africastalking",status="failed",type="sms.delivery"} 1`:            false,
		`mlango_requests_total{code="200",provider="africastalking",route="/api/sms/delivery-reports"} 1`: false,
		`mlango_publish_duration_seconds_count{outcome="ok"} 1`:                                           false,
		`mlango_nats_connected 1`: false,
		`mlango_spool_records 0`:  false, // the spool is wired in, and empty
		`mlango_request_duration_seconds_count{provider="africastalking",route="/api/sms/delivery-reports"} 1`: false,
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if _, ok := want[sc.Text()]; ok {
			want[sc.Text()] = true
		}
	}
	resp.Body.Close()
	for line, seen := range want {
		if !seen {
			t.Errorf("/metrics lacks %s", line)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errs.String())
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mlango test"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
