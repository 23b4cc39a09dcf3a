package validate

import (
	"errors"

	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/luo"
	"github.com/luoinspect/luoinspect/memfd"
	"github.com/luoinspect/luoinspect/phys"
)

// checkRules is the one table from the check a decoder reports to the
// rule it breaks. A problem whose check is not listed is GEN001; one that
// wraps phys.ErrUnresolved is SRC001 whatever its check.
var checkRules = map[phys.Check]string{
	kho.CheckRootFDT:        "KHO001",
	kho.CheckRootCompatible: "KHO002",
	kho.CheckMemoryMapProp:  "KHO003",
	kho.CheckClientPointer:  "KHO005",
	kho.CheckClientSize:     "KHO006",
	kho.CheckClientAddrZero: "KHO007",
	kho.CheckMemmap:         "MAP001",
	kho.CheckKexecMetadata:  "CLI001",
	kho.CheckMemblock:       "CLI002",
	kho.CheckKhoTest:        "CLI003",
	kho.CheckBlockChain:     "LUO016",
	kho.CheckBlockCount:     "LUO017",
	kho.CheckVmalloc:        "MFD006",
	kho.CheckVmallocOrder:   "MFD007",

	luo.CheckCompatible:        "LUO001",
	luo.CheckLiveupdateNumber:  "LUO002",
	luo.CheckSessionNode:       "LUO003",
	luo.CheckFLBNode:           "LUO004",
	luo.CheckBlobSize:          "LUO005",
	luo.CheckSessionHeaderZero: "LUO006",
	luo.CheckSessionCount:      "LUO007",
	luo.CheckSessionName:       "LUO008",
	luo.CheckFileName:          "LUO009",
	luo.CheckFLBName:           "LUO010",
	luo.CheckFilesZero:         "LUO014",
	luo.CheckFileCount:         "LUO015",
	luo.CheckChainTotal:        "LUO018",
	luo.CheckFLBCount:          "LUO019",
	luo.CheckFLBHeaderZero:     "LUO021",
	luo.CheckFeatures:          "LUO022",
	luo.CheckShared:            "REF002",

	memfd.CheckHandler:      "LUO023",
	memfd.CheckDataZero:     "LUO025",
	memfd.CheckSeals:        "MFD001",
	memfd.CheckFlags:        "MFD002",
	memfd.CheckFeatures:     "MFD003",
	memfd.CheckNrFolios:     "MFD004",
	memfd.CheckVmallocFlags: "MFD005",
	memfd.CheckFolioTable:   "MFD006",
	memfd.CheckFolioCount:   "MFD008",
	memfd.CheckPos:          "MFD013",
	memfd.CheckFolioHole:    "MFD009",
	memfd.CheckFolioFlags:   "MFD010",
	memfd.CheckFolioIndex:   "MFD011",
	memfd.CheckStaleFolios:  "FP004",
}

// ruleFor names the rule a decode problem breaks.
func ruleFor(pe *phys.Error) string {
	if errors.Is(pe, phys.ErrUnresolved) {
		return ruleUnresolved
	}
	if id, ok := checkRules[pe.Check]; ok {
		return id
	}
	return ruleGeneric
}

// problemMessage is the message of a decode problem without its path.
func problemMessage(pe *phys.Error) string {
	if pe.Msg == "" {
		return pe.Err.Error()
	}
	return pe.Msg
}

// finding records a decode problem as the finding of its rule, for the
// generation gen ("" to name it from the path).
func (v *validator) finding(pe *phys.Error, gen abi.Tag) {
	if gen == "" {
		gen = abi.Tag(v.gen(pe.Path))
	}
	v.r.add(ruleFor(pe), string(gen), pe.Path, pe.Addr, pe.Offset, "%s", problemMessage(pe))
}

// problems turns every problem the walk recorded into a finding.
func (v *validator) problems() {
	for _, pe := range v.st.Problems {
		v.finding(pe, "")
	}
}

// raised reports whether the walk recorded a problem of check c.
func (v *validator) raised(c phys.Check) bool {
	for _, pe := range v.st.Problems {
		if pe.Check == c {
			return true
		}
	}
	return false
}
