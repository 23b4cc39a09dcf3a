package validate

import (
	"errors"
	"regexp"
	"strings"

	"github.com/luoinspect/luoinspect/kho"
	"github.com/luoinspect/luoinspect/phys"
)

func hasPrefix(s, p string) bool  { return strings.HasPrefix(s, p) }
func contains(s, sub string) bool { return strings.Contains(s, sub) }

// problemMessage is the message of a decode problem without its path.
func problemMessage(pe *phys.Error) string {
	if pe.Msg == "" {
		return pe.Err.Error()
	}
	return pe.Msg
}

// classifyRoot names the rule a failure to read the KHO root breaks.
func classifyRoot(pe *phys.Error) string {
	p := pe.Path
	switch {
	case p == kho.RootPath+".compatible" && errors.Is(pe, phys.ErrUnsupported):
		return "KHO002"
	case p == kho.RootPath+".preserved-memory-map":
		return "KHO003"
	case hasPrefix(p, kho.RootPath+"/") && (strings.HasSuffix(p, ".fdt") || strings.HasSuffix(p, ".preserved-data")):
		return "KHO005"
	case hasPrefix(p, kho.RootPath+"/") && strings.HasSuffix(p, ".blob-size"):
		return "KHO006"
	}
	return "KHO001"
}

var (
	reSessionName = regexp.MustCompile(`^LUO/sessions\[\d+\]\.name$`)
	reFileName    = regexp.MustCompile(`\.files\[\d+\]\.(compatible|name)$`)
	reFLBName     = regexp.MustCompile(`^LUO/flbs\[\d+\]\.name$`)
	reBlockCount  = regexp.MustCompile(`\.block\[\d+\]\.count$`)
	reClient      = regexp.MustCompile(`^KHO/[^/.]+$`)
)

// classify names the rule a decode problem of the walk breaks.
func classify(pe *phys.Error) string {
	p, msg := pe.Path, pe.Msg
	switch {
	case errors.Is(pe, phys.ErrUnresolved):
		return ruleUnresolved
	case hasPrefix(p, kho.MemmapPath):
		return "MAP001"
	case p == kho.RootPath+".compatible":
		return "KHO002"
	case reClient.MatchString(p) && contains(msg, "address is 0"):
		return "KHO007"
	case hasPrefix(p, kho.KexecMetadataPath):
		return "CLI001"
	case hasPrefix(p, kho.MemblockPath):
		return "CLI002"
	case hasPrefix(p, kho.KhoTestPath):
		return "CLI003"
	case hasPrefix(p, "LUO") && contains(p, ".data"):
		switch {
		case contains(msg, "data is 0"):
			return "LUO025"
		case errors.Is(pe, phys.ErrUnsupported) && contains(msg, "handler"):
			return "LUO023"
		}
		return ruleGeneric
	case hasPrefix(p, "LUO"):
		return classifyLUO(pe)
	}
	return ruleGeneric
}

// classifyLUO names the rule a LUO decode problem breaks.
func classifyLUO(pe *phys.Error) string {
	p, msg := pe.Path, pe.Msg
	switch {
	case errors.Is(pe, phys.ErrCycle), contains(msg, "KHO_MAX_BLOCKS"):
		return "LUO016"
	case reBlockCount.MatchString(p):
		return "LUO017"
	case contains(msg, "but the chain holds"):
		return "LUO018"
	case contains(msg, "files address is 0"):
		return "LUO014"
	case contains(msg, "already used by"):
		return "REF002"
	case strings.HasSuffix(p, ".files.count") && errors.Is(pe, phys.ErrLimit):
		return "LUO015"
	case p == "LUO/sessions.count":
		return "LUO007"
	case contains(msg, "session header address is 0"):
		return "LUO006"
	case p == "LUO/flbs.count":
		return "LUO019"
	case contains(msg, "FLB header address is 0"):
		return "LUO021"
	case contains(msg, "holds no NUL") && reSessionName.MatchString(p):
		return "LUO008"
	case contains(msg, "holds no NUL") && reFileName.MatchString(p):
		return "LUO009"
	case contains(msg, "holds no NUL") && reFLBName.MatchString(p):
		return "LUO010"
	case contains(msg, "too small"):
		return "LUO005"
	case hasPrefix(p, "LUO.features"), contains(msg, "is not active"), contains(msg, "LUO.features"):
		return "LUO022"
	case p == "LUO.liveupdate-number":
		return "LUO002"
	case hasPrefix(p, "LUO/luo-session"), p == "LUO/sessions" && contains(msg, "luo-session"):
		return "LUO003"
	case hasPrefix(p, "LUO/luo-flb"):
		return "LUO004"
	case p == "LUO.compatible", p == "LUO" && errors.Is(pe, phys.ErrUnsupported):
		return "LUO001"
	}
	return ruleGeneric
}

// problems turns every problem the walk recorded into a finding.
func (v *validator) problems() {
	for _, pe := range v.st.Problems {
		v.add(classify(pe), pe.Path, pe.Addr, pe.Offset, "%s", problemMessage(pe))
	}
}
