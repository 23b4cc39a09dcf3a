package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// interruptSignals stop a command cleanly: it removes what it was writing
// and luoinspect exits 128+n.
var interruptSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// signalled is the cause of a context cancelled by a signal.
type signalled struct{ sig syscall.Signal }

func (e signalled) Error() string { return "interrupted by " + unix.SignalName(e.sig) }

// exitCode is 128 plus the signal number.
func (e signalled) exitCode() int { return exitSignal + int(e.sig) }

// notifyContext is signal.NotifyContext keeping which signal arrived: the
// context is cancelled with a signalled cause. After the first signal the
// default action comes back, so a second Ctrl-C stops the process at once.
// stop releases the handler.
func notifyContext(parent context.Context, sigs ...os.Signal) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			n, _ := s.(syscall.Signal)
			cancel(signalled{n})
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(context.Canceled)
	}
}
