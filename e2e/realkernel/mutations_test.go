package realkernel

import (
	"encoding/binary"
	"testing"

	"github.com/luoinspect/luoinspect/abi"
)

// Registry tags of what 7.2 and 7.3 write.
const (
	tagKHO   = "K4"
	tagLUO   = "L-luo-v5"
	tagMemfd = "M2b"
)

// mutationCase is one defect written into the handover at the new
// kernel's kho_populate. kernel is the outcome the real kernel gives (the
// test fails when it gives another): luoinspect validate must report the
// same outcome for the identically mutated dump.
type mutationCase struct {
	name   string
	kernel string
	make   func(t *testing.T, v *handoverView) []patch
}

func (v *handoverView) luoSer() uint64 { return v.st.LUO.Layout.SerAddr }

// blockCount is the address of the count of the block at pa.
func blockCount(pa uint64) uint64 {
	return pa + uint64(field(tagLUO, "kho_block_header_ser", "count"))
}

func blockNext(pa uint64) uint64 {
	return pa + uint64(field(tagLUO, "kho_block_header_ser", "next"))
}

var mutations = []mutationCase{
	{"root magic", "revival-disabled", func(t *testing.T, v *handoverView) []patch {
		return []patch{{v.root, be32(0xdeadbeef)}}
	}},
	{"root totalsize short", "revival-disabled", func(t *testing.T, v *handoverView) []patch {
		return []patch{{v.root + 4, be32(0x40)}}
	}},
	{"root compatible", "revival-disabled", func(t *testing.T, v *handoverView) []patch {
		return []patch{{fdtProp(t, v.rootBlob, v.root, "/", "compatible"), []byte("kho-v9")}}
	}},
	{"preserved-memory-map 0", "revival-disabled", func(t *testing.T, v *handoverView) []patch {
		return []patch{{fdtProp(t, v.rootBlob, v.root, "/", "preserved-memory-map"), le64(0)}}
	}},
	{"root totalsize past the mapped page", "accepted", func(t *testing.T, v *handoverView) []patch {
		return []patch{{v.root + 4, be32(0x2000)}}
	}},
	{"scratch area emptied", "accepted", func(t *testing.T, v *handoverView) []patch {
		entry := uint64(abi.MustStruct(tagKHO, "kho_scratch").Size)
		if v.scratchLen < 2*entry {
			t.Fatalf("%d bytes of scratch array: want at least two areas", v.scratchLen)
		}
		last := v.scratch + v.scratchLen - entry
		return []patch{{last + uint64(field(tagKHO, "kho_scratch", "size")), le64(0)}}
	}},
	{"LUO blob-size below 32", "panic-at-boot", func(t *testing.T, v *handoverView) []patch {
		return []patch{{fdtProp(t, v.rootBlob, v.root, "/LUO", "blob-size"), le64(16)}}
	}},
	{"luo_ser compatible", "panic-at-boot", func(t *testing.T, v *handoverView) []patch {
		return []patch{{v.luoSer() + uint64(field(tagLUO, "luo_ser", "compatible")), []byte("luo-v9")}}
	}},
	{"sessions_pa to an unpreserved page", "boot-fault", func(t *testing.T, v *handoverView) []patch {
		return []patch{{v.luoSer() + uint64(field(tagLUO, "luo_ser", "sessions_pa")), le64(v.unpreserved(t, 0x2000000))}}
	}},
	{"session block count 0", "panic-at-boot", func(t *testing.T, v *handoverView) []patch {
		return []patch{{blockCount(v.st.LUO.Layout.SessionBlocks[0]), le64(0)}}
	}},
	{"session block count 52", "panic-at-boot", func(t *testing.T, v *handoverView) []patch {
		return []patch{{blockCount(v.st.LUO.Layout.SessionBlocks[1]), le64(52)}}
	}},
	{"session block cycle", "panic-at-boot", func(t *testing.T, v *handoverView) []patch {
		b := v.st.LUO.Layout.SessionBlocks
		return []patch{{blockNext(b[1]), le64(b[0])}}
	}},
	{"file block count 0", "open-error", func(t *testing.T, v *handoverView) []patch {
		s := v.st.LUO.Sessions[v.session(t, "many-files")]
		return []patch{{blockCount(s.FileBlocks[1]), le64(0)}}
	}},
	{"file block count 64", "open-error", func(t *testing.T, v *handoverView) []patch {
		s := v.st.LUO.Sessions[v.session(t, "many-files")]
		return []patch{{blockCount(s.FileBlocks[0]), le64(64)}}
	}},
	{"file count mismatch", "open-error", func(t *testing.T, v *handoverView) []patch {
		s := v.st.LUO.Sessions[v.session(t, "many-files")]
		return []patch{{s.Addr + uint64(field(tagLUO, "luo_session_ser", "file_set_ser", "count")), le64(71)}}
	}},
	{"unknown handler", "open-error", func(t *testing.T, v *handoverView) []patch {
		f := v.file(t, "guest-07", 0)
		return []patch{{f.File.Addr + uint64(field(tagLUO, "luo_file_ser", "compatible")), []byte("memfd-v9")}}
	}},
	{"duplicate session name", "open-error", func(t *testing.T, v *handoverView) []patch {
		s := v.st.LUO.Sessions[v.session(t, "guest-01")]
		return []patch{{s.Addr + uint64(field(tagLUO, "luo_session_ser", "name")), []byte("guest-00")}}
	}},
	{"duplicate token", "data-unreachable", func(t *testing.T, v *handoverView) []patch {
		f := v.file(t, "vm-ram", 1)
		return []patch{{f.File.Addr + uint64(field(tagLUO, "luo_file_ser", "token")), le64(tokenOf(t, v, "vm-ram", 0))}}
	}},
	{"unknown seal bit", "retrieve-error", func(t *testing.T, v *handoverView) []patch {
		f := v.file(t, "vm-ram", 5)
		return []patch{{f.Memfd.Addr + uint64(field(tagMemfd, "memfd_luo_ser", "seals")), le32(f.Memfd.Seals | 0x40)}}
	}},
	{"vmalloc total_pages mismatch", "retrieve-error", func(t *testing.T, v *handoverView) []patch {
		f := v.file(t, "vm-ram", 0)
		return []patch{{f.Memfd.Addr + uint64(field(tagMemfd, "memfd_luo_ser", "folios", "total_pages")), le32(uint32(f.Memfd.Folios.TotalPages + 1))}}
	}},
	{"vmalloc chunk cycle", "retrieve-error", func(t *testing.T, v *handoverView) []patch {
		f := v.file(t, "vm-ram", 0)
		first := f.Memfd.Folios.First
		return []patch{{first + uint64(field(tagMemfd, "kho_vmalloc_chunk", "hdr", "next")), le64(first)}}
	}},
	{"folio pfn not preserved", "retrieve-error", func(t *testing.T, v *handoverView) []patch {
		f := v.file(t, "vm-ram", 1)
		fo, err := f.Memfd.FolioAt(v.mem, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Record 0 is the first record of the page the chunk's phys[0] names.
		page := readU64(t, v, f.Memfd.Folios.First+uint64(field(tagMemfd, "kho_vmalloc_chunk", "phys")))
		rec := abi.MustStruct(tagMemfd, "memfd_luo_folio_ser")
		b := make([]byte, rec.Size)
		rec.MustField("pfn").PutUint(b, v.unpreserved(t, 0x2000000)>>12)
		rec.MustField("flags").PutUint(b, uint64(fo.Flags))
		rec.MustField("index").PutUint(b, fo.Index)
		return []patch{{page, b}}
	}},
	{"large folio at a misaligned index", "accepted", func(t *testing.T, v *handoverView) []patch {
		f := v.file(t, "vm-ram", 7) // 4 MiB with shmem THP: two order-9 folios
		if f.Memfd.NrFolios != 2 {
			t.Fatalf("the THP memfd has %d folios, want 2 of order 9", f.Memfd.NrFolios)
		}
		rec := abi.MustStruct(tagMemfd, "memfd_luo_folio_ser")
		page := readU64(t, v, f.Memfd.Folios.First+uint64(field(tagMemfd, "kho_vmalloc_chunk", "phys")))
		return []patch{{page + uint64(rec.Size) + uint64(field(tagMemfd, "memfd_luo_folio_ser", "index")), le64(513)}}
	}},
	{"pos past MAX_LFS_FILESIZE", "accepted", func(t *testing.T, v *handoverView) []patch {
		f := v.file(t, "vm-ram", 4)
		return []patch{{f.Memfd.Addr + uint64(field(tagMemfd, "memfd_luo_ser", "pos")), le64(1 << 63)}}
	}},
	{"kexec-metadata version 2", "accepted-with-warning", func(t *testing.T, v *handoverView) []patch {
		c := v.client(t, "kexec-metadata")
		return []patch{{c.Addr + uint64(field("kexec-metadata", "kho_kexec_metadata", "version")), le32(2)}}
	}},
	{"reserve_mem size mismatch", "accepted-with-warning", func(t *testing.T, v *handoverView) []patch {
		c := v.client(t, "memblock")
		return []patch{{fdtProp(t, c.Blob, c.Addr, "/luotest", "size"), le64(4 << 20)}}
	}},
	{"flbs_pa 0", "accepted-with-warning", func(t *testing.T, v *handoverView) []patch {
		return []patch{{v.luoSer() + uint64(field(tagLUO, "luo_ser", "flbs_pa")), le64(0)}}
	}},
}

func readU64(t *testing.T, v *handoverView, pa uint64) uint64 {
	t.Helper()
	b := make([]byte, 8)
	if _, err := v.mem.ReadAt(b, pa); err != nil {
		t.Fatal(err)
	}
	return binary.LittleEndian.Uint64(b)
}

func tokenOf(t *testing.T, v *handoverView, session string, i int) uint64 {
	return v.file(t, session, i).File.Token
}
