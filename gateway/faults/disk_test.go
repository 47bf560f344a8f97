package faults

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mlango/mlango/publish"
	"github.com/mlango/mlango/publish/natstest"
	"github.com/mlango/mlango/publish/spool"
)

// mountTmpfs mounts a tmpfs of size bytes at a new dir, so the disk can
// really fill up; it skips the test where mounting is not allowed.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("skipped: a real full disk needs a tmpfs mount, which this machine refuses (%v: %s); "+
			"publish/spool's tests inject ENOSPC instead", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return dir
}

// fill writes a file until the file system has no space left.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for len(chunk) > 0 {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			chunk = chunk[:len(chunk)/2]
		}
	}
}

func readyz(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// expectAnswers sends ids and fails unless every answer is 2xx (wantOK) or
// not all are (!wantOK: a record that still fits in space the file system
// had already given the segment is kept, fsynced, and rightly answered 2xx;
// verify proves every 2xx was kept).
func expectAnswers(t *testing.T, l *load, ids []string, wantOK bool, why string) {
	t.Helper()
	before := len(l.ok)
	l.run(t, ids, 4)
	got := len(l.ok) - before
	if wantOK && got != len(ids) {
		t.Fatalf("%s: %d of %d answered 2xx (answers %v), want all", why, got, len(ids), l.codes)
	}
	if !wantOK && got == len(ids) {
		t.Fatalf("%s: all %d answered 2xx (answers %v), want 503s", why, got, l.codes)
	}
}

// The disk under the spool fills up while NATS is down: callbacks get 503
// (never a 2xx that could not be kept) and /readyz says why; space comes
// back and so do the 2xx; NATS comes back and the stream holds exactly the
// 2xx'd callbacks.
func TestDiskFullWhileNATSIsDown(t *testing.T) {
	disk := mountTmpfs(t, "8m")
	storeDir := t.TempDir()
	ns := natstest.StartIn(t, storeDir)
	port := ns.Addr().(*net.TCPAddr).Port
	gw := serve(t, open(t, publish.Options{URLs: []string{ns.ClientURL()}}), filepath.Join(disk, "spool"), nil)
	l := newLoad(gw.URL)

	expectAnswers(t, l, ids(0, 20), true, "JetStream up")
	ns.Shutdown()
	ns.WaitForShutdown()
	expectAnswers(t, l, ids(20, 40), true, "NATS down, disk fine (spooled)")

	filler := filepath.Join(disk, "filler")
	fill(t, filler)
	expectAnswers(t, l, ids(40, 80), false, "NATS down, disk full")
	if code, body := readyz(t, gw.URL); code != http.StatusServiceUnavailable || !strings.Contains(body, "spool cannot be written") {
		t.Fatalf("/readyz with the disk full = %d %s", code, body)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if code, body := readyz(t, gw.URL); code != http.StatusOK {
		t.Fatalf("/readyz after space returned = %d %s", code, body)
	}
	expectAnswers(t, l, ids(80, 100), true, "NATS down, space back")

	ns = natstest.StartAt(t, storeDir, port)
	eventually(t, 60*time.Second, "the spool to drain", func() bool { return spooled(t, gw.URL) == 0 })
	l.verify(t, "disk full with NATS down", ns.ClientURL(), 100)
}

// A data dir that is read-only from the start: the gateway refuses to
// start, naming the dir, rather than serving without its spool.
func TestReadOnlyDataDirRefusesToStart(t *testing.T) {
	disk := mountTmpfs(t, "1m")
	if out, err := exec.Command("mount", "-o", "remount,ro", disk).CombinedOutput(); err != nil {
		t.Fatalf("remount read-only: %v %s", err, out)
	}
	ns := startNATS(t)
	_, bin := binaries(t)
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "MLANGO_HTTP_ADDR=127.0.0.1:0", "MLANGO_NATS_URL="+ns.url, "MLANGO_DATA_DIR="+disk, "MLANGO_CONFIG=")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("mlango started on a read-only data dir:\n%s", out)
	}
	if !strings.Contains(string(out), "spool") || !strings.Contains(string(out), "read-only file system") {
		t.Fatalf("start-up error does not name the spool and the cause:\n%s", out)
	}
}

