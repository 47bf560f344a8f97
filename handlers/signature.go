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
	"time"

	"github.com/mlango/mlango/normalize"
)

// Scheme names a way providers sign webhooks. Every scheme is HMAC-SHA256
// over the body bytes exactly as received.
type Scheme string

const (
	// SchemeHex: one header holds the hex digest, after an optional
	// prefix such as TalkNTalk's "sha256=".
	SchemeHex Scheme = "hex"
	// SchemeBase64: one header holds the base64 digest, after an optional
	// prefix.
	SchemeBase64 Scheme = "base64"
	// SchemeStandardWebhooks: standardwebhooks.com. The digest of
	// "<webhook-id>.<webhook-timestamp>.<body>" travels in webhook-signature
	// as space-separated "v1,<base64>" entries; secrets are "whsec_<base64>".
	SchemeStandardWebhooks Scheme = "standard_webhooks"
)

// DefaultTolerance is how far a Standard Webhooks timestamp may be from the
// gateway's clock, either way, before the request is refused as a replay.
const DefaultTolerance = 5 * time.Minute

// Signature is how one provider's webhooks are verified.
type Signature struct {
	Scheme Scheme
	// Header and Prefix locate the digest for SchemeHex and SchemeBase64.
	Header string
	Prefix string
	// Secrets are every secret currently valid: a signature by any of them
	// is accepted, so a secret can be rotated without refusing traffic.
	// None means the provider is unsigned and every request is accepted.
	Secrets []string
	// Tolerance bounds the Standard Webhooks timestamp; 0 means
	// DefaultTolerance.
	Tolerance time.Duration
	// Now is the clock the timestamp is checked against; nil is time.Now.
	Now func() time.Time
}

// Verifier checks requests against one provider's Signature.
type Verifier struct {
	sig  Signature
	keys [][]byte
}

// NewVerifier prepares s. It fails when a Standard Webhooks secret is not
// base64; the message numbers the secret and never shows it.
func NewVerifier(s Signature) (*Verifier, error) {
	switch s.Scheme {
	case SchemeHex, SchemeBase64:
		if s.Header == "" {
			return nil, errors.New("scheme " + string(s.Scheme) + " needs a header name")
		}
	case SchemeStandardWebhooks:
	default:
		return nil, errors.New("unknown signature scheme " + strconv.Quote(string(s.Scheme)))
	}
	if s.Tolerance <= 0 {
		s.Tolerance = DefaultTolerance
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	v := &Verifier{sig: s}
	for i, secret := range s.Secrets {
		key := []byte(secret)
		if s.Scheme == SchemeStandardWebhooks {
			var err error
			if key, err = StandardWebhooksKey(secret); err != nil {
				return nil, errors.New("secret " + strconv.Itoa(i+1) + " is not whsec_ followed by base64")
			}
		}
		v.keys = append(v.keys, key)
	}
	return v, nil
}

// StandardWebhooksKey decodes a Standard Webhooks secret: base64, with or
// without the "whsec_" prefix, as the reference libraries accept it.
func StandardWebhooksKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err == nil && len(key) == 0 {
		err = errors.New("empty key")
	}
	return key, err
}

// Signed reports whether the provider has a secret; without one every
// request is accepted.
func (v *Verifier) Signed() bool { return len(v.keys) > 0 }

// Verify checks a request's headers and raw body. It returns what the
// mapping may need from the headers (a Standard Webhooks message id), or an
// *Error of KindUnauthorized that names the problem but never a secret or
// the signature sent.
func (v *Verifier) Verify(h http.Header, body []byte) (map[string]string, error) {
	if v.sig.Scheme == SchemeStandardWebhooks {
		return v.verifyStandard(h, body)
	}
	if !v.Signed() {
		return nil, nil
	}
	got, err := v.headerDigest(h)
	if err != nil {
		return nil, err
	}
	if !v.anyKeySigned(got, body) {
		return nil, unauthorized(v.sig.Header + " does not match the body")
	}
	return nil, nil
}

// headerDigest reads the digest from the signature header.
func (v *Verifier) headerDigest(h http.Header) ([]byte, error) {
	name := v.sig.Header
	val := strings.TrimSpace(h.Get(name))
	if val == "" {
		return nil, unauthorized("missing " + name + " header")
	}
	p := v.sig.Prefix
	if len(val) < len(p) || !strings.EqualFold(val[:len(p)], p) {
		return nil, unauthorized(name + " does not start with " + strconv.Quote(p))
	}
	digest, ok := decodeDigest(v.sig.Scheme, val[len(p):])
	if !ok {
		return nil, unauthorized(name + " is not a " + string(v.sig.Scheme) + " HMAC-SHA256 digest")
	}
	return digest, nil
}

// decodeDigest decodes a 32-byte digest; base64 in any of its four common
// alphabets and paddings, since providers' libraries differ.
func decodeDigest(s Scheme, text string) ([]byte, bool) {
	if s == SchemeHex {
		b, err := hex.DecodeString(text)
		return b, err == nil && len(b) == sha256.Size
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(text); err == nil && len(b) == sha256.Size {
			return b, true
		}
	}
	return nil, false
}

