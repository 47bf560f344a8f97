package normalize

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		name, in string
		want     *Money // nil: not money
	}{
		{"documented", "KES 0.10", &Money{"KES", "0.10"}},
		{"precision kept", "KES 0.8000", &Money{"KES", "0.8000"}},
		{"integer", "USD 1", &Money{"USD", "1"}},
		{"no minor unit", "UGX 100", &Money{"UGX", "100"}},
		{"no space", "KES0.10", &Money{"KES", "0.10"}},
		{"currency after", "0.10 KES", &Money{"KES", "0.10"}},
		{"currency after no space", "0.10KES", &Money{"KES", "0.10"}},
		{"lower case", "kes 0.10", &Money{"KES", "0.10"}},
		{"mixed case", "Kes 0.10", &Money{"KES", "0.10"}},
		{"thousands", "KES 1,000.50", &Money{"KES", "1000.50"}},
		{"millions", "TZS 1,234,567", &Money{"TZS", "1234567"}},
		{"leading plus", "KES +0.10", &Money{"KES", "0.10"}},
		{"negative", "KES -0.10", &Money{"KES", "-0.10"}},
		{"negative currency after", "-1,000 NGN", &Money{"NGN", "-1000"}},
		{"padded", "  KES  0.10  ", &Money{"KES", "0.10"}},
		{"tab", "KES\t0.10", &Money{"KES", "0.10"}},
		{"leading zeros kept", "KES 007.50", &Money{"KES", "007.50"}},
		{"empty", "", nil},
		{"blank", "   ", nil},
		{"None", "None", nil},
		{"none lower", "none", nil},
		{"currency only", "KES", nil},
		{"amount only", "0.10", nil},
		{"two letter currency", "KE 0.10", nil},
		{"four letter currency", "KESH 0.10", nil},
		{"currency both sides", "KES 0.10 USD", nil},
		{"non-ascii currency", "KÉS 0.10", nil},
		{"two points", "KES 0.1.0", nil},
		{"no integer part", "KES .50", nil},
		{"no fraction digits", "KES 1.", nil},
		{"decimal comma", "KES 1,00", nil},
		{"bad grouping", "KES 10,00,000", nil},
		{"leading comma", "KES ,100", nil},
		{"comma in fraction", "KES 1.000,50", nil},
		{"two signs", "KES -+1", nil},
		{"sign alone", "KES -", nil},
		{"space after sign", "KES - 1", nil},
		{"exponent", "KES 1e3", nil},
		{"word", "KES ten", nil},
		{"inner space", "KES 1 000", nil},
		{"symbol", "$1.00", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ParseMoney(tc.in)
			switch {
			case tc.want == nil && got != nil:
				t.Errorf("ParseMoney(%q) = %+v, want nil", tc.in, *got)
			case tc.want != nil && got == nil:
				t.Errorf("ParseMoney(%q) = nil, want %+v", tc.in, *tc.want)
			case tc.want != nil && *got != *tc.want:
				t.Errorf("ParseMoney(%q) = %+v, want %+v", tc.in, *got, *tc.want)
			}
		})
	}
}

func TestMoneyJSON(t *testing.T) {
	b, err := json.Marshal(ParseMoney("KES 0.8000"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"currency":"KES","amount":"0.8000"}`; string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{
		"KES 0.10", "KES 0.8000", "USD 1", "KES0.10", "0.10 KES", "kes 0.10",
		"KES 1,000.50", "KES +0.10", "KES -0.10", "None", "", "KES", "1,00", "KES .",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		m := ParseMoney(in)
		if m == nil {
			return
		}
		if !isUpperCurrency(m.Currency) {
			t.Fatalf("ParseMoney(%q): currency %q is not three upper-case letters", in, m.Currency)
		}
		if !isPlainDecimal(m.Amount) {
			t.Fatalf("ParseMoney(%q): amount %q is not a plain decimal", in, m.Amount)
		}
		again := ParseMoney(m.Currency + " " + m.Amount)
		if again == nil || *again != *m {
			t.Fatalf("ParseMoney(%q) = %+v does not round-trip: %+v", in, *m, again)
		}
	})
}

func isUpperCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// isPlainDecimal reports whether s is -?digits(.digits)?.
func isPlainDecimal(s string) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	return allDigits(whole) && (!hasPoint || allDigits(frac))
}

func BenchmarkParseMoney(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"documented", "KES 0.8000"},
		{"thousands", "KES 1,000.50"},
		{"currency after", "0.10 KES"},
		{"none", "None"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ParseMoney(bc.in)
			}
		})
	}
}