// roFS fails writes and syncs with EROFS while set, as a file system the
// kernel remounted read-only after an I/O error does (a remount by hand is
// refused while the spool holds its segment open for writing).
type roFS struct{ on atomic.Bool }

type roFile struct {
	*os.File
	fs *roFS
}

func (fs *roFS) open(name string, flag int, perm os.FileMode) (spool.File, error) {
	if fs.on.Load() && flag&(os.O_WRONLY|os.O_RDWR|os.O_CREATE) != 0 {
		return nil, &os.PathError{Op: "open", Path: name, Err: syscall.EROFS}
	}
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return roFile{f, fs}, nil
}

func (f roFile) Write(p []byte) (int, error) {
	if f.fs.on.Load() {
		return 0, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.EROFS}
	}
	return f.File.Write(p)
}

func (f roFile) Sync() error {
	if f.fs.on.Load() {
		return &os.PathError{Op: "sync", Path: f.Name(), Err: syscall.EROFS}
	}
	return f.File.Sync()
}

func TestReadOnlySpoolMidRun(t *testing.T) {
	storeDir := t.TempDir()
	ns := natstest.StartIn(t, storeDir)
	port := ns.Addr().(*net.TCPAddr).Port
	fs := &roFS{}
	gw := serve(t, open(t, publish.Options{URLs: []string{ns.ClientURL()}}), t.TempDir(), fs.open)
	l := newLoad(gw.URL)

	fs.on.Store(true)
	// JetStream up: callbacks are kept there, but the gateway says it is
	// not ready, since it could not keep them if JetStream went away.
	expectAnswers(t, l, ids(0, 20), true, "read-only spool, JetStream up")
	if code, body := readyz(t, gw.URL); code != http.StatusServiceUnavailable || !strings.Contains(body, "read-only file system") {
		t.Fatalf("/readyz with a read-only spool = %d %s", code, body)
	}
	ns.Shutdown()
	ns.WaitForShutdown()
	expectAnswers(t, l, ids(20, 60), false, "read-only spool, NATS down")
	fs.on.Store(false)
	expectAnswers(t, l, ids(60, 80), true, "spool writable again, NATS down")
	ns = natstest.StartAt(t, storeDir, port)
	eventually(t, 60*time.Second, "the spool to drain", func() bool { return spooled(t, gw.URL) == 0 })
	l.verify(t, "read-only spool mid-run", ns.ClientURL(), 80)
}

// The embedded nats-server and the spool share a data dir that fills up:
// JetStream cannot write and neither can the spool, so callbacks get 503.
// Space comes back: the spool takes callbacks again (2xx), but nats-server
// keeps its stream's write error until it restarts, so /healthz asks for a
// restart; after it, the spool drains and every 2xx is stored once.
func TestDiskFullUnderEmbeddedJetStream(t *testing.T) {
	disk := mountTmpfs(t, "64m")
	gw := embeddedGateway(t, disk)
	l := newLoad(gw.URL)
	expectAnswers(t, l, ids(0, 20), true, "disk fine")
	filler := filepath.Join(disk, "filler")
	fill(t, filler)
	expectAnswers(t, l, ids(20, 40), false, "disk full under JetStream and spool")
	if code, body := readyz(t, gw.URL); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with the disk full = %d %s", code, body)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	expectAnswers(t, l, ids(40, 60), true, "space back (spooled)")
	resp, err := http.Get(gw.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "restart") {
		t.Fatalf("/healthz after JetStream's write error = %d %s; want 503 asking for a restart", resp.StatusCode, body)
	}
	gw.close()
	gw = embeddedGateway(t, disk) // the restart a liveness probe triggers
	defer gw.close()
	eventually(t, 60*time.Second, "the spool to drain after the restart", func() bool { return spooled(t, gw.URL) == 0 })
	l.verify(t, "disk full under embedded JetStream (then a restart)", gw.natsURL, 60)
}

// embeddedGateway is a gateway with its own embedded nats-server, both
// storing in dir.
func embeddedGateway(t *testing.T, dir string) *served {
	t.Helper()
	store := open(t, publish.Options{Embedded: publish.EmbeddedOptions{StoreDir: dir, Listen: "127.0.0.1:0", ServerName: "full"}})
	return serve(t, store, filepath.Join(dir, "spool"), nil)
}
