package normalize

import "testing"

func TestATSIMSwapStatuses(t *testing.T) {
	cases := []struct {
		status, date string
		want, day    string
		unknown      int
	}{
		{"Swapped", "15-02-2024", Swapped, "2024-02-15", 0},
		{"swapped", "2024-02-15", Swapped, "2024-02-15", 0},
		{"Swapped", "01-01-1900", Swapped, "", 0},
		{"NotSwapped", "01-01-1900", NotSwapped, "", 0},
		{"not_swapped", "", NotSwapped, "", 0},
		{"Not Swapped", "31-02-2024", NotSwapped, "", 0}, // no such day
		{"UnsupportedPhoneNumber", "", Unknown, "", 1},
	}
	for _, tc := range cases {
		evs, err := ATSIMSwapStatus(formIn(t, "requestId=ATSwpid_1&transactionId=T&providerRefId=P&status="+tc.status+"&lastSimSwapDate="+tc.date))
		if err != nil {
			t.Fatal(err)
		}
		d := evs[0].Data.(SIMSwapStatus)
		day := ""
		if d.LastSwapDate != nil {
			day = *d.LastSwapDate
		}
		if d.Status != tc.want || day != tc.day || len(evs[0].Unknown) != tc.unknown {
			t.Errorf("%s %s: status %q date %q unknown %v", tc.status, tc.date, d.Status, day, evs[0].Unknown)
		}
		if d.RequestID != "ATSwpid_1" || d.TransactionID != "T" || d.ProviderRefID != "P" || d.ProviderStatus != tc.status {
			t.Errorf("%s: ids not kept: %+v", tc.status, d)
		}
	}
	for _, body := range []string{"status=Swapped", "requestId=R"} {
		if _, err := ATSIMSwapStatus(formIn(t, body)); err == nil {
			t.Errorf("%s: want an error", body)
		}
	}
}

func FuzzParseSwapDate(f *testing.F) {
	for _, s := range []string{"15-02-2024", "01-01-1900", "2024-02-15", "1900-01-01", "31-02-2024", "", "00-00-0000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := ParseSwapDate(s)
		if d == "" {
			return
		}
		if d == "1900-01-01" {
			t.Errorf("ParseSwapDate(%q): the sentinel leaked", s)
		}
		if again := ParseSwapDate(d); again != d {
			t.Errorf("ParseSwapDate(%q) = %q, which reads back as %q", s, d, again)
		}
	})
}
