package handlers

import "github.com/mlango/mlango/normalize"

// ZexaSignature is Zexa's header: the bare hex HMAC-SHA256 of the body.
const ZexaSignature = "X-Zexa-Signature"

// Zexa declares Zexa's webhook route, POST /webhooks/zexa. Zexa sends a
// test event when an endpoint is registered and expects a 2xx; as an event
// no mapping covers it is kept as provider.event and answered 200. Failed
// deliveries are retried after about 1, 5 and 30 minutes.
func Zexa(secrets []string, g Guard) (Provider, error) {
	return WebhookProvider(Webhook{
		Name:      normalize.Zexa,
		Signature: Signature{Scheme: SchemeHex, Header: ZexaSignature, Secrets: secrets},
		Parse:     normalize.ZexaWebhook,
		Guard:     g,
	})
}
