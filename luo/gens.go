package luo

import (
	"github.com/luoinspect/luoinspect/abi"
)

// Generation tags handled by this package (abi/luo.go).
const (
	TagRFC       abi.Tag = "L-RFC"        // luo-v1 FDT, /subsystems, files as FDT nodes
	TagV4        abi.Tag = "L-v4"         // luo-v1 FDT, /subsystems, separate luo-session FDT
	TagV5        abi.Tag = "L-v5"         // luo-session-v1 + luo-session-head, 80-byte sessions
	TagV6        abi.Tag = "L-v6"         // luo-session-v1 + luo-session-header, 88 (or 80) byte sessions
	Tag619Pre    abi.Tag = "L-6.19-pre"   // luo-session-v1, {count} header, 64-byte name-only sessions
	Tag619       abi.Tag = "L-6.19"       // luo-session-v2, no FLB node (Linux 6.19)
	TagFLB       abi.Tag = "L-FLB"        // luo-session-v2 plus the luo-flb node
	TagLuoV2     abi.Tag = "L-luo-v2"     // luo-v2 FDT pointing to a 24-byte luo_ser
	TagLuoV3     abi.Tag = "L-luo-v3"     // raw 32-byte luo_ser, contiguous arrays
	TagBlk       abi.Tag = "L-blk"        // raw 48-byte luo_ser luo-v3/v4-kho-block-v1
	TagLuoV4     abi.Tag = "L-luo-v4"     // raw luo_ser luo-v4, session block chains
	TagLuoV5     abi.Tag = "L-luo-v5"     // raw luo_ser luo-v5, session and file block chains
	TagRFCCompat abi.Tag = "L-RFC-compat" // raw 40-byte luo_ser luo-v5;block-v1
	TagFeat      abi.Tag = "L-feat"       // 152-byte luo_ser with a feature header
)

// kind is the outer framing of a generation's blob.
type kind int

const (
	kindRFC    kind = iota + 1 // luo-v1 FDT with /subsystems, files as FDT nodes
	kindV4                     // luo-v1 FDT with /subsystems, session FDT
	kindFDT                    // luo-v1 FDT with luo-session (and luo-flb) nodes
	kindFDTSer                 // luo-v2 FDT pointing to a 24-byte luo_ser
	kindSer                    // raw luo_ser starting with a string
	kindFeat                   // raw luo_ser starting with a feature header
)

// layout is everything the codecs need to know about one generation,
// taken from the abi registry. Nil members do not exist in the generation.
type layout struct {
	tag  abi.Tag
	kind kind

	rootCompat    string // FDT root compatible
	sessionCompat string // luo-session node (or L-v4 session FDT) compatible
	sessionProp   string // luo-session-head / luo-session-header
	flbCompat     string // luo-flb node compatible, "" without an FLB node
	flbProp       string // luo-flb-head / luo-flb-header

	// struct luo_ser
	ser                                    *abi.Struct
	serCompat, serNum, serSessions, serFLB *abi.Field
	compatibles                            []string // strings a raw luo_ser may start with

	// sessions: header (nil in the block era) and entries
	sessHdr                     *abi.Struct
	hdrPgcnt, hdrCount          *abi.Field
	sess                        *abi.Struct
	sessName                    *abi.Field
	sessFiles, sessPgcnt, sessN *abi.Field // nil for name-only entries
	sessionMax                  uint64     // array era capacity
	sessionPgcnt                uint64     // pages of the session block
	sessionsInBlocks            bool

	// files
	file                      *abi.Struct
	fileName, fileData, fileT *abi.Field
	fileMax, filePgcnt        uint64 // contiguous array capacity and pages
	filesInBlocks             func(compat string) bool

	// FLBs
	flbHdr               *abi.Struct
	flbHdrPgcnt, flbHdrN *abi.Field
	flb                  *abi.Struct
	flbName, flbData     *abi.Field
	flbCount             *abi.Field
	flbMax, flbPgcnt     uint64

	// sessFDTProps are the u64 properties of the L-v4 session FDT (count,
	// data, pgcnt) with their registry encodings.
	sessFDTProps []abi.Prop
}

func never(string) bool  { return false }
func always(string) bool { return true }

// constant returns a generation's constant, or def when it has none.
func constant(tag abi.Tag, name string, def uint64) uint64 {
	g, ok := abi.Lookup(tag)
	if !ok {
		return def
	}
	if c, ok := g.Constant(name); ok {
		return c.Value
	}
	return def
}

