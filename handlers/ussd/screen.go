package ussd

import (
	"fmt"
	"strconv"
)

// data is what templates see; see tmplText for the shape.
func (h *hop) data() map[string]any {
	vars := h.st.Vars
	if vars == nil {
		vars = map[string]string{}
	}
	return map[string]any{
		"phoneNumber": h.req.PhoneNumber,
		"serviceCode": h.req.ServiceCode,
		"networkCode": h.req.NetworkCode,
		"sessionId":   h.req.SessionID,
		"lang":        h.st.Lang,
		"vars":        vars,
	}
}

func (h *hop) render(t tmplText) (string, error) {
	return t.render(h.st.Lang, h.flow.defaultLang(), h.data())
}

// isMenu reports whether the current screen of s lists options.
func (h *hop) isMenu(s *step) bool {
	return s.kind == kindMenu || s.kind == kindRemote && h.st.Remote != nil && len(h.st.Remote.Items) > 0
}

// navApplies reports whether back and home apply on the current screen:
// on menus unless the step turns them off; on input screens only when the
// step turns them on.
func (h *hop) navApplies(s *step) (back, home bool) {
	if h.isMenu(s) || s.kind == kindInput {
		return s.retry.back, s.retry.home
	}
	return s.retry.inBack, s.retry.inHome
}

// layoutFor builds the current screen of s, not yet paged or cut.
func (h *hop) layoutFor(s *step) (layout, error) {
	l := layout{b: h.budget}
	switch {
	case s.kind == kindRemote && h.st.Remote != nil:
		l.header = h.st.Remote.Text
		for _, it := range h.st.Remote.Items {
			l.options = append(l.options, it.Key+". "+it.Label)
		}
	default:
		text, err := h.render(s.text)
		if err != nil {
			return l, err
		}
		l.header = text
		for _, o := range s.options {
			label, err := h.render(o.label)
			if err != nil {
				return l, err
			}
			l.options = append(l.options, o.key+". "+label)
		}
	}
	nav := h.flow.nav
	back, home := h.navApplies(s)
	l.more = nav.more + ". " + h.builtin("more")
	l.back = nav.back + ". " + h.builtin("back")
	l.backFirst = back && nav.showBack && len(h.st.Stack) > 0
	if home && nav.showHome && len(h.st.Stack) > 0 {
		l.home = nav.home + ". " + h.builtin("home")
	}
	return l, nil
}

// builtin renders one of the flow's built-in texts (never templates).
func (h *hop) builtin(name string) string {
	t := h.flow.text(name)
	return t.src[t.pickLang(h.st.Lang, h.flow.defaultLang())]
}

// show answers with the current screen, notice (an error message) above.
func (h *hop) show(notice string) error {
	s := h.flow.stepByID(h.st.Step)
	if s == nil {
		return fmt.Errorf("step %q is not in flow %s", h.st.Step, h.flow.name)
	}
	l, err := h.layoutFor(s)
	if err != nil {
		return err
	}
	text, pages, truncated := l.draw(h.st.Page, notice)
	h.st.Page = max(0, min(h.st.Page, pages-1))
	if truncated {
		h.e.observe(Event{Kind: EventTruncated, SessionID: h.req.SessionID, Flow: h.flow.name, Step: s.id})
	}
	id := s.id
	if h.st.Page > 0 {
		id += "#" + strconv.Itoa(h.st.Page+1)
	}
	h.out = Response{Text: text, ScreenID: id}
	return nil
}

// end answers with an END screen.
func (h *hop) end(t tmplText, screenID string) error {
	text, err := h.render(t)
	if err != nil {
		return err
	}
	h.endText(text, screenID)
	return nil
}

func (h *hop) endText(text, screenID string) {
	l := layout{b: h.budget, header: text}
	text, _, truncated := l.draw(0, "")
	if truncated {
		h.e.observe(Event{Kind: EventTruncated, SessionID: h.req.SessionID, Flow: h.flow.name, Step: h.st.Step})
	}
	h.st.Ended = true
	h.out = Response{End: true, Text: text, ScreenID: screenID}
}

// navigate applies a navigation key, when the whole input is one that
// applies here and has somewhere to go; done is false otherwise, and the
// input is then read as an ordinary entry.
func (h *hop) navigate(s *step, input string) (done bool, err error) {
	nav := h.flow.nav
	back, home := h.navApplies(s)
	switch {
	case input == nav.more && h.isMenu(s):
		l, err := h.layoutFor(s)
		if err != nil || h.st.Page+1 >= len(l.pages()) {
			return err != nil, err
		}
		h.st.Page++
		return true, h.show("")
	case input == nav.back && back:
		if h.st.Page > 0 {
			h.st.Page--
			return true, h.show("")
		}
		if len(h.st.Stack) == 0 {
			return false, nil
		}
		return true, h.back()
	case input == nav.home && home:
		if h.st.Step == h.flow.start && h.st.Page == 0 && len(h.st.Stack) == 0 {
			return false, nil
		}
		h.st.Stack, h.st.Page, h.st.Attempts, h.st.Remote = nil, 0, 0, nil
		return true, h.enter(h.flow.start)
	}
	return false, nil
}

// back returns to the previous screen. A remote step's screen is asked
// for again (phase "enter"), since its content came from the service.
func (h *hop) back() error {
	f := h.st.Stack[len(h.st.Stack)-1]
	h.st.Stack = h.st.Stack[:len(h.st.Stack)-1]
	s := h.flow.stepByID(f.Step)
	if s == nil {
		return fmt.Errorf("step %q is not in flow %s", f.Step, h.flow.name)
	}
	h.st.Step, h.st.Page, h.st.Attempts, h.st.Remote = f.Step, f.Page, 0, nil
	if s.kind != kindRemote {
		return h.show("")
	}
	next, err := h.remote(s, phaseEnter, "")
	if err != nil || next == "" {
		return err
	}
	return h.enter(next)
}
