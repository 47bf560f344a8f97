package voicexml

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml from Build's output")

// goldenCases build every action with every attribute it takes; each
// testdata/<name>.xml holds the exact bytes AT receives.
var goldenCases = []struct {
	name    string
	actions []Action
}{
	{"empty", nil},
	{"say", []Action{Say{Text: "Welcome to the service."}}},
	{"say-attributes", []Action{Say{Text: "Karibu", Voice: "man", PlayBeep: true}}},
	{"say-escaping", []Action{Say{Text: `Tom & Jerry's <"best"> offer`}}},
	{"play", []Action{Play{URL: "https://cdn.example.com/audio/hello.mp3?v=1&lang=sw"}}},
	{"getdigits", []Action{
		GetDigits{Prompt: Say{Text: "Enter your account number, then press hash", Voice: "woman"},
			NumDigits: 6, Timeout: 30, FinishOnKey: "#", CallbackURL: "https://gw.example.com/api/voice/instruct"},
		Say{Text: "We did not get your input. Goodbye"},
	}},
	{"getdigits-play", []Action{GetDigits{Prompt: Play{URL: "https://cdn.example.com/menu.mp3"}, NumDigits: 1}}},
	{"dial", []Action{Dial{PhoneNumbers: []string{"+254711000111", "agent@ke.sip.africastalking.com"},
		Record: true, Sequential: true, CallerID: "+254711000222",
		RingBackTone: "https://cdn.example.com/ring.mp3", MaxDuration: 300}}},
	{"record-partial", []Action{Record{Prompt: Say{Text: "Leave a message after the beep"},
		FinishOnKey: "#", MaxLength: 60, Timeout: 10, TrimSilence: true, PlayBeep: true,
		CallbackURL: "https://gw.example.com/api/voice/instruct"}}},
	{"record-terminal", []Action{Say{Text: "This call is recorded"}, RecordCall{}}},
	{"enqueue", []Action{Enqueue{HoldMusic: "https://cdn.example.com/hold.mp3", Name: "support"}}},
	{"dequeue", []Action{Dequeue{PhoneNumber: "+254711000222", Name: "support"}}},
	{"conference", []Action{Say{Text: "Joining the conference"}, Conference{}}},
	{"redirect", []Action{Redirect{URL: "https://gw.example.com/voice/next?step=2"}}},
	{"reject", []Action{Reject{}}},
}

func TestBuildGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Build(tc.actions...)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if err := Validate(got); err != nil {
				t.Errorf("Validate refuses what Build wrote: %v\n%s", err, got)
			}
			file := filepath.Join("testdata", tc.name+".xml")
			if *update {
				if err := os.WriteFile(file, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test ./handlers/voicexml -update)", err)
			}
			if !bytes.Equal(got, bytes.TrimSuffix(want, []byte("\n"))) {
				t.Errorf("Build wrote\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestBuildEscapes reads the written XML back: the text and attribute
// values must survive '<', '&' and both quotes exactly.
func TestBuildEscapes(t *testing.T) {
	text := `1 < 2 && "yes" isn't </Say><Reject/>`
	url := `https://x.example/a?b=1&c="2"&d='3'`
	got, err := Build(GetDigits{Prompt: Say{Text: text}, CallbackURL: url})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(got, []byte("<Reject")) {
		t.Fatalf("text escaped into markup: %s", got)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(got); err != nil {
		t.Fatal(err)
	}
	gd := doc.Root().SelectElement("GetDigits")
	if s := gd.SelectElement("Say").Text(); s != text {
		t.Errorf("Say text = %q, want %q", s, text)
	}
	if u := gd.SelectAttrValue("callbackUrl", ""); u != url {
		t.Errorf("callbackUrl = %q, want %q", u, url)
	}
}

// TestBuildRefuses: Build applies the rules, naming the field at fault.
func TestBuildRefuses(t *testing.T) {
	cases := []struct {
		name    string
		actions []Action
		want    string
	}{
		{"no prompt", []Action{GetDigits{NumDigits: 4}}, "needs exactly one Say or Play"},
		{"empty say", []Action{Say{}}, "Say has no text"},
		{"relative play", []Action{Play{URL: "/hello.mp3"}}, "attribute url"},
		{"ftp play", []Action{Play{URL: "ftp://x.example/a.mp3"}}, "absolute http or https"},
		{"no numbers", []Action{Dial{}}, "phoneNumbers"},
		{"local number", []Action{Dial{PhoneNumbers: []string{"0711000111"}}}, `"0711000111"`},
		{"bad caller id", []Action{Dial{PhoneNumbers: []string{"+254711000111"}, CallerID: "KE"}}, "callerId"},
		{"negative timeout", []Action{GetDigits{Prompt: Say{Text: "x"}, Timeout: -5}}, "positive integer"},
		{"two keys", []Action{Record{Prompt: Say{Text: "x"}, FinishOnKey: "##"}}, "one key"},
		{"partial record without prompt", []Action{Record{MaxLength: 10}}, "needs exactly one Say or Play"},
		{"dequeue without number", []Action{Dequeue{Name: "support"}}, "phoneNumber"},
		{"after reject", []Action{Reject{}, Say{Text: "bye"}}, "after Reject"},
		{"after redirect", []Action{Redirect{URL: "https://x.example/n"}, Reject{}}, "after Redirect"},
		{"after terminal record", []Action{RecordCall{}, Say{Text: "x"}}, "after Record"},
		{"control character", []Action{Say{Text: "a\x00b"}}, "control character"},
		{"nil action", []Action{nil}, "nil"},
		{"bad voice", []Action{Say{Text: "x", Voice: "a voice"}}, "voice name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(tc.actions...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Build error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
