package render

// Records are the parts of a state that dump --detail full shows one by
// one: the generators in detail_*.go hand each record to a Sink together
// with its place in the document, and the JSON Lines writer, the full
// model and the full tree consume the same stream.

// Place is where a record sits in the State document: the path of the
// list (or object) that holds it and, for a list element, its position.
// Its String form is a --path selector that picks the record out of the
// full document.
type Place struct {
	// Parent is the path of the object holding the record, e.g.
	// "luo/sessions/#0/files/#2/memfd".
	Parent string
	// List names the list under Parent ("folios"), or the field when the
	// record is a single object ("memfd").
	List string
	// Pos is the position in List, -1 for a single object.
	Pos int64
}

// at is the place of the single object name under parent.
func at(parent, name string) Place { return Place{Parent: parent, List: name, Pos: -1} }

// String returns the place as a --path selector.
func (p Place) String() string { return string(p.append(nil)) }

// append appends the selector to b without allocating a string.
func (p Place) append(b []byte) []byte {
	if p.Parent != "" {
		b = append(b, p.Parent...)
		b = append(b, '/')
	}
	b = append(b, p.List...)
	if p.Pos >= 0 {
		b = append(b, "/#"...)
		b = appendUint(b, uint64(p.Pos))
	}
	return b
}

// Record kinds, the "record" member of every JSON Lines record.
const (
	KindState          = "state"
	KindRoot           = "kho-root"
	KindClient         = "client"
	KindMap            = "preserved-map"
	KindMapChunk       = "map-chunk"
	KindRadixLeaf      = "radix-leaf"
	KindPreservedBlock = "preserved-block"
	KindOrderTotal     = "preserved-order"
	KindLUO            = "luo"
	KindFeature        = "feature-word"
	KindSessionBlock   = "session-block"
	KindSession        = "session"
	KindFileBlock      = "file-block"
	KindFile           = "file"
	KindMemfd          = "memfd"
	KindVmallocChunk   = "vmalloc-chunk"
	KindFolio          = "folio"
	KindHole           = "hole"
	KindFoliosUnread   = "folios-unresolved"
	KindFLB            = "flb"
	KindRegion         = "memblock-region"
	KindKexecMeta      = "kexec-metadata"
	KindProblem        = "problem"
)

// Sink receives one record at its place. kind is one of the Kind
// constants and rec the record's value (a *Folio, a *Session, ...); the
// value may be reused by the generator after Sink returns. A non-nil
// error stops the generator, which returns it.
type Sink func(p Place, kind string, rec any) error

// KHORoot is the KHO root FDT: where it is and how it was found.
type KHORoot struct {
	// Addr is absent when the source does not tell (a copied debugfs
	// tree shows the root's bytes but not its address).
	Addr        *Hex     `json:"addr,omitempty" yaml:"addr,omitempty"`
	Found       string   `json:"found,omitempty" yaml:"found,omitempty"`
	TotalSize   Hex      `json:"totalsize" yaml:"totalsize"`
	Compatibles []string `json:"compatibles" yaml:"compatibles"`
}

// MapInfo describes the preserved-memory map's own structure.
type MapInfo struct {
	// Format is "chunk-list" (kho-v1's khoser_mem_chunk list) or
	// "radix-tree".
	Format string `json:"format" yaml:"format"`
	Addr   Hex    `json:"addr" yaml:"addr"`
	// Variant is the kho-v1 bitmap variant (K1a or K1b).
	Variant string `json:"variant,omitempty" yaml:"variant,omitempty"`
	// Tables counts the radix tree's table pages, the root included.
	Tables *int `json:"tables,omitempty" yaml:"tables,omitempty"`
	// Incomplete is set when parts of the map could not be read: its
	// blocks are then a lower bound.
	Incomplete bool `json:"incomplete,omitempty" yaml:"incomplete,omitempty"`
}

