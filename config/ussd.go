package config

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// USSDConfig configures USSD menus and sessions (the ussd: section). The
// menu files themselves are checked where they are loaded (cmd), since
// this package imports nothing of the module; here only the values are.
type USSDConfig struct {
	// Menus are menu files (YAML), one flow each. None: the built-in demo.
	Menus []string `yaml:"menus,omitempty"`
	// SessionTTL is how long a session's state is kept after its last hop;
	// it must outlive the operator's session (about 180 s).
	SessionTTL Duration `yaml:"session_ttl"`
	// ResumeWindow: a caller who redials within it after a session that
	// did not finish is offered to continue. 0 turns resume off.
	ResumeWindow Duration `yaml:"resume_window"`
	// HopBudget bounds a whole hop, remote steps included, well inside
	// Africa's Talking's 10 s.
	HopBudget Duration    `yaml:"hop_budget"`
	Budgets   USSDBudgets `yaml:"budgets"`
	Remote    USSDRemote  `yaml:"remote"`
	Apology   string      `yaml:"apology"`
	Buckets   USSDBuckets `yaml:"buckets"`
}

// USSDBudgets are the longest screens, in characters, counting the 4 of
// the "CON "/"END " prefix.
type USSDBudgets struct {
	// Default is for screens in the GSM 7-bit alphabet: 160, Safaricom's
	// limit, the strictest Africa's Talking quotes.
	Default int `yaml:"default"`
	// UCS2 is for screens with any other character: 70, since the 140
	// octets that hold 160 GSM characters hold 70 UCS-2 ones.
	UCS2 int `yaml:"ucs2"`
	// ByNetwork overrides Default per network code (MCC+MNC, "63903").
	ByNetwork map[string]int `yaml:"by_network,omitempty"`
}

// USSDRemote configures remote menu steps (NATS request-reply).
type USSDRemote struct {
	Timeout Duration `yaml:"timeout"` // a step's default deadline
	// SubjectPrefix starts default subjects: <prefix>.<flow>.<step>.
	SubjectPrefix string `yaml:"subject_prefix"`
}

// USSDBuckets name the JetStream KV buckets for sessions and resume
// records.
type USSDBuckets struct {
	Sessions string `yaml:"sessions"`
	Resume   string `yaml:"resume"`
}

// Bounds on USSD values. A screen budget above 186 (182 GSM characters,
// a USSD string's most, plus the prefix) cannot be delivered.
const (
	minScreenBudget = 40
	maxScreenBudget = 186
	maxUCS2Budget   = 84 // 80 UCS-2 characters plus the prefix
	maxHopBudget    = 9 * time.Second
)

var (
	bucketNameRE  = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	networkCodeRE = regexp.MustCompile(`^[0-9]{5,6}$`)
)

func defaultUSSD() USSDConfig {
	return USSDConfig{
		SessionTTL:   Duration(180 * time.Second),
		ResumeWindow: Duration(10 * time.Minute),
		HopBudget:    Duration(5 * time.Second),
		Budgets:      USSDBudgets{Default: 160, UCS2: 70},
		Remote:       USSDRemote{Timeout: Duration(3 * time.Second), SubjectPrefix: "mlango.ussd"},
		Apology:      "Sorry, something went wrong. Please try again later.",
		Buckets:      USSDBuckets{Sessions: "ussd_sessions", Resume: "ussd_resume"},
	}
}

func (u USSDConfig) redacted() map[string]any {
	byNetwork := map[string]any{}
	for k, v := range u.Budgets.ByNetwork {
		byNetwork[k] = v
	}
	return map[string]any{
		"menus":         append([]string{}, u.Menus...),
		"session_ttl":   u.SessionTTL.String(),
		"resume_window": u.ResumeWindow.String(),
		"hop_budget":    u.HopBudget.String(),
		"budgets":       map[string]any{"default": u.Budgets.Default, "ucs2": u.Budgets.UCS2, "by_network": byNetwork},
		"remote":        map[string]any{"timeout": u.Remote.Timeout.String(), "subject_prefix": u.Remote.SubjectPrefix},
		"apology":       u.Apology,
		"buckets":       map[string]any{"sessions": u.Buckets.Sessions, "resume": u.Buckets.Resume},
	}
}

