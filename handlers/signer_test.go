package handlers

import (
	"net/http"
	"testing"
	"time"
)

// TestStandardWebhooksSignatureVector signs the published Standard
// Webhooks test vector (swSecret … swExpected in signature_test.go).
func TestStandardWebhooksSignatureVector(t *testing.T) {
	key, err := StandardWebhooksKey(swSecret)
	if err != nil {
		t.Fatal(err)
	}
	if got := StandardWebhooksSignature(key, swMsgID, swTimestamp, []byte(swPayload)); got != swExpected {
		t.Fatalf("signature = %s, want the published %s", got, swExpected)
	}
	s, err := NewSigner(Signature{Scheme: SchemeStandardWebhooks, Secrets: []string{swSecret}})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	s.Sign(h, swMsgID, time.Unix(swTimestamp, 0), []byte(swPayload))
	if h.Get(HeaderWebhookSignature) != swExpected || h.Get(HeaderWebhookID) != swMsgID || h.Get(HeaderWebhookTimestamp) != "1614265330" {
		t.Errorf("headers = %v", h)
	}
}

// TestSignerVerifies signs with each scheme and checks the result with the
// gateway's own verifier, the providers' documented signatures included.
func TestSignerVerifies(t *testing.T) {
	cases := []struct {
		name string
		sig  Signature
		body string
		want string // the header value, when documented
	}{
		{"talkntalk documented", tntSig, tntDocBody, tntDocSig},
		{"zexa documented", zexaSig, zexaDocBody, zexaDocSig},
		{"base64", b64, zexaDocBody, b64Sig},
		{"standard webhooks", swAt(swTimestamp), swPayload, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSigner(tc.sig)
			if err != nil {
				t.Fatal(err)
			}
			h := http.Header{}
			s.Sign(h, swMsgID, time.Unix(swTimestamp, 0), []byte(tc.body))
			if tc.want != "" && h.Get(tc.sig.Header) != tc.want {
				t.Errorf("%s = %q, want %q", tc.sig.Header, h.Get(tc.sig.Header), tc.want)
			}
			if _, err := mustVerifier(t, tc.sig).Verify(h, []byte(tc.body)); err != nil {
				t.Errorf("own verifier refused: %v", err)
			}
		})
	}
	if _, err := NewSigner(Signature{Scheme: SchemeHex, Header: "X-Sig"}); err == nil {
		t.Error("a signer without a secret was made")
	}
}
