package publish

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/rs/zerolog"
)

// EmbeddedOptions configures the nats-server Mlango runs in its own process
// when no external NATS is configured.
type EmbeddedOptions struct {
	// Listen is the client listener, "host:port". "" (or "none") starts no
	// client listener at all: only in-process connections reach the server.
	// Port 0 picks a free port.
	Listen string
	// StoreDir is where JetStream keeps its files.
	StoreDir string
	// ServerName names the server in its logs and in JetStream metadata.
	ServerName string
	// SyncAlways fsyncs every JetStream write before its ack; otherwise
	// the server flushes every SyncInterval (its default: 2 minutes), and
	// an ack means "in memory and the page cache": safe from a process
	// crash, not from a power loss.
	SyncAlways   bool
	SyncInterval time.Duration
}

// embeddedReadyTimeout bounds how long StartEmbedded waits for the server.
const embeddedReadyTimeout = 10 * time.Second

// StartEmbedded starts a nats-server with JetStream (file storage under
// o.StoreDir) in this process and waits until it accepts connections. It
// never exits the process: start-up failures that nats-server reports through
// its logger's Fatalf (a busy port, an unusable store dir) are returned as
// errors, and the server is shut down again.
func StartEmbedded(o EmbeddedOptions, log zerolog.Logger) (*server.Server, error) {
	srv, _, err := runEmbedded(o, log)
	return srv, err
}

func runEmbedded(o EmbeddedOptions, log zerolog.Logger) (*server.Server, *serverLogger, error) {
	if o.StoreDir == "" {
		return nil, nil, errors.New("embedded NATS: no store dir given")
	}
	opts := &server.Options{
		ServerName:   o.ServerName,
		JetStream:    true,
		StoreDir:     o.StoreDir,
		NoSigs:       true,
		SyncAlways:   o.SyncAlways,
		SyncInterval: o.SyncInterval,
		// Not NoLog: the server only logs through the logger we set below,
		// and that logger is how we learn about fatal start-up errors.
	}
	listen := strings.TrimSpace(o.Listen)
	if listen == "" || strings.EqualFold(listen, "none") {
		opts.DontListen = true
		listen = ""
	} else {
		host, portStr, err := net.SplitHostPort(listen)
		if err != nil {
			return nil, nil, fmt.Errorf("embedded NATS listen address %q is not host:port: %w", listen, err)
		}
		port, err := strconv.Atoi(portStr)
		if err != nil || port < 0 || port > 65535 {
			return nil, nil, fmt.Errorf("embedded NATS listen address %q: bad port %q", listen, portStr)
		}
		if port == 0 {
			// nats-server reads 0 as "the default port, 4222".
			port = server.RANDOM_PORT
		}
		opts.Host, opts.Port = host, port
	}

	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("embedded NATS: %w", err)
	}
	sl := &serverLogger{log: log.With().Str("component", "nats-server").Logger()}
	lvl := log.GetLevel()
	if g := zerolog.GlobalLevel(); g > lvl {
		lvl = g
	}
	srv.SetLoggerV2(sl, lvl <= zerolog.DebugLevel, lvl <= zerolog.TraceLevel, false)

	// Start runs the whole start-up, including binding the client port,
	// before it returns; a failure there is reported through Fatalf.
	srv.Start()
	if msg := sl.fatal(); msg != "" {
		srv.Shutdown()
		srv.WaitForShutdown()
		if listen != "" && strings.Contains(msg, "listening on port") {
			return nil, nil, fmt.Errorf("embedded NATS could not listen on %s: %s; set MLANGO_NATS_LISTEN to another host:port, or none", listen, msg)
		}
		return nil, nil, fmt.Errorf("embedded NATS did not start: %s", msg)
	}
	if !srv.ReadyForConnections(embeddedReadyTimeout) {
		msg := sl.fatal()
		srv.Shutdown()
		srv.WaitForShutdown()
		if msg == "" {
			msg = "not ready for connections after " + embeddedReadyTimeout.String()
		}
		return nil, nil, fmt.Errorf("embedded NATS did not start: %s", msg)
	}
	if !srv.JetStreamEnabled() {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, nil, errors.New("embedded NATS started without JetStream")
	}
	ev := log.Info().Str("store_dir", o.StoreDir)
	if listen != "" {
		ev = ev.Str("listen", srv.Addr().String())
	} else {
		ev = ev.Str("listen", "none")
	}
	ev.Msg("embedded NATS with JetStream started")
	return srv, sl, nil
}

// serverLogger routes nats-server's logs to zerolog. Fatalf logs at error
// level and is remembered instead of exiting the process (zerolog's Fatal
// would call os.Exit, and so would nats-server's own logger).
type serverLogger struct {
	log zerolog.Logger

	mu       sync.Mutex
	firstErr string
	writeErr atomic.Pointer[string] // the first "critical write error": JetStream stops storing until restarted
}

var _ server.Logger = (*serverLogger)(nil)

// Noticef is debug level: the server's notices are a start-up banner and
// routine chatter; Mlango logs its own line when the server is ready.
func (l *serverLogger) Noticef(format string, v ...any) { l.log.Debug().Msgf(format, v...) }
func (l *serverLogger) Warnf(format string, v ...any)   { l.log.Warn().Msgf(format, v...) }
func (l *serverLogger) Errorf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.log.Error().Msg(msg)
	// nats-server keeps a stream's write error until it restarts (a single
	// server has no replica to step down to), so remember it for /healthz.
	if strings.Contains(msg, "critical write error") {
		l.writeErr.CompareAndSwap(nil, &msg)
	}
}

// criticalWrite returns the first critical write error the server logged, or "".
func (l *serverLogger) criticalWrite() string {
	if p := l.writeErr.Load(); p != nil {
		return *p
	}
	return ""
}
func (l *serverLogger) Debugf(format string, v ...any) { l.log.Debug().Msgf(format, v...) }
func (l *serverLogger) Tracef(format string, v ...any) { l.log.Trace().Msgf(format, v...) }

func (l *serverLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.log.Error().Bool("fatal", true).Msg(msg)
	l.mu.Lock()
	if l.firstErr == "" {
		l.firstErr = msg
	}
	l.mu.Unlock()
}

// fatal returns the first message the server reported as fatal, or "".
func (l *serverLogger) fatal() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.firstErr
}
