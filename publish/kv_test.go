package publish

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mlango/mlango/publish/natstest"
	"github.com/nats-io/nats.go"
)

func TestKV(t *testing.T) {
	srv := natstest.Start(t)
	s := openStore(t, externalOptions(srv))
	ctx := testCtx(t)
	kv, err := s.KV(ctx, KVOptions{Bucket: "ussd_sessions", TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if v, _, err := kv.Get(ctx, "s1"); v != nil || err != nil {
		t.Fatalf("missing key: %q %v", v, err)
	}
	rev, ok, err := kv.Create(ctx, "s1", []byte("a"))
	if !ok || err != nil {
		t.Fatalf("create: %v %v", ok, err)
	}
	if _, ok, err := kv.Create(ctx, "s1", []byte("b")); ok || err != nil {
		t.Fatalf("second create: ok=%v err=%v, want a lost race", ok, err)
	}
	rev2, ok, err := kv.Update(ctx, "s1", []byte("c"), rev)
	if !ok || err != nil {
		t.Fatalf("update: %v %v", ok, err)
	}
	if _, ok, err := kv.Update(ctx, "s1", []byte("d"), rev); ok || err != nil {
		t.Fatalf("stale update: ok=%v err=%v, want a lost race", ok, err)
	}
	if v, r, err := kv.Get(ctx, "s1"); string(v) != "c" || r != rev2 || err != nil {
		t.Fatalf("get = %q %d %v, want c %d", v, r, err, rev2)
	}
	if err := kv.Delete(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if v, _, err := kv.Get(ctx, "s1"); v != nil || err != nil {
		t.Fatalf("deleted key: %q %v", v, err)
	}
	if _, ok, err := kv.Create(ctx, "s1", []byte("e")); !ok || err != nil {
		t.Fatalf("create after delete: %v %v", ok, err)
	}
	if err := kv.Delete(ctx, "never"); err != nil {
		t.Fatalf("deleting a missing key: %v", err)
	}
}

func TestRequest(t *testing.T) {
	srv := natstest.Start(t)
	s := openStore(t, externalOptions(srv))
	nc, _ := connect(t, srv)
	sub, err := nc.Subscribe("svc.echo", func(m *nats.Msg) {
		_ = m.Respond([]byte(m.Header.Get("Mlango-Step") + ":" + string(m.Data)))
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if _, err := nc.Subscribe("svc.silent", func(*nats.Msg) {}); err != nil {
		t.Fatal(err)
	}
	_ = nc.Flush()

	ctx := testCtx(t)
	got, err := s.Request(ctx, "svc.echo", []byte("hi"), map[string]string{"Mlango-Step": "main"})
	if err != nil || string(got) != "main:hi" {
		t.Fatalf("reply = %q %v", got, err)
	}
	if _, err := s.Request(ctx, "svc.nobody", nil, nil); err == nil || !strings.Contains(err.Error(), "no service answers on svc.nobody") {
		t.Fatalf("no responders: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := s.Request(short, "svc.silent", nil, nil); err == nil {
		t.Fatal("a service that never answers did not fail the request")
	}
}
