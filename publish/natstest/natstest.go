// Package natstest starts a real nats-server with JetStream for tests: on a
// free loopback port, storing under the test's temp dir, shut down by
// t.Cleanup. It fails the test rather than panicking.
package natstest

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Start runs a JetStream-enabled nats-server for the length of the test and
// returns it; its client URL is s.ClientURL().
func Start(tb testing.TB) *server.Server {
	tb.Helper()
	return StartIn(tb, tb.TempDir())
}

// StartIn is Start with a chosen store dir, so a test can stop a server and
// start another on the same data to prove what survived.
func StartIn(tb testing.TB, storeDir string) *server.Server {
	tb.Helper()
	return StartAt(tb, storeDir, server.RANDOM_PORT)
}

// StartAt is StartIn on a chosen port, so a test can stop a server and
// start it again where its clients will reconnect.
func StartAt(tb testing.TB, storeDir string, port int) *server.Server {
	tb.Helper()
	s, err := server.NewServer(&server.Options{
		Host:      "127.0.0.1",
		Port:      port,
		JetStream: true,
		StoreDir:  storeDir,
		NoSigs:    true,
		NoLog:     true,
	})
	if err != nil {
		tb.Fatalf("natstest: new server: %v", err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		tb.Fatalf("natstest: server not ready for connections")
	}
	tb.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s
}
