package config

import (
	"strings"
	"testing"
)

func TestValidateVoice(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*VoiceConfig)
		want   string // "" means valid
	}{
		{"defaults", func(*VoiceConfig) {}, ""},
		{"public url", func(v *VoiceConfig) { v.PublicURL = "https://gw.example.com" }, ""},
		{"relative url", func(v *VoiceConfig) { v.PublicURL = "gw.example.com" }, "voice.public_url"},
		{"url with query", func(v *VoiceConfig) { v.PublicURL = "https://gw.example.com/?key=x" }, "without query"},
		{"short secret", func(v *VoiceConfig) { v.Secret = "short" }, "voice.secret (MLANGO_VOICE_SECRET): 5 characters"},
		{"bucket", func(v *VoiceConfig) { v.Bucket = "a.b" }, "voice.bucket"},
		{"retries", func(v *VoiceConfig) { v.Retries = 0 }, "voice.retries"},
		{"remote timeout", func(v *VoiceConfig) { v.Remote.Timeout = Duration(10e9) }, "voice.remote.timeout"},
		{"prefix under stream", func(v *VoiceConfig) { v.Remote.SubjectPrefix = "telecom.voice" }, "which the event stream captures"},
		{"flow twice", func(v *VoiceConfig) { v.Flows = []string{"a.yaml", "a.yaml"} }, `voice.flows[1]: "a.yaml" is listed twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.mutate(&c.Voice)
			err := c.Validate()
			if tc.want == "" && err != nil {
				t.Fatalf("want valid: %v", err)
			}
			if tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestVoiceSecretRedacted(t *testing.T) {
	c := Default()
	c.Voice.Secret = "a-very-secret-voice-key"
	got := c.Redacted()["voice"].(map[string]any)["secret"]
	if got != redactedSecret {
		t.Errorf("secret shown as %v", got)
	}
	vars := map[string]string{VoiceSecretEnv: "from-the-environment-0001"}
	loaded, err := Load("", false, func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil || loaded.Voice.Secret != vars[VoiceSecretEnv] {
		t.Errorf("%s: secret %q, %v", VoiceSecretEnv, loaded.Voice.Secret, err)
	}
}
