package faults

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// binaries are built once per test binary, on first use, so a run of only
// the in-process tests builds nothing.
var (
	binOnce sync.Once
	binDir  string
	binErr  error
)

func binaries(t *testing.T) (natsServer, mlango string) {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "mlango-faults-bin")
		if binErr != nil {
			return
		}
		// The go command that runs these tests (GOROOT is where it lives);
		// PATH's go otherwise.
		gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(gobin); err != nil {
			gobin = "go"
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, pkg := range []string{"github.com/nats-io/nats-server/v2", "github.com/mlango/mlango/cmd/mlango"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out := filepath.Join(binDir, []string{"nats-server", "mlango"}[i])
				cmd := exec.Command(gobin, "build", "-o", out, pkg)
				if b, err := cmd.CombinedOutput(); err != nil {
					errs[i] = fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				binErr = err
			}
		}
	})
	if binErr != nil {
		t.Fatalf("building the binaries under test: %v", binErr)
	}
	return filepath.Join(binDir, "nats-server"), filepath.Join(binDir, "mlango")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// freePort asks the kernel for a loopback port nobody uses right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// eventually polls cond until it holds, failing the test after timeout.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		case <-tick.C:
		}
	}
}

// proc is a child process the test can start, SIGKILL and start again
// with the same arguments. Its output goes to a file shown on failure.
type proc struct {
	t    *testing.T
	name string
	path string
	args []string
	env  []string
	dir  string
	log  *os.File
	cmd  *exec.Cmd
	done chan struct{}
}

func newProc(t *testing.T, name, path string, args, env []string) *proc {
	t.Helper()
	dir := t.TempDir()
	logf, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, name: name, path: path, args: args, env: env, dir: dir, log: logf}
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			if len(b) > 8000 {
				b = b[len(b)-8000:]
			}
			t.Logf("%s output (tail):\n%s", name, b)
		}
		logf.Close()
	})
	return p
}

func (p *proc) start() {
	p.t.Helper()
	fmt.Fprintf(p.log, "--- start %s\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.path, p.args...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Dir = p.dir // no stray mlango.yaml is picked up
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(p.done)
}

// kill sends SIGKILL: no shutdown code runs, buffers are not flushed.
func (p *proc) kill() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	fmt.Fprintf(p.log, "--- SIGKILL %s\n", time.Now().Format(time.RFC3339Nano))
	p.cmd = nil
}

// natsProc is a real nats-server with JetStream on a fixed port and dir.
type natsProc struct {
	*proc
	url string
}

func startNATS(t *testing.T) *natsProc {
	t.Helper()
	bin, _ := binaries(t)
	port := freePort(t)
	store := t.TempDir()
	p := &natsProc{
		proc: newProc(t, "nats-server", bin, []string{"-js", "-sd", store, "-a", "127.0.0.1", "-p", strconv.Itoa(port)}, nil),
		url:  fmt.Sprintf("nats://127.0.0.1:%d", port),
	}
	p.start()
	return p
}

func (n *natsProc) start() {
	n.t.Helper()
	n.proc.start()
	eventually(n.t, 30*time.Second, "nats-server to accept connections with JetStream", func() bool {
		nc, err := nats.Connect(n.url, nats.Timeout(time.Second))
		if err != nil {
			return false
		}
		defer nc.Close()
		_, err = nc.Request("$JS.API.INFO", nil, time.Second)
		return err == nil
	})
}

// gatewayProc is the mlango binary against a NATS URL, on a fixed port and
// data dir, so a restart finds its spool.
type gatewayProc struct {
	*proc
	url string
}

func startGateway(t *testing.T, natsURL, dataDir string, extraEnv ...string) *gatewayProc {
	t.Helper()
	_, bin := binaries(t)
	port := freePort(t)
	env := append([]string{
		"MLANGO_HTTP_ADDR=127.0.0.1:" + strconv.Itoa(port),
		"MLANGO_NATS_URL=" + natsURL,
		"MLANGO_DATA_DIR=" + dataDir,
		"MLANGO_PUBLISH_TIMEOUT=1s",
		"MLANGO_DUPLICATE_WINDOW=1h",
		"MLANGO_LOG_LEVEL=warn",
		"MLANGO_CONFIG=",
	}, extraEnv...)
	g := &gatewayProc{proc: newProc(t, "mlango", bin, nil, env), url: fmt.Sprintf("http://127.0.0.1:%d", port)}
	g.start()
	return g
}

func (g *gatewayProc) start() {
	g.t.Helper()
	g.proc.start()
	eventually(g.t, 60*time.Second, "the gateway to answer /healthz", func() bool {
		resp, err := http.Get(g.url + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

// spooled reads the spool depth from /readyz (-1 when it cannot).
func spooled(t *testing.T, gatewayURL string) int {
	t.Helper()
	st, ok := spoolState(gatewayURL)
	if !ok {
		return -1
	}
	return st.Records
}

// spoolStatus is the spool part of /readyz's detail.
type spoolStatus struct {
	Records   int    `json:"records"`
	Forwarded uint64 `json:"forwarded"`
}

func spoolState(gatewayURL string) (spoolStatus, bool) {
	var ans struct {
		Detail struct {
			Spool spoolStatus `json:"spool"`
		} `json:"detail"`
	}
	resp, err := http.Get(gatewayURL + "/readyz")
	if err != nil {
		return ans.Detail.Spool, false
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		return ans.Detail.Spool, false
	}
	return ans.Detail.Spool, true
}
