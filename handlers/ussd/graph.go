package ussd

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Graph writes flow as a Mermaid flowchart: screens as boxes, END screens
// as stadiums, switch steps as diamonds, set steps as parallelograms,
// remote steps as subroutines; edges are labelled with the option or case
// that takes them. Texts are shown in the flow's default language.
func (m *MenuSet) Graph(w io.Writer, flow string) error {
	f := m.flows[flow]
	if f == nil {
		return fmt.Errorf("ussd: no flow %q (loaded: %s)", flow, strings.Join(m.order, ", "))
	}
	g := &grapher{w: bufio.NewWriter(w), f: f}
	fmt.Fprintf(g.w, "flowchart TD\n  %%%% flow %s, version %s, from %s\n", f.name, f.version, f.file)
	fmt.Fprintf(g.w, "  start((start)) --> %s\n", nodeID(f.start))
	for _, id := range f.order {
		g.step(f.steps[id])
	}
	return g.w.Flush()
}

type grapher struct {
	w    *bufio.Writer
	f    *menuFlow
	ends int
}

func (g *grapher) step(s *step) {
	id := nodeID(s.id)
	switch s.kind {
	case kindMenu, kindInput:
		g.node(id, "[\"%s\"]", s.id+": "+g.text(s.text))
	case kindEnd:
		g.node(id, "([\"%s\"])", s.id+": END "+g.text(s.text))
	case kindSwitch:
		g.node(id, "{\"%s\"}", s.id)
	case kindSet:
		g.node(id, "[/\"%s\"/]", s.id+": set "+assignNames(s.set))
	case kindRemote:
		g.node(id, "[[\"%s\"]]", s.id+": "+s.remote.subject)
	}
	for _, o := range s.options {
		label := o.key + ". " + g.text(o.label)
		if o.end.isZero() {
			g.edge(id, nodeID(o.next), label, "-->")
		} else {
			g.edge(id, g.endNode(o.end), label, "-->")
		}
	}
	for _, c := range s.cases {
		g.edge(id, nodeID(c.next), caseLabel(c), "-->")
	}
	switch s.kind {
	case kindInput, kindSet:
		label := ""
		if s.kind == kindInput {
			label = "saves " + s.save
		}
		g.edge(id, nodeID(s.next), label, "-->")
	case kindRemote:
		g.edge(id, nodeID(s.next), "reply sets", "-->")
		g.edge(id, nodeID(s.remote.itemNext), "item chosen", "-->")
		g.outcome(id, s.remote.onError, "on_error")
	}
	if s.kind == kindMenu || s.kind == kindInput || s.kind == kindRemote {
		g.outcome(id, s.retry.onExhausted, "exhausted")
	}
}

func (g *grapher) node(id, shape, text string) {
	fmt.Fprintf(g.w, "  %s"+shape+"\n", id, escapeMermaid(text))
}

// edge writes from -> to; to "" (an unset next) writes nothing.
func (g *grapher) edge(from, to, label, arrow string) {
	if to == "" || to == nodeID("") {
		return
	}
	if label == "" {
		fmt.Fprintf(g.w, "  %s %s %s\n", from, arrow, to)
		return
	}
	fmt.Fprintf(g.w, "  %s %s|\"%s\"| %s\n", from, arrow, escapeMermaid(label), to)
}

func (g *grapher) outcome(from string, o outcome, label string) {
	if o.next != "" {
		g.edge(from, nodeID(o.next), label, "-.->")
	} else if !o.end.isZero() {
		g.edge(from, g.endNode(o.end), label, "-.->")
	}
}

// endNode writes an END screen that is not a step (an option's or an
// outcome's end) and returns its id.
func (g *grapher) endNode(t tmplText) string {
	g.ends++
	id := fmt.Sprintf("end_%d", g.ends)
	g.node(id, "([\"%s\"])", "END "+g.text(t))
	return id
}

func (g *grapher) text(t tmplText) string {
	s := t.src[t.pickLang(g.f.defaultLang(), g.f.defaultLang())]
	if r := []rune(s); len(r) > 40 {
		s = string(r[:39]) + "…"
	}
	return s
}

// nodeID prefixes step ids, since Mermaid reserves some words ("end").
func nodeID(step string) string {
	if step == "" {
		return ""
	}
	return "s_" + step
}

func caseLabel(c switchCase) string {
	if len(c.when) == 0 {
		return "default"
	}
	var parts []string
	for _, k := range c.when {
		v := k.str
		switch k.op {
		case "in":
			v = strings.Join(k.set, ",")
		case "empty", "not_empty":
			v = ""
		case "gt", "ge", "lt", "le":
			v = fmt.Sprint(k.num)
		}
		parts = append(parts, strings.TrimSpace(k.name+" "+k.op+" "+v))
	}
	return strings.Join(parts, " and ")
}

func assignNames(as []assignment) string {
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = a.name
	}
	return strings.Join(names, ", ")
}

// escapeMermaid makes text safe inside a quoted Mermaid label: quotes
// and '#' (which starts an entity) become entities, newlines breaks.
var mermaidEscaper = strings.NewReplacer("#", "#35;", "\"", "#quot;", "\n", "<br/>", "\r", "")

func escapeMermaid(s string) string { return mermaidEscaper.Replace(s) }
