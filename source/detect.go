package source

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"

	"github.com/luoinspect/luoinspect/fdt"
)

// Signatures of dump formats luoinspect does not read but names.
var (
	// kdumpSignatures start a makedumpfile kdump-compressed file: the
	// signature of struct disk_dump_header ("DISKDUMP" in the older
	// diskdump format).
	kdumpSignatures = [][]byte{[]byte("KDUMP   "), []byte("DISKDUMP")}
	// flatSignature starts makedumpfile's flattened format (-F), whose
	// 4096-byte header is followed by (offset, size, data) records.
	flatSignature = []byte("makedumpfile")
)

// flatRecord is where the first record's data of a flattened file lies:
// after the 4096-byte header and the record's 16-byte (offset, size).
const flatRecord = 4096 + 16

// compressions are the magic numbers of compressed files.
var compressions = []struct {
	magic []byte
	name  string
}{
	{[]byte{0x1f, 0x8b}, "gzip"},
	{[]byte{0xfd, '7', 'z', 'X', 'Z', 0}, "xz"},
	{[]byte{0x28, 0xb5, 0x2f, 0xfd}, "zstd"},
	{[]byte("BZh"), "bzip2"},
}

// foreignFormat returns a one-line error for a file whose first bytes
// show a format luoinspect does not read but knows (makedumpfile's
// kdump-compressed and flattened dumps, compressed files), or nil. r,
// when not nil, lets it look further into a flattened file.
func foreignFormat(name string, head []byte, r io.ReaderAt) error {
	for _, sig := range kdumpSignatures {
		if bytes.HasPrefix(head, sig) {
			return fmt.Errorf("%s: a makedumpfile kdump-compressed dump; luoinspect reads ELF vmcores: capture one with 'makedumpfile -E -d 0 /proc/vmcore FILE' (or cp /proc/vmcore FILE) in the kdump kernel", name)
		}
	}
	if bytes.HasPrefix(head, flatSignature) {
		if r != nil {
			var b [4]byte
			if n, _ := r.ReadAt(b[:], flatRecord); n == 4 && string(b[:]) == elf.ELFMAG {
				return fmt.Errorf("%s: a makedumpfile flattened ELF dump (-F -E); luoinspect reads ELF vmcores: rebuild it with 'makedumpfile -R vmcore.elf < %s'", name, name)
			}
		}
		return fmt.Errorf("%s: a makedumpfile flattened dump (-F); luoinspect reads ELF vmcores: capture one with 'makedumpfile -E -d 0 /proc/vmcore FILE' (or cp /proc/vmcore FILE) in the kdump kernel", name)
	}
	for _, c := range compressions {
		if bytes.HasPrefix(head, c.magic) {
			return fmt.Errorf("%s: a %s-compressed file; decompress it first", name, c.name)
		}
	}
	return nil
}

// peekHead reads the first bytes of the file f (up to len(b)) without
// moving its offset.
func peekHead(f *os.File, b []byte) []byte {
	n, _ := f.ReadAt(b, 0)
	return b[:n]
}

// openPath detects what a plain path holds from its first bytes, without
// reading the whole file; non-regular files (FIFOs, pipes such as the
// shell's <(cat fdt), character devices) are read as streams, so only a
// blob can come from them.
func openPath(path string) (Source, error) {
	if path == "-" {
		return OpenBlobFile(path)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("source %q: not a known spec (live, debugfs:, kcore, devmem, core:, raw:, snapshot:, blob:) and not a path: %w", path, pathErr(err))
	}
	if st.IsDir() {
		return OpenDebugfs(path, "")
	}
	in, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	regular := in.f != nil && st.Mode().IsRegular()
	var head []byte
	if regular {
		head = peekHead(in.f, make([]byte, 40))
	} else if head, err = in.head(); err != nil {
		return nil, err
	}
	if err := foreignFormat(path, head, in.f); err != nil {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(head, []byte(elf.ELFMAG)) && !regular:
		return nil, fmt.Errorf("%s: an ELF core on a pipe or device: luoinspect reads a core's segments where they lie; save it to a file first", path)
	case bytes.HasPrefix(head, []byte(elf.ELFMAG)):
		return openELF(path)
	case fdt.HasMagicPrefix(head):
		if regular {
			if head, err = in.head(); err != nil {
				return nil, err
			}
		}
		data, err := in.finish(head, false, MaxBlobSize)
		return newBlobFile(in.name, data, err)
	case !regular:
		return nil, notFDT(path, head)
	}
	desc := "is empty"
	if len(head) > 0 {
		desc = fmt.Sprintf("starts with % x", head[:min(len(head), 4)])
	}
	return nil, fmt.Errorf("%s: not a directory, an ELF core or an FDT blob (it %s); for a raw memory image say raw:%s@BASE", path, desc, path)
}

// openELF opens an ELF file as a snapshot when it carries a LUOINSPECT
// note, else as a core. A snapshot is judged as a snapshot (and a cut one
// refused as "snapshot truncated"); a core cut short opens with a warning.
func openELF(path string) (Source, error) {
	c, err := OpenCore(path, CoreOptions{})
	if err != nil {
		return nil, err
	}
	if c.hasLuoinspectNote() {
		c.Close()
		return OpenSnapshot(path)
	}
	return c, nil
}
