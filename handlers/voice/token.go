package voice

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// Token signs a call's session id and a step, so only the gateway that
// wrote a callback URL (or one sharing its secret) accepts it: a forger
// who knows a session id still cannot move the call to another step.
func Token(secret []byte, sessionID, step string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(sessionID))
	m.Write([]byte{0}) // no (session, step) pair can be shifted into another
	m.Write([]byte(step))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// validToken compares in constant time.
func validToken(secret []byte, sessionID, step, token string) bool {
	return hmac.Equal([]byte(Token(secret, sessionID, step)), []byte(token))
}

// Verify reports whether token signs sessionID and step with e's secret.
func (e *Engine) Verify(sessionID, step, token string) bool {
	return validToken(e.o.Secret, sessionID, step, token)
}