// anyKeySigned compares digest with each key's HMAC of msg in constant
// time.
func (v *Verifier) anyKeySigned(digest, msg []byte) bool {
	for _, key := range v.keys {
		if hmac.Equal(digest, hmacSHA256(key, msg)) {
			return true
		}
	}
	return false
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

func unauthorized(msg string) *Error { return errorf(KindUnauthorized, msg, nil) }

// meta passes the message id to the mapping even when the provider is
// unsigned: it is still what identifies a re-delivery.
func webhookMeta(id string) map[string]string {
	if id == "" {
		return nil
	}
	return map[string]string{normalize.MetaWebhookID: id}
}

// Standard Webhooks headers.
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// verifyStandard checks a Standard Webhooks request. The timestamp is part
// of the signed content, so bounding it refuses a captured request replayed
// later; within the tolerance a replay carries the same webhook-id, which
// keys the event, and is stored once.
func (v *Verifier) verifyStandard(h http.Header, body []byte) (map[string]string, error) {
	id, ts := strings.TrimSpace(h.Get(HeaderWebhookID)), strings.TrimSpace(h.Get(HeaderWebhookTimestamp))
	if !v.Signed() {
		return webhookMeta(id), nil
	}
	sigs := h.Get(HeaderWebhookSignature)
	if id == "" || ts == "" || strings.TrimSpace(sigs) == "" {
		return nil, unauthorized("missing webhook-id, webhook-timestamp or webhook-signature header")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || !isDigits(ts) {
		return nil, unauthorized("webhook-timestamp is not Unix seconds")
	}
	now := v.sig.Now().Unix()
	// Differences of two non-negative times cannot overflow; sums could.
	if tol := int64(v.sig.Tolerance / time.Second); now-sec > tol {
		return nil, unauthorized("webhook-timestamp is too old")
	} else if sec-now > tol {
		return nil, unauthorized("webhook-timestamp is too far in the future")
	}
	msg := standardContent(id, sec, body)
	macs := make([][]byte, len(v.keys))
	for i, key := range v.keys {
		macs[i] = hmacSHA256(key, msg)
	}
	for _, entry := range strings.Fields(sigs) {
		version, sig, _ := strings.Cut(entry, ",")
		digest, err := base64.StdEncoding.DecodeString(sig)
		if version != "v1" || err != nil {
			continue // other versions (v1a is asymmetric) are not ours to check
		}
		for _, mac := range macs {
			if hmac.Equal(digest, mac) {
				return webhookMeta(id), nil
			}
		}
	}
	return nil, unauthorized("no webhook-signature matches")
}

// standardContent is what a Standard Webhooks signature covers:
// "<webhook-id>.<webhook-timestamp>.<body>".
func standardContent(id string, sec int64, body []byte) []byte {
	msg := make([]byte, 0, len(id)+len(body)+22)
	return append(append(append(append(append(msg, id...), '.'), strconv.FormatInt(sec, 10)...), '.'), body...)
}

// Signer signs requests the way a provider with one Signature does, so a
// replay or a test can send a gateway what the provider would have sent.
type Signer struct {
	sig Signature
	key []byte
}

// NewSigner prepares s to sign with its first secret. It fails without a
// secret, or when a Standard Webhooks secret is not base64.
func NewSigner(s Signature) (*Signer, error) {
	if len(s.Secrets) == 0 {
		return nil, errors.New("no secret to sign with")
	}
	v, err := NewVerifier(Signature{Scheme: s.Scheme, Header: s.Header, Prefix: s.Prefix, Secrets: s.Secrets[:1]})
	if err != nil {
		return nil, err
	}
	return &Signer{sig: s, key: v.keys[0]}, nil
}

// Sign sets the signature headers for body on h. Standard Webhooks also
// gets webhook-id (id) and webhook-timestamp (at); the other schemes sign
// the body alone and ignore both.
func (s *Signer) Sign(h http.Header, id string, at time.Time, body []byte) {
	mac := hmacSHA256(s.key, body)
	switch s.sig.Scheme {
	case SchemeStandardWebhooks:
		h.Set(HeaderWebhookID, id)
		h.Set(HeaderWebhookTimestamp, strconv.FormatInt(at.Unix(), 10))
		h.Set(HeaderWebhookSignature, StandardWebhooksSignature(s.key, id, at.Unix(), body))
	case SchemeHex:
		h.Set(s.sig.Header, s.sig.Prefix+hex.EncodeToString(mac))
	case SchemeBase64:
		h.Set(s.sig.Header, s.sig.Prefix+base64.StdEncoding.EncodeToString(mac))
	}
}

// StandardWebhooksSignature is the webhook-signature entry "v1,<base64>"
// for a message with id, Unix timestamp sec and body, under key (the
// decoded secret, see StandardWebhooksKey).
func StandardWebhooksSignature(key []byte, id string, sec int64, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(hmacSHA256(key, standardContent(id, sec, body)))
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
