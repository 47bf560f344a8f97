package voicexml

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/beevik/etree"
)

// FuzzValidate: Validate never panics, and whatever it accepts is a
// <Response> that etree writes back into XML Validate still accepts.
func FuzzValidate(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<Response><GetDigits><Say>a</Say></GetDigits><Reject/></Response>`))
	f.Add([]byte(`<!DOCTYPE x><Response/>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if Validate(b) != nil {
			return
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(b); err != nil {
			t.Fatalf("accepted but unreadable: %v", err)
		}
		if doc.Root() == nil || doc.Root().Tag != "Response" {
			t.Fatalf("accepted a document whose root is not Response")
		}
		out, err := doc.WriteToBytes()
		if err != nil {
			t.Fatal(err)
		}
		if err := Validate(out); err != nil {
			t.Fatalf("accepted %q but not its rewrite %q: %v", b, out, err)
		}
	})
}
