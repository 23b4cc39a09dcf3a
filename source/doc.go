// Package source gives every way luoinspect reaches a handover state one
// interface, [Source]: physical memory (phys.Memory) plus the blobs that
// debugfs-style access gives (the KHO root FDT, each client's blob and the
// scratch areas).
//
// Implementations:
//
//   - [OpenDebugfs]: a kho debugfs directory, live (/sys/kernel/debug/kho)
//     or copied; blobs only.
//   - [OpenCore] and [OpenKcore]: ELF cores (kdump /proc/vmcore files, QEMU
//     dump-guest-memory output) and /proc/kcore; memory only, read lazily.
//   - [OpenDevMem]: /dev/mem, read with pread on a read-only descriptor.
//   - [OpenRaw]: a raw image with a base physical address (QEMU pmemsave);
//     [OpenBlobFile]: a single blob file ("-" is standard input; FIFOs and
//     pipes work too).
//   - [OpenSnapshot]: luoinspect's own snapshot, an ELF core with LUOINSPECT
//     notes ([WriteSnapshot] writes one); memory and blobs.
//   - [Open]: any of the above from a spec string such as "live",
//     "core:FILE" or "raw:FILE@0x100000".
//
// Blob files are read with [ReadBlob] (an FDT, header first, up to its
// totalsize and at most [MaxBlobSize]; a cut one comes with a
// [*TruncatedError]) or [ReadAny] (any bytes up to a limit). Sources that
// opened despite a problem, such as an ELF core cut short, say so through
// [Warnings].
//
// Discovery of the KHO root: [FromSetupData] (x86 setup_data type 10),
// [FromDeviceTree] and [FromFDT] (DT /chosen), and [Scan], a bounded,
// streaming search of a memory source for a KHO root FDT that skips the
// holes of sparse files and reports progress; [Survey] and [SurveyWith]
// tell the roots of a dump apart; [BlobsFromMemory] then reads the root
// and the client blobs out of memory.
//
// Rules every source keeps: files are opened read-only (O_RDONLY, never
// mmap'd writable); every read of memory the source does not hold returns
// an error wrapping phys.ErrUnresolved and never zeros or garbage; no
// source loads a whole dump into memory.
package source
