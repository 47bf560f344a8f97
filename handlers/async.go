package handlers

import (
	"context"
	"sync"
)

// Async runs work a request starts but need not wait for (publishing a USSD
// hop's event after the screen is answered), and lets shutdown wait for it
// so nothing started is abandoned.
type Async struct {
	wg sync.WaitGroup
}

// Go runs f in the background.
func (a *Async) Go(f func()) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		f()
	}()
}

// Wait blocks until every started f returned, or ctx is done.
func (a *Async) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
