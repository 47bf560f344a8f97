package ussd

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a menu file, found when it is loaded.
// Errors stop the menus from loading; warnings (Warning true) are worth a
// look but load.
type Problem struct {
	File    string
	Line    int // 0 when the problem is not on one line
	Flow    string
	Step    string
	Msg     string
	Warning bool
}

// Error formats the problem as "file:line: flow F: step S: message".
func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Warning {
		b.WriteString("warning: ")
	}
	if p.Flow != "" {
		fmt.Fprintf(&b, "flow %s: ", p.Flow)
	}
	if p.Step != "" {
		fmt.Fprintf(&b, "step %s: ", p.Step)
	}
	b.WriteString(p.Msg)
	return b.String()
}

// problems collects what one file's compile and lint find.
type problems struct {
	file, flow string
	lines      map[string]int // step id -> line
	list       []Problem
}

func (p *problems) errorf(step, format string, args ...any) {
	p.list = append(p.list, Problem{File: p.file, Line: p.lines[step], Flow: p.flow, Step: step, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) warnf(step, format string, args ...any) {
	p.list = append(p.list, Problem{File: p.file, Line: p.lines[step], Flow: p.flow, Step: step, Msg: fmt.Sprintf(format, args...), Warning: true})
}

func (p *problems) errs() (errs, warns []Problem) {
	for _, q := range p.list {
		if q.Warning {
			warns = append(warns, q)
		} else {
			errs = append(errs, q)
		}
	}
	return errs, warns
}

var (
	yamlLineRE    = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	yamlUnknownRE = regexp.MustCompile(`^field (\S+) not found in type ussd\.(\w+)$`)
)

// allowedKeys names the keys each YAML type takes, for unknown-key
// messages; kept beside the types' tags by TestAllowedKeysMatchSchema.
var allowedKeys = map[string]string{
	"fileYAML":      "flow, service_codes, default, lang, start, nav, defaults, texts, steps",
	"langYAML":      "default, available",
	"navYAML":       "back, home, more, show",
	"defaultsYAML":  "max_attempts, on_exhausted, on_error, timeout",
	"stepYAML":      "menu, input, end, switch, set, remote, next, submit",
	"menuYAML":      "text, options, invalid, max_attempts, on_exhausted, nav",
	"optionYAML":    "key, label, next, end, set, submit",
	"inputYAML":     "text, save, validate, secret, next, invalid, max_attempts, on_exhausted, nav",
	"validatorYAML": "regex, numeric, between, len, phone, in, error",
	"caseYAML":      "when, next, default",
	"condYAML":      "var, eq, ne, in, empty, not_empty, gt, ge, lt, le",
	"remoteYAML":    "subject, timeout, send, returns, save, item_next, next, on_error, invalid, max_attempts, on_exhausted, nav",
	"outcomeYAML":   "next, end",
	"stepNavYAML":   "back, home",
}

// yamlProblem rewrites a YAML decoder message as a Problem with its line.
func (p *problems) yamlProblem(msg string) {
	q := Problem{File: p.file, Flow: p.flow, Msg: strings.TrimPrefix(msg, "yaml: ")}
	if m := yamlLineRE.FindStringSubmatch(q.Msg); m != nil {
		fmt.Sscan(m[1], &q.Line)
		q.Msg = m[2]
		if u := yamlUnknownRE.FindStringSubmatch(q.Msg); u != nil {
			q.Msg = fmt.Sprintf("unknown key %q; allowed here: %s", u[1], allowedKeys[u[2]])
		}
		q.Step = p.stepAt(q.Line)
	}
	p.list = append(p.list, q)
}

// stepAt names the step whose definition holds line, if any.
func (p *problems) stepAt(line int) string {
	best, bestLine := "", 0
	for id, l := range p.lines {
		if l <= line && l > bestLine {
			best, bestLine = id, l
		}
	}
	return best
}

// stepOrder returns the step ids in the order written and their lines,
// read from the document's "steps" mapping.
func stepOrder(root *yaml.Node) ([]string, map[string]int) {
	lines := map[string]int{}
	var order []string
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return nil, lines
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value != "steps" || doc.Content[i+1].Kind != yaml.MappingNode {
			continue
		}
		steps := doc.Content[i+1]
		for j := 0; j+1 < len(steps.Content); j += 2 {
			k := steps.Content[j]
			if _, dup := lines[k.Value]; !dup {
				order = append(order, k.Value)
			}
			lines[k.Value] = k.Line
		}
	}
	return order, lines
}

// flowName reads the flow's name from the document before it is decoded,
// so that decoding problems can name the flow too.
func flowName(root *yaml.Node) string {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	for i := 0; doc.Kind == yaml.MappingNode && i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "flow" && doc.Content[i+1].Kind == yaml.ScalarNode {
			return doc.Content[i+1].Value
		}
	}
	return ""
}

// sortProblems orders problems by file and line, keeping the order found
// within a line.
func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		return ps[i].Line < ps[j].Line
	})
}
