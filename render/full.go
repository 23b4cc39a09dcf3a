package render

import (
	"github.com/luoinspect/luoinspect/handover"
	"github.com/luoinspect/luoinspect/luo"
	"github.com/luoinspect/luoinspect/phys"
)

// FullModel is Model with every record of the state in place (dump
// --detail full -o json|yaml): the preserved map block by block, the LUO
// feature words and block chains, and each memfd's vmalloc chunks, folio
// records and holes. It holds them all in memory; WriteJSONL streams the
// same records instead.
func FullModel(s *handover.State, mem phys.Memory) (*State, error) {
	m := Model(s)
	if info, ok := mapInfo(s); ok {
		mp := &Map{MapInfo: info, Blocks: []PreservedBlock{}, Orders: []OrderTotal{}}
		err := mapRecords(s, func(_ Place, _ string, rec any) error {
			switch r := rec.(type) {
			case *MapChunk:
				mp.Chunks = append(mp.Chunks, *r)
			case *RadixLeaf:
				mp.Leaves = append(mp.Leaves, *r)
			case *PreservedBlock:
				mp.Blocks = append(mp.Blocks, *r)
			case *OrderTotal:
				mp.Orders = append(mp.Orders, *r)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		m.KHO.Map = mp
	}
	if m.LUO == nil {
		return m, nil
	}
	l := s.LUO
	if f := l.Features; f != nil {
		m.LUO.Features = featureWords(string(l.Generation), "LUO_FEATURE_", f.Supp, f.Req, f.Active)
	}
	sessEntry, fileEntry, _ := luo.EntrySizes(l.Generation)
	if err := chainRecords(mem, l.Layout.SessionBlocks, sessEntry, "LUO/sessions", "luo", "session_blocks", KindSessionBlock, collectChain(&m.LUO.SessionBlocks)); err != nil {
		return nil, err
	}
	for i := range s.GlobalFiles {
		if err := fullMemfd(s, mem, &s.GlobalFiles[i], &m.LUO.Files[i]); err != nil {
			return nil, err
		}
	}
	for i, sn := range s.Sessions {
		ms := &m.LUO.Sessions[i]
		if err := chainRecords(mem, sn.Session.FileBlocks, fileEntry, sn.Session.Path+".files", "", "file_blocks", KindFileBlock, collectChain(&ms.FileBlocks)); err != nil {
			return nil, err
		}
		for j := range sn.Files {
			if err := fullMemfd(s, mem, &sn.Files[j], &ms.Files[j]); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func collectChain(dst *[]ChainBlock) Sink {
	return func(_ Place, _ string, rec any) error {
		*dst = append(*dst, *rec.(*ChainBlock))
		return nil
	}
}

// fullMemfd fills the chunks, folio records and holes of one file's memfd.
func fullMemfd(s *handover.State, mem phys.Memory, fs *handover.FileState, f *File) error {
	if fs.Memfd == nil || f.Memfd == nil {
		return nil
	}
	mf := f.Memfd
	return memfdRecords(s, mem, "", fs, func(_ Place, _ string, rec any) error {
		switch r := rec.(type) {
		case *VmallocChunk:
			mf.Chunks = append(mf.Chunks, *r)
		case *Folio:
			mf.Folios = append(mf.Folios, r.clone())
		case *Hole:
			mf.Holes = append(mf.Holes, *r)
		case *FoliosUnread:
			u := *r
			mf.FoliosUnresolved = &u
		}
		return nil
	})
}
