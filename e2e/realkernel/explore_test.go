package realkernel

import "testing"

func TestExplore(t *testing.T) {
	qemu := requireRealKernels(t)
	k := kernel(t, "7.2")
	u := runUpdate(t, qemu, k, k, nil)
	t.Log(u)
	t.Logf("errors: %v", u.errors)
	for n, r := range u.runs {
		t.Logf("run %s %v exit %d\nstdout: %.3000s\nstderr: %s", n, r.Args, r.Exit, u.out(n), u.files[n+".err"])
	}
	t.Logf("retrieved: %+v", u.retrieved)
	t.Logf("console:\n%s", tail(u.console, 60))
}