func (l *layout) setSessions(tag abi.Tag, hdr, entry string) {
	if hdr != "" {
		l.sessHdr = abi.MustStruct(tag, hdr)
		l.hdrCount = l.sessHdr.MustField("count")
		if f, ok := l.sessHdr.Field("pgcnt"); ok {
			l.hdrPgcnt = f
		}
		l.sessionMax = abi.MustConstant(tag, "LUO_SESSION_MAX")
		l.sessionPgcnt = abi.MustConstant(tag, "LUO_SESSION_PGCNT")
	}
	l.sess = abi.MustStruct(tag, entry)
	l.setSessionFields()
}

func (l *layout) setSessionFields() {
	l.sessName = l.sess.MustField("name")
	l.sessFiles, l.sessPgcnt, l.sessN = nil, nil, nil
	if f, ok := l.sess.Field("file_set_ser.files"); ok {
		l.sessFiles = f
		l.sessN = l.sess.MustField("file_set_ser.count")
	} else if f, ok := l.sess.Field("files"); ok {
		l.sessFiles = f
		l.sessPgcnt = l.sess.MustField("pgcnt")
		l.sessN = l.sess.MustField("count")
	}
}

func (l *layout) setFiles(tag abi.Tag, nameField string, inBlocks func(string) bool) {
	l.file = abi.MustStruct(tag, "luo_file_ser")
	l.fileName = l.file.MustField(nameField)
	l.fileData = l.file.MustField("data")
	l.fileT = l.file.MustField("token")
	l.fileMax = constant(tag, "LUO_FILE_MAX", constant(TagV5, "LUO_FILE_MAX", 0))
	l.filePgcnt = constant(tag, "LUO_FILE_PGCNT", constant(TagV5, "LUO_FILE_PGCNT", 0))
	l.filesInBlocks = inBlocks
}

func (l *layout) setFLBs(tag abi.Tag, hdr string) {
	l.flbHdr = abi.MustStruct(tag, hdr)
	l.flbHdrPgcnt = l.flbHdr.MustField("pgcnt")
	l.flbHdrN = l.flbHdr.MustField("count")
	l.flb = abi.MustStruct(tag, "luo_flb_ser")
	l.flbName = l.flb.MustField("name")
	l.flbData = l.flb.MustField("data")
	l.flbCount = l.flb.MustField("count")
	l.flbMax = abi.MustConstant(tag, "LUO_FLB_MAX")
	l.flbPgcnt = abi.MustConstant(tag, "LUO_FLB_PGCNT")
}

// setSessionFDT records the count, data and pgcnt properties of the
// generation's luo-session FDT, whose encodings the registry gives.
func (l *layout) setSessionFDT(tag abi.Tag) {
	g, _ := abi.Lookup(tag)
	n, ok := g.Node(sessionFDTRoot, "/")
	if !ok {
		panic("luo: " + tag + " has no luo-session FDT in the registry")
	}
	for _, name := range []string{"count", "data", "pgcnt"} {
		p, ok := n.Prop(name)
		if !ok || p.Size != 8 {
			panic("luo: " + string(tag) + " luo-session FDT has no u64 property " + name)
		}
		l.sessFDTProps = append(l.sessFDTProps, *p)
	}
}

func (l *layout) setSer(tag abi.Tag) {
	l.ser = abi.MustStruct(tag, "luo_ser")
	if f, ok := l.ser.Field("compatible"); ok {
		l.serCompat = f
	}
	l.serNum = l.ser.MustField("liveupdate_num")
	l.serSessions = l.ser.MustField("sessions_pa")
	l.serFLB = l.ser.MustField("flbs_pa")
	g, _ := abi.Lookup(tag)
	if l.kind == kindSer {
		l.compatibles = g.Compatibles
	}
}

var layouts = map[abi.Tag]*layout{}

