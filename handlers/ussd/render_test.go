package ussd

import (
	"strings"
	"testing"
)

func TestMeasure(t *testing.T) {
	for _, tc := range []struct {
		in     string
		length int
		ucs2   bool
	}{
		{"", 0, false},
		{"Hello, world!", 13, false},
		{"1. My Account\n2. My phone", 25, false},
		{"@£$¥èéùìò", 9, false},      // the alphabet's own accented letters
		{"ÄÖÑÜäöñüà§¿¡ß", 13, false}, // more of them
		{"[]{}", 8, false},           // extension table: two each
		{"€5 ~ ^ | \\", 15, false},   // € ~ ^ | \ are two
		{"`", 1, true},               // backtick is not in GSM
		{"Today’s", 7, true},         // a curly apostrophe switches to UCS-2
		{"Karibu ☕", 8, true},        // BMP symbol: one unit
		{"Hi 😀", 5, true},            // outside the BMP: a surrogate pair
		{"ç", 1, true},               // only capital Ç is in the alphabet
		{"Ç", 1, false},              //
		{strings.Repeat("a", 160), 160, false},
	} {
		n, ucs2 := measure(tc.in)
		if n != tc.length || ucs2 != tc.ucs2 {
			t.Errorf("measure(%q) = %d, %v; want %d, %v", tc.in, n, ucs2, tc.length, tc.ucs2)
		}
	}
}

func TestBudgetFits(t *testing.T) {
	b := screenBudget{GSM: 160, UCS2: 70}
	for _, tc := range []struct {
		name string
		in   string
		fits bool
	}{
		{"GSM at budget", strings.Repeat("a", 156), true},
		{"GSM one over", strings.Repeat("a", 157), false},
		{"extension at budget", strings.Repeat("a", 154) + "€", true},
		{"extension one over", strings.Repeat("a", 155) + "€", false},
		{"UCS-2 at budget", strings.Repeat("a", 65) + "’", true},
		{"UCS-2 one over", strings.Repeat("a", 66) + "’", false},
	} {
		if got := b.fits(tc.in); got != tc.fits {
			t.Errorf("%s: fits = %v", tc.name, got)
		}
	}
	if small := (screenBudget{GSM: 60, UCS2: 70}); small.limit(true) != 60 {
		t.Errorf("a network budget below the UCS-2 one caps it: %d", small.limit(true))
	}
}

func testLayout(budget int, header string, n int) layout {
	l := layout{b: screenBudget{GSM: budget, UCS2: 70}, header: header, more: "98. More", back: "0. Back"}
	for i := 1; i <= n; i++ {
		l.options = append(l.options, strings.Repeat("o", 9)+string(rune('0'+i%10))) // 10 chars
	}
	return l
}

func TestPages(t *testing.T) {
	for _, tc := range []struct {
		name      string
		budget    int
		header    string
		n         int
		backFirst bool
		want      []span
	}{
		// "CON " + "Pick" + 4 × "\n" + 10 = 52: one page.
		{"fits whole", 52, "Pick", 4, false, []span{{0, 4}}},
		// one under: "98. More" is needed, and takes the last option's room.
		{"one over", 51, "Pick", 4, false, []span{{0, 3}, {3, 4}}},
		{"back on the first page", 52, "Pick", 4, true, []span{{0, 2}, {2, 4}}},
		{"no options", 52, "Pick", 0, false, []span{{0, 0}}},
		// an option too long for any page still gets one (cut when drawn)
		{"tiny budget", 10, "Pick", 2, false, []span{{0, 1}, {1, 2}}},
	} {
		l := testLayout(tc.budget, tc.header, tc.n)
		l.backFirst = tc.backFirst
		got := l.pages()
		if len(got) != len(tc.want) {
			t.Errorf("%s: pages %v, want %v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: pages %v, want %v", tc.name, got, tc.want)
			}
		}
	}
}

func TestDraw(t *testing.T) {
	l := testLayout(51, "Pick", 4)
	for _, tc := range []struct {
		page   int
		notice string
		want   string
	}{
		{0, "", "Pick\nooooooooo1\nooooooooo2\nooooooooo3\n98. More"},
		{1, "", "ooooooooo4\n0. Back"},
		{5, "", "ooooooooo4\n0. Back"}, // clamped to the last page
		{-1, "", "Pick\nooooooooo1\nooooooooo2\nooooooooo3\n98. More"},
		// a notice takes the prompt's place when both do not fit
		{0, "Bad", "Bad\nooooooooo1\nooooooooo2\nooooooooo3\n98. More"},
		// and is cut when even that does not fit
		{0, "Invalid choice", "In...\nooooooooo1\nooooooooo2\nooooooooo3\n98. More"},
		{1, "Invalid choice", "Invalid choice\nooooooooo4\n0. Back"},
	} {
		got, pages, _ := l.draw(tc.page, tc.notice)
		if got != tc.want || pages != 2 {
			t.Errorf("draw(%d, %q) = %q (%d pages), want %q", tc.page, tc.notice, got, pages, tc.want)
		}
		if !l.b.fits(got) {
			t.Errorf("draw(%d, %q) overflows: %q", tc.page, tc.notice, got)
		}
	}
}

func TestShorten(t *testing.T) {
	b := screenBudget{GSM: 30, UCS2: 20}
	same := func(s string) string { return s }
	for _, tc := range []struct{ in, want string }{
		{"short", "short"},
		{"a sentence that is far too long for it", "a sentence that is far..."},
		{"averyveryverylongwordwithoutanybreaks", "averyveryverylongwordwi..."},
		// cutting the one non-GSM character gains the larger GSM budget
		{"Habari za asubuhi ☕ rafiki yangu mpendwa", "Habari za asubuhi..."},
		{"☕☕☕☕☕ ☕☕☕☕☕ ☕☕☕☕☕ ☕☕☕☕☕", "☕☕☕☕☕ ☕☕☕☕☕…"},
	} {
		got := shorten(b, tc.in, same)
		if got != tc.want || !b.fits(got) {
			t.Errorf("shorten(%q) = %q, want %q (fits: %v)", tc.in, got, tc.want, b.fits(got))
		}
	}
	if got := shorten(b, "anything", func(string) string { return strings.Repeat("x", 40) }); got != "" {
		t.Errorf("nothing fits: got %q, want empty", got)
	}
}
