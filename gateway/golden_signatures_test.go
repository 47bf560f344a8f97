package gateway

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoldenSignatures recomputes the signature header of every signed
// golden file with the rig's fixed secrets, so a body edited by hand cannot
// silently turn a golden request into a 401. Files with a "# unsigned:"
// comment carry a wrong or missing signature on purpose and are skipped.
//
// With -update it rewrites stale signature headers. It runs before
// TestGolden (files run in name order), so
// go test ./gateway -run TestGolden -update refreshes both.
func TestGoldenSignatures(t *testing.T) {
	for dir, signer := range goldenSigners {
		files, err := filepath.Glob(filepath.Join("..", "testdata", dir, "*.txt"))
		if err != nil || len(files) == 0 {
			t.Errorf("no golden files in testdata/%s: %v", dir, err)
		}
		for _, file := range files {
			g := readGolden(t, file)
			if strings.Contains(g.head, "\n# unsigned:") || strings.HasPrefix(g.head, "# unsigned:") {
				continue
			}
			r := g.request(t)
			body, _ := io.ReadAll(r.Body)
			want := signer.sign(r, body)
			got := r.Header.Get(signer.header)
			switch {
			case got == want:
			case *update:
				rewriteHeader(t, file, signer.header, want)
			default:
				t.Errorf("%s: %s is %q, want %q (go test ./gateway -run TestGolden -update)", file, signer.header, got, want)
			}
		}
	}
}

// rewriteHeader replaces the value of header in a golden file's request.
func rewriteHeader(t *testing.T, file, header, value string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if l == "" {
			break // the end of the headers
		}
		if k, _, ok := strings.Cut(l, ":"); ok && strings.EqualFold(strings.TrimSpace(k), header) {
			lines[i] = k + ": " + value
			if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Errorf("%s: no %s header to rewrite", file, header)
}
