package handover

import (
	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

// ContentDigest hashes a memfd file's contents as the restored file will
// hold them (memfd.Digest), reading folio pages from m and each folio's
// size from the preserved-memory map. Without a readable map the folio
// sizes are unknown and the digest is unresolved.
func (s *State) ContentDigest(m phys.Memory, fs *FileState) (memfd.Digest, error) {
	if fs.Memfd == nil {
		return memfd.Digest{}, phys.Errorf(phys.ErrUnsupported, fs.File.Path, fs.File.Data, -1, "not a decoded memfd")
	}
	if s.Preserved == nil {
		return memfd.Digest{}, phys.Errorf(phys.ErrUnresolved, fs.Memfd.Path, fs.Memfd.Addr, -1,
			"the preserved-memory map was not read: folio sizes are unknown")
	}
	return fs.Memfd.ContentDigest(m, func(pfn uint64) (uint64, bool) {
		b, ok := s.Preserved.Head(pfn * phys.PageSize)
		return uint64(1) << b.Order, ok
	})
}

// ComputeDigests fills Digest or DigestErr of every memfd file.
func (s *State) ComputeDigests(m phys.Memory) {
	for fs := range s.Files() {
		if fs.Memfd == nil {
			continue
		}
		d, err := s.ContentDigest(m, fs)
		if err != nil {
			fs.DigestErr = err
			continue
		}
		fs.Digest = &d
	}
}
