package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlango/mlango/handlers/ussd"
)

func ussdRun(vars map[string]string, args ...string) (string, string, int) {
	var out, errs bytes.Buffer
	code := run(context.Background(), append([]string{"ussd"}, args...), &out, &errs, env(vars))
	return out.String(), errs.String(), code
}

// TestUSSDGraphDemo: with no menus configured, graph draws the demo, by
// default or by name.
func TestUSSDGraphDemo(t *testing.T) {
	out, errs, code := ussdRun(nil, "graph")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	checkGolden(t, "demo-graph.mmd", out)
	if named, _, _ := ussdRun(nil, "graph", "demo"); named != out {
		t.Errorf("graph demo differs from graph:\n%s", named)
	}
	_, errs, code = ussdRun(nil, "graph", "savings")
	if code != 2 || !strings.Contains(errs, `no flow "savings"; the flows are:`+"\n  demo (demo.yaml, the default)") {
		t.Errorf("unknown flow: exit %d, stderr %s", code, errs)
	}
}

// TestUSSDGraphConfigured: menus come from the configuration as the
// gateway loads them; two flows without a default need a name.
func TestUSSDGraphConfigured(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other.yaml")
	writeFile(t, other, "flow: other\nservice_codes: [\"*123#\"]\nstart: hi\nsteps:\n  hi:\n    end: Hello\n")
	savings, _ := filepath.Abs("../../testdata/ussd/savings.yaml")
	cfg := filepath.Join(dir, "mlango.yaml")
	writeFile(t, cfg, "ussd:\n  menus: ["+savings+", "+other+"]\n")
	vars := map[string]string{"MLANGO_CONFIG": cfg}

	_, errs, code := ussdRun(vars, "graph")
	if code != 2 || !strings.Contains(errs, "no default flow") || !strings.Contains(errs, "  other ("+other+")") {
		t.Errorf("no default: exit %d, stderr %s", code, errs)
	}
	out, errs, code := ussdRun(vars, "graph", "savings")
	if code != 0 || !strings.Contains(out, `s_balance[["balance: mlango.ussd.savings.balance"]]`) {
		t.Errorf("savings: exit %d, stderr %s\n%s", code, errs, out)
	}
	out, _, code = ussdRun(vars, "graph", "-config", cfg, "other")
	if code != 0 || !strings.Contains(out, `s_hi(["hi: END Hello"])`) {
		t.Errorf("other: exit %d\n%s", code, out)
	}
}

// TestUSSDGraphFile: a file named on the command line is drawn before it
// is configured, and its problems are listed.
func TestUSSDGraphFile(t *testing.T) {
	out, errs, code := ussdRun(nil, "graph", "../../testdata/ussd/savings.yaml")
	if code != 0 || !strings.HasPrefix(out, "flowchart TD\n  %% flow savings, version ") {
		t.Errorf("exit %d, stderr %s\n%s", code, errs, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	writeFile(t, bad, "flow: bad\nstart: nowhere\nsteps:\n  hi:\n    end: Hello\n")
	_, errs, code = ussdRun(nil, "graph", bad)
	if code != 1 || !strings.Contains(errs, `start: "nowhere" is not a step`) {
		t.Errorf("bad file: exit %d, stderr %s", code, errs)
	}
}

func TestUSSDSubcommands(t *testing.T) {
	out, _, code := ussdRun(nil, "demo")
	if code != 0 || out != string(ussd.DemoYAML()) {
		t.Errorf("ussd demo: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{nil, {"lint"}, {"demo", "x"}, {"graph", "a", "b"}, {"graph", "-x"}} {
		if _, errs, code := ussdRun(nil, args...); code != 2 || !strings.Contains(errs, "usage:") {
			t.Errorf("ussd %q: exit %d, stderr %s", args, code, errs)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
