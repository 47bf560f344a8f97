// Package handlers is Mlango's HTTP face: it decodes provider callbacks,
// hands them to normalize, stores the resulting events through the small
// EventStore interface it declares, and answers each provider the way that
// provider expects.
//
// It must not import publish, gateway, config or cmd. Only ErrorHandler
// picks status codes for failures, and only RequestLog writes a request's
// log line.
package handlers
