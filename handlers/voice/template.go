package voice

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// builtins are the call fields every template may use; save names add to
// them per flow.
var builtins = map[string]bool{"callerNumber": true, "destinationNumber": true, "sessionId": true, "digits": true}

var varRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

// checkTemplate refuses unclosed braces and names that are neither a call
// field nor saved by some GetDigits of the flow, so a typo fails at load
// rather than being spoken as nothing.
func checkTemplate(text string, saves map[string]bool) error {
	_, err := expand(text, func(name string) (string, error) {
		if !builtins[name] && !saves[name] {
			return "", fmt.Errorf("template {{%s}}: not a call field (callerNumber, destinationNumber, sessionId, digits) nor a save name of the flow", name)
		}
		return "", nil
	})
	return err
}

// render fills a checked template; unknown names become "".
func render(text string, vars func(string) string) string {
	out, _ := expand(text, func(name string) (string, error) { return vars(name), nil })
	return out
}

// expand replaces each {{ name }} with value(name).
func expand(text string, value func(string) (string, error)) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(text, "{{")
		if i < 0 {
			if strings.Contains(text, "}}") {
				return "", fmt.Errorf("template: }} without {{")
			}
			b.WriteString(text)
			return b.String(), nil
		}
		j := strings.Index(text[i:], "}}")
		if j < 0 {
			return "", fmt.Errorf("template: {{ without }}")
		}
		if strings.Contains(text[:i], "}}") {
			return "", fmt.Errorf("template: }} without {{")
		}
		name := strings.TrimSpace(text[i+2 : i+j])
		if !varRE.MatchString(name) {
			return "", fmt.Errorf("template {{%s}}: not a variable name", name)
		}
		v, err := value(name)
		if err != nil {
			return "", err
		}
		b.WriteString(text[:i])
		b.WriteString(v)
		text = text[i+j+2:]
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
