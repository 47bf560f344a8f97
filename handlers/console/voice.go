package console

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

const voiceInstructPath = "/api/voice/instruct"

// voiceRequest is one callback of a simulated inbound call. Path is the
// route to post to ("" for the instruct route): a GetDigits callbackUrl
// or a Redirect target as a path on this gateway. Active false sends AT's
// final notification.
type voiceRequest struct {
	Path              string `json:"path"`
	SessionID         string `json:"sessionId"`
	CallerNumber      string `json:"callerNumber"`
	DestinationNumber string `json:"destinationNumber"`
	Digits            string `json:"digits"`
	Active            bool   `json:"active"`
	DurationSeconds   int    `json:"durationInSeconds"`
}

// voiceAction is one action of the answer, for the page to show as a step.
type voiceAction struct {
	Tag    string            `json:"tag"`
	Text   string            `json:"text,omitempty"`
	Attrs  map[string]string `json:"attrs,omitempty"`
	Prompt *voiceAction      `json:"prompt,omitempty"`
	// Next is where the action posts (GetDigits, Record callbackUrl;
	// Redirect): a path on this gateway with the route token removed.
	Next string `json:"next,omitempty"`
}

type voiceAnswer struct {
	Status  int           `json:"status"`
	Path    string        `json:"path"`
	XML     string        `json:"xml"`
	Actions []voiceAction `json:"actions"`
	Error   string        `json:"error,omitempty"`
}

func (o Options) voice(c echo.Context) error {
	var v voiceRequest
	if !readJSON(c, &v) {
		return nil
	}
	path := v.Path
	if path == "" {
		path = voiceInstructPath
	}
	if !strings.HasPrefix(path, "/api/voice/") {
		return c.JSON(http.StatusBadRequest, map[string]string{"error": "console: voice callbacks go to /api/voice/…"})
	}
	kv := []string{"isActive", "1", "sessionId", v.SessionID, "direction", "Inbound",
		"callerNumber", v.CallerNumber, "destinationNumber", v.DestinationNumber, "callSessionState", "Active"}
	if v.Digits != "" {
		kv = append(kv, "dtmfDigits", v.Digits)
	}
	if !v.Active {
		secs := max(v.DurationSeconds, 1)
		kv = []string{"isActive", "0", "sessionId", v.SessionID, "direction", "Inbound",
			"callerNumber", v.CallerNumber, "destinationNumber", v.DestinationNumber,
			"callSessionState", "Completed", "status", "Success", "durationInSeconds", strconv.Itoa(secs),
			"hangupCause", "NORMAL_CLEARING", "currencyCode", "KES", "amount", strconv.FormatFloat(float64(secs)*2/60, 'f', 2, 64)}
	}
	a := o.dispatch(c.Request().Context(), c.Request(), path, atForm(kv...), nil)
	out := voiceAnswer{Status: a.status, Path: path, XML: a.body}
	if v.Active && a.status == http.StatusOK {
		actions, err := readActions(a.body)
		if err != nil {
			out.Error = "the answer is not voice XML: " + err.Error()
		}
		out.Actions = actions
	}
	return c.JSON(http.StatusOK, out)
}

// node is any XML element.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []node     `xml:",any"`
}

// readActions turns a <Response> into steps the page can show; the
// gateway's own voicexml rules decided what it may hold.
func readActions(body string) ([]voiceAction, error) {
	var root node
	if err := xml.Unmarshal([]byte(body), &root); err != nil {
		return nil, err
	}
	actions := make([]voiceAction, 0, len(root.Children))
	for _, n := range root.Children {
		a := actionOf(n)
		for _, p := range n.Children {
			pa := actionOf(p)
			a.Prompt = &pa
		}
		switch {
		case a.Tag == "Redirect":
			a.Next = localPath(a.Text)
		case a.Attrs["callbackUrl"] != "":
			a.Next = localPath(a.Attrs["callbackUrl"])
		}
		actions = append(actions, a)
	}
	return actions, nil
}

func actionOf(n node) voiceAction {
	a := voiceAction{Tag: n.XMLName.Local, Text: strings.Join(strings.Fields(n.Text), " ")}
	for _, at := range n.Attrs {
		if a.Attrs == nil {
			a.Attrs = map[string]string{}
		}
		a.Attrs[at.Name.Local] = at.Value
	}
	return a
}

// localPath keeps a callback URL's path and query, without the route
// token (dispatch adds it back): the console posts to this gateway only,
// whatever host voice.public_url names.
func localPath(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Del("key")
	path := u.Path
	if rest, ok := strings.CutPrefix(path, "/t/"); ok { // /t/<token>/api/…
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			path = rest[i:]
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
