package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// deadNATSURL is a loopback URL nothing listens on, with a password that
// must never reach the output.
func deadNATSURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return fmt.Sprintf("nats://u:hunter2@127.0.0.1:%d", port)
}

// With the spool on, NATS unreachable at start is an outage like any
// other: the gateway serves and spools.
func TestServesWithoutNATSWhenSpooling(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errs syncBuffer
	vars := env(map[string]string{"MLANGO_HTTP_ADDR": "127.0.0.1:0", "MLANGO_DATA_DIR": t.TempDir(), "MLANGO_NATS_URL": deadNATSURL(t)})
	done := make(chan int, 1)
	go func() { done <- run(ctx, nil, &out, &errs, vars) }()
	addr := waitFor(t, &out, regexp.MustCompile(`"addr":"([^"]+)"[^\n]*mlango serving HTTP`))[1]
	resp, err := http.Post("http://"+addr+"/api/sms/delivery-reports", "application/x-www-form-urlencoded",
		strings.NewReader("id=ATXid_nonats&status=Success&phoneNumber=%2B254711000111"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("callback with NATS down answered %d, want 200 (spooled)", resp.StatusCode)
	}
	resp, err = http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"records":1`) {
		t.Fatalf("/readyz = %d %s; want ready with one spooled record", resp.StatusCode, body)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	if !strings.Contains(out.String(), "NATS unreachable at start") {
		t.Errorf("no warning that NATS was unreachable:\n%s", out.String())
	}
	if strings.Contains(out.String()+errs.String(), "hunter2") {
		t.Errorf("the NATS password reached the output")
	}
}

// Without the spool, nothing could keep a callback: refuse to start.
func TestRefusesToStartWithoutNATSOrSpool(t *testing.T) {
	var out, errs syncBuffer
	vars := env(map[string]string{"MLANGO_HTTP_ADDR": "127.0.0.1:0", "MLANGO_DATA_DIR": t.TempDir(),
		"MLANGO_NATS_URL": deadNATSURL(t), "MLANGO_SPOOL": "false"})
	if code := run(context.Background(), nil, &out, &errs, vars); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(out.String(), "connecting to NATS") || strings.Contains(out.String(), "hunter2") {
		t.Fatalf("start-up error should say NATS could not be reached, without the password:\n%s", out.String())
	}
}
