package ussd

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// checkScreen validates a screen from a reply before anything of it is
// shown or stored.
func (h *hop) checkScreen(sc *ReplyScreen) error {
	switch {
	case sc.Await != "" && sc.Await != "choice" && sc.Await != "input":
		return fmt.Errorf("screen.await %q: want choice or input", sc.Await)
	case sc.Await == "choice" && len(sc.Items) == 0:
		return errors.New("screen.await is choice but there are no items")
	case sc.Await == "input" && len(sc.Items) > 0:
		return errors.New("screen.await is input but there are items")
	case len(sc.Items) == 0 && textEmpty(sc.Text):
		return errors.New("screen has neither text nor items")
	case len(sc.Items) > maxReplyItems:
		return fmt.Errorf("screen has %d items; at most %d", len(sc.Items), maxReplyItems)
	case textTooLong(sc.Text):
		return fmt.Errorf("screen.text is over %d bytes", maxReplyText)
	}
	nav := h.flow.nav
	seen := map[string]bool{}
	for i, it := range sc.Items {
		switch {
		case textEmpty(it.Label) || textTooLong(it.Label) || len(it.Value) > maxReplyText:
			return fmt.Errorf("items[%d]: want a label and a value of at most %d bytes", i, maxReplyText)
		case it.Next != "" && h.flow.steps[it.Next] == nil:
			return fmt.Errorf("items[%d]: next %q is not a step of flow %s", i, it.Next, h.flow.name)
		case it.Key == "":
			continue
		case it.Key == nav.back || it.Key == nav.home || it.Key == nav.more:
			return fmt.Errorf("items[%d]: key %q collides with a navigation key", i, it.Key)
		case strings.ContainsAny(it.Key, "* \t\n") || len(it.Key) > 8 || seen[it.Key]:
			return fmt.Errorf("items[%d]: key %q is repeated, too long, or holds '*' or a space", i, it.Key)
		}
		seen[it.Key] = true
	}
	return nil
}

func textEmpty(t Text) bool {
	for _, s := range t {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

func textTooLong(t Text) bool {
	for _, s := range t {
		if len(s) > maxReplyText {
			return true
		}
	}
	return false
}

// screenFrom resolves a checked reply screen to the session language and
// numbers its items: 1, 2, … skipping navigation keys and keys the
// service chose.
func (h *hop) screenFrom(sc *ReplyScreen) *remoteScreen {
	lang, def := h.st.Lang, h.flow.defaultLang()
	out := &remoteScreen{Text: sc.Text.pick(lang, def), Secret: sc.Secret}
	taken := map[string]bool{h.flow.nav.back: true, h.flow.nav.home: true, h.flow.nav.more: true}
	for _, it := range sc.Items {
		taken[it.Key] = true
	}
	n := 0
	for _, it := range sc.Items {
		key := it.Key
		for key == "" {
			n++
			if k := strconv.Itoa(n); !taken[k] {
				key = k
			}
		}
		out.Items = append(out.Items, remoteItem{Key: key, Label: it.Label.pick(lang, def), Value: it.Value, Next: it.Next})
	}
	return out
}

// assignReply applies a reply's set; "lang" switches the session language
// when the flow declares it.
func (h *hop) assignReply(set map[string]string) {
	for _, name := range sortedKeys(set) {
		if name == "lang" {
			if h.flow.hasLang(set[name]) {
				h.st.Lang = set[name]
			}
			continue
		}
		h.st.setVar(name, set[name], false)
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
