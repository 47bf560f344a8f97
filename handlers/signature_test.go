package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlango/mlango/normalize"
)

// The Standard Webhooks test vector, verbatim from the reference Go
// library's TestWebhookSign: github.com/standard-webhooks/standard-webhooks,
// libraries/go/webhook_test.go.
const (
	swSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	swMsgID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	swTimestamp = 1614265330
	swPayload   = `{"test": 2432232314}`
	swExpected  = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// The providers' documented payloads, with signatures computed by Python's
// hmac module as their documentation shows, not by this package.
const (
	tntDocBody   = `{"event":"sms.delivered","timestamp":"2026-05-20T11:30:04+03:00","data":{"id":9041,"mobile":"254712345678","sender_id":"TALKNTALK","message":"Your OTP is 847291.","status":"delivered","network":"safaricom","source":"api","created_at":"2026-05-20T11:30:00+03:00","updated_at":"2026-05-20T11:30:04+03:00"}}`
	tntDocSecret = "tnt_docs_secret"
	tntDocSig    = "sha256=00b68ae628c1230b6ca7631da063b5f4dbbb2e2cf3c1d2b6dc9fcd144863f00a"

	zexaDocBody   = `{"event":"message.delivered","timestamp":"2026-06-24T10:05:00Z","data":{"message_id":"msg_abc123","channel":"sms","to":"+244912345678","status":"delivered","delivered_at":"2026-06-24T10:04:55Z"}}`
	zexaDocSecret = "your_webhook_secret_here"
	zexaDocSig    = "e269b1ac47b7b748f817b827b3fde578aa4a3746715a91fc7dd38071b90201f6"
	b64Secret     = "b64_secret"
	b64Sig        = "0SYDYbruF84nqKuJ3rfkG9zeVyNKtq23WrDGvI1BPmM=" // zexaDocBody under b64Secret
)

var (
	tntSig  = Signature{Scheme: SchemeHex, Header: TalkNTalkSignature, Prefix: "sha256=", Secrets: []string{tntDocSecret}}
	zexaSig = Signature{Scheme: SchemeHex, Header: ZexaSignature, Secrets: []string{zexaDocSecret}}
	b64     = Signature{Scheme: SchemeBase64, Header: "X-Sig", Secrets: []string{b64Secret}}
)

func swAt(sec int64) Signature {
	return Signature{Scheme: SchemeStandardWebhooks, Secrets: []string{swSecret}, Now: func() time.Time { return time.Unix(sec, 0) }}
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func swHeaders(id string, ts int64, sig string) http.Header {
	return hdr(HeaderWebhookID, id, HeaderWebhookTimestamp, strconv.FormatInt(ts, 10), HeaderWebhookSignature, sig)
}

// swSign signs the way the Standard Webhooks spec describes, for tests.
func swSign(tb testing.TB, secret, id string, ts int64, body string) string {
	tb.Helper()
	key, err := StandardWebhooksKey(secret)
	if err != nil {
		tb.Fatal(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "." + body))
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestStandardWebhooksVector(t *testing.T) {
	if got := swSign(t, swSecret, swMsgID, swTimestamp, swPayload); got != swExpected {
		t.Fatalf("test signer = %s, want the published %s", got, swExpected)
	}
	for _, secret := range []string{swSecret, strings.TrimPrefix(swSecret, "whsec_")} {
		s := swAt(swTimestamp + 10)
		s.Secrets = []string{secret}
		meta, err := mustVerifier(t, s).Verify(swHeaders(swMsgID, swTimestamp, swExpected), []byte(swPayload))
		if err != nil || meta[normalize.MetaWebhookID] != swMsgID {
			t.Errorf("secret %.10s…: meta %v err %v", secret, meta, err)
		}
	}
}

func mustVerifier(tb testing.TB, s Signature) *Verifier {
	tb.Helper()
	v, err := NewVerifier(s)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func TestVerify(t *testing.T) {
	rotated := tntSig
	rotated.Secrets = []string{"new_secret", tntDocSecret}
	unsigned := tntSig
	unsigned.Secrets = nil
	fresh := swAt(swTimestamp)
	v2 := "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
	cases := []struct {
		name string
		sig  Signature
		h    http.Header
		body string
		want string // "" accepts
	}{
		{"talkntalk documented", tntSig, hdr(TalkNTalkSignature, tntDocSig), tntDocBody, ""},
		{"talkntalk upper-case hex", tntSig, hdr(TalkNTalkSignature, "SHA256="+strings.ToUpper(tntDocSig[7:])), tntDocBody, ""},
		{"talkntalk rotation", rotated, hdr(TalkNTalkSignature, tntDocSig), tntDocBody, ""},
		{"talkntalk missing", tntSig, hdr(), tntDocBody, "missing X-TalkNTalk-Signature header"},
		{"talkntalk no prefix", tntSig, hdr(TalkNTalkSignature, tntDocSig[7:]), tntDocBody, `X-TalkNTalk-Signature does not start with "sha256="`},
		{"talkntalk tampered body", tntSig, hdr(TalkNTalkSignature, tntDocSig), strings.Replace(tntDocBody, "9041", "9042", 1), "X-TalkNTalk-Signature does not match the body"},
		{"talkntalk body with a trailing newline", tntSig, hdr(TalkNTalkSignature, tntDocSig), tntDocBody + "\n", "X-TalkNTalk-Signature does not match the body"},
		{"talkntalk short digest", tntSig, hdr(TalkNTalkSignature, tntDocSig[:40]), tntDocBody, "X-TalkNTalk-Signature is not a hex HMAC-SHA256 digest"},
		{"talkntalk unsigned", unsigned, hdr(), tntDocBody, ""},
		{"zexa documented", zexaSig, hdr(ZexaSignature, zexaDocSig), zexaDocBody, ""},
		{"zexa wrong secret", Signature{Scheme: SchemeHex, Header: ZexaSignature, Secrets: []string{"other"}}, hdr(ZexaSignature, zexaDocSig), zexaDocBody, "X-Zexa-Signature does not match the body"},
		{"base64", b64, hdr("X-Sig", b64Sig), zexaDocBody, ""},
		{"base64 unpadded url alphabet", b64, hdr("X-Sig", strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(b64Sig), "=")), zexaDocBody, ""},
		{"base64 wrong", b64, hdr("X-Sig", zexaDocSig), zexaDocBody, "X-Sig is not a base64 HMAC-SHA256 digest"},
		{"standard multi", fresh, swHeaders(swMsgID, swTimestamp, v2+" "+swExpected), swPayload, ""},
		{"standard v2 only", fresh, swHeaders(swMsgID, swTimestamp, strings.Replace(swExpected, "v1,", "v2,", 1)), swPayload, "no webhook-signature matches"},
		{"standard wrong", fresh, swHeaders(swMsgID, swTimestamp, "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="), swPayload, "no webhook-signature matches"},
		{"standard stale", swAt(swTimestamp + 301), swHeaders(swMsgID, swTimestamp, swExpected), swPayload, "webhook-timestamp is too old"},
		{"standard at the tolerance", swAt(swTimestamp + 300), swHeaders(swMsgID, swTimestamp, swExpected), swPayload, ""},
		{"standard future", swAt(swTimestamp - 301), swHeaders(swMsgID, swTimestamp, swExpected), swPayload, "webhook-timestamp is too far in the future"},
		{"standard replay re-stamped", fresh, swHeaders(swMsgID, swTimestamp+60, swExpected), swPayload, "no webhook-signature matches"},
		{"standard id transplanted", fresh, swHeaders("msg_other", swTimestamp, swExpected), swPayload, "no webhook-signature matches"},
		{"standard missing id", fresh, hdr(HeaderWebhookTimestamp, "1614265330", HeaderWebhookSignature, swExpected), swPayload, "missing webhook-id, webhook-timestamp or webhook-signature header"},
		{"standard missing signature", fresh, hdr(HeaderWebhookID, swMsgID, HeaderWebhookTimestamp, "1614265330"), swPayload, "missing webhook-id, webhook-timestamp or webhook-signature header"},
		{"standard bad timestamp", fresh, hdr(HeaderWebhookID, swMsgID, HeaderWebhookTimestamp, "+1614265330", HeaderWebhookSignature, swExpected), swPayload, "webhook-timestamp is not Unix seconds"},
		{"standard unsigned", Signature{Scheme: SchemeStandardWebhooks}, hdr(HeaderWebhookID, "x"), swPayload, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mustVerifier(t, tc.sig).Verify(tc.h, []byte(tc.body))
			checkVerifyErr(t, err, tc.want)
			for _, s := range tc.sig.Secrets {
				if err != nil && strings.Contains(err.Error(), s) {
					t.Errorf("error shows a secret: %v", err)
				}
			}
		})
	}
}

func checkVerifyErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindUnauthorized || e.Msg != want {
		t.Fatalf("err = %v, want 401 %q", err, want)
	}
}

func TestNewVerifierErrors(t *testing.T) {
	for _, tc := range []struct {
		sig  Signature
		want string
	}{
		{Signature{Scheme: "rot13"}, `unknown signature scheme "rot13"`},
		{Signature{Scheme: SchemeHex}, "scheme hex needs a header name"},
		{Signature{Scheme: SchemeStandardWebhooks, Secrets: []string{swSecret, "whsec_not base64!"}}, "secret 2 is not whsec_ followed by base64"},
		{Signature{Scheme: SchemeStandardWebhooks, Secrets: []string{"whsec_"}}, "secret 1 is not whsec_ followed by base64"},
	} {
		_, err := NewVerifier(tc.sig)
		if err == nil || err.Error() != tc.want {
			t.Errorf("err = %v, want %s", err, tc.want)
		}
	}
}

// fuzzVerifier checks the properties every scheme has: the right signature
// of any body verifies, any other header value does not, and nothing
// panics.
func fuzzVerifier(t *testing.T, v *Verifier, body []byte, good, arbitrary http.Header) {
	if _, err := v.Verify(good, body); err != nil {
		t.Fatalf("a correct signature was refused: %v", err)
	}
	if len(body) > 0 {
		flipped := append([]byte(nil), body...)
		flipped[len(flipped)/2] ^= 1
		if _, err := v.Verify(good, flipped); err == nil {
			t.Fatal("a changed body kept its signature")
		}
	}
	_, err := v.Verify(arbitrary, body)
	var e *Error
	if err != nil && (!errors.As(err, &e) || e.Kind != KindUnauthorized) {
		t.Fatalf("refusal is not a 401: %v", err)
	}
}

func FuzzVerifyHex(f *testing.F) {
	f.Add([]byte(tntDocBody), tntDocSig)
	f.Add([]byte(""), "sha256=")
	f.Add([]byte("{}"), "SHA256=zz")
	v := mustVerifier(f, tntSig)
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		good := hdr(TalkNTalkSignature, "sha256="+hex.EncodeToString(hmacSHA256([]byte(tntDocSecret), body)))
		fuzzVerifier(t, v, body, good, hdr(TalkNTalkSignature, header))
		if _, err := v.Verify(hdr(TalkNTalkSignature, header), body); err == nil &&
			!strings.EqualFold(strings.TrimSpace(header), good.Get(TalkNTalkSignature)) {
			t.Fatalf("accepted %q for a body whose signature is %s", header, good.Get(TalkNTalkSignature))
		}
	})
}

