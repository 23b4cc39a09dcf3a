// Package statediff answers "did the live update preserve everything?":
// it compares two walked handover states, A (before) and B (after),
// semantically rather than byte by byte.
//
// Sessions are matched by name, files by token within their session, FLBs
// by name, KHO clients by node name and memblock regions by name. Each
// memfd payload is compared field by field, and its folio records are
// compared by page-cache index (with their flags, and their orders from
// the preserved-memory maps) by streaming both record arrays side by side,
// so that memory does not grow with the number of folios (see
// CompareFolios).
//
// Every difference becomes a Change with a Class: Expected (a documented
// rule in ExpectedRules says this differs across a live update), Changed,
// Unverified (something could not be read, so the comparison cannot vouch
// for it) or Lost (one of LossRules: preserved data did not arrive). The
// Result's Verdict is Identical, Changed or DataLost.
//
// In Plain mode (two dumps or two samples of the same moment) every value,
// physical addresses included, must match. In AcrossUpdate mode the rules
// of ExpectedRules apply: the live-update number goes up by one, physical
// addresses all change, layouts may be upgraded, and so on.
//
// Options.IgnoreAddresses leaves placement out in either mode (physical
// addresses, folio PFNs, the preserved-memory map's blocks) and compares
// everything else, folio orders and contents included: it checks a state
// against a re-encoding of its spec that could not place it the same way.
//
// Bytes compares two FDT blobs region by region, labelling each differing
// region with the field it holds (fdt.Tree.Regions).
package statediff
