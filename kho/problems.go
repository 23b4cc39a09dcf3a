package kho

import (
	"errors"

	"github.com/luoinspect/luoinspect/phys"
)

// maxProblems caps the problems one decode lists one by one; the rest are
// counted in a final phys.ErrLimit problem, so that hostile input cannot
// make a decoder spend time or memory on reports.
const maxProblems = 1000

// problems collects the problems of one decode that goes on after them.
type problems struct {
	list    []*phys.Error
	dropped int
	// path and check are those of the final "more problems" entry.
	path  string
	check phys.Check
}

// add records every *phys.Error inside err (nil adds nothing).
func (p *problems) add(err error) {
	for _, pe := range phys.Flatten(err, p.path) {
		if len(p.list) < maxProblems {
			p.list = append(p.list, pe)
		} else {
			p.dropped++
		}
	}
}

// err returns nil, the single problem, or the errors.Join of all of them.
func (p *problems) err() error {
	list := p.list
	if p.dropped > 0 {
		list = append(list[:len(list):len(list)], phys.Errorf(phys.ErrLimit, p.path, phys.NoAddr, -1,
			"%d more problems not listed", p.dropped).With(p.check))
	}
	switch len(list) {
	case 0:
		return nil
	case 1:
		return list[0]
	}
	errs := make([]error, len(list))
	for i, e := range list {
		errs[i] = e
	}
	return errors.Join(errs...)
}