func FuzzVerifyBase64(f *testing.F) {
	f.Add([]byte(zexaDocBody), b64Sig)
	f.Add([]byte("x"), "====")
	v := mustVerifier(f, b64)
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		mac := hmacSHA256([]byte(b64Secret), body)
		fuzzVerifier(t, v, body, hdr("X-Sig", base64.StdEncoding.EncodeToString(mac)), hdr("X-Sig", header))
		if _, err := v.Verify(hdr("X-Sig", header), body); err == nil {
			if got, ok := decodeDigest(SchemeBase64, strings.TrimSpace(header)); !ok || !hmac.Equal(got, mac) {
				t.Fatalf("accepted %q", header)
			}
		}
	})
}

func FuzzVerifyStandardWebhooks(f *testing.F) {
	f.Add(swMsgID, int64(swTimestamp), []byte(swPayload), swExpected)
	f.Add("", int64(-1), []byte{}, "v1,")
	f.Add("a.b", int64(1<<62), []byte("."), "v1 v1,, ,v1")
	f.Fuzz(func(t *testing.T, id string, ts int64, body []byte, header string) {
		if strings.TrimSpace(id) != id || id == "" || strings.ContainsAny(id, "\r\n\x00") || ts < 0 {
			return // not a value an HTTP header can carry as such
		}
		v := mustVerifier(t, swAt(ts))
		good := swHeaders(id, ts, swSign(t, swSecret, id, ts, string(body)))
		fuzzVerifier(t, v, body, good, swHeaders(id, ts, header))
		meta, err := v.Verify(swHeaders(id, ts, header), body)
		if err == nil && (!carriesDigest(header, good.Get(HeaderWebhookSignature)) || meta[normalize.MetaWebhookID] != id) {
			t.Fatalf("accepted %q, meta %v", header, meta)
		}
	})
}

// carriesDigest reports whether some v1 entry of header decodes to the
// digest of the good "v1,<base64>" signature.
func carriesDigest(header, good string) bool {
	want, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(good, "v1,"))
	for _, entry := range strings.Fields(header) {
		sig, ok := strings.CutPrefix(entry, "v1,")
		if got, err := base64.StdEncoding.DecodeString(sig); ok && err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}
