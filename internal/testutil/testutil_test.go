package testutil

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that records failures and skips instead of
// acting on them; Fatal and Skip still end the calling goroutine.
type recorder struct {
	testing.TB
	errors, fatals, skips []string
}

func (r *recorder) Helper() {}

func (r *recorder) Error(args ...any) { r.errors = append(r.errors, fmt.Sprint(args...)) }

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatal(args ...any) {
	r.fatals = append(r.fatals, fmt.Sprint(args...))
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
	runtime.Goexit()
}

func (r *recorder) Skipf(format string, args ...any) {
	r.skips = append(r.skips, fmt.Sprintf(format, args...))
	runtime.Goexit()
}

// record calls f with a recorder, in a goroutine of its own so that a
// Fatal or Skip ends f only.
func record(t *testing.T, f func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

// only requires that r recorded nothing but one message of kind (of
// "error", "fatal", "skip", or "" for none), containing each of parts.
func (r *recorder) only(t *testing.T, kind string, parts ...string) {
	t.Helper()
	got := map[string][]string{"error": r.errors, "fatal": r.fatals, "skip": r.skips}
	for k, msgs := range got {
		want := 0
		if k == kind {
			want = 1
		}
		if len(msgs) != want {
			t.Fatalf("%d %s messages, want %d: %q", len(msgs), k, want, msgs)
		}
	}
	if kind == "" {
		return
	}
	for _, p := range parts {
		if msg := got[kind][0]; !strings.Contains(msg, p) {
			t.Errorf("%s message %q lacks %q", kind, msg, p)
		}
	}
}

func TestPackageArg(t *testing.T) {
	if got := packageArg(); got != "./internal/testutil" {
		t.Errorf("packageArg() = %q", got)
	}
}
