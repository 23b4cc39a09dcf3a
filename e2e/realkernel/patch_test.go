package realkernel

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/source"
)

// patch is bytes to write at a guest physical address.
type patch struct {
	pa   uint64
	data []byte
}

// handoverView is the handover dump walked, with what the mutations need to
// find their addresses. Every struct offset comes from the abi registry.
type handoverView struct {
	st       *handover.State
	mem      source.Source
	root     uint64
	rootBlob []byte
	// scratch and scratchLen locate the kho_scratch array the kernel was
	// handed.
	scratch, scratchLen uint64
}

func viewHandover(t *testing.T, core string, args [4]uint64) *handoverView {
	t.Helper()
	st, src, blob := walkDump(t, core, args[0])
	return &handoverView{st: st, mem: src, root: args[0], rootBlob: blob, scratch: args[2], scratchLen: args[3]}
}

// field returns the offset of a registry struct member; nested members
// are named "outer.inner".
func field(tag, st string, names ...string) int {
	s := abi.MustStruct(abi.Tag(tag), st)
	off := 0
	for i, n := range names {
		f := s.MustField(n)
		off += f.Offset
		if i < len(names)-1 {
			s = f.Type
		}
	}
	return off
}

func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// fdtProp returns the physical address of the value of property name of
// the node at path in the FDT blob at pa.
func fdtProp(t *testing.T, blob []byte, pa uint64, path, name string) uint64 {
	t.Helper()
	tr, err := fdt.Parse(blob)
	if err != nil {
		t.Fatal(err)
	}
	n, ok := tr.Lookup(path)
	if !ok {
		t.Fatalf("no node %s", path)
	}
	p, ok := n.Property(name)
	if !ok {
		t.Fatalf("node %s has no %s", path, name)
	}
	return pa + uint64(p.ValueOffset())
}

func (v *handoverView) client(t *testing.T, name string) handover.Client {
	t.Helper()
	for _, c := range v.st.Clients {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no client %s", name)
	return handover.Client{}
}

// file returns the file of a session by position.
func (v *handoverView) file(t *testing.T, session string, i int) *handover.FileState {
	t.Helper()
	for _, s := range v.st.Sessions {
		if s.Session.Name == session && i < len(s.Files) {
			return &s.Files[i]
		}
	}
	t.Fatalf("session %s has no file %d", session, i)
	return nil
}

// session returns a session by name.
func (v *handoverView) session(t *testing.T, name string) int {
	t.Helper()
	for i, s := range v.st.LUO.Sessions {
		if s.Name == name {
			return i
		}
	}
	t.Fatalf("no session %s", name)
	return -1
}

// unpreserved returns the address of a page of RAM that no preserved
// block covers, at or above from.
func (v *handoverView) unpreserved(t *testing.T, from uint64) uint64 {
	t.Helper()
	for pa := from; pa < from+1<<30; pa += 4096 {
		if _, ok := v.st.Preserved.Contains(pa); !ok {
			return pa
		}
	}
	t.Fatal("every page is preserved")
	return 0
}

// applyToCore copies core to out with the patches written at their
// physical addresses.
func applyToCore(core, out string, patches []patch) error {
	in, err := os.Open(core)
	if err != nil {
		return err
	}
	defer in.Close()
	o, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := io.Copy(o, in); err != nil {
		o.Close()
		return err
	}
	for _, p := range patches {
		off, err := coreOffset(core, p.pa)
		if err != nil {
			o.Close()
			return err
		}
		if _, err := o.WriteAt(p.data, off); err != nil {
			o.Close()
			return err
		}
	}
	return o.Close()
}

// writeGuest writes the patches into the stopped guest.
func writeGuest(ctx context.Context, g *GDB, patches []patch) error {
	for _, p := range patches {
		if err := g.WriteMem(ctx, p.pa, p.data); err != nil {
			return fmt.Errorf("write %d bytes at PA 0x%x: %w", len(p.data), p.pa, err)
		}
		got, err := g.ReadMem(ctx, p.pa, len(p.data))
		if err != nil || string(got) != string(p.data) {
			return fmt.Errorf("PA 0x%x reads back %x (%v), wrote %x", p.pa, got, err, p.data)
		}
	}
	return nil
}
