package gateway

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// ServerOptions are the HTTP listener's settings.
type ServerOptions struct {
	Addr            string
	ReadTimeout     time.Duration
	WriteTimeout    time.Duration
	IdleTimeout     time.Duration
	ShutdownTimeout time.Duration
	// Listening, when set, is told the bound address once the listener is
	// open (tests listen on :0 and need the port).
	Listening func(net.Addr)
}

// Serve runs h until ctx is done, then shuts down gracefully: it stops
// accepting, and waits for in-flight requests, whose answers wait for their
// JetStream acks, up to ShutdownTimeout. The caller closes the store after.
func Serve(ctx context.Context, h http.Handler, o ServerOptions) error {
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return err
	}
	if o.Listening != nil {
		o.Listening(ln.Addr())
	}
	srv := &http.Server{
		Handler:           h,
		ReadTimeout:       o.ReadTimeout,
		ReadHeaderTimeout: o.ReadTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
