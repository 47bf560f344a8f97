package normalize

import (
	"errors"
	"testing"
)

func TestParseAmount(t *testing.T) {
	cases := []struct {
		currency, amount string
		want             *Money
	}{
		{"KES", "500.00", &Money{"KES", "500.00"}},
		{"KES", "500", &Money{"KES", "500"}},
		{"kes", "1,000.50", &Money{"KES", "1000.50"}},
		{"UGX", "UGX 1000", &Money{"UGX", "1000"}},
		{"KES", "UGX 1000", nil}, // two currencies: which one was meant?
		{"KES", "5e2", nil},      // a JSON number in exponent form
		{"KES", "", nil},
		{"", "500", nil},
		{"KESH", "500", nil},
	}
	for _, tc := range cases {
		got := ParseAmount(tc.currency, tc.amount)
		if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
			t.Errorf("ParseAmount(%q, %q) = %v, want %v", tc.currency, tc.amount, got, tc.want)
		}
	}
}

func TestATAirtimeValidationRequest(t *testing.T) {
	cases := []struct {
		body, problem string
	}{
		{"transactionId=T1&phoneNumber=%2B254711000111&currencyCode=KES&amount=500", ""},
		{"transactionId=T1&phoneNumber=%2B254711000111&currencyCode=KES&amount=lots", "field amount is not a decimal amount in currencyCode"},
		{"phoneNumber=%2B254711000111&currencyCode=KES&amount=5", "field transactionId is missing"},
		{"transactionId=T1&currencyCode=KES&amount=5", "field phoneNumber is missing"},
		{"transactionId=T1&phoneNumber=%2B254711000111&amount=5", "field currencyCode is missing"},
	}
	for _, tc := range cases {
		d, err := ATAirtimeValidationRequest(formIn(t, tc.body))
		var fe *FieldError
		switch {
		case tc.problem == "" && err != nil:
			t.Errorf("%s: %v", tc.body, err)
		case tc.problem != "" && (!errors.As(err, &fe) || err.Error() != tc.problem):
			t.Errorf("%s: error %v, want %q", tc.body, err, tc.problem)
		case d.Decision != "" || d.Raw == nil:
			t.Errorf("%s: decision %q raw %s", tc.body, d.Decision, d.Raw)
		}
	}
}

func TestAirtimeValidationEventKey(t *testing.T) {
	d := AirtimeValidation{TransactionID: "T1", Decision: Validated}
	a := AirtimeValidationEvent(AfricasTalking, received, d)
	d.Decision = ValidationFailed
	if b := AirtimeValidationEvent(AfricasTalking, received, d); a.ID != b.ID || a.Subject != "T1" {
		t.Errorf("a retried transaction must keep its id: %s %s", a.ID, b.ID)
	}
}

func TestATAirtimeStatuses(t *testing.T) {
	cases := []struct {
		status, want string
		unknown      int
	}{
		{"Success", AirtimeSucceeded, 0},
		{"success", AirtimeSucceeded, 0},
		{"Failed", AirtimeFailed, 0},
		{"Sent", Unknown, 1},
	}
	for _, tc := range cases {
		evs, err := ATAirtimeStatus(formIn(t, "requestId=ATQid_1&status="+tc.status+"&value=KES+100.0000&discount=KES+0.6000"))
		if err != nil {
			t.Fatal(err)
		}
		d := evs[0].Data.(AirtimeStatus)
		if d.Status != tc.want || d.ProviderStatus != tc.status || len(evs[0].Unknown) != tc.unknown {
			t.Errorf("%s: status %q unknown %v", tc.status, d.Status, evs[0].Unknown)
		}
		if *d.Value != (Money{"KES", "100.0000"}) || *d.Discount != (Money{"KES", "0.6000"}) {
			t.Errorf("%s: value %v discount %v", tc.status, d.Value, d.Discount)
		}
	}
	a, _ := ATAirtimeStatus(formIn(t, "requestId=R&status=Success"))
	b, _ := ATAirtimeStatus(formIn(t, "requestId=R&status=Failed"))
	if a[0].ID == b[0].ID {
		t.Error("a new status must give a new event id")
	}
	if _, err := ATAirtimeStatus(formIn(t, "status=Success")); err == nil {
		t.Error("want an error without requestId")
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range [][2]string{{"KES", "500.00"}, {"UGX", "UGX 1,000"}, {"kes", "-1"}, {"", ""}, {"KES", "1e3"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, currency, amount string) {
		m := ParseAmount(currency, amount)
		if m == nil {
			return
		}
		if len(m.Currency) != 3 || m.Amount == "" || ParseMoney(m.Currency+" "+m.Amount) == nil {
			t.Errorf("ParseAmount(%q, %q) = %+v: not money", currency, amount, m)
		}
	})
}

func FuzzATAirtimeValidationRequest(f *testing.F) {
	f.Add("T1", "+254711000111", "KES", "500.00")
	f.Add("", " 254711000111", "kes", "1,000")
	f.Fuzz(func(t *testing.T, id, phone, currency, amount string) {
		in := Input{Fields: map[string]string{"transactionId": id, "phoneNumber": phone, "currencyCode": currency, "amount": amount}, ReceivedAt: received}
		d, err := ATAirtimeValidationRequest(in)
		if err == nil && (d.TransactionID == "" || d.Amount == nil) {
			t.Errorf("accepted without a transaction or amount: %+v", d)
		}
	})
}
