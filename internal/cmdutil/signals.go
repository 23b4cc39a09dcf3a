package cmdutil

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// InterruptSignals stop a command cleanly: it removes what it was writing
// and luoinspect exits 128+n.
var InterruptSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// Signalled is the cause of a context cancelled by a signal.
type Signalled struct{ Sig syscall.Signal }

// Error names the signal: "interrupted by SIGINT".
func (e Signalled) Error() string { return "interrupted by " + unix.SignalName(e.Sig) }

// ExitCode is 128 plus the signal number.
func (e Signalled) ExitCode() int { return ExitSignal + int(e.Sig) }

// NotifyContext is signal.NotifyContext keeping which signal arrived: the
// context is cancelled with a Signalled cause. After the first signal the
// default action comes back, so a second Ctrl-C stops the process at once.
// stop releases the handler.
func NotifyContext(parent context.Context, sigs ...os.Signal) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			n, _ := s.(syscall.Signal)
			cancel(Signalled{n})
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(context.Canceled)
	}
}
