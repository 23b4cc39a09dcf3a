package inspect

import (
	"fmt"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/phys"
	"github.com/luoinspect/luoinspect/source"
)

// pendingSessionsNote explains an empty session list on a running
// kernel whose generation writes its sessions only at reboot.
func pendingSessionsNote(st *handover.State) []string {
	g, ok := abi.Lookup(st.Detection.LUO.Tag)
	if !ok || !g.SessionsAtReboot || st.LUO == nil || len(st.LUO.Sessions) > 0 {
		return nil
	}
	return []string{fmt.Sprintf("no sessions in the LUO blob yet: %s kernels write the sessions at reboot (liveupdate_reboot), so the sessions open now appear only in the state handed over; their memfd descriptors and folio arrays already exist", g.Tag)}
}

// rawBaseNote hints at a raw image's base when none of the pointers the
// root names lands in the image.
func rawBaseNote(raw *source.Raw, st *handover.State, root []byte, opts handover.Options) []string {
	var ptrs []uint64
	if st.Root.MemoryMap != 0 {
		ptrs = append(ptrs, st.Root.MemoryMap)
	}
	for _, c := range st.Clients {
		if c.Addr != 0 {
			ptrs = append(ptrs, c.Addr)
		}
	}
	for _, p := range ptrs {
		if phys.Holds(raw, p, 1) {
			return nil
		}
	}
	fits := func(m phys.Memory) bool {
		s, err := handover.Walk(root, m, opts)
		return err == nil && len(s.Problems) == 0
	}
	if base, ok := raw.BaseHint(ptrs, fits); ok {
		return []string{raw.BaseHintNote(base)}
	}
	return nil
}
