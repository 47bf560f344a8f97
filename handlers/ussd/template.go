package ussd

import (
	"fmt"
	"sort"
	"strings"
	"text/template"
	"text/template/parse"
)

// tmplText is a Text whose every translation is parsed as a Go
// text/template at load time. Strings without "{{" skip the template.
//
// The data a template sees (templateData) is deliberately small:
//
//	.phoneNumber  the caller, E.164 where it parses
//	.serviceCode  the code dialled, as the provider sent it
//	.networkCode  the caller's network (MCC+MNC)
//	.sessionId    the provider's session id
//	.lang         the session language
//	.vars.<name>  every variable collected so far ("" when not yet set)
type tmplText struct {
	src  Text
	tmpl map[string]*template.Template // nil for a static translation
}

// topFields are the names a template may use at the top level.
var topFields = []string{"lang", "networkCode", "phoneNumber", "serviceCode", "sessionId", "vars"}

func (t tmplText) isZero() bool { return len(t.src) == 0 }

// compileText parses every translation of src; name labels parse errors.
func compileText(name string, src Text) (tmplText, error) {
	t := tmplText{src: src, tmpl: map[string]*template.Template{}}
	var errs []string
	for lang, s := range src {
		if !strings.Contains(s, "{{") {
			t.tmpl[lang] = nil
			continue
		}
		p, err := template.New(name).Option("missingkey=zero").Parse(s)
		if err != nil {
			errs = append(errs, strings.TrimPrefix(err.Error(), "template: "))
			continue
		}
		t.tmpl[lang] = p
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return t, fmt.Errorf("bad template: %s", strings.Join(errs, "; "))
	}
	return t, nil
}

// staticText is a tmplText holding fixed strings (built-in texts and
// texts arriving in a remote reply, which are never templates).
func staticText(src Text) tmplText {
	t := tmplText{src: src, tmpl: map[string]*template.Template{}}
	for lang := range src {
		t.tmpl[lang] = nil
	}
	return t
}

// pickLang returns the translation key render would use.
func (t tmplText) pickLang(lang, fallback string) string {
	for _, k := range []string{lang, fallback, anyLang} {
		if _, ok := t.src[k]; ok {
			return k
		}
	}
	keys := make([]string, 0, len(t.src))
	for k := range t.src {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return anyLang
	}
	return keys[0]
}

// render executes the translation for lang (else fallback, else the plain
// text) with data.
func (t tmplText) render(lang, fallback string, data map[string]any) (string, error) {
	k := t.pickLang(lang, fallback)
	p := t.tmpl[k]
	if p == nil {
		return t.src[k], nil
	}
	var b strings.Builder
	if err := p.Execute(&b, data); err != nil {
		return "", fmt.Errorf("template %s: %w", p.Name(), err)
	}
	return b.String(), nil
}

// fieldRefs lists the data paths a template names (".vars.x" as
// ["vars", "x"]), where they can be known statically: references inside
// range and with blocks, whose dot is something else, are skipped.
func fieldRefs(t *template.Template) [][]string {
	if t == nil || t.Tree == nil {
		return nil
	}
	var w refWalker
	w.walk(t.Tree.Root, true)
	return w.refs
}

type refWalker struct{ refs [][]string }

// walk visits n; dotIsRoot says whether "." is still the template data.
func (w *refWalker) walk(n parse.Node, dotIsRoot bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				w.walk(c, dotIsRoot)
			}
		}
	case *parse.ActionNode:
		w.pipe(n.Pipe, dotIsRoot)
	case *parse.IfNode:
		w.branch(&n.BranchNode, dotIsRoot, dotIsRoot)
	case *parse.RangeNode:
		w.branch(&n.BranchNode, dotIsRoot, false)
	case *parse.WithNode:
		w.branch(&n.BranchNode, dotIsRoot, false)
	case *parse.PipeNode:
		w.pipe(n, dotIsRoot)
	case *parse.FieldNode:
		if dotIsRoot {
			w.refs = append(w.refs, n.Ident)
		}
	case *parse.VariableNode:
		if len(n.Ident) > 1 && n.Ident[0] == "$" {
			w.refs = append(w.refs, n.Ident[1:])
		}
	}
}

// branch visits an if, range or with: inside the last two, dot changes.
func (w *refWalker) branch(b *parse.BranchNode, dotIsRoot, inside bool) {
	w.pipe(b.Pipe, dotIsRoot)
	w.walk(b.List, inside)
	w.walk(b.ElseList, dotIsRoot)
}

func (w *refWalker) pipe(p *parse.PipeNode, dotIsRoot bool) {
	if p == nil {
		return
	}
	for _, c := range p.Cmds {
		for _, a := range c.Args {
			w.walk(a, dotIsRoot)
		}
	}
}

// extremes returns the shortest and the longest text a template can
// produce, as strings to measure. bound gives a data path's longest value;
// maxKnown is false when some part of the template has no known bound.
func extremes(t *template.Template, bound func([]string) (int, bool)) (shortest, longest string, maxKnown bool) {
	if t == nil || t.Tree == nil {
		return "", "", false
	}
	return listExtremes(t.Tree.Root, bound)
}

func listExtremes(l *parse.ListNode, bound func([]string) (int, bool)) (string, string, bool) {
	var lo, hi strings.Builder
	known := true
	if l == nil {
		return "", "", true
	}
	for _, n := range l.Nodes {
		a, b, k := nodeExtremes(n, bound)
		lo.WriteString(a)
		hi.WriteString(b)
		known = known && k
	}
	return lo.String(), hi.String(), known
}

func nodeExtremes(n parse.Node, bound func([]string) (int, bool)) (string, string, bool) {
	switch n := n.(type) {
	case *parse.TextNode:
		return string(n.Text), string(n.Text), true
	case *parse.CommentNode:
		return "", "", true
	case *parse.ActionNode:
		if len(n.Pipe.Decl) == 0 && len(n.Pipe.Cmds) == 1 && len(n.Pipe.Cmds[0].Args) == 1 {
			if f, ok := n.Pipe.Cmds[0].Args[0].(*parse.FieldNode); ok {
				if m, ok := bound(f.Ident); ok {
					return "", strings.Repeat("x", m), true
				}
			}
		}
		return "", "", false
	case *parse.IfNode:
		return branchExtremes(n.List, n.ElseList, bound)
	case *parse.WithNode:
		return branchExtremes(n.List, n.ElseList, bound)
	}
	return "", "", false
}

func branchExtremes(a, b *parse.ListNode, bound func([]string) (int, bool)) (string, string, bool) {
	alo, ahi, ak := listExtremes(a, bound)
	blo, bhi, bk := listExtremes(b, bound)
	return shorter(alo, blo), longer(ahi, bhi), ak && bk
}

func shorter(a, b string) string {
	if length(a) > length(b) {
		return b
	}
	return a
}

func longer(a, b string) string {
	if length(b) > length(a) {
		return b
	}
	return a
}

func length(s string) int {
	n, _ := measure(s)
	return n
}
