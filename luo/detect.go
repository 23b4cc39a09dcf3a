package luo

import (
	"fmt"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/phys"
)

// Detect names the LUO generation of blob (README §4 step 3,
// docs/abi/generations.md §9) and returns how it was decided as an abi.Detection:
// the tag, a confidence, human-readable evidence, the other generations
// the bytes may equally be, and conflicts (parts the chosen generation
// writes that are missing, a pairing with the KHO generation no kernel
// wrote, feature header defects). kho is the detected KHO generation tag
// of the root ("" when unknown); m is used to look behind physical
// addresses where the blob alone cannot tell and may be nil, which lowers
// the confidence of the L-v4/L-RFC and L-v6/L-6.19-pre decisions.
//
// Rules, in order:
//   - FDT magic: the root compatible decides. "luo-v2" is L-luo-v2
//     (certain). "luo-v1" with a luo-session node: luo-session-v2 is
//     L-FLB when a luo-flb node exists; without one it is L-6.19 when the
//     KHO generation pairs with L-6.19, L-FLB (with a conflict) when it
//     pairs with L-FLB only, and L-6.19 of low confidence when it is
//     unknown. luo-session-v1 with luo-session-head is L-v5;
//     luo-session-v1 with luo-session-header is L-v6 or the 6.19
//     intermediate L-6.19-pre, decided by scoring the candidate session
//     layouts in memory (see scoreV6) and, without memory, by the luo-flb
//     node (present in L-v6, absent in L-6.19-pre). A luo-v1 root with a
//     luo-flb node but no luo-session node is named by the luo-flb header
//     property. "luo-v1" with /subsystems: L-v4 when a subsystem's u64
//     points to an FDT whose root is luo-session-v1, otherwise L-RFC;
//     /file-descriptors alone is L-RFC.
//   - ASCII "luo-v": a raw struct luo_ser; the NUL-terminated string names
//     the generation (luo-v3, luo-v3/v4-kho-block-v1, luo-v4, luo-v5,
//     luo-v5;block-v1), with certainty.
//   - Otherwise a blob of at least 152 bytes whose first 128 bytes have
//     the shape of a feature header (supp at most 16 feature bits) is
//     L-feat; unknown required bits, req or active outside supp and
//     non-zero reserved words are conflicts.
//
// A generation that lacks a part it writes stays that generation, with a
// conflict; it is never re-guessed into one that explains the defect away.
// Anything else fails with a *phys.Error wrapping phys.ErrUnsupported
// (unknown strings) or phys.ErrMalformed (an FDT that does not parse), and
// a Detection with an empty Tag holding the evidence gathered so far.
func Detect(blob []byte, m phys.Memory, kho abi.Tag) (abi.Detection, error) {
	return detect(blob, m, kho)
}

// detector carries one Detect call.
type detector struct {
	m   phys.Memory
	kho abi.Tag
	det abi.Detection
}

func (dt *detector) evidence(format string, args ...any) {
	dt.det.Evidence = append(dt.det.Evidence, fmt.Sprintf(format, args...))
}

func (dt *detector) conflict(format string, args ...any) {
	dt.det.Conflicts = append(dt.det.Conflicts, fmt.Sprintf(format, args...))
}

// decide sets the tag, the confidence and the alternatives.
func (dt *detector) decide(tag abi.Tag, c abi.Confidence, alternatives ...abi.Tag) {
	dt.det.Tag, dt.det.Confidence, dt.det.Alternatives = tag, c, alternatives
}

// missing records the conflict of a part generation tag writes that the
// blob lacks.
func (dt *detector) missing(node, tag abi.Tag) {
	dt.conflict("the %s node that %s writes is missing", node, tag)
}

// pairs reports whether LUO generation tag pairs with the KHO generation,
// and whether the registry knows.
func (dt *detector) pairs(tag abi.Tag) (pairs, known bool) {
	g, ok := abi.Lookup(tag)
	if !ok {
		return true, false
	}
	return g.PairsWith(dt.kho)
}

