package render

import (
	"math/bits"
	"strconv"
	"strings"

	"github.com/luoinspect/luoinspect/abi"
)

// featureWords decodes the supp, req and active words of a feature header
// bit by bit, naming each bit by the registry constant of generation tag
// whose name starts with prefix and whose value is that single bit.
func featureWords(tag, prefix string, supp, req, active uint64) []FeatureWord {
	names := map[uint64]string{}
	if g, ok := abi.Lookup(abi.Tag(tag)); ok {
		for _, c := range g.Constants {
			if strings.HasPrefix(c.Name, prefix) && bits.OnesCount64(c.Value) == 1 {
				names[c.Value] = c.Name
			}
		}
	}
	word := func(name string, v uint64) FeatureWord {
		w := FeatureWord{Word: name, Value: Hex(v), Bits: []string{}}
		for x := v; x != 0; x &= x - 1 {
			bit := x & -x
			n, ok := names[bit]
			if !ok {
				n = "unknown bit " + strconv.Itoa(bits.TrailingZeros64(bit))
			}
			w.Bits = append(w.Bits, n)
		}
		return w
	}
	return []FeatureWord{word("supp", supp), word("req", req), word("active", active)}
}
