package normalize

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestPhone(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"e164", "+254711000111", "+254711000111"},
		{"e164 padded", "  +254711000111\t", "+254711000111"},
		{"decoded plus", " 254711000111", "+254711000111"},
		{"decoded plus with trailing space", " 254791541111 ", "+254791541111"},
		{"decoded plus with groups", " 254 711 000 111", "+254711000111"},
		{"international 00 prefix", "00254711000111", "+254711000111"},
		{"00 prefix with spaces", "00 254 711 000 111", "+254711000111"},
		{"doubled prefix after plus", "+00254711000111", "+254711000111"},
		{"spaces and dashes", "+254 711-000-111", "+254711000111"},
		{"parentheses", "+1 (212) 555-0100", "+12125550100"},
		{"bare international", "254712345678", "+254712345678"},
		{"bare international 11 digits", "12125550100", "+12125550100"},
		{"bare nigeria", "2348030000111", "+2348030000111"},
		{"bare with dashes", "254-712-345-678", "+254712345678"},
		{"trunk zero after country code", "+254 0711 000 111", "+254711000111"},
		{"trunk stripping must reach a fixed point", "200000000000", "200000000000"},
		{"short code", "21512", "21512"},
		{"short code 4 digits", "6942", "6942"},
		{"short code with decoded plus", " 21512", "21512"},
		{"six digits with plus", "+254711", "+254711"},
		{"alphanumeric sender", "MyBrand", "MyBrand"},
		{"alphanumeric padded", " MyBrand ", "MyBrand"},
		{"sip address", "sip:agent@ke.sip.africastalking.com", "sip:agent@ke.sip.africastalking.com"},
		{"sandbox placeholder", "+254711XXXYYY", "+254711XXXYYY"},
		{"national number stays", "0711000111", "0711000111"},
		{"bare ten digits stay", "7110001112", "7110001112"},
		{"bare with leading zero", "025471100011", "025471100011"},
		{"unknown country code", "+999711000111", "+999711000111"},
		{"too long", "+2547110001112223334", "+2547110001112223334"},
		{"impossible length", "+25471100", "+25471100"},
		{"plus in the middle", "254+711000111", "254+711000111"},
		{"two pluses", "++254711000111", "++254711000111"},
		{"extension kept as received", "+254711000111 ext 5", "+254711000111 ext 5"},
		{"dots are not separators", "+254.711.000.111", "+254.711.000.111"},
		{"tab-padded bare international", "\t254711000111", "+254711000111"},
		{"empty", "", ""},
		{"blank", "   ", ""},
		{"lone plus", "+", "+"},
		{"unicode digits", "+２５４711000111", "+２５４711000111"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Phone(tc.in); got != tc.want {
				t.Errorf("Phone(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{
		"+254711000111", " 254711000111", "00254711000111", "+254 711-000-111",
		"254712345678", "21512", "MyBrand", "sip:agent@ke.sip.africastalking.com",
		"+254711XXXYYY", "", " ", "+", "00", " 0", "+(0)", "200000000000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := Phone(in)
		if got != strings.TrimSpace(in) && !isPlusDigits(got) {
			t.Fatalf("Phone(%q) = %q: neither the trimmed input nor +digits", in, got)
		}
		if again := Phone(got); again != got {
			t.Fatalf("Phone not idempotent: %q -> %q -> %q", in, got, again)
		}
	})
}

func BenchmarkPhone(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"e164", "+254711000111"},
		{"decoded plus", " 254711000111"},
		{"formatted", "+254 711-000-111"},
		{"short code", "21512"},
		{"sender id", "MyBrand"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Phone(bc.in)
			}
		})
	}
}

// FuzzPhoneFastPath: wherever the fast path decides, it decides as the
// library's full Parse would.
func FuzzPhoneFastPath(f *testing.F) {
	for _, s := range []string{"2612000000", "0811000000000", "254711000111", "14155552671", "255754000111", "256772000111", "250788000111", "233244000111", "27821000111", "251911000111", "2637712345678", "2348030000111", "447911123456", "8613800138000", "79161234567", "3906123456", "80012345678", "2540711000111", "1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, digits string) {
		if !allDigits(digits) || len(digits) < 2 || len(digits) > maxPhoneDigits {
			return
		}
		e, ok, decided := fastE164(digits)
		if !decided {
			return
		}
		se, sok := slowE164("+" + digits)
		if ok != sok || (ok && e != se) {
			t.Fatalf("fast path %q → (%q, %v), full parse → (%q, %v)", digits, e, ok, se, sok)
		}
	})
}

func BenchmarkPhoneSlowPath(b *testing.B) {
	for b.Loop() {
		slowE164("+254711000111")
	}
}

// TestPhoneFastPathAgrees runs in every CI build what the fuzz target
// explores: for each fast calling code, numbers of every plausible length
// get the same answer from the fast path as from the full parse.
func TestPhoneFastPathAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for cc := range fastCallingCodes {
		for i := 0; i < 300; i++ {
			n := 4 + rng.IntN(10)
			digits := strconv.Itoa(cc)
			for j := 0; j < n; j++ {
				digits += strconv.Itoa(rng.IntN(10))
			}
			e, ok, decided := fastE164(digits)
			if !decided {
				continue
			}
			if se, sok := slowE164("+" + digits); ok != sok || (ok && e != se) {
				t.Fatalf("fast path %q → (%q, %v), full parse → (%q, %v)", digits, e, ok, se, sok)
			}
		}
	}
}
