package statediff

import (
	"fmt"

	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/phys"
)

// kho compares the generations, the KHO root, the preserved-memory map
// summary and the client nodes.
func (c *comparer) kho() {
	da, db := c.a.State.Detection, c.b.State.Detection
	c.gen("generations", "generations/kho/tag", string(da.KHO.Tag), string(db.KHO.Tag))
	switch {
	case c.luoConsumed():
		// The memfd payloads were behind the consumed LUO blob.
	case c.ua.luo && da.LUO.Tag == "" || c.ub.luo && db.LUO.Tag == "":
		c.unreadTag("generations/luo/tag", string(da.LUO.Tag), string(db.LUO.Tag))
	default:
		c.gen("generations", "generations/luo/tag", string(da.LUO.Tag), string(db.LUO.Tag))
	}
	switch {
	case c.luoConsumed():
		// The memfd payloads were behind the consumed LUO blob.
	case c.ua.luo && da.Memfd.Tag == "" || c.ub.luo && db.Memfd.Tag == "":
		c.unreadTag("generations/memfd/tag", string(da.Memfd.Tag), string(db.Memfd.Tag))
	case da.Memfd.Tag == "" && db.Memfd.Tag != "" && c.unwritten():
		c.added("generations", "generations/memfd/tag", string(db.Memfd.Tag))
	default:
		c.gen("generations", "generations/memfd/tag", string(da.Memfd.Tag), string(db.Memfd.Tag))
	}

	ra, rb := c.a.State.Root, c.b.State.Root
	if ra != nil && rb != nil {
		c.gen("kho", "kho/compatible", ra.Compatible, rb.Compatible)
		c.addr("kho", "kho/memory_map", ra.MemoryMap, rb.MemoryMap)
		c.value("kho", "kho/layout", ra.Layout.String(), rb.Layout.String(), Changed, RuleLayout, c.outgoing())
	}
	c.preserved()
	c.clients()
}

// preserved compares the summary of the preserved-memory map.
func (c *comparer) preserved() {
	if c.opts.IgnoreAddresses {
		return // block placement
	}
	if c.consumed("kho", "kho/preserved_memory", handover.ConsumedMemoryMap) {
		return
	}
	for _, side := range []struct {
		name   string
		unread bool
	}{{"A", c.ua.memmap}, {"B", c.ub.memmap}} {
		if side.unread {
			c.add(Change{Component: "kho", Path: "kho/preserved_memory", Op: Modified, Class: Unverified,
				Detail: side.name + "'s preserved-memory map could not be read whole; not compared"})
			return
		}
	}
	na, sa := preservedSummary(c.a.State)
	nb, sb := preservedSummary(c.b.State)
	c.value("kho", "kho/preserved_blocks", dec(na), dec(nb), Changed, RulePreserved, c.outgoing())
	c.value("kho", "kho/preserved_bytes", dec(sa), dec(sb), Changed, RulePreserved, c.outgoing())
}

func preservedSummary(s *handover.State) (blocks, bytes uint64) {
	if s.Preserved == nil {
		return 0, 0
	}
	for b := range s.Preserved.All() {
		blocks++
		bytes += b.Size()
	}
	return blocks, bytes
}

// clients compares the KHO client nodes by name.
func (c *comparer) clients() {
	ca, cb := c.a.State.Clients, c.b.State.Clients
	pairs := match(len(ca), len(cb), func(i int) string { return ca[i].Name }, func(j int) string { return cb[j].Name })
	for _, p := range pairs {
		switch {
		case p.b < 0:
			a := &ca[p.a]
			ch := Change{Component: "kho", Path: "kho/clients/" + a.Name, Op: Removed, Class: Changed,
				Old: fmt.Sprintf("%s client", a.Kind)}
			if a.Kind == handover.ClientLUO || a.Kind == handover.ClientMemblock {
				ch.Class, ch.Rule = Lost, LossClient
			}
			c.add(ch)
		case p.a < 0:
			b := &cb[p.b]
			c.add(Change{Component: "kho", Path: "kho/clients/" + b.Name, Op: Added, Class: Changed,
				New: fmt.Sprintf("%s client", b.Kind)})
		default:
			c.client(&ca[p.a], &cb[p.b])
		}
	}
}

func (c *comparer) client(a, b *handover.Client) {
	comp, path := "client "+a.Name, "kho/clients/"+a.Name
	c.value(comp, path+"/kind", a.Kind.String(), b.Kind.String(), Changed, "", false)
	c.addr(comp, path+"/addr", a.Addr, b.Addr)
	c.gen(comp, path+"/blob_size", fmt.Sprint(a.HasSize), fmt.Sprint(b.HasSize))
	c.value(comp, path+"/size", dec(a.Size), dec(b.Size), Changed, RuleLayout, c.outgoing())
	switch {
	case a.Err == nil && b.Err != nil:
		c.add(Change{Component: comp, Path: path, Op: Modified, Class: Unverified,
			Detail: "B's client could not be decoded: " + firstProblem(b.Err)})
	case a.Err != nil && b.Err == nil:
		c.add(Change{Component: comp, Path: path, Op: Modified, Class: Unverified,
			Detail: "A's client could not be decoded: " + firstProblem(a.Err)})
	}
}

// unreadTag reports a generation one side could not detect because its
// LUO state was not read whole.
func (c *comparer) unreadTag(path, a, b string) {
	c.add(Change{Component: "generations", Path: path, Op: Modified, Class: Unverified, Old: a, New: b,
		Detail: "a side's LUO state could not be read whole: its generation is unknown"})
}

// firstProblem words an error on one line: its first problem, and how
// many more there are.
func firstProblem(err error) string {
	ps := phys.Flatten(err, "")
	if len(ps) <= 1 {
		return err.Error()
	}
	return fmt.Sprintf("%v (and %d more problems)", ps[0], len(ps)-1)
}
