package config

import (
	"fmt"
	"strconv"
	"strings"
)

// ConsoleEnv turns the web console on (1, true) or off (0, false).
const ConsoleEnv = "MLANGO_CONSOLE"

// ConsoleConfig configures the web console at /console (the console:
// section): a phone simulator that drives the real USSD and voice routes,
// and a live feed of stored events. It is off by default, and when on it
// is served to loopback clients only unless AllowCIDRs says otherwise.
type ConsoleConfig struct {
	Enabled bool `yaml:"enabled"`
	// AllowCIDRs are the client networks the console is served to,
	// loopback included only when listed. The connection's address is
	// checked; X-Forwarded-For is not trusted.
	AllowCIDRs []string `yaml:"allow_cidrs"`
}

func defaultConsole() ConsoleConfig {
	return ConsoleConfig{AllowCIDRs: []string{"127.0.0.0/8", "::1/128"}}
}

func (c ConsoleConfig) redacted() map[string]any {
	return map[string]any{"enabled": c.Enabled, "allow_cidrs": append([]string{}, c.AllowCIDRs...)}
}

func (c ConsoleConfig) validate(p *problemList) {
	checkCIDRs(p, "console.allow_cidrs", c.AllowCIDRs)
	if c.Enabled && len(c.AllowCIDRs) == 0 {
		p.addf("console.allow_cidrs: is empty, so the enabled console would be served to no one; want e.g. [127.0.0.0/8, ::1/128]")
	}
}

// setSwitch reads an on/off variable such as MLANGO_CONSOLE.
func setSwitch(dst *bool, v string) error {
	on, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("%q is not a switch; want 1 or 0 (true or false)", v)
	}
	*dst = on
	return nil
}
