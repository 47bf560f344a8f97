package publish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/mlango/mlango/normalize"
	"github.com/mlango/mlango/publish/natstest"
	"github.com/mlango/mlango/publish/spool"
)

// durableRig is a Durable over a real nats-server that the test can stop
// and start again on the same port and store dir.
type durableRig struct {
	t        *testing.T
	srv      *server.Server
	storeDir string
	spoolDir string
	port     int
	store    *Store
	spool    *spool.Spool
	d        *Durable
}

func newDurableRig(t *testing.T, spoolMax int64) *durableRig {
	t.Helper()
	r := &durableRig{t: t, storeDir: t.TempDir(), spoolDir: t.TempDir()}
	r.srv = natstest.StartIn(t, r.storeDir)
	r.port = r.srv.Addr().(*net.TCPAddr).Port
	o := externalOptions(r.srv)
	o.PublishTimeout = time.Second
	o.FailFastWhileDisconnected = true // as cmd/mlango opens it with a spool
	r.store = openStore(t, o)
	var err error
	r.spool, _, err = spool.Open(spool.Options{Dir: r.spoolDir, MaxBytes: spoolMax, NoSync: true})
	if err != nil {
		t.Fatalf("spool.Open: %v", err)
	}
	r.d = NewDurable(r.store, r.spool, DurableOptions{MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}, zerolog.Nop())
	t.Cleanup(func() {
		r.d.Close()
		r.spool.Close()
	})
	return r
}

func (r *durableRig) stopNATS() {
	r.t.Helper()
	r.srv.Shutdown()
	r.srv.WaitForShutdown()
	eventually(r.t, 10*time.Second, "the client to see NATS gone", func() bool { return !r.store.nc.IsConnected() })
}

func (r *durableRig) startNATS() {
	r.t.Helper()
	r.srv = natstest.StartAt(r.t, r.storeDir, r.port)
}

func (r *durableRig) store1(ev normalize.Event) {
	r.t.Helper()
	if _, err := r.d.Store(testCtx(r.t), []normalize.Event{ev}); err != nil {
		r.t.Fatalf("Store %s: %v", ev.ID, err)
	}
}

// streamIDs reads the whole stream back, in order, as event ids.
func streamIDs(t *testing.T, srv *server.Server) []string {
	t.Helper()
	_, js := connect(t, srv)
	st, err := js.Stream(testCtx(t), DefaultStream)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	info, err := st.Info(testCtx(t))
	if err != nil {
		t.Fatalf("stream info: %v", err)
	}
	var ids []string
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := st.GetMsg(testCtx(t), seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			t.Fatalf("message %d: %v", seq, err)
		}
		ids = append(ids, m.Header.Get(jetstream.MsgIDHeader))
	}
	return ids
}

func eventIDs(events []normalize.Event) []string {
	ids := make([]string, len(events))
	for i := range events {
		ids[i] = events[i].ID
	}
	return ids
}

func testEvents(from, to int) []normalize.Event {
	var evs []normalize.Event
	for i := from; i < to; i++ {
		evs = append(evs, testEvent(fmt.Sprint(i)))
	}
	return evs
}

func sameIDs(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("stream holds %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("stream position %d holds %s, want %s (order or content differs)\ngot  %v\nwant %v", i, got[i], want[i], got, want)
		}
	}
}

func TestDurableSpoolsWhileNATSIsDownAndForwardsInOrder(t *testing.T) {
	r := newDurableRig(t, 0)
	events := testEvents(0, 60)
	for _, ev := range events[:10] {
		r.store1(ev)
	}
	if n := r.spool.Len(); n != 0 {
		t.Fatalf("spooled %d events while JetStream was up", n)
	}

	r.stopNATS()
	for _, ev := range events[10:] {
		r.store1(ev) // answered: on disk, not in JetStream
	}
	if n := r.spool.Len(); n != 50 {
		t.Fatalf("spool holds %d events, want 50", n)
	}
	if err := r.d.Ready(testCtx(t)); err != nil {
		t.Fatalf("not ready with NATS down and a writable spool: %v", err)
	}
	conn, st := r.d.Status()
	if conn == "CONNECTED" || st.Records != 50 || !st.Writable || st.OldestAge == "" {
		t.Fatalf("status = %s %+v; want disconnected, 50 records, writable, an age", conn, st)
	}

	r.startNATS()
	eventually(t, 30*time.Second, "the spool to drain", func() bool { return r.spool.Len() == 0 })
	r.store1(testEvent("after"))
	sameIDs(t, streamIDs(t, r.srv), append(eventIDs(events), testEvent("after").ID))
	if n := r.d.forwarded.Load(); n != 50 {
		t.Errorf("forwarded %d, want 50", n)
	}
}

