package publish

import (
	"bytes"
	"net"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"
)

func startEmbedded(tb testing.TB, o EmbeddedOptions) *server.Server {
	tb.Helper()
	srv, err := StartEmbedded(o, zerolog.Nop())
	if err != nil {
		tb.Fatalf("StartEmbedded: %v", err)
	}
	tb.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	return srv
}

func TestStartEmbeddedListens(t *testing.T) {
	srv := startEmbedded(t, EmbeddedOptions{Listen: "127.0.0.1:0", StoreDir: t.TempDir(), ServerName: "mlango-test"})
	if srv.Addr() == nil {
		t.Fatal("no client listener")
	}
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatalf("connect over TCP to %s: %v", srv.ClientURL(), err)
	}
	defer nc.Close()
	if got := nc.ConnectedServerName(); got != "mlango-test" {
		t.Errorf("server name = %q", got)
	}
	if !srv.JetStreamEnabled() {
		t.Error("JetStream not enabled")
	}
}

func TestStartEmbeddedWithoutListener(t *testing.T) {
	for _, listen := range []string{"", "none"} {
		srv := startEmbedded(t, EmbeddedOptions{Listen: listen, StoreDir: t.TempDir()})
		if srv.Addr() != nil {
			t.Errorf("Listen %q: client listener on %s", listen, srv.Addr())
		}
		nc, err := nats.Connect("", nats.InProcessServer(srv))
		if err != nil {
			t.Fatalf("Listen %q: connect in-process: %v", listen, err)
		}
		nc.Close()
	}
}

func TestStartEmbeddedBusyPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr().String()

	var logs bytes.Buffer
	srv, err := StartEmbedded(EmbeddedOptions{Listen: addr, StoreDir: t.TempDir()}, zerolog.New(&logs))
	if err == nil {
		srv.Shutdown()
		t.Fatalf("StartEmbedded on busy %s succeeded", addr)
	}
	msg := err.Error()
	for _, want := range []string{"embedded NATS could not listen on " + addr, "MLANGO_NATS_LISTEN", "or none"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	if !strings.Contains(logs.String(), `"level":"error"`) {
		t.Errorf("the server's fatal message was not logged at error level: %s", logs.String())
	}
	// The failed server let go of its store: another can start there.
	startEmbedded(t, EmbeddedOptions{StoreDir: t.TempDir()})
}

func TestStartEmbeddedBadOptions(t *testing.T) {
	for _, o := range []EmbeddedOptions{
		{Listen: "127.0.0.1", StoreDir: t.TempDir()},
		{Listen: "127.0.0.1:http", StoreDir: t.TempDir()},
		{Listen: "127.0.0.1:0"},
	} {
		if srv, err := StartEmbedded(o, zerolog.Nop()); err == nil {
			srv.Shutdown()
			t.Errorf("StartEmbedded(%+v) succeeded", o)
		}
	}
}

func TestServerLoggerLevels(t *testing.T) {
	var buf bytes.Buffer
	l := &serverLogger{log: zerolog.New(&buf).Level(zerolog.TraceLevel)}
	l.Noticef("n %d", 1)
	l.Warnf("w")
	l.Errorf("e")
	l.Debugf("d")
	l.Tracef("t")
	l.Fatalf("f %s", "x")
	l.Fatalf("second")
	out := buf.String()
	for _, want := range []string{
		`{"level":"debug","message":"n 1"}`,
		`{"level":"warn","message":"w"}`,
		`{"level":"error","message":"e"}`,
		`{"level":"debug","message":"d"}`,
		`{"level":"trace","message":"t"}`,
		`{"level":"error","fatal":true,"message":"f x"}`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log output lacks %s:\n%s", want, out)
		}
	}
	if got := l.fatal(); got != "f x" {
		t.Errorf("fatal() = %q, want the first fatal message", got)
	}
}
