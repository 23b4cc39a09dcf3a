// Command luoinspect inspects, validates, encodes and compares the state
// Linux hands from one kernel to the next during a live update (KHO, LUO,
// memfd preservation).
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], &streams{Out: os.Stdout, Err: os.Stderr}))
}
