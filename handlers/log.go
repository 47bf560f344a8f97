package handlers

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/mlango/mlango/normalize"
	"github.com/rs/zerolog"
)

// requestInfo collects what a request's single log line reports. Handlers
// fill it in as they go; RequestLog writes it once the answer is sent.
type requestInfo struct {
	provider   string
	badPrefix  string
	events     []normalize.Event
	duplicates int
	err        *Error
}

// logContext carries a request's requestInfo beside Echo's context, so
// handlers fill it without Echo's locked per-request map.
type logContext struct {
	echo.Context
	info requestInfo
}

var logContexts = sync.Pool{New: func() any { return new(logContext) }}

func setInfo(c echo.Context, f func(*requestInfo)) {
	if lc, ok := c.(*logContext); ok {
		f(&lc.info)
	}
}

func badPrefix(c echo.Context) string {
	if lc, ok := c.(*logContext); ok {
		return lc.info.badPrefix
	}
	return ""
}

// RequestLog writes exactly one structured line per request, after the
// answer: route, provider, status, latency and what was stored. It also
// turns a handler's panic into a 500 so no panic reaches a client. Phone
// numbers in external ids are masked; payloads are never logged. A non-nil
// obs is told the same facts once the line is written.
func RequestLog(log zerolog.Logger, obs Observer) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			lc := logContexts.Get().(*logContext)
			lc.Context = c
			if err := recovered(next, lc); err != nil {
				ErrorHandler(err, lc)
			}
			latency := time.Since(start)
			writeLine(log, c, &lc.info, latency)
			if obs != nil {
				obs.ObserveRequest(observation(c, &lc.info, latency))
			}
			*lc = logContext{}
			logContexts.Put(lc)
			return nil
		}
	}
}

func recovered(next echo.HandlerFunc, c echo.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errorf(KindInternal, "internal error", fmt.Errorf("panic: %v\n%s", r, debug.Stack()))
		}
	}()
	return next(c)
}

func writeLine(log zerolog.Logger, c echo.Context, info *requestInfo, latency time.Duration) {
	status := c.Response().Status
	level := zerolog.InfoLevel
	switch {
	case status < 400 && isProbe(c.Path()):
		level = zerolog.DebugLevel // load balancers poll these every few seconds
	case status >= 500, info.err != nil && info.err.Kind == KindUnavailable:
		// A 2xx can still hide lost events: a live call's apology.
		level = zerolog.ErrorLevel
	case status >= 400:
		level = zerolog.WarnLevel
	}
	e := log.WithLevel(level)
	if e == nil {
		return
	}
	e.Str("method", c.Request().Method).Str("route", c.Path()).Int("status", status).
		Dur("latency", latency)
	if info.provider != "" {
		e.Str("provider", info.provider)
	}
	for _, ev := range info.events {
		e.Str("event_type", ev.Type).Str("event_id", ev.ID).Str("external_id", maskPhone(ev.Subject))
		if len(ev.Unknown) > 0 {
			e.Strs("unknown_values", ev.Unknown)
		}
	}
	if info.duplicates > 0 {
		e.Int("duplicates", info.duplicates)
	}
	if info.err != nil {
		e.Str("problem", info.err.Msg)
		if info.err.Err != nil {
			e.AnErr("cause", info.err.Err)
		}
	}
	e.Msg(http.StatusText(status))
}

func isProbe(route string) bool {
	return route == "/healthz" || route == "/readyz" || route == "/metrics"
}

// maskPhone keeps enough of an E.164 number to tell numbers apart in a log
// without putting a subscriber's number at info level.
func maskPhone(s string) string {
	if len(s) < 8 || s[0] != '+' {
		return s
	}
	return s[:5] + strings.Repeat("*", len(s)-7) + s[len(s)-2:]
}