// MapChunk is one khoser_mem_chunk of a kho-v1 map.
type MapChunk struct {
	Addr    Hex `json:"addr" yaml:"addr"`
	Next    Hex `json:"next" yaml:"next"`
	Order   int `json:"order" yaml:"order"`
	Bitmaps int `json:"bitmaps" yaml:"bitmaps"`
}

// RadixLeaf is one bitmap page of a radix-tree map.
type RadixLeaf struct {
	Addr   Hex `json:"addr" yaml:"addr"`
	Prefix Hex `json:"prefix" yaml:"prefix"`
	Bits   int `json:"bits" yaml:"bits"`
}

// PreservedBlock is one preserved block of the map, in map order.
type PreservedBlock struct {
	Addr  Hex `json:"addr" yaml:"addr"`
	Order int `json:"order" yaml:"order"`
	Size  Hex `json:"size" yaml:"size"`
}

// OrderTotal sums the preserved blocks of one order.
type OrderTotal struct {
	Order  int `json:"order" yaml:"order"`
	Blocks Hex `json:"blocks" yaml:"blocks"`
	Bytes  Hex `json:"bytes" yaml:"bytes"`
}

// FeatureWord is one feature word decoded bit by bit.
type FeatureWord struct {
	Word  string   `json:"word" yaml:"word"`
	Value Hex      `json:"value" yaml:"value"`
	Bits  []string `json:"bits" yaml:"bits"`
}

// ChainBlock is one block of a KHO block chain (sessions or files).
type ChainBlock struct {
	Addr     Hex `json:"addr" yaml:"addr"`
	Next     Hex `json:"next" yaml:"next"`
	Count    Hex `json:"count" yaml:"count"`
	Capacity int `json:"capacity" yaml:"capacity"`
}

// ArrayHeader is a session or FLB array header.
type ArrayHeader struct {
	Addr  Hex  `json:"addr" yaml:"addr"`
	Count Hex  `json:"count" yaml:"count"`
	Pgcnt *Hex `json:"pgcnt,omitempty" yaml:"pgcnt,omitempty"`
}

// Vmalloc is a struct kho_vmalloc descriptor.
type Vmalloc struct {
	First      Hex `json:"first" yaml:"first"`
	TotalPages Hex `json:"total_pages" yaml:"total_pages"`
	Order      int `json:"order" yaml:"order"`
	Flags      Hex `json:"flags" yaml:"flags"`
}

// VmallocChunk is one chunk of a vmalloc area's chain.
type VmallocChunk struct {
	Addr   Hex   `json:"addr" yaml:"addr"`
	Next   Hex   `json:"next" yaml:"next"`
	Blocks []Hex `json:"blocks" yaml:"blocks"`
}

// Folio is one folio record of a memfd. Order is absent when the
// preserved-memory map does not list the folio (or was not read): the
// folio's size is then unknown.
type Folio struct {
	Index Hex      `json:"index" yaml:"index"`
	PFN   Hex      `json:"pfn" yaml:"pfn"`
	Order *int     `json:"order,omitempty" yaml:"order,omitempty"`
	Flags Hex      `json:"flags" yaml:"flags"`
	Named []string `json:"flag_names" yaml:"flag_names"`
}

// clone copies a folio record whose Order may point into a generator's
// reused variable.
func (f *Folio) clone() Folio {
	c := *f
	if f.Order != nil {
		order := *f.Order
		c.Order = &order
	}
	return c
}

// FoliosUnread says that a memfd's folio records could not all be read:
// the records after Read are unknown (neither folios nor holes).
type FoliosUnread struct {
	// Read counts the records read before the problem.
	Read  Hex    `json:"read" yaml:"read"`
	Total Hex    `json:"nr_folios" yaml:"nr_folios"`
	Error string `json:"error" yaml:"error"`
}

// Hole is a run of page-cache indexes no folio record covers: they read
// as zeros in the restored file.
type Hole struct {
	Index Hex `json:"index" yaml:"index"`
	Pages Hex `json:"pages" yaml:"pages"`
}
