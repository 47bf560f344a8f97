package voice

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"time"

	"go.yaml.in/yaml/v3"
)

// Source is one flow file's name (for messages) and content.
type Source struct {
	Name string
	Data []byte
}

// Flow is a loaded, validated flow.
type Flow struct {
	Name    string
	Numbers []string
	Default bool
	Retries int
	Start   string
	steps   map[string][]Action
	timeout map[string]time.Duration // remote steps' parsed deadlines
}

// Steps returns how many steps the flow has.
func (f *Flow) Steps() int { return len(f.steps) }

// Set is every loaded flow, found by called number.
type Set struct {
	byNumber map[string]*Flow
	byName   map[string]*Flow
	fallback *Flow
}

// Flows returns the flows, sorted by name.
func (s *Set) Flows() []*Flow {
	out := make([]*Flow, 0, len(s.byName))
	for _, f := range s.byName {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// For returns the flow answering a called number.
func (s *Set) For(number string) *Flow {
	if f := s.byNumber[number]; f != nil {
		return f
	}
	return s.fallback
}

var (
	nameRE    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	e164RE    = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	digitsRE  = regexp.MustCompile(`^[0-9*#]{1,32}$`)
	subjectRE = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)
)

// LoadFiles reads and loads flow files; see LoadSources.
func LoadFiles(paths []string) (*Set, error) {
	var srcs []Source
	var errs []error
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		srcs = append(srcs, Source{Name: p, Data: b})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return LoadSources(srcs)
}

// LoadSources parses and validates flows, reporting every problem at once.
// The built-in default flow answers numbers no flow lists unless a flow
// says default: true.
func LoadSources(srcs []Source) (*Set, error) {
	set := &Set{byNumber: map[string]*Flow{}, byName: map[string]*Flow{}}
	var p problems
	for _, src := range srcs {
		f := parseFlow(src, &p)
		if f != nil {
			set.add(src.Name, f, &p)
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	if set.fallback == nil {
		set.fallback = builtinDefault()
		set.byName[set.fallback.Name] = set.fallback
	}
	return set, nil
}

func (s *Set) add(file string, f *Flow, p *problems) {
	if s.byName[f.Name] != nil {
		p.addf(file, "flow %q is defined twice", f.Name)
	}
	s.byName[f.Name] = f
	for _, n := range f.Numbers {
		if other := s.byNumber[n]; other != nil {
			p.addf(file, "number %s is answered by flows %q and %q", n, other.Name, f.Name)
		}
		s.byNumber[n] = f
	}
	if f.Default {
		if s.fallback != nil {
			p.addf(file, "flows %q and %q both say default: true", s.fallback.Name, f.Name)
		}
		s.fallback = f
	}
}

// parseFlow decodes one file strictly and validates it; nil when it does
// not decode at all.
func parseFlow(src Source, p *problems) *Flow {
	var file File
	dec := yaml.NewDecoder(bytes.NewReader(src.Data))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		p.addf(src.Name, "%v", err)
		return nil
	}
	f := &Flow{Name: file.Flow, Numbers: file.Numbers, Default: file.Default, Retries: file.Retries,
		Start: file.Start, steps: file.Steps, timeout: map[string]time.Duration{}}
	v := validator{f: f, file: src.Name, p: p, saves: saveNames(file.Steps)}
	v.flow()
	return f
}

// saveNames collects every save name, the templates' variables.
func saveNames(steps map[string][]Action) map[string]bool {
	names := map[string]bool{}
	for _, actions := range steps {
		for _, a := range actions {
			if a.GetDigits != nil && a.GetDigits.Save != "" {
				names[a.GetDigits.Save] = true
			}
		}
	}
	return names
}

// problems collects every problem of a load.
type problems []error

func (p *problems) addf(file, format string, args ...any) {
	*p = append(*p, fmt.Errorf("%s: %s", file, fmt.Sprintf(format, args...)))
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return errors.Join(p...)
}

// sortedSteps gives messages a stable order.
func sortedSteps(steps map[string][]Action) []string {
	names := make([]string, 0, len(steps))
	for n := range steps {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
