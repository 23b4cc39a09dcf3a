package source

import (
	"bytes"
	"context"
	"fmt"

	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

// rootFromMemory finds in m the KHO root of which view, a debugfs file cut
// short, is the beginning: Linux 7.2 and 7.3 size out/fdt once at kho_init
// and never grow it, so once LUO, memblock or kexec-metadata add their
// subtrees the file holds only the first bytes of the root, while the root
// page itself (allocated and preserved by the kernel, page-aligned) is
// whole in memory. Every page-aligned KHO root in m is compared with view;
// exactly one must match. A root that changed between the debugfs read and
// the scan (a client added meanwhile) does not match and is reported.
func rootFromMemory(ctx context.Context, m phys.Memory, view []byte) (RootRef, []byte, error) {
	if len(view) < fdt.MinHeaderSize || !fdt.HasMagic(view) {
		return RootRef{}, nil, fmt.Errorf("the view is no FDT header")
	}
	refs, err := Scan(ctx, m, ScanOptions{Limit: 64})
	if err != nil && len(refs) == 0 {
		return RootRef{}, nil, err
	}
	var match []RootRef
	var blob []byte
	for _, r := range refs {
		if r.Addr%phys.PageSize != 0 {
			continue
		}
		b, err := readFDTAt(m, r.Addr, maxRootSize)
		if err != nil || len(b) < len(view) || !bytes.Equal(b[:len(view)], view) {
			continue
		}
		match = append(match, r)
		blob = b
	}
	switch len(match) {
	case 0:
		return RootRef{}, nil, fmt.Errorf("none of the %d KHO roots in memory begins with the %d bytes of the view", len(refs), len(view))
	case 1:
		match[0].Via = "memory scan matching the debugfs view"
		return match[0], blob, nil
	}
	return RootRef{}, nil, fmt.Errorf("%d KHO roots in memory begin with the %d bytes of the view (PA 0x%x, 0x%x, …)", len(match), len(view), match[0].Addr, match[1].Addr)
}
