package luo

import (
	"errors"

	"github.com/luoinspect/luoinspect/phys"
)

// maxProblems bounds the problems one decode lists; the rest are counted
// in a final ErrLimit problem, so hostile input cannot grow the list
// without bound.
const maxProblems = 1000

// problems collects the problems of one decode.
type problems struct {
	list    []error
	dropped int
}

// add records every problem inside err (a *phys.Error or an errors.Join
// of them); nil adds nothing.
func (p *problems) add(err error) {
	if err == nil {
		return
	}
	for _, pe := range phys.Flatten(err, root) {
		if len(p.list) < maxProblems {
			p.list = append(p.list, pe)
		} else {
			p.dropped++
		}
	}
}

// report records one problem raised by the decoder with its check.
func (p *problems) report(pe *phys.Error, c phys.Check) {
	p.add(pe.With(c))
}

// err returns the recorded problems as an errors.Join, or nil.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	out := p.list
	if p.dropped > 0 {
		out = append(out[:len(out):len(out)], phys.Errorf(phys.ErrLimit, root, phys.NoAddr, -1,
			"%d more problems are not listed (at most %d are)", p.dropped, maxProblems).With(CheckStructure))
	}
	return errors.Join(out...)
}
