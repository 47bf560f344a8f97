package ussd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// MenuSet is every flow loaded at once, with the routing from service
// codes to flows. It is immutable; Engine.Swap installs a new one.
type MenuSet struct {
	flows    map[string]*menuFlow
	order    []string
	codes    map[string]string // service code without '#' -> flow name
	deflt    string
	warnings []Problem
}

// mayHoldSecrets reports whether any flow has a secret input or a remote
// step (whose screens may be secret).
func (m *MenuSet) mayHoldSecrets() bool {
	for _, f := range m.flows {
		if f.hasSecrets {
			return true
		}
	}
	return false
}

// Source is one menu file's name (for messages) and content.
type Source struct {
	Name string
	Data []byte
}

// FlowInfo describes a loaded flow.
type FlowInfo struct {
	Name         string
	Version      string // a hash of the file's content
	File         string
	ServiceCodes []string
	Default      bool // answers service codes no flow names
	Steps        int
}

// LoadFiles reads and validates the menu files at paths. Its error joins
// every problem in every file (each a Problem naming file, line, flow and
// step); warnings alone do not fail, and are in the MenuSet's Warnings.
func LoadFiles(paths []string, opts Options) (*MenuSet, error) {
	if len(paths) == 0 {
		return nil, errors.New("ussd: no menu files given")
	}
	var srcs []Source
	var errs []error
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is already in the message
			}
			errs = append(errs, Problem{File: p, Msg: fmt.Sprintf("cannot read: %v", err)})
			continue
		}
		srcs = append(srcs, Source{Name: p, Data: data})
	}
	set, err := LoadSources(srcs, opts)
	if err != nil || len(errs) > 0 {
		return nil, errors.Join(append(errs, err)...)
	}
	return set, nil
}

// LoadSources is LoadFiles for content already read (from a bucket, or a
// test).
func LoadSources(srcs []Source, opts Options) (*MenuSet, error) {
	opts = opts.withDefaults()
	set := &MenuSet{flows: map[string]*menuFlow{}, codes: map[string]string{}}
	var errs, warns []Problem
	for _, src := range srcs {
		f, ps := compileFile(src.Name, src.Data, opts)
		for _, p := range ps {
			if p.Warning {
				warns = append(warns, p)
			} else {
				errs = append(errs, p)
			}
		}
		if f != nil {
			errs = append(errs, set.add(f)...)
		}
	}
	errs = append(errs, set.pickDefault()...)
	sortProblems(errs)
	sortProblems(warns)
	set.warnings = warns
	if len(errs) > 0 {
		joined := make([]error, len(errs))
		for i, p := range errs {
			joined[i] = p
		}
		return nil, errors.Join(joined...)
	}
	return set, nil
}

// add puts f in the set, reporting a name or service code another file
// already has.
func (m *MenuSet) add(f *menuFlow) []Problem {
	var ps []Problem
	if other, dup := m.flows[f.name]; dup {
		return []Problem{{File: f.file, Flow: f.name, Msg: "flow name is also used by " + other.file}}
	}
	m.flows[f.name] = f
	m.order = append(m.order, f.name)
	for _, code := range f.codes {
		k := codeKey(code)
		if other, dup := m.codes[k]; dup {
			ps = append(ps, Problem{File: f.file, Flow: f.name,
				Msg: fmt.Sprintf("service code %s is also flow %s's (%s)", code, other, m.flows[other].file)})
			continue
		}
		m.codes[k] = f.name
	}
	return ps
}

// pickDefault finds the flow for codes no flow names: the one marked
// default, or the only flow.
func (m *MenuSet) pickDefault() []Problem {
	var ps []Problem
	for _, name := range m.order {
		f := m.flows[name]
		if !f.isDefault {
			continue
		}
		if m.deflt != "" {
			ps = append(ps, Problem{File: f.file, Flow: name, Msg: "default: flow " + m.deflt + " is the default already"})
			continue
		}
		m.deflt = name
	}
	if m.deflt == "" && len(m.order) == 1 {
		m.deflt = m.order[0]
	}
	return ps
}

// Flows describes every flow in the order loaded.
func (m *MenuSet) Flows() []FlowInfo {
	out := make([]FlowInfo, 0, len(m.order))
	for _, name := range m.order {
		f := m.flows[name]
		out = append(out, FlowInfo{Name: name, Version: f.version, File: f.file,
			ServiceCodes: append([]string(nil), f.codes...), Default: name == m.deflt, Steps: len(f.steps)})
	}
	return out
}

// Warnings lists what loaded but deserves a look (Problems with Warning
// set): worst-case screen overflows, characters outside GSM, steps only a
// remote reply can reach.
func (m *MenuSet) Warnings() []error {
	out := make([]error, len(m.warnings))
	for i, w := range m.warnings {
		out[i] = w
	}
	return out
}

// route finds the flow for a service code. A code that extends a
// configured one with '*'-segments (*384*44135*2# for *384*44135#) selects
// that flow with the segments as inputs typed in advance; the longest
// configured code wins. Unknown codes go to the default flow, if any.
func (m *MenuSet) route(serviceCode string) (*menuFlow, []string) {
	k := codeKey(serviceCode)
	if name, ok := m.codes[k]; ok {
		return m.flows[name], nil
	}
	best := ""
	for code := range m.codes {
		if len(code) > len(best) && strings.HasPrefix(k, code+"*") {
			best = code
		}
	}
	if best != "" {
		return m.flows[m.codes[best]], strings.Split(k[len(best)+1:], "*")
	}
	return m.flows[m.deflt], nil
}

// codeKey is a service code as routing compares it: without spaces and
// the closing '#'.
func codeKey(code string) string {
	return strings.TrimSuffix(strings.ReplaceAll(code, " ", ""), "#")
}
