package main

import "io"

// streams owns the command's output: machine output on Out, human
// messages on Err.
type streams struct {
	Out io.Writer
	Err io.Writer
}
