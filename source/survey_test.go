package source

import (
	"bytes"
	"context"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

// surveyImage lays out K4 roots in memory the way a dump of a live-updated
// guest holds them: each root page with its own kexec-metadata blob,
// optional byte copies elsewhere, and x86 setup_data handoffs.
type surveyImage struct {
	t   *testing.T
	img *phys.Image
}

// root writes a K4 root at addr whose kexec-metadata (at addr+0x1000) has
// count, and returns the root page.
func (s *surveyImage) root(addr uint64, count uint32) []byte {
	km := &kho.KexecMetadata{Version: 1, PreviousRelease: "7.2.12", KexecCount: count}
	blob, err := km.Encode()
	if err != nil {
		s.t.Fatal(err)
	}
	s.add(addr+0x1000, blob)
	_, page := khoRoot(s.t, "K4", kho.Subtree{Name: "kexec-metadata", Addr: addr + 0x1000, Size: uint64(len(blob))})
	s.add(addr, page)
	return page
}

func (s *surveyImage) add(addr uint64, b []byte) {
	if err := s.img.Add(addr, bytes.Clone(b)); err != nil {
		s.t.Fatal(err)
	}
}

// handoff writes a setup_data entry of type SETUP_KEXEC_KHO naming root.
func (s *surveyImage) handoff(at, root uint64) {
	hdr := abi.MustStruct("K4", "setup_data")
	b := make([]byte, kho.SetupHandoffSize)
	hdr.MustField("type").PutUint(b, uint64(kho.SetupKexecKHO))
	hdr.MustField("len").PutUint(b, 32)
	copy(b[hdr.Size:], kho.KhoData{FDTAddr: root, FDTSize: 4096, ScratchAddr: 0x7000000, ScratchSize: 16}.Encode())
	s.add(at, b)
}

func TestSurvey(t *testing.T) {
	const a, b, copyAt, odd = 0x1000000, 0x2000000, 0x3000000, 0x40003c8
	for _, tc := range []struct {
		name   string
		build  func(s *surveyImage)
		chosen uint64
		stage  abi.Stage
		roles  map[uint64]RootRole
	}{
		{"one root and its copies", func(s *surveyImage) {
			p := s.root(a, 1)
			s.add(copyAt, p)
			s.add(odd, p[:binary.BigEndian.Uint32(p[4:])])
		}, a, abi.StageHandover, map[uint64]RootRole{a: RoleHandover, copyAt: RoleCopy, odd: RoleCopy}},
		{"a copy named by the handoff is the original", func(s *surveyImage) {
			p := s.root(copyAt, 1)
			s.add(a, p)
			s.handoff(0x5000090, copyAt)
		}, copyAt, abi.StageHandover, map[uint64]RootRole{copyAt: RoleHandover, a: RoleCopy}},
		{"incoming and the kernel's own outgoing root", func(s *surveyImage) {
			s.root(a, 1)
			s.root(b, 2)
			s.handoff(0x5000090, a)
		}, a, abi.StageBooted, map[uint64]RootRole{a: RoleIncoming, b: RoleOutgoing}},
		{"no handoff: the newest root", func(s *surveyImage) {
			s.root(a, 3)
			s.root(b, 2)
		}, a, abi.StageHandover, map[uint64]RootRole{a: RoleHandover, b: RoleOlder}},
		{"the handoff names a broken root", func(s *surveyImage) {
			p := s.root(a, 1)
			s.add(copyAt, p)
			magic, _ := s.img.View(a, 4)
			clear(magic) // the magic gone
			s.handoff(0x5000090, a)
		}, a, abi.StageHandover, map[uint64]RootRole{a: RoleHandover}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &surveyImage{t, phys.NewImage()}
			tc.build(s)
			sv, err := Survey(context.Background(), s.img)
			if err != nil || sv == nil {
				t.Fatalf("Survey: %v, %v", sv, err)
			}
			c := sv.Candidates[sv.Chosen]
			if c.Addr != tc.chosen || sv.Stage != tc.stage {
				t.Errorf("chose 0x%x at stage %s (%s); want 0x%x at %s", c.Addr, sv.Stage, sv.Reason, tc.chosen, tc.stage)
			}
			for addr, role := range tc.roles {
				found := false
				for _, c := range sv.Candidates {
					if c.Addr == addr {
						found = true
						if c.Role != role {
							t.Errorf("0x%x: role %s, want %s", addr, c.Role, role)
						}
					}
				}
				if !found {
					t.Errorf("0x%x not found", addr)
				}
			}
			if tc.name == "the handoff names a broken root" && c.Broken == nil {
				t.Error("the broken root is not marked broken")
			}
			if d := sv.Describe(); !strings.Contains(d[0], "KHO root at PA") {
				t.Errorf("Describe: %q", d)
			}
			if err := sv.Choose(0x123000); err == nil {
				t.Error("Choose of an address without a root succeeded")
			}
		})
	}
}

func TestRootFromMemory(t *testing.T) {
	s := &surveyImage{t, phys.NewImage()}
	page := s.root(0x1000000, 1)
	whole := page[:binary.BigEndian.Uint32(page[4:])]
	view := whole[:len(whole)-20] // what a short debugfs out/fdt holds
	ref, got, err := rootFromMemory(context.Background(), s.img, view)
	if err != nil || ref.Addr != 0x1000000 || !bytes.Equal(got, whole) {
		t.Fatalf("rootFromMemory: 0x%x, %d bytes, %v", ref.Addr, len(got), err)
	}
	s.add(0x2000000, page) // a second root with the same beginning: ambiguous
	if _, _, err := rootFromMemory(context.Background(), s.img, view); err == nil || !strings.Contains(err.Error(), "2 KHO roots") {
		t.Errorf("two matching roots: %v", err)
	}
	other := bytes.Clone(view)
	other[len(other)-1] ^= 0xff
	if _, _, err := rootFromMemory(context.Background(), s.img, other); err == nil {
		t.Error("a view no root begins with was matched")
	}
}
