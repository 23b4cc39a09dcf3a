package source

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// Open opens the source a spec names:
//
//	live              debugfs /sys/kernel/debug/kho (side chosen as by
//	                  OpenDebugfs) plus /proc/kcore for memory
//	live:in, live:out the same with the side fixed
//	debugfs:DIR       a kho debugfs directory (debugfs-in:DIR and
//	                  debugfs-out:DIR fix the side)
//	kcore[:PATH]      /proc/kcore
//	devmem[:PATH]     /dev/mem (RAM ranges from /proc/iomem)
//	core:FILE         an ELF core (kdump vmcore, QEMU dump-guest-memory)
//	raw:FILE@BASE     a raw image whose first byte is physical address
//	                  BASE (0x… hex or decimal)
//	snapshot:FILE     a luoinspect snapshot
//	blob:FILE         one blob file
//	-                 standard input, as a blob file
//	PATH              detected by content, without reading the whole
//	                  file: a directory is debugfs; an ELF file is a
//	                  snapshot when it has a LUOINSPECT note, else a core;
//	                  a file starting with the FDT magic is a blob file
//	                  (FIFOs and pipes such as <(cat fdt) too); makedumpfile's
//	                  kdump-compressed and flattened formats are named and
//	                  refused with what to do
func Open(spec string) (Source, error) {
	s, err := ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	return s.Open()
}

// OpenLive opens the running system: the kho debugfs blobs of side ("" to
// choose) plus /proc/kcore for memory. For the incoming side, Blobs also
// gives the root's physical address and the scratch areas from the boot
// handoff (x86 setup_data type 10 or DT /chosen), once the memory at that
// address is checked to match in/fdt. Both need root; the errors say what
// is missing (root, a debugfs mount, CONFIG_KEXEC_HANDOVER_DEBUGFS,
// CONFIG_PROC_KCORE, lockdown).
func OpenLive(side string) (Source, error) {
	var errs []error
	if os.Geteuid() != 0 {
		errs = append(errs, errors.New("not running as root: debugfs and /proc/kcore both need root"))
	}
	d, derr := OpenDebugfs(DefaultDebugfs, side)
	if derr != nil {
		errs = append(errs, derr)
	}
	k, kerr := OpenKcore("")
	if kerr != nil {
		errs = append(errs, kerr)
		if derr == nil {
			errs = append(errs, fmt.Errorf("for the blobs alone use debugfs:%s", DefaultDebugfs))
		}
	}
	if derr != nil || kerr != nil {
		if d != nil {
			d.Close()
		}
		if k != nil {
			k.Close()
		}
		return nil, fmt.Errorf("live: %w", errors.Join(errs...))
	}
	d.mem = k
	return &live{combined{k, d}, DefaultSetupData, DefaultDeviceTree}, nil
}

// live is the running system. For the incoming side it adds to the
// debugfs blobs what debugfs cannot show: the root's physical address and
// the scratch areas, from the boot handoff (setup_data or /chosen).
type live struct {
	combined
	setupData, deviceTree string
}

// Blobs reads debugfs and, for the incoming side, the boot handoff.
func (l *live) Blobs() (*Blobs, error) {
	b, err := l.blobs.Blobs()
	if err != nil || b.Side != SideIn {
		return b, err
	}
	addHandoff(b, l.mem, l.setupData, l.deviceTree)
	return b, nil
}

// addHandoff fills b.RootAddr and b.Scratch from the boot handoff, after
// checking that the memory at the handoff's root address holds the same
// bytes as the debugfs root.
func addHandoff(b *Blobs, m phys.Memory, setupData, deviceTree string) {
	var refs []RootRef
	if r, err := FromSetupData(setupData); err == nil {
		refs = append(refs, r...)
	}
	if r, err := FromDeviceTree(deviceTree); err == nil && r != nil {
		refs = append(refs, *r)
	}
	for _, ref := range refs {
		if b.Root != nil {
			got, err := phys.Read(m, ref.Addr, uint64(len(b.Root)), kho.RootPath)
			if err != nil || !bytes.Equal(got, b.Root) {
				b.warnf("%s names the root at PA 0x%x, but the memory there does not match in/fdt", ref.Via, ref.Addr)
				continue
			}
		}
		b.RootAddr, b.RootMapped = ref.Addr, ref.Size
		if b.Scratch == nil && ref.ScratchSize > 0 && ref.ScratchSize <= MaxBlobSize {
			sc, err := kho.ReadScratch(m, kho.KhoData{ScratchAddr: ref.ScratchAddr, ScratchSize: ref.ScratchSize})
			if err != nil {
				b.warnf("scratch array from %s: %v", ref.Via, err)
			} else {
				b.Scratch = sc
			}
		}
		return
	}
}
