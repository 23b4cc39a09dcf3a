package luo

import "github.com/luoinspect/luoinspect/phys"

// Checks the LUO decoder and detector raise. Every *phys.Error they return
// carries one of them in its Check field, except problems that wrap
// phys.ErrUnresolved (memory the source does not hold) and problems of
// KHO block chains, which package kho classifies.
const (
	// CheckCompatible: the LUO root compatible or luo_ser string is
	// unknown, malformed or not the generation's, or no generation fits
	// the blob.
	CheckCompatible phys.Check = "luo/compatible"
	// CheckLiveupdateNumber: the liveupdate-number property is missing or
	// not a u64.
	CheckLiveupdateNumber phys.Check = "luo/liveupdate-number"
	// CheckSessionNode: the luo-session node (or the L-v4 session FDT) is
	// missing, has another compatible, or lacks its header property.
	CheckSessionNode phys.Check = "luo/session-node"
	// CheckFLBNode: the luo-flb node is missing, has another compatible,
	// or lacks its header property.
	CheckFLBNode phys.Check = "luo/flb-node"
	// CheckBlobSize: the blob is shorter than the struct it must hold.
	CheckBlobSize phys.Check = "luo/blob-size"
	// CheckSessionHeaderZero: the session header address is 0 where the
	// generation requires one.
	CheckSessionHeaderZero phys.Check = "luo/session-header-zero"
	// CheckSessionCount: the session count exceeds what the session array
	// holds or the kernel allows.
	CheckSessionCount phys.Check = "luo/session-count"
	// CheckSessionName: a session name holds no NUL.
	CheckSessionName phys.Check = "luo/session-name"
	// CheckFileName: a file compatible or handler name holds no NUL.
	CheckFileName phys.Check = "luo/file-name"
	// CheckFLBName: an FLB name holds no NUL.
	CheckFLBName phys.Check = "luo/flb-name"
	// CheckFilesZero: a session counts files but its file address is 0.
	CheckFilesZero phys.Check = "luo/files-zero"
	// CheckFileCount: a file count exceeds what the file array holds or
	// the kernel allows.
	CheckFileCount phys.Check = "luo/file-count"
	// CheckChainTotal: a session's file count differs from the number of
	// files its block chain holds.
	CheckChainTotal phys.Check = "luo/chain-total"
	// CheckFLBCount: the FLB count exceeds what the FLB area holds.
	CheckFLBCount phys.Check = "luo/flb-count"
	// CheckFLBHeaderZero: the FLB header address is 0 where the
	// generation requires one.
	CheckFLBHeaderZero phys.Check = "luo/flb-header-zero"
	// CheckFeatures: the L-feat feature header has unknown required bits,
	// req or active outside supp, non-zero reserved words, or a member
	// whose feature is not active is set.
	CheckFeatures phys.Check = "luo/features"
	// CheckShared: memory is already used by another part of the state.
	CheckShared phys.Check = "luo/shared"
	// CheckStructure: any other structural problem (an FDT that does not
	// parse, a missing property no other check names, too many problems).
	CheckStructure phys.Check = "luo/structure"
)
