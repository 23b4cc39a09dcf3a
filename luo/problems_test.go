package luo

import (
	"errors"
	"testing"

	"github.com/luoinspect/luoinspect/phys"
)

// checkProblems checks that err is nil or a tree of *phys.Error, each
// with a check unless it wraps phys.ErrUnresolved (block-chain problems
// carry the checks of package kho), and that the list is bounded.
func checkProblems(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var walk func(error) int
	walk = func(e error) int {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			n := 0
			for _, x := range j.Unwrap() {
				n += walk(x)
			}
			return n
		}
		pe, ok := e.(*phys.Error)
		if !ok {
			t.Fatalf("problem %v is %T, not *phys.Error", e, e)
		}
		if pe.Check == "" && !errors.Is(pe, phys.ErrUnresolved) {
			t.Fatalf("problem %v has no check", pe)
		}
		return 1
	}
	if n := walk(err); n > maxProblems+1 {
		t.Fatalf("%d problems, more than %d", n, maxProblems+1)
	}
}

// findProblem returns the first problem of err at path wrapping kind.
func findProblem(err error, path string, kind error) *phys.Error {
	for _, pe := range phys.Flatten(err, root) {
		if pe.Path == path && errors.Is(pe, kind) {
			return pe
		}
	}
	return nil
}
