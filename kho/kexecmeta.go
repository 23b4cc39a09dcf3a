package kho

import (
	"github.com/luoinspect/luoinspect/abi"
	"github.com/luoinspect/luoinspect/phys"
)

// KexecMetadataPath is the path prefix of errors about the kexec-metadata
// client blob.
const KexecMetadataPath = "kexec-metadata"

// struct kho_kexec_metadata (docs/abi/generations.md §3.2), from the registry.
var (
	kexecMeta         = abi.MustStruct("kexec-metadata", "kho_kexec_metadata")
	kexecMetaVersion  = kexecMeta.MustField("version")
	kexecMetaRelease  = kexecMeta.MustField("previous_release")
	kexecMetaCount    = kexecMeta.MustField("kexec_count")
	kexecMetaVersion1 = abi.MustConstant("kexec-metadata", "KHO_KEXEC_METADATA_VERSION")
)

// KexecMetadataSize is sizeof(struct kho_kexec_metadata), 73 bytes.
var KexecMetadataSize = kexecMeta.Size

// KexecMetadata is the blob of the "kexec-metadata" KHO client (kho-v3 and
// later): which kernel wrote it and how many kexec boots preceded it.
type KexecMetadata struct {
	Version         uint32 // KHO_KEXEC_METADATA_VERSION, 1
	PreviousRelease string // utsname release of the kernel that wrote it
	KexecCount      uint32 // kexec boots since the last cold boot
}

// DecodeKexecMetadata decodes the blob (blob-size bytes) with the
// receiving kernel's checks in its order: at least 4 bytes, version 1
// (phys.ErrUnsupported otherwise), at least 73 bytes. It also refuses a
// previous_release without a NUL. Bytes past 73 are ignored, as in the
// kernel. Every error is a *phys.Error with CheckKexecMetadata.
func DecodeKexecMetadata(b []byte) (*KexecMetadata, error) {
	if len(b) < kexecMetaVersion.End() {
		return nil, phys.Errorf(phys.ErrMalformed, KexecMetadataPath, phys.NoAddr, 0,
			"blob of %d bytes cannot hold the version", len(b)).With(CheckKexecMetadata)
	}
	k := &KexecMetadata{Version: uint32(kexecMetaVersion.Uint(b))}
	if uint64(k.Version) != kexecMetaVersion1 {
		return nil, phys.Errorf(phys.ErrUnsupported, KexecMetadataPath+".version", phys.NoAddr, int64(kexecMetaVersion.Offset),
			"version %d, want %d", k.Version, kexecMetaVersion1).With(CheckKexecMetadata)
	}
	if len(b) < kexecMeta.Size {
		return nil, phys.Errorf(phys.ErrMalformed, KexecMetadataPath, phys.NoAddr, int64(len(b)),
			"blob of %d bytes is shorter than the %d-byte struct", len(b), kexecMeta.Size).With(CheckKexecMetadata)
	}
	s, terminated, _ := kexecMetaRelease.CString(b)
	if !terminated {
		return nil, phys.Errorf(phys.ErrMalformed, KexecMetadataPath+".previous_release", phys.NoAddr,
			int64(kexecMetaRelease.Offset), "release string has no NUL").With(CheckKexecMetadata)
	}
	k.PreviousRelease = s
	k.KexecCount = uint32(kexecMetaCount.Uint(b))
	return k, nil
}

// Encode returns the 73-byte blob. It fails when PreviousRelease does not
// fit its 65-byte field with the NUL.
func (k *KexecMetadata) Encode() ([]byte, error) {
	b := make([]byte, kexecMeta.Size)
	kexecMetaVersion.PutUint(b, uint64(k.Version))
	if err := kexecMetaRelease.PutCString(b, k.PreviousRelease); err != nil {
		return nil, err
	}
	kexecMetaCount.PutUint(b, uint64(k.KexecCount))
	return b, nil
}
