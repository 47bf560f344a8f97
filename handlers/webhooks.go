package handlers

import (
	"github.com/labstack/echo/v4"
)

// WebhookPath is where provider name's signed webhooks arrive.
func WebhookPath(name string) string { return "/webhooks/" + name }

// Webhook is one provider that pushes signed JSON webhooks.
type Webhook struct {
	Name      string
	Signature Signature
	Parse     Parser
	// Guard holds the provider's source allow list and the shared
	// failure limiter; its Tokens are not used, the signature is the
	// credential.
	Guard Guard
}

// WebhookProvider declares w's route, POST /webhooks/<name>. It fails when
// w's signature cannot be prepared (a malformed secret).
func WebhookProvider(w Webhook) (Provider, error) {
	v, err := NewVerifier(w.Signature)
	if err != nil {
		return Provider{}, err
	}
	rt := Route{Path: WebhookPath(w.Name), Parse: w.Parse, OK: "OK"}
	rt.Custom = func(provider string, d Deps) echo.HandlerFunc { return serveWebhook(provider, rt, w.Guard, v, d) }
	return Provider{Name: w.Name, Routes: []Route{rt}}, nil
}

// serveWebhook is the notification flow with the signature checked on the
// raw body first and the verified headers handed to the mapping, which a
// Route.Auth cannot do. The source is vetted before the body is read, so a
// refused caller costs no read.
func serveWebhook(provider string, rt Route, g Guard, v *Verifier, d Deps) echo.HandlerFunc {
	return func(c echo.Context) error {
		SetProvider(c, provider)
		r := c.Request()
		addr, err := g.admit(r)
		if err != nil {
			return err
		}
		body, err := d.Decoder.Read(r)
		if err != nil {
			return err
		}
		meta, err := v.Verify(r.Header, body)
		if err != nil {
			g.Sources.Failed(addr)
			return err
		}
		in, err := d.Decoder.Parse(r, body, d.Now())
		if err != nil {
			return err
		}
		in.Meta = meta
		return storeAndAnswer(c, rt, d, in)
	}
}
