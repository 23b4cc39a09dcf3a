package statediff

import (
	"fmt"

	"github.com/luoinspect/luoinspect/kho"
)

// memblock compares the reserve_mem regions by name.
func (c *comparer) memblock() {
	var ra, rb []kho.MemblockRegion
	if m := c.a.State.Memblock; m != nil {
		ra = m.Regions
	}
	if m := c.b.State.Memblock; m != nil {
		rb = m.Regions
	}
	const comp = "memblock"
	for _, p := range match(len(ra), len(rb), func(i int) string { return ra[i].Name }, func(j int) string { return rb[j].Name }) {
		switch {
		case p.b < 0:
			r := &ra[p.a]
			c.add(Change{Component: comp, Path: "memblock/" + r.Name, Op: Removed, Class: Lost, Rule: LossMemblock,
				Old: region(r)})
		case p.a < 0:
			r := &rb[p.b]
			c.add(Change{Component: comp, Path: "memblock/" + r.Name, Op: Added, Class: Changed, New: region(r)})
		default:
			a, b := &ra[p.a], &rb[p.b]
			path := "memblock/" + a.Name
			c.value(comp, path+"/start", hex(a.Start), hex(b.Start), Lost, LossMemblock, false)
			cls := Changed
			if b.Size < a.Size {
				cls = Lost
			}
			c.value(comp, path+"/size", dec(a.Size), dec(b.Size), cls, LossMemblock, false)
		}
	}
}

func region(r *kho.MemblockRegion) string {
	return fmt.Sprintf("start 0x%x size %d", r.Start, r.Size)
}

// kexecMeta compares the kexec-metadata client under RuleKexecMeta.
func (c *comparer) kexecMeta() {
	a, b := c.a.State.KexecMetadata, c.b.State.KexecMetadata
	const comp, path = "kexec-metadata", "kexec_metadata"
	switch {
	case a == nil && b == nil:
		return
	case b == nil:
		c.add(Change{Component: comp, Path: path, Op: Removed, Class: Changed, Old: meta(a)})
		return
	case a == nil:
		c.add(Change{Component: comp, Path: path, Op: Added, Class: Changed, New: meta(b)})
		return
	}
	c.gen(comp, path+"/version", dec(uint64(a.Version)), dec(uint64(b.Version)))
	c.value(comp, path+"/previous_release", a.PreviousRelease, b.PreviousRelease, Changed, RuleKexecMeta, c.outgoing())
	ka, kb := uint64(a.KexecCount), uint64(b.KexecCount)
	switch {
	case c.outgoing() && kb == ka+1:
		c.add(Change{Component: comp, Path: path + "/kexec_count", Op: Modified, Class: Expected, Rule: RuleKexecMeta,
			Old: dec(ka), New: dec(kb)})
	case c.outgoing():
		c.add(Change{Component: comp, Path: path + "/kexec_count", Op: Modified, Class: Changed, Old: dec(ka), New: dec(kb),
			Detail: fmt.Sprintf("one kexec later the count should be %d", ka+1)})
	default:
		c.value(comp, path+"/kexec_count", dec(ka), dec(kb), Changed, "", false)
	}
}

func meta(k *kho.KexecMetadata) string {
	return fmt.Sprintf("%q, kexec #%d", k.PreviousRelease, k.KexecCount)
}
