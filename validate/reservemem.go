package validate

import (
	"fmt"
	"strconv"
	"strings"
)

// ReserveMem is one reserve_mem=SIZE:ALIGN:NAME parameter of the kernel
// that will receive the state.
type ReserveMem struct {
	Name        string
	Size, Align uint64
}

// ParseReserveMem returns the reserve_mem= parameters of a kernel command
// line, read as the kernel reads them (memparse: K, M, G, T, P and E
// suffixes).
func ParseReserveMem(cmdline string) ([]ReserveMem, error) {
	var out []ReserveMem
	for _, arg := range strings.Fields(cmdline) {
		v, ok := strings.CutPrefix(arg, "reserve_mem=")
		if !ok {
			continue
		}
		parts := strings.SplitN(v, ":", 3)
		if len(parts) != 3 || parts[2] == "" {
			return nil, fmt.Errorf("reserve_mem=%s: want SIZE:ALIGN:NAME", v)
		}
		size, err := memparse(parts[0])
		if err != nil {
			return nil, fmt.Errorf("reserve_mem=%s: size: %w", v, err)
		}
		align, err := memparse(parts[1])
		if err != nil {
			return nil, fmt.Errorf("reserve_mem=%s: alignment: %w", v, err)
		}
		out = append(out, ReserveMem{Name: parts[2], Size: size, Align: align})
	}
	return out, nil
}

// memparse reads a number with an optional binary size suffix.
func memparse(s string) (uint64, error) {
	shift := 0
	if n := len(s); n > 0 {
		if i := strings.IndexByte("KMGTPE", s[n-1]&^0x20); i >= 0 {
			shift, s = 10*(i+1), s[:n-1]
		}
	}
	v, err := strconv.ParseUint(s, 0, 64)
	if err != nil {
		return 0, err
	}
	if shift > 0 && v > ^uint64(0)>>shift {
		return 0, fmt.Errorf("%s overflows", s)
	}
	return v << shift, nil
}

// reserveMem checks each preserved reserve_mem region against the next
// kernel's reserve_mem= parameters, as reserve_mem_kho_revive does: the
// name must be asked for, the size equal and the start aligned.
func (v *validator) reserveMem() {
	mb := v.st.Memblock
	if mb == nil || v.opts.NextReserveMem == nil {
		return
	}
	for _, r := range mb.Regions {
		path := "memblock/" + r.Name
		var next *ReserveMem
		for i := range v.opts.NextReserveMem {
			if v.opts.NextReserveMem[i].Name == r.Name {
				next = &v.opts.NextReserveMem[i]
			}
		}
		switch {
		case next == nil:
			v.add("CLI004", path, r.Start, -1, "the next kernel has no reserve_mem=...:%s: the region is not revived", r.Name)
		case r.Size != next.Size:
			v.add("CLI004", path, r.Start, -1, "size 0x%x, but the next kernel asks for reserve_mem=0x%x:0x%x:%s", r.Size, next.Size, next.Align, r.Name)
		case next.Align != 0 && r.Start&(next.Align-1) != 0:
			v.add("CLI004", path, r.Start, -1, "start 0x%x is not aligned to the next kernel's 0x%x", r.Start, next.Align)
		}
	}
}
