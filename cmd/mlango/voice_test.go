package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckConfigVoiceFlows: -check-config loads the voice flows, lists
// them, and refuses a bad one naming every problem.
func TestCheckConfigVoiceFlows(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	support, err := filepath.Abs("../../testdata/voice/support.yaml")
	if err != nil {
		t.Fatal(err)
	}
	good := write("good.yaml", "voice:\n  flows: ["+support+"]\n")
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"-check-config", "-config", good}, &out, &errs, env(nil)); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	if !strings.Contains(out.String(), "voice flow support: numbers [+254711082000]") {
		t.Errorf("stdout lacks the support flow:\n%s", out.String())
	}
	flow := write("bad-flow.yaml", "flow: bad\nstart: nowhere\nsteps:\n  a: [{goto: b}]\n  c: [{say: \"{{who}}\"}]\n")
	bad := write("bad.yaml", "voice:\n  flows: ["+flow+"]\n")
	errs.Reset()
	if code := run(context.Background(), []string{"-check-config", "-config", bad}, &out, &errs, env(nil)); code != 1 {
		t.Fatalf("bad flow: exit %d", code)
	}
	for _, want := range []string{`start: "nowhere"`, `"b" is not a step`, "{{who}}", "unreachable"} {
		if !strings.Contains(errs.String(), want) {
			t.Errorf("problems lack %q:\n%s", want, errs.String())
		}
	}
}
