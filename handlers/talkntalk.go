package handlers

import "github.com/mlango/mlango/normalize"

// TalkNTalkSignature is TalkNTalk's header; it is present only when a
// signing secret is set on the endpoint in TalkNTalk's dashboard.
const TalkNTalkSignature = "X-TalkNTalk-Signature"

// TalkNTalk declares TalkNTalk's webhook route, POST /webhooks/talkntalk.
// TalkNTalk signs with "sha256=<hex HMAC-SHA256 of the body>" and retries a
// non-2xx answer after 1, 5 and 30 minutes; its event name also arrives in
// X-TalkNTalk-Event, which repeats the body's and is not needed.
func TalkNTalk(secrets []string, g Guard) (Provider, error) {
	return WebhookProvider(Webhook{
		Name:      normalize.TalkNTalk,
		Signature: Signature{Scheme: SchemeHex, Header: TalkNTalkSignature, Prefix: "sha256=", Secrets: secrets},
		Parse:     normalize.TalkNTalkWebhook,
		Guard:     g,
	})
}
