package console

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/labstack/echo/v4"
)

// The routes the simulator drives: Africa's Talking's, as registered.
const (
	ussdSessionPath = "/api/ussd/session"
	ussdStatusPath  = "/api/ussd/status"
	hopMetadata     = "at-ussd-hop-metadata"
)

// ussdHopRequest is one hop as the page sends it; Text is AT's cumulative
// text (every input so far joined with '*').
type ussdHopRequest struct {
	SessionID   string `json:"sessionId"`
	ServiceCode string `json:"serviceCode"`
	PhoneNumber string `json:"phoneNumber"`
	NetworkCode string `json:"networkCode"`
	Text        string `json:"text"`
	Metadata    string `json:"metadata"` // the previous answer's, echoed as AT does
}

// ussdHopAnswer is the route's answer with the screen measured.
type ussdHopAnswer struct {
	Status   int    `json:"status"`
	Body     string `json:"body"`
	Kind     string `json:"kind"` // CON, END, or "" when the answer is not a screen
	Screen   string `json:"screen"`
	Metadata string `json:"metadata"`
	Length   int    `json:"length"`
	Budget   int    `json:"budget"`
	Encoding string `json:"encoding"`
}

func (o Options) ussdHop(c echo.Context) error {
	var h ussdHopRequest
	if !readJSON(c, &h) {
		return nil
	}
	form := atForm("phoneNumber", h.PhoneNumber, "serviceCode", h.ServiceCode, "text", h.Text,
		"sessionId", h.SessionID, "networkCode", h.NetworkCode)
	a := o.dispatch(c.Request().Context(), c.Request(), ussdSessionPath, form, map[string]string{hopMetadata: h.Metadata})
	out := ussdHopAnswer{Status: a.status, Body: a.body, Metadata: a.header.Get(hopMetadata)}
	if a.status == http.StatusOK && (strings.HasPrefix(a.body, "CON ") || strings.HasPrefix(a.body, "END ")) {
		out.Kind, out.Screen = a.body[:3], a.body[4:]
	}
	n, ucs2 := screenLength(a.body)
	out.Length, out.Budget, out.Encoding = n, o.budget(h.NetworkCode), "GSM-7"
	if ucs2 {
		out.Budget, out.Encoding = min(o.BudgetUCS2, out.Budget), "UCS-2"
	}
	return c.JSON(http.StatusOK, out)
}

func (o Options) budget(network string) int {
	if b, ok := o.BudgetByNetwork[network]; ok {
		return b
	}
	return o.Budget
}

// ussdEndRequest is AT's end-of-session report as the page builds it.
type ussdEndRequest struct {
	SessionID       string `json:"sessionId"`
	ServiceCode     string `json:"serviceCode"`
	PhoneNumber     string `json:"phoneNumber"`
	NetworkCode     string `json:"networkCode"`
	Date            string `json:"date"`
	Status          string `json:"status"` // Success, Incomplete, Failed
	HopsCount       int    `json:"hopsCount"`
	DurationMillis  int64  `json:"durationInMillis"`
	Input           string `json:"input"`
	LastAppResponse string `json:"lastAppResponse"`
	HopsMetadata    string `json:"hopsMetadata"`
}

func (o Options) ussdEnd(c echo.Context) error {
	var r ussdEndRequest
	if !readJSON(c, &r) {
		return nil
	}
	form := atForm("date", r.Date, "sessionId", r.SessionID, "serviceCode", r.ServiceCode,
		"networkCode", r.NetworkCode, "phoneNumber", r.PhoneNumber, "status", r.Status,
		"durationInMillis", strconv.FormatInt(r.DurationMillis, 10), "hopsCount", strconv.Itoa(r.HopsCount),
		"hopsMetadata", r.HopsMetadata, "input", r.Input, "lastAppResponse", r.LastAppResponse)
	a := o.dispatch(c.Request().Context(), c.Request(), ussdStatusPath, form, nil)
	return c.JSON(http.StatusOK, map[string]any{"status": a.status, "body": a.body})
}

// The GSM 03.38 alphabet (3GPP TS 23.038 §6.2.1), as ussd-sim and the
// engine carry it (the engine's count is unexported): the console only
// labels what the gateway answered; the engine's count pages and cuts.
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "\f^{}\\[~]|€" // ESC plus a septet: two each
)

// screenLength counts s, prefix included, as the network does: septets
// while every character is in the GSM 7-bit alphabet, else UTF-16 code
// units, since one character outside it sends the whole screen as UCS-2.
func screenLength(s string) (n int, ucs2 bool) {
	for _, r := range s {
		switch {
		case strings.ContainsRune(gsmBasic, r):
			n++
		case strings.ContainsRune(gsmExtension, r):
			n += 2
		default:
			units := 0
			for _, r := range s {
				units += max(utf16.RuneLen(r), 1)
			}
			return units, true
		}
	}
	return n, false
}