// A publish whose ack was lost may still have landed: forwarding the spooled
// copy must not store it twice.
func TestDurableLandedPublishIsNotStoredTwice(t *testing.T) {
	r := newDurableRig(t, 0)
	ev := testEvent("landed")
	r.store1(ev)
	if err := r.d.spoolEvents([]normalize.Event{ev}, errors.New("ack lost")); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the spool to drain", func() bool { return r.spool.Len() == 0 })
	sameIDs(t, streamIDs(t, r.srv), []string{ev.ID})
}

// JetStream reachable but not storing (the stream is gone, as in a cluster
// without quorum): events are spooled, and forwarded once it stores again.
func TestDurableSpoolsWhileTheStreamIsMissing(t *testing.T) {
	r := newDurableRig(t, 0)
	_, js := connect(t, r.srv)
	if err := js.DeleteStream(testCtx(t), DefaultStream); err != nil {
		t.Fatal(err)
	}
	events := testEvents(0, 5)
	for _, ev := range events {
		r.store1(ev)
	}
	if n := r.spool.Len(); n != 5 {
		t.Fatalf("spool holds %d, want 5", n)
	}
	// Recreate it as Open does.
	openStore(t, externalOptions(r.srv))
	eventually(t, 30*time.Second, "the spool to drain", func() bool { return r.spool.Len() == 0 })
	sameIDs(t, streamIDs(t, r.srv), eventIDs(events))
}

func TestDurableFullSpoolRefuses(t *testing.T) {
	r := newDurableRig(t, 16<<10)
	r.stopNATS()
	var kept []normalize.Event
	var err error
	for i := 0; i < 1000; i++ {
		ev := testEvent(fmt.Sprint(i))
		if _, err = r.d.Store(testCtx(t), []normalize.Event{ev}); err != nil {
			break
		}
		kept = append(kept, ev)
	}
	if !errors.Is(err, spool.ErrFull) || len(kept) == 0 {
		t.Fatalf("after %d events: err = %v, want spool.ErrFull", len(kept), err)
	}
	if err := r.d.Ready(testCtx(t)); err == nil {
		t.Fatal("ready with NATS down and the spool full")
	}
	r.startNATS()
	eventually(t, 30*time.Second, "the spool to drain", func() bool { return r.spool.Len() == 0 })
	if err := r.d.Ready(testCtx(t)); err != nil {
		t.Fatalf("not ready after draining: %v", err)
	}
	sameIDs(t, streamIDs(t, r.srv), eventIDs(kept))
}

func TestDurableRefusesInvalidEventsWithoutSpooling(t *testing.T) {
	r := newDurableRig(t, 0)
	bad := testEvent("x")
	bad.ID = ""
	if _, err := r.d.Store(testCtx(t), []normalize.Event{bad}); !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("err = %v, want ErrInvalidEvent", err)
	}
	r.stopNATS()
	if _, err := r.d.Store(testCtx(t), []normalize.Event{bad}); !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("NATS down: err = %v, want ErrInvalidEvent", err)
	}
	if n := r.spool.Len(); n != 0 {
		t.Fatalf("spooled %d invalid events", n)
	}
}

// What one run spooled, the next forwards.
func TestDurableForwardsWhatAnEarlierRunSpooled(t *testing.T) {
	storeDir, spoolDir := t.TempDir(), t.TempDir()
	srv := natstest.StartIn(t, storeDir)
	port := srv.Addr().(*net.TCPAddr).Port
	o := externalOptions(srv)
	o.PublishTimeout = time.Second
	s1, err := Open(testCtx(t), o, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	sp, _, err := spool.Open(spool.Options{Dir: spoolDir})
	if err != nil {
		t.Fatal(err)
	}
	d := NewDurable(s1, sp, DurableOptions{}, zerolog.Nop())
	srv.Shutdown()
	srv.WaitForShutdown()
	eventually(t, 10*time.Second, "disconnect", func() bool { return !s1.nc.IsConnected() })
	events := testEvents(0, 7)
	if _, err := d.Store(testCtx(t), events); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if err := sp.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = s1.Close(ctx) // NATS is down: nothing to drain

	srv = natstest.StartAt(t, storeDir, port)
	sp2, rec, err := spool.Open(spool.Options{Dir: spoolDir})
	if err != nil {
		t.Fatal(err)
	}
	defer sp2.Close()
	if rec.Records != 7 {
		t.Fatalf("recovered %d records, want 7", rec.Records)
	}
	s2 := openStore(t, externalOptions(srv))
	d2 := NewDurable(s2, sp2, DurableOptions{MinBackoff: 5 * time.Millisecond}, zerolog.Nop())
	defer d2.Close()
	eventually(t, 30*time.Second, "the spool to drain", func() bool { return sp2.Len() == 0 })
	sameIDs(t, streamIDs(t, srv), eventIDs(events))
}

func TestSpoolRecordRoundTrip(t *testing.T) {
	d := &Durable{store: &Store{prefix: "telecom"}}
	ev := testEvent("rt")
	rec, err := d.encode(&ev)
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodeRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := ev.MarshalJSON()
	if m.subject != "telecom.africastalking.sms.delivery" || m.id != ev.ID || string(m.body) != string(body) {
		t.Fatalf("decoded %q %q %q", m.subject, m.id, m.body)
	}
}

func FuzzDecodeSpoolRecord(f *testing.F) {
	d := &Durable{store: &Store{prefix: "telecom"}}
	ev := testEvent("fz")
	rec, _ := d.encode(&ev)
	f.Add(rec)
	f.Add([]byte{1})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeRecord(b)
		if err != nil {
			return
		}
		if m.subject == "" || m.id == "" || len(m.subject)+len(m.id)+len(m.body) > len(b) {
			t.Fatalf("accepted a record with subject %q id %q from %d bytes", m.subject, m.id, len(b))
		}
	})
}

