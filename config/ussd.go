package config

// USSDConfig configures USSD menus and sessions. Filled in by the USSD work
// (issue 3).
type USSDConfig struct{}

func (u USSDConfig) redacted() map[string]any { return map[string]any{} }

func (c Config) validateUSSD(p *problemList) {}
