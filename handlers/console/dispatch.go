package console

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// answer is what a dispatched route answered.
type answer struct {
	status int
	header http.Header
	body   string
}

// recorder is the ResponseWriter a dispatched hop is answered into.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	if r.body.Len() > 64<<10 { // a screen or an XML answer is far smaller
		return len(b), nil
	}
	return r.body.Write(b)
}

// dispatch posts an Africa's Talking form body to path through the
// gateway's router, in-process, as from the console's own client: same
// address and Host (so voice callback URLs name this gateway), the
// route token added when one is configured.
func (o Options) dispatch(ctx context.Context, from *http.Request, path, form string, headers map[string]string) answer {
	target := path
	if o.Key != "" {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + "key=" + url.QueryEscape(o.Key)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form))
	if err != nil {
		return answer{status: http.StatusBadRequest, body: "console: bad path"}
	}
	req.RemoteAddr, req.Host = from.RemoteAddr, from.Host
	req.Header.Set(echo.HeaderContentType, "application/x-www-form-urlencoded; charset=UTF-8")
	req.Header.Set("User-Agent", "mlango console")
	for k, v := range headers {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	rec := &recorder{header: http.Header{}}
	o.Routes.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return answer{status: rec.status, header: rec.header, body: o.redact(rec.body.String())}
}

// redact hides the route token in anything shown on the page (voice
// callback URLs carry it).
func (o Options) redact(s string) string {
	if o.Key == "" {
		return s
	}
	s = strings.ReplaceAll(s, url.QueryEscape(o.Key), "redacted")
	return strings.ReplaceAll(s, o.Key, "redacted")
}

// atForm encodes pairs in the order given, as AT orders its fields.
func atForm(kv ...string) string {
	parts := make([]string, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+"="+url.QueryEscape(kv[i+1]))
	}
	return strings.Join(parts, "&")
}

// readJSON reads a small JSON request body into v, answering 400 itself
// when it cannot.
func readJSON(c echo.Context, v any) bool {
	body := http.MaxBytesReader(c.Response(), c.Request().Body, 64<<10)
	if err := json.NewDecoder(body).Decode(v); err != nil {
		_ = c.JSON(http.StatusBadRequest, map[string]string{"error": "console: malformed request: " + err.Error()})
		return false
	}
	return true
}