// A gateway started while NATS is unreachable serves from the spool, sets
// up the stream when NATS appears, and forwards.
func TestDurableStartsWithoutNATS(t *testing.T) {
	storeDir := t.TempDir()
	probe := natstest.StartIn(t, t.TempDir())
	port := probe.Addr().(*net.TCPAddr).Port
	probe.Shutdown()
	probe.WaitForShutdown()
	s, err := Open(testCtx(t), Options{
		URLs: []string{fmt.Sprintf("nats://127.0.0.1:%d", port)}, PublishTimeout: time.Second, StartDisconnected: true,
	}, zerolog.Nop())
	if err != nil {
		t.Fatalf("Open with NATS down and StartDisconnected: %v", err)
	}
	defer s.Close(context.Background())
	kv, err := s.KV(testCtx(t), KVOptions{Bucket: "later", TTL: time.Minute})
	if err != nil {
		t.Fatalf("KV opened disconnected: %v", err)
	}
	sp, _, err := spool.Open(spool.Options{Dir: t.TempDir(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	d := NewDurable(s, sp, DurableOptions{MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}, zerolog.Nop())
	defer d.Close()
	events := testEvents(0, 5)
	if _, err := d.Store(testCtx(t), events); err != nil {
		t.Fatalf("Store with NATS down: %v", err)
	}
	srv := natstest.StartAt(t, storeDir, port)
	eventually(t, 30*time.Second, "the spool to drain", func() bool { return sp.Len() == 0 })
	sameIDs(t, streamIDs(t, srv), eventIDs(events))
	if _, ok, err := kv.Create(testCtx(t), "k", []byte("v")); err != nil || !ok {
		t.Fatalf("KV after NATS came: ok %v err %v", ok, err)
	}
}

// A spooled record that rots on disk is skipped, loudly, instead of holding
// up everything behind it.
func TestDurableSkipsARecordCorruptedOnDisk(t *testing.T) {
	r := newDurableRig(t, 0)
	r.stopNATS()
	events := testEvents(0, 3)
	for _, ev := range events {
		r.store1(ev)
	}
	segs, _ := filepath.Glob(filepath.Join(r.spoolDir, "*.seg"))
	if len(segs) != 1 {
		t.Fatalf("segments: %v", segs)
	}
	b, err := os.ReadFile(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(b, []byte(`"subject":"ATXid_1"`))
	if at < 0 {
		t.Fatal("event 1 not found in the segment")
	}
	f, err := os.OpenFile(segs[0], os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("X"), int64(at+2)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r.startNATS()
	eventually(t, 30*time.Second, "the spool to drain", func() bool { return r.spool.Len() == 0 })
	sameIDs(t, streamIDs(t, r.srv), []string{events[0].ID, events[2].ID})
	if _, st := r.d.Status(); st.Skipped != 1 || st.Forwarded != 2 {
		t.Fatalf("status %+v, want 1 skipped and 2 forwarded", st)
	}
}

func TestRedactURLs(t *testing.T) {
	got := redactURLs([]string{"nats://u:hunter2@a:4222", "tls://token@b:4222", "u:hunter2@c:4222", "nats://d:4222"})
	want := []string{"nats://[REDACTED]@a:4222", "tls://[REDACTED]@b:4222", "[REDACTED]@c:4222", "nats://d:4222"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("redactURLs = %v, want %v", got, want)
	}
}
