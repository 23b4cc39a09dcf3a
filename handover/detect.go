package handover

import "github.com/luoinspect/luoinspect/abi"

// Detection names the generation of each component of a state, each
// decided as abi.Detection data.
type Detection struct {
	KHO   abi.Detection
	LUO   abi.Detection
	Memfd abi.Detection
}
