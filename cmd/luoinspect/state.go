package main

import (
	"fmt"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/phys"
	"github.com/spf13/cobra"
)

// stateFlags are the flags every command that reads a handover state
// shares: where the state comes from and which generations to assume.
type stateFlags struct {
	sample        string
	kho, luo, mfd string
}

func (f *stateFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.sample, "sample", "", "use an embedded sample state: "+fmt.Sprint(handover.SampleNames()))
	c.Flags().StringVar(&f.kho, "kho", "", "assume this KHO generation (e.g. K1a) instead of detecting it")
	c.Flags().StringVar(&f.luo, "luo", "", "assume this LUO generation (e.g. L-v6) instead of detecting it")
	c.Flags().StringVar(&f.mfd, "memfd", "", "assume this memfd generation (e.g. M2a) instead of detecting it")
}

// loaded is a walked state with the memory it was read from.
type loaded struct {
	state *handover.State
	mem   phys.Memory
	name  string
}

// load reads the state the flags and arguments name.
func (f *stateFlags) load(args []string) (*loaded, error) {
	opts := handover.Options{KHO: f.kho, LUO: f.luo, Memfd: f.mfd}
	if f.sample == "" {
		return nil, usageError{fmt.Errorf("name a source or --sample (one of %v)", handover.SampleNames())}
	}
	if len(args) > 0 {
		return nil, usageError{fmt.Errorf("--sample takes no source argument")}
	}
	spec, err := handover.Sample(f.sample)
	if err != nil {
		return nil, usageError{err}
	}
	enc, err := handover.Encode(spec)
	if err != nil {
		return nil, err
	}
	st, err := handover.Walk(enc.Root, enc.Image, opts)
	if err != nil {
		return nil, err
	}
	return &loaded{state: st, mem: enc.Image, name: "sample " + f.sample}, nil
}
