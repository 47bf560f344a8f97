package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Kind is the small vocabulary every failure is expressed in. It decides the
// status code in one place (statusOf) and so whether the provider retries.
type Kind int

const (
	// KindBadRequest: the callback is unusable as sent; retrying the same
	// bytes cannot help (400).
	KindBadRequest Kind = iota + 1
	// KindTooLarge: the body is over the configured limit (413).
	KindTooLarge
	// KindUnsupported: a content type or encoding we cannot read (415).
	KindUnsupported
	// KindUnauthorized: a missing or wrong signature or token (401).
	KindUnauthorized
	// KindUnavailable: our failure; the callback was not kept and the
	// provider should retry (503).
	KindUnavailable
	// KindNotFound: no such route (404).
	KindNotFound
	// KindMethod: a method the route does not take (405).
	KindMethod
	// KindInternal: a bug; the callback was not kept (500).
	KindInternal
	// KindTooManyRequests: the source failed to authenticate too often
	// and must wait before trying again (429).
	KindTooManyRequests
)

// Error is a failure with its Kind and a short message for the provider.
// Msg never holds secrets or payload contents beyond field names.
type Error struct {
	Kind Kind
	Msg  string
	Err  error // the cause, for the log line only
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

func errorf(k Kind, msg string, cause error) *Error { return &Error{Kind: k, Msg: msg, Err: cause} }

func statusOf(k Kind) int {
	switch k {
	case KindBadRequest:
		return http.StatusBadRequest
	case KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case KindUnsupported:
		return http.StatusUnsupportedMediaType
	case KindUnauthorized:
		return http.StatusUnauthorized
	case KindUnavailable:
		return http.StatusServiceUnavailable
	case KindNotFound:
		return http.StatusNotFound
	case KindMethod:
		return http.StatusMethodNotAllowed
	case KindTooManyRequests:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// asError turns any error into an *Error: Echo's own errors (404, 405 and
// the like) keep their code's meaning; anything else is our bug.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return errorf(KindNotFound, "no such route", nil)
		case http.StatusMethodNotAllowed:
			return errorf(KindMethod, "method not allowed: callbacks are POSTed", nil)
		case http.StatusRequestEntityTooLarge:
			return errorf(KindTooLarge, "body too large", nil)
		}
	}
	return errorf(KindInternal, "internal error", err)
}

// ErrorHandler is the gateway's central error handler: the only place that
// turns a failure into a status code and an answer body. A route that
// answers failures in the provider's own words (two-way SMS: "BAD") sets
// its prefix with setBadPrefix.
func ErrorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := asError(err)
	setInfo(c, func(i *requestInfo) { i.err = e })
	status := statusOf(e.Kind)
	body := e.Msg
	if p := badPrefix(c); p != "" && status < 500 {
		body = p + ": " + body
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.String(status, body)
}
