package faults

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// The gateway is SIGKILLed under load and restarted on the same data dir.
// Callbacks in flight at the kill get no answer and are retried, as a
// carrier does; at the end each is stored exactly once.
func TestGatewayKilledUnderLoad(t *testing.T) {
	n := callbacks(3000)
	ns := startNATS(t)
	gw := startGateway(t, ns.url, t.TempDir())
	l := newLoad(gw.url)
	l.run(t, ids(0, n), 16,
		step{after: n / 2, do: gw.kill},
		step{after: n/2 + 1, do: gw.start},
	)
	l.retryFailed(t, 16)
	eventually(t, 120*time.Second, "the gateway's spool to drain", func() bool { return spooled(t, gw.url) == 0 })
	l.verify(t, "gateway killed under load", ns.url, n)
	if len(l.ok) != n {
		t.Errorf("%d of %d callbacks never answered 2xx, even retried", n-len(l.ok), n)
	}
}

// With NATS down every callback is answered from the spool; the gateway is
// then SIGKILLed, a torn half-record is left at the spool's end (as a
// crash mid-write leaves one), and a restart with NATS back forwards every
// spooled callback and skips the torn bytes. The gateway restarts before
// NATS does: it must serve (and spool) without it.
func TestGatewayKilledWithEventsSpooled(t *testing.T) {
	n := callbacks(3000) / 3
	ns := startNATS(t)
	data := t.TempDir()
	gw := startGateway(t, ns.url, data)
	l := newLoad(gw.url)
	l.run(t, ids(0, n/2), 8) // stored directly
	ns.kill()
	l.run(t, ids(n/2, n), 8) // spooled
	if got := spooled(t, gw.url); got != n-n/2 {
		t.Fatalf("spool holds %d callbacks, want %d (answers %v)", got, n-n/2, l.codes)
	}
	gw.kill()
	tearSpool(t, filepath.Join(data, "spool"))
	gw.start() // NATS still down: it starts anyway, and keeps spooling
	l.run(t, ids(n, n+n/4), 8)
	ns.start()
	eventually(t, 120*time.Second, "the spool to drain after the restart", func() bool { return spooled(t, gw.url) == 0 })
	n += n / 4
	l.verify(t, "gateway killed with events spooled", ns.url, n)
	if out, _ := os.ReadFile(gw.log.Name()); !strings.Contains(string(out), "torn_bytes") {
		t.Errorf("the restart did not report the torn spool tail it skipped")
	}
	if len(l.ok) != n {
		t.Errorf("%d of %d callbacks were not answered 2xx with NATS down", n-len(l.ok), n)
	}
}

// segmentExt is how publish/spool names its segment files.
const segmentExt = ".seg"

// tearSpool appends half a record's worth of garbage to the newest segment:
// what a crash in the middle of a write leaves behind.
func tearSpool(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("spool dir: %v", err)
	}
	var segs []string
	for _, e := range entries {
		if filepath.Ext(e.Name()) == segmentExt {
			segs = append(segs, e.Name())
		}
	}
	if len(segs) == 0 {
		t.Fatalf("no %s segment in %s (%d entries)", segmentExt, dir, len(entries))
	}
	sort.Strings(segs)
	f, err := os.OpenFile(filepath.Join(dir, segs[len(segs)-1]), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	torn := []byte{0x4d, 0x4c, 0x53, 0x50, 0x00, 0x00, 0x01, 0x00, 0xde, 0xad, 0xbe, 0xef, '{', '"', 'i', 'd'}
	if _, err := f.Write(torn); err != nil {
		t.Fatal(err)
	}
}
