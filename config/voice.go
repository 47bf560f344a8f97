package config

import (
	"net/url"
	"strings"
	"time"
)

// VoiceSecretEnv overrides voice.secret.
const VoiceSecretEnv = "MLANGO_VOICE_SECRET"

// VoiceConfig configures scripted voice flows (the voice: section). The
// flow files are checked where they are loaded (cmd), as USSD menus are.
type VoiceConfig struct {
	// Flows are flow files (YAML), one flow each. None: the built-in
	// default flow (AT's sample greeting, then hang-up).
	Flows []string `yaml:"flows,omitempty"`
	// PublicURL is the gateway's base URL as Africa's Talking reaches it
	// (https://gw.example.com), for the absolute callback URLs AT needs.
	// Empty derives it from each request's scheme and Host header, which
	// a client controls: set it in production.
	PublicURL string `yaml:"public_url"`
	// Secret keys the HMAC that signs step callback URLs. Empty: a random
	// one per process, so calls cannot move between instances or survive
	// a restart.
	Secret string `yaml:"secret"`
	// Bucket is the JetStream KV bucket holding call state.
	Bucket string `yaml:"bucket"`
	// StateTTL is how long a call's state outlives its last callback.
	StateTTL Duration    `yaml:"state_ttl"`
	Retries  int         `yaml:"retries"` // GetDigits attempts when a flow sets none
	Remote   VoiceRemote `yaml:"remote"`
	// Apology is said before hanging up when a flow cannot go on.
	Apology string `yaml:"apology"`
}

// VoiceRemote configures remote voice steps (NATS request-reply).
type VoiceRemote struct {
	Timeout Duration `yaml:"timeout"`
	// SubjectPrefix starts default subjects: <prefix>.<flow>.<step>.
	SubjectPrefix string `yaml:"subject_prefix"`
}

func defaultVoice() VoiceConfig {
	return VoiceConfig{
		Bucket:   "voice_calls",
		StateTTL: Duration(2 * time.Hour),
		Retries:  3,
		Remote:   VoiceRemote{Timeout: Duration(3 * time.Second), SubjectPrefix: "mlango.voice"},
		Apology:  "Sorry, we cannot take your call right now. Please try again later.",
	}
}

func (v VoiceConfig) redacted() map[string]any {
	secret := ""
	if v.Secret != "" {
		secret = redactedSecret
	}
	return map[string]any{
		"flows":      append([]string{}, v.Flows...),
		"public_url": v.PublicURL,
		"secret":     secret,
		"bucket":     v.Bucket,
		"state_ttl":  v.StateTTL.String(),
		"retries":    v.Retries,
		"remote":     map[string]any{"timeout": v.Remote.Timeout.String(), "subject_prefix": v.Remote.SubjectPrefix},
		"apology":    v.Apology,
	}
}

func (c Config) validateVoice(p *problemList) {
	v := c.Voice
	seen := map[string]bool{}
	for i, f := range v.Flows {
		switch {
		case strings.TrimSpace(f) == "":
			p.addf("voice.flows[%d]: is empty; want the path of a flow file", i)
		case seen[f]:
			p.addf("voice.flows[%d]: %q is listed twice", i, f)
		}
		seen[f] = true
	}
	if v.PublicURL != "" {
		u, err := url.Parse(v.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.User != nil {
			p.addf("voice.public_url: %q; want an absolute http(s) URL without query or credentials, such as https://gw.example.com", v.PublicURL)
		}
	}
	if v.Secret != "" && len(v.Secret) < 16 {
		p.addf("voice.secret (%s): %d characters; want at least 16", VoiceSecretEnv, len(v.Secret))
	}
	if !bucketNameRE.MatchString(v.Bucket) {
		p.addf("voice.bucket: %q is not a bucket name; want A-Z, a-z, 0-9, _ and -", v.Bucket)
	}
	checkRange(p, "voice.state_ttl", v.StateTTL, time.Minute, 24*time.Hour)
	if v.Retries < 1 || v.Retries > 10 {
		p.addf("voice.retries: %d is out of range; want 1 to 10", v.Retries)
	}
	checkRange(p, "voice.remote.timeout", v.Remote.Timeout, 50*time.Millisecond, 9*time.Second)
	if err := checkSubjectPrefix(v.Remote.SubjectPrefix); err != nil {
		p.addf("voice.remote.subject_prefix: %v", err)
	} else if pre := v.Remote.SubjectPrefix; pre == c.SubjectPrefix || strings.HasPrefix(pre, c.SubjectPrefix+".") {
		// The event stream would capture the requests and ack them itself.
		p.addf("voice.remote.subject_prefix: %q is under subject_prefix %q, which the event stream captures; want a prefix outside it such as mlango.voice", pre, c.SubjectPrefix)
	}
	if strings.TrimSpace(v.Apology) == "" {
		p.addf("voice.apology: is empty; want what a caller hears before a failed call is hung up")
	}
}
