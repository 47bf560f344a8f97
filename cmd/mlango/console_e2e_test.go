package main

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var consoleShot = flag.String("console-screenshot", "", "write a PNG of the console after TestConsoleBrowser's USSD session to this path (docs/console.png)")

// browserPath finds Chromium: Debian's package first, as CI installs it.
func browserPath() string {
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestConsoleBrowser drives the console in headless Chromium against the
// real gateway (embedded JetStream): it dials the demo menu to its END
// screen, finds the session's events in the live feed, filters and opens
// one, and calls testdata/voice/support.yaml pressing 3. Every wait is on
// the page's DOM, bounded by one deadline.
func TestConsoleBrowser(t *testing.T) {
	browser := browserPath()
	if browser == "" {
		t.Skip("no Chromium (/usr/bin/chromium or chromium on PATH): install Debian's chromium package to run the console's browser test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	// Cleanups run last first: the gateway shuts down while the page's
	// event stream is still open, and must still exit 0 (startGateway).
	support, err := filepath.Abs("../../testdata/voice/support.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "mlango.yaml")
	if err := os.WriteFile(cfg, []byte("voice:\n  flows: ["+strconv.Quote(support)+"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSuffix(startGateway(t, map[string]string{"MLANGO_CONSOLE": "1", "MLANGO_CONFIG": cfg}), "/api/ussd/session")
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()

	fail := func(what string, err error) {
		t.Helper()
		page, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("%s: %v\npage:\n%s", what, err, page)
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			fail(what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			fail("read "+sel, err)
		}
		return s
	}
	until := func(js string) chromedp.Action[chromedp.Void] { return chromedp.Poll[chromedp.Void](js) }
	screenShows := func(s string) chromedp.Action[chromedp.Void] {
		return until(`document.querySelector("#ussd-screen").textContent.includes(` + quoteJS(s) + `)`)
	}
	filter := func(typ string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("#filter-type");
			s.value = ` + quoteJS(typ) + `; s.dispatchEvent(new Event("change")); })()`)
	}
	const shown = `document.querySelectorAll("#feed li.event:not([hidden])").length`

	do("open the console and wait for the live feed",
		chromedp.Navigate(base+"/console"),
		chromedp.WaitVisible(chromedp.CSS("#feed-status.live")))

	do("dial the demo menu to its END screen",
		chromedp.Click(chromedp.CSS("#ussd-dial")),
		screenShows("What would you want to check"),
		chromedp.SendKeys(chromedp.CSS("#ussd-input"), "1"),
		chromedp.Click(chromedp.CSS("#ussd-send")),
		screenShows("Choose account information you want to view"),
		chromedp.SendKeys(chromedp.CSS("#ussd-input"), "1"),
		chromedp.Click(chromedp.CSS("#ussd-send")),
		screenShows("Your account number is ACC1001"))
	if got, want := text("#ussd-status"), "END · 34/160 · GSM-7 · screen account_number"; got != want {
		t.Errorf("status line %q; want %q", got, want)
	}
	sid := strings.Fields(text("#ussd-session"))[1] // "session ATUid_… · *384*44135# · +254…"

	do("see the session's events in the feed: three hops and the end-of-session report",
		until(`(() => {
			const rows = [...document.querySelectorAll("#feed li.event")]
				.filter(li => li.querySelector(".subject").textContent === `+quoteJS(sid)+`);
			return rows.filter(li => li.dataset.type === "ussd.input").length === 3 &&
				rows.filter(li => li.dataset.type === "ussd.session").length === 1;
		})()`))

	do("filter on ussd.session and open the event",
		filter("ussd.session"),
		until(shown+` === 1`),
		chromedp.Click(chromedp.CSS("#feed li.event:not([hidden]) .row")),
		chromedp.WaitVisible(chromedp.CSS("#feed li.event:not([hidden]) pre.json")))
	doc := text("#feed li.event:not([hidden]) pre.json")
	for _, want := range []string{`"type": "ussd.session"`, `"subject": "` + sid + `"`} {
		if !strings.Contains(doc, want) {
			t.Errorf("the opened event lacks %s:\n%s", want, doc)
		}
	}
	if *consoleShot != "" {
		do("show every event", filter(""))
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			fail("screenshot", err)
		}
		if err := os.WriteFile(*consoleShot, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	do("call Acme support's voice flow and press 3",
		chromedp.Click(chromedp.CSS("#tab-voice")),
		chromedp.Click(chromedp.CSS("#voice-call")),
		chromedp.WaitVisible(chromedp.CSS("#voice-digits")),
		chromedp.SendKeys(chromedp.CSS("#voice-digits"), "3"),
		chromedp.Click(chromedp.CSS("#voice-send")),
		until(`document.querySelector("#voice-state").textContent === "call ended"`),
		filter("voice.dtmf"),
		until(shown+` === 1`))
	steps := text("#voice-steps")
	for _, want := range []string{
		"GetDigits (numDigits 1, timeout 10) — Say: For your balance press 1.",
		"→ POST /api/voice/step/menu?t=",
		"Say: You are calling from +254711000111. You chose option 3.",
		"Redirect: ",
		"Say: Thank you for calling Acme. Goodbye.",
		"isActive=0 · ← 200",
	} {
		if !strings.Contains(steps, want) {
			t.Errorf("voice steps lack %q:\n%s", want, steps)
		}
	}
}

// quoteJS quotes s as a JavaScript string literal.
func quoteJS(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}