func detect(blob []byte, m phys.Memory, kho abi.Tag) (abi.Detection, error) {
	dt := &detector{m: m, kho: kho}
	var err error
	switch {
	case fdt.HasMagic(blob):
		dt.evidence("blob starts with the FDT magic d0 0d fe ed")
		err = dt.fdt(blob)
	case IsRawSer(blob):
		err = dt.rawSer(blob)
	default:
		err = dt.feat(blob)
	}
	if err != nil {
		dt.decide("", "")
		dt.det.Conflicts = nil
		return dt.det, err
	}
	if pairs, known := dt.pairs(dt.det.Tag); known && !pairs {
		g, _ := abi.Lookup(dt.det.Tag)
		dt.conflict("LUO generation %s does not pair with KHO generation %s (%s kernels hand over with %s)",
			dt.det.Tag, kho, dt.det.Tag, abi.JoinTags(g.KHO, ", "))
	} else if known {
		dt.evidence("KHO generation %s pairs with %s", kho, dt.det.Tag)
	}
	return dt.det, nil
}

// rawSer names a raw struct luo_ser by its string.
func (dt *detector) rawSer(blob []byte) error {
	compat, n, ok := rawCompat(blob)
	if !ok {
		return phys.Errorf(phys.ErrMalformed, root+".compatible", phys.NoAddr, 0,
			"blob starts with \"luo-v\" but has no NUL in its first %d bytes", maxCompatLen).With(CheckCompatible)
	}
	dt.evidence("blob starts with ASCII %q: a raw struct luo_ser; the string with its NUL rounds up to a %d-byte field", compat, n)
	base, subs, _ := strings.Cut(compat, ";")
	if subs != "" {
		dt.evidence("granular string: base %q, sub-components %q", base, strings.Split(subs, ";"))
	}
	tag, ok := serTagFor(compat)
	if !ok {
		return phys.Errorf(phys.ErrUnsupported, root+".compatible", phys.NoAddr, 0, "unknown LUO string %q", compat).With(CheckCompatible)
	}
	l := layouts[tag]
	what := "contiguous session and file arrays"
	switch {
	case l.sessionsInBlocks && l.filesInBlocks(compat):
		what = "sessions and files in KHO block chains"
	case l.sessionsInBlocks:
		what = "sessions in KHO block chains, files in contiguous arrays"
	}
	dt.evidence("%q is %s: %d-byte luo_ser, %s", compat, tag, l.ser.Size, what)
	dt.decide(tag, abi.Certain)
	if len(blob) < l.ser.Size {
		dt.conflict("blob is %d bytes, shorter than the %d-byte luo_ser", len(blob), l.ser.Size)
	}
	return nil
}

// maxFeatureBits bounds what counts as a "small" feature bitmask.
const maxFeatureBits = 1<<16 - 1

// feat names a blob with the shape of an L-feat feature header.
func (dt *detector) feat(blob []byte) error {
	l := layouts[TagFeat]
	if len(blob) < featHdr.Size {
		return phys.Errorf(phys.ErrUnsupported, root, phys.NoAddr, 0,
			"blob is neither an FDT, nor a luo-v string, nor a feature header (%d bytes cannot hold the %d-byte header)",
			len(blob), featHdr.Size).With(CheckCompatible)
	}
	f, probs := checkFeatures(blob, root+".features", func(int) uint64 { return phys.NoAddr })
	if f.Supp > maxFeatureBits {
		return phys.Errorf(phys.ErrUnsupported, root, phys.NoAddr, 0,
			"no FDT magic, no luo-v string, and supp 0x%x is not a small feature bitmask", f.Supp).With(CheckCompatible)
	}
	if len(blob) < l.ser.Size {
		return phys.Errorf(phys.ErrUnsupported, root, phys.NoAddr, 0,
			"feature header found but the blob is %d bytes, less than the %d-byte luo_ser", len(blob), l.ser.Size).With(CheckCompatible)
	}
	dt.evidence("blob starts with neither the FDT magic nor ASCII \"luo-v\"")
	if len(probs) == 0 {
		dt.evidence("first %d bytes parse as a feature header: supp 0x%x, req 0x%x, active 0x%x (subsets of supp), reserved words zero",
			featHdr.Size, f.Supp, f.Req, f.Active)
		dt.decide(TagFeat, abi.High)
	} else {
		dt.evidence("first %d bytes have the shape of a feature header: supp 0x%x is a small bitmask, req 0x%x, active 0x%x",
			featHdr.Size, f.Supp, f.Req, f.Active)
		for _, p := range probs {
			dt.conflict("%s: %s", p.Path, p.Msg)
		}
		dt.decide(TagFeat, abi.Low)
	}
	dt.evidence("L-feat: %d-byte luo_ser, sessions and files in KHO block chains, files select handlers by name", l.ser.Size)
	return nil
}
