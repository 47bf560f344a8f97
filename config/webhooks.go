package config

// WebhooksConfig configures signed JSON webhook providers and the guards of
// unsigned routes. Filled in by the signed-webhooks work (issue 5).
type WebhooksConfig struct{}

func (w WebhooksConfig) redacted() map[string]any { return map[string]any{} }

// applyWebhookEnv applies per-provider secrets and tokens from the
// environment (MLANGO_<PROVIDER>_SECRET and the like).
func applyWebhookEnv(c *Config, getenv func(string) (string, bool)) []error { return nil }

func (c Config) validateWebhooks(p *problemList) {}
