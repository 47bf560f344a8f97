package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// logWriter buffers log lines and flushes them every interval, when the
// buffer fills, and on Close. One write(2) per request line costs more CPU
// than the rest of a delivery report's own work; buffering bounds what a
// kill -9 can lose to one interval of log lines, never an event.
type logWriter struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

func newLogWriter(w io.Writer, interval time.Duration) *logWriter {
	l := &logWriter{w: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go l.flushEvery(interval)
	return l
}

// Write takes one whole line (zerolog writes each event in one call), so
// lines are never interleaved.
func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *logWriter) flushEvery(interval time.Duration) {
	defer close(l.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			l.Flush()
		case <-l.stop:
			l.Flush()
			return
		}
	}
}

// Flush writes out what is buffered.
func (l *logWriter) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = l.w.Flush()
}

// Close stops the flusher after a last flush.
func (l *logWriter) Close() {
	close(l.stop)
	<-l.done
}