func init() {
	// L-RFC: no packed structs at all.
	layouts[TagRFC] = &layout{tag: TagRFC, kind: kindRFC, rootCompat: "luo-v1"}

	v4 := &layout{tag: TagV4, kind: kindV4, rootCompat: "luo-v1", sessionCompat: "luo-session-v1"}
	v4.sess = abi.MustStruct(TagV4, "luo_session_ser")
	v4.setSessionFields()
	v4.setFiles(TagV4, "compatible", never)
	v4.setSessionFDT(TagV4)
	layouts[TagV4] = v4

	fdtGen := func(tag abi.Tag, sessCompat, sessProp, hdr, entry, flbCompat, flbProp, flbHdr string) *layout {
		l := &layout{tag: tag, kind: kindFDT, rootCompat: "luo-v1", sessionCompat: sessCompat, sessionProp: sessProp,
			flbCompat: flbCompat, flbProp: flbProp}
		l.setSessions(tag, hdr, entry)
		if l.sessFiles != nil {
			l.setFiles(tag, "compatible", never)
		}
		if flbHdr != "" {
			l.setFLBs(tag, flbHdr)
		}
		return l
	}
	layouts[TagV5] = fdtGen(TagV5, "luo-session-v1", "luo-session-head", "luo_session_head_ser", "luo_session_ser",
		"luo-flb-v1", "luo-flb-head", "luo_flb_head_ser")
	layouts[TagV6] = fdtGen(TagV6, "luo-session-v1", "luo-session-header", "luo_session_header_ser", "luo_session_ser",
		"luo-flb-v1", "luo-flb-header", "luo_flb_header_ser")
	layouts[Tag619Pre] = fdtGen(Tag619Pre, "luo-session-v1", "luo-session-header", "luo_session_header_ser", "luo_session_ser",
		"", "", "")
	layouts[Tag619] = fdtGen(Tag619, "luo-session-v2", "luo-session-header", "luo_session_header_ser", "luo_session_ser",
		"", "", "")
	layouts[TagFLB] = fdtGen(TagFLB, "luo-session-v2", "luo-session-header", "luo_session_header_ser", "luo_session_ser",
		"luo-flb-v1", "luo-flb-header", "luo_flb_header_ser")

	v2 := &layout{tag: TagLuoV2, kind: kindFDTSer, rootCompat: "luo-v2"}
	v2.setSer(TagLuoV2)
	v2.setSessions(TagLuoV2, "luo_session_header_ser", "luo_session_ser")
	v2.setFiles(TagLuoV2, "compatible", never)
	v2.setFLBs(TagLuoV2, "luo_flb_header_ser")
	layouts[TagLuoV2] = v2

	v3 := &layout{tag: TagLuoV3, kind: kindSer}
	v3.setSer(TagLuoV3)
	v3.setSessions(TagLuoV3, "luo_session_header_ser", "luo_session_ser")
	v3.setFiles(TagLuoV3, "compatible", never)
	v3.setFLBs(TagLuoV3, "luo_flb_header_ser")
	layouts[TagLuoV3] = v3

	block := func(tag abi.Tag, k kind, fileName string, inBlocks func(string) bool) *layout {
		l := &layout{tag: tag, kind: k, sessionsInBlocks: true}
		l.setSer(tag)
		l.setSessions(tag, "", "luo_session_ser")
		l.setFiles(tag, fileName, inBlocks)
		l.setFLBs(tag, "luo_flb_header_ser")
		return l
	}
	// luo-v3-kho-block-v1 keeps contiguous file arrays; luo-v4-kho-block-v1
	// moved the files into chains too (docs/abi/generations.md §4.9).
	layouts[TagBlk] = block(TagBlk, kindSer, "compatible", func(c string) bool { return c != "luo-v3-kho-block-v1" })
	layouts[TagLuoV4] = block(TagLuoV4, kindSer, "compatible", never)
	layouts[TagLuoV5] = block(TagLuoV5, kindSer, "compatible", always)
	layouts[TagRFCCompat] = block(TagRFCCompat, kindSer, "compatible", always)
	layouts[TagFeat] = block(TagFeat, kindFeat, "name", always)
}

// Generations returns the tags this package decodes, in registry order.
func Generations() []abi.Tag {
	var out []abi.Tag
	for _, g := range abi.All() {
		if _, ok := layouts[g.Tag]; ok {
			out = append(out, g.Tag)
		}
	}
	return out
}

// EncodableGenerations returns the tags Encode writes, in registry order.
func EncodableGenerations() []abi.Tag {
	return Generations()
}

// EntrySizes returns the sizes of one session entry and one file entry of
// LUO generation gen, the strides of its arrays and block chains; ok is
// false for an unknown generation (a size the generation does not have is
// 0).
func EntrySizes(gen abi.Tag) (session, file int, ok bool) {
	l, ok := layouts[gen]
	if !ok {
		return 0, 0, false
	}
	if l.sess != nil {
		session = l.sess.Size
	}
	if l.file != nil {
		file = l.file.Size
	}
	return session, file, true
}

// serTagFor returns the generation whose raw luo_ser starts with compat.
func serTagFor(compat string) (abi.Tag, bool) {
	var tags []abi.Tag
	for tag, l := range layouts {
		for _, c := range l.compatibles {
			if c == compat {
				tags = append(tags, tag)
			}
		}
	}
	if len(tags) != 1 {
		return "", false
	}
	return tags[0], true
}

// v6With80 returns the L-v6 layout for a kernel built at v6 04/20: the
// 80-byte name[56] entries of L-v5 behind the 16-byte L-v6 header.
var v6With80 *layout

func init() {
	l := *layouts[TagV6]
	l.sess = abi.MustStruct(TagV5, "luo_session_ser")
	l.setSessionFields()
	l.sessionMax = abi.MustConstant(TagV5, "LUO_SESSION_MAX")
	v6With80 = &l
}
