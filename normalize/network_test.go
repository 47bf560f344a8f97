package normalize

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestLookupNetwork(t *testing.T) {
	tests := []struct {
		name, in string
		want     *Network // nil: no network
	}{
		{"safaricom", "63902", &Network{"63902", "Safaricom Kenya", "KE"}},
		{"padded", " 63903 ", &Network{"63903", "Airtel Kenya", "KE"}},
		{"renamed brand keeps AT label", "62002", &Network{"62002", "Vodafone Ghana", "GH"}},
		{"mtn nigeria", "62130", &Network{"62130", "MTN Nigeria", "NG"}},
		{"sandbox has no country", "99999", &Network{"99999", "Athena", ""}},
		{"unknown code in Africa", "62401", &Network{"62401", "", "CM"}},
		{"unknown code outside Africa", "23415", &Network{"23415", "", "GB"}},
		{"six digit code", "310260", &Network{"310260", "", "US"}},
		{"unknown mcc", "00101", &Network{"00101", "", ""}},
		{"international mcc", "90128", &Network{"90128", "", ""}},
		{"four digits", "6390", &Network{"6390", "", ""}},
		{"seven digits", "6390211", &Network{"6390211", "", ""}},
		{"not digits", "639O2", &Network{"639O2", "", ""}},
		{"word", "Safaricom", &Network{"Safaricom", "", ""}},
		{"empty", "", nil},
		{"blank", " \t", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := LookupNetwork(tc.in)
			switch {
			case tc.want == nil && got != nil:
				t.Errorf("LookupNetwork(%q) = %+v, want nil", tc.in, *got)
			case tc.want != nil && got == nil:
				t.Errorf("LookupNetwork(%q) = nil, want %+v", tc.in, *tc.want)
			case tc.want != nil && *got != *tc.want:
				t.Errorf("LookupNetwork(%q) = %+v, want %+v", tc.in, *got, *tc.want)
			}
		})
	}
}

// TestKnownNetworks pins the Africa's Talking table, so a label cannot
// change unnoticed, and checks it against the MCC table so the two cannot
// drift apart.
func TestKnownNetworks(t *testing.T) {
	want := map[string][2]string{
		"62001": {"MTN Ghana", "GH"}, "62002": {"Vodafone Ghana", "GH"},
		"62006": {"AirtelTigo Ghana", "GH"}, "62120": {"Airtel Nigeria", "NG"},
		"62130": {"MTN Nigeria", "NG"}, "62150": {"Glo Nigeria", "NG"},
		"62160": {"Etisalat Nigeria", "NG"}, "63510": {"MTN Rwanda", "RW"},
		"63513": {"Tigo Rwanda", "RW"}, "63514": {"Airtel Rwanda", "RW"},
		"63601": {"EthioTelecom Ethiopia", "ET"}, "63902": {"Safaricom Kenya", "KE"},
		"63903": {"Airtel Kenya", "KE"}, "63907": {"Orange Kenya", "KE"},
		"63999": {"Equitel Kenya", "KE"}, "64002": {"Tigo Tanzania", "TZ"},
		"64003": {"Zantel Tanzania", "TZ"}, "64004": {"Vodacom Tanzania", "TZ"},
		"64005": {"Airtel Tanzania", "TZ"}, "64007": {"TTCL Tanzania", "TZ"},
		"64009": {"Halotel Tanzania", "TZ"}, "64101": {"Airtel Uganda", "UG"},
		"64110": {"MTN Uganda", "UG"}, "64111": {"UTL Uganda", "UG"},
		"64114": {"Africell Uganda", "UG"}, "64501": {"Airtel Zambia", "ZM"},
		"64502": {"MTN Zambia", "ZM"}, "65001": {"TNM Malawi", "MW"},
		"65010": {"Airtel Malawi", "MW"}, "65501": {"Vodacom South Africa", "ZA"},
		"65502": {"Telkom South Africa", "ZA"}, "65507": {"CellC South Africa", "ZA"},
		"65510": {"MTN South Africa", "ZA"}, "99999": {"Athena", ""},
	}
	if len(knownNetworks) != len(want) {
		t.Errorf("knownNetworks has %d codes, want %d", len(knownNetworks), len(want))
	}
	for code, n := range knownNetworks {
		t.Run(code, func(t *testing.T) {
			if w, ok := want[code]; !ok || n.Operator != w[0] || n.Country != w[1] {
				t.Errorf("knownNetworks[%s] = %+v, want %v", code, n, w)
			}
			if n.Code != code {
				t.Errorf("knownNetworks[%s].Code = %q", code, n.Code)
			}
			if n.Country != "" && mccCountries[code[:3]] != n.Country {
				t.Errorf("knownNetworks[%s] country %s, but MCC %s is %q",
					code, n.Country, code[:3], mccCountries[code[:3]])
			}
		})
	}
}

func TestNetworkMCCCountries(t *testing.T) {
	for mcc, cc := range mccCountries {
		if len(mcc) != 3 || !allDigits(mcc) || mcc[0] < '2' || mcc[0] > '9' {
			t.Errorf("MCC %q is not a geographic three-digit code", mcc)
		}
		if !isUpperAlpha2(cc) {
			t.Errorf("MCC %s country %q is not ISO 3166-1 alpha-2", mcc, cc)
		}
	}
}

func TestLookupNetworkReturnsCopy(t *testing.T) {
	LookupNetwork("63902").Operator = "changed"
	if got := LookupNetwork("63902").Operator; got != "Safaricom Kenya" {
		t.Fatalf("table mutated through a returned pointer: %q", got)
	}
}

func TestNetworkJSON(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"known", "63902", `{"code":"63902","operator":"Safaricom Kenya","country":"KE"}`},
		{"country only", "62401", `{"code":"62401","country":"CM"}`},
		{"code only", "99999", `{"code":"99999","operator":"Athena"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(LookupNetwork(tc.in))
			if err != nil || string(b) != tc.want {
				t.Errorf("json = %s, %v; want %s", b, err, tc.want)
			}
		})
	}
}

func FuzzLookupNetwork(f *testing.F) {
	for _, s := range []string{"63902", "99999", "62401", "310260", "00101", "", " ", "6390", "abcde"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		n, code := LookupNetwork(in), strings.TrimSpace(in)
		if (n == nil) != (code == "") {
			t.Fatalf("LookupNetwork(%q) = %v: nil must mean a blank code", in, n)
		}
		if n == nil {
			return
		}
		if n.Code != code {
			t.Fatalf("LookupNetwork(%q).Code = %q, want %q", in, n.Code, code)
		}
		if n.Country != "" && !isUpperAlpha2(n.Country) {
			t.Fatalf("LookupNetwork(%q) country %q is not alpha-2", in, n.Country)
		}
	})
}

func isUpperAlpha2(s string) bool {
	return len(s) == 2 && 'A' <= s[0] && s[0] <= 'Z' && 'A' <= s[1] && s[1] <= 'Z'
}

func BenchmarkLookupNetwork(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"known", "63902"},
		{"unknown", "62401"},
		{"malformed", "abc"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				LookupNetwork(bc.in)
			}
		})
	}
}
