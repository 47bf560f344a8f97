// Command refserver is the performance reference for Mlango's delivery-report
// and USSD routes: the floor cost of each path, measured in the same session
// as the gateway so that the gateway's throughput can be reported as a ratio.
//
// It is deliberately minimal. POST /api/sms/delivery-reports does only:
// parse the form, publish it (the url.Values as JSON) to
// telecom.africastalking.sms.delivery with Nats-Msg-Id = id+status, wait for
// the JetStream ack (5s, else 503), answer 200 "OK". No normalisation, no
// CloudEvent, no per-request logging, no middleware. The embedded nats-server
// and the TELECOM stream (telecom.>, file storage, 1 replica, 13h duplicate
// window) use the same settings as the gateway, so the comparison is fair.
//
// POST /api/ussd/session is the floor of a USSD hop over HTTP: it parses the
// form and answers the built-in demo menu's screen for the cumulative text
// (CON for "" and "1", END for "1*1", "2" and anything else), byte for byte
// what the gateway answers. No session state, no NATS, no event: it is what
// any USSD hop costs before the gateway reads and writes the session in
// JetStream KV and publishes its event.
//
// Usage:
//
//	go run ./cmd/refserver [-addr 127.0.0.1:8090] [-data DIR]
//
// Without -data the store is a fresh temp dir, removed on exit. It stops
// cleanly on SIGINT/SIGTERM.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const (
	subject    = "telecom.africastalking.sms.delivery"
	ackTimeout = 5 * time.Second
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "HTTP listen address")
	dataDir := flag.String("data", "", "JetStream store dir (default: fresh temp dir, removed on exit)")
	flag.Parse()
	if err := run(*addr, *dataDir); err != nil {
		log.Fatalf("refserver: %v", err)
	}
}

func run(addr, dataDir string) error {
	if dataDir == "" {
		d, err := os.MkdirTemp("", "refserver-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dataDir = d
	}

	ns, err := server.NewServer(&server.Options{
		JetStream: true, StoreDir: dataDir, DontListen: true, NoSigs: true, NoLog: true,
	})
	if err != nil {
		return err
	}
	ns.Start()
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	if !ns.ReadyForConnections(10 * time.Second) {
		return errors.New("embedded nats-server not ready")
	}

	nc, err := nats.Connect("", nats.InProcessServer(ns))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: "TELECOM", Subjects: []string{"telecom.>"},
		Storage: jetstream.FileStorage, Replicas: 1, Duplicates: 13 * time.Hour,
	})
	cancel()
	if err != nil {
		return fmt.Errorf("create stream: %w", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/ussd/session", ussdHop)
	mux.HandleFunc("POST /api/sms/delivery-reports", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		id, status := r.PostForm.Get("id"), r.PostForm.Get("status")
		body, _ := json.Marshal(r.PostForm)
		msg := &nats.Msg{Subject: subject, Data: body, Header: nats.Header{}}
		msg.Header.Set(jetstream.MsgIDHeader, id+status)
		fut, err := js.PublishMsgAsync(msg)
		if err != nil {
			http.Error(w, "publish failed", http.StatusServiceUnavailable)
			return
		}
		t := time.NewTimer(ackTimeout)
		defer t.Stop()
		select {
		case <-fut.Ok():
			// The same answer as the gateway's, so both put the same bytes on the wire.
			w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
			w.Write([]byte("OK"))
		case <-fut.Err():
			http.Error(w, "publish failed", http.StatusServiceUnavailable)
		case <-t.C:
			http.Error(w, "ack timeout", http.StatusServiceUnavailable)
		}
	})

	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("refserver: listening on %s, store %s", addr, dataDir)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case err := <-errc:
		return err
	case <-sig:
	}
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}
