package gateway

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// DefaultMaxHeaderBytes bounds a request's header block when ServerOptions
// leaves MaxHeaderBytes zero: carriers' callbacks carry a few hundred bytes.
const DefaultMaxHeaderBytes = 64 << 10

// ServerOptions are the HTTP listener's settings.
type ServerOptions struct {
	Addr string
	// ReadHeaderTimeout bounds reading a request's headers, so a client
	// that sends them slowly (slowloris) is cut off; 0 is ReadTimeout.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout time.Duration
	// WriteTimeout bounds the time from the end of the headers to the end
	// of the answer, so it must outlast the JetStream ack wait.
	WriteTimeout time.Duration
	IdleTimeout  time.Duration
	// MaxHeaderBytes bounds the header block; 0 is DefaultMaxHeaderBytes.
	MaxHeaderBytes  int
	ShutdownTimeout time.Duration
	// TLS, when set, serves HTTPS with its certificate, reloaded when its
	// files change, and HTTP/2 to clients that offer it.
	TLS *CertReloader
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
	srv := server(h, o)
	done := make(chan error, 1)
	go func() {
		if o.TLS != nil {
			done <- srv.ServeTLS(ln, "", "") // the certificate comes from TLSConfig
			return
		}
		done <- srv.Serve(ln)
	}()
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

func server(h http.Handler, o ServerOptions) *http.Server {
	srv := &http.Server{
		Handler:           h,
		ReadTimeout:       o.ReadTimeout,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    o.MaxHeaderBytes,
	}
	if srv.ReadHeaderTimeout <= 0 {
		srv.ReadHeaderTimeout = o.ReadTimeout
	}
	if srv.MaxHeaderBytes <= 0 {
		srv.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if o.TLS != nil {
		srv.TLSConfig = tlsConfig(o.TLS)
	}
	return srv
}