func (c Config) validateUSSD(p *problemList) {
	u := c.USSD
	seen := map[string]bool{}
	for i, m := range u.Menus {
		switch {
		case strings.TrimSpace(m) == "":
			p.addf("ussd.menus[%d]: is empty; want the path of a menu file", i)
		case seen[m]:
			p.addf("ussd.menus[%d]: %q is listed twice", i, m)
		}
		seen[m] = true
	}
	checkRange(p, "ussd.session_ttl", u.SessionTTL, 30*time.Second, 24*time.Hour)
	if u.ResumeWindow != 0 {
		checkRange(p, "ussd.resume_window", u.ResumeWindow, time.Minute, 24*time.Hour)
	}
	checkRange(p, "ussd.hop_budget", u.HopBudget, 500*time.Millisecond, maxHopBudget)
	checkRange(p, "ussd.remote.timeout", u.Remote.Timeout, 50*time.Millisecond, time.Duration(u.HopBudget))
	c.validateUSSDBudgets(p)
	c.validateUSSDNames(p)
}

func (c Config) validateUSSDBudgets(p *problemList) {
	b := c.USSD.Budgets
	if b.Default < minScreenBudget || b.Default > maxScreenBudget {
		p.addf("ussd.budgets.default: %d is out of range; want %d to %d characters, prefix included", b.Default, minScreenBudget, maxScreenBudget)
	}
	if b.UCS2 < minScreenBudget/2 || b.UCS2 > maxUCS2Budget {
		p.addf("ussd.budgets.ucs2: %d is out of range; want %d to %d characters, prefix included", b.UCS2, minScreenBudget/2, maxUCS2Budget)
	}
	for _, code := range slices.Sorted(maps.Keys(b.ByNetwork)) {
		n := b.ByNetwork[code]
		if !networkCodeRE.MatchString(code) {
			p.addf("ussd.budgets.by_network: %q is not a network code; want MCC+MNC such as \"63902\"", code)
		}
		if n < minScreenBudget || n > maxScreenBudget {
			p.addf("ussd.budgets.by_network.%s: %d is out of range; want %d to %d", code, n, minScreenBudget, maxScreenBudget)
		}
	}
	a := c.USSD.Apology
	budget := b.Default
	if !isASCII(a) {
		budget = b.UCS2
	}
	if n := utf8.RuneCountInString(a); strings.TrimSpace(a) == "" || n+4 > budget {
		p.addf("ussd.apology: %d characters; want a text that fits a screen (%d with the 4-character END prefix)", n, budget)
	}
}

func (c Config) validateUSSDNames(p *problemList) {
	u := c.USSD
	for _, b := range []struct{ key, name string }{{"ussd.buckets.sessions", u.Buckets.Sessions}, {"ussd.buckets.resume", u.Buckets.Resume}} {
		if !bucketNameRE.MatchString(b.name) {
			p.addf("%s: %q is not a bucket name; want A-Z, a-z, 0-9, _ and -", b.key, b.name)
		}
	}
	if u.Buckets.Sessions == u.Buckets.Resume {
		p.addf("ussd.buckets: sessions and resume are both %q; want two buckets", u.Buckets.Sessions)
	}
	prefix := u.Remote.SubjectPrefix
	if err := checkSubjectPrefix(prefix); err != nil {
		p.addf("ussd.remote.subject_prefix: %v", err)
	} else if prefix == c.SubjectPrefix || strings.HasPrefix(prefix, c.SubjectPrefix+".") {
		// The event stream captures <subject_prefix>.>: it would store each
		// request and answer it with a publish ack instead of the service.
		p.addf("ussd.remote.subject_prefix: %q is under subject_prefix %q, which the event stream captures; want a prefix outside it such as mlango.ussd", prefix, c.SubjectPrefix)
	}
}

func checkRange(p *problemList, key string, d Duration, lo, hi time.Duration) {
	if time.Duration(d) < lo || time.Duration(d) > hi {
		p.addf("%s: %s is out of range; want %s to %s", key, d, lo, hi)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
