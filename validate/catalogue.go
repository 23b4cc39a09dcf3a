package validate

import "github.com/luoinspect/luoinspect/abi"

// Generation groups used by the catalogue.
var (
	luoDisables = []abi.Tag{"L-v4", "L-v5", "L-v6"}
	// The generations Linux 7.2 and 7.3 write and read: their outcomes
	// were seen on the real kernels (docs/kernel-verdicts.md).
	kho72 = []abi.Tag{"K4"}
	luo72 = []abi.Tag{"L-luo-v5"}
	mfd72 = []abi.Tag{"M2b"}
)

// Rule IDs that the code refers to by name.
const (
	ruleGeneric    = "GEN001"
	ruleUnresolved = "SRC001"
)

const (
	srcKHOPopulate = "docs/abi/kernel-rules.md §2.2; kho_populate() in torvalds/linux@019fc3687237 kernel/liveupdate/kexec_handover.c"
	srcLUOCore     = "docs/abi/kernel-rules.md §6.2; luo_early_startup() in torvalds/linux@cab056f2 kernel/liveupdate/luo_core.c; panic via luo_restore_fail(), torvalds/linux@7c722a7f44e0"
	srcSession     = "docs/abi/kernel-rules.md §6.4; luo_session_deserialize() in torvalds/linux@7f790dd21a93 kernel/liveupdate/luo_session.c"
	srcFile        = "docs/abi/kernel-rules.md §6.5; luo_file_deserialize() in torvalds/linux@b2135d1cb0e3 kernel/liveupdate/luo_file.c"
	srcBlocks      = "docs/abi/kernel-rules.md §6.7; kho_block_set_restore() in torvalds/linux@637315cb kernel/liveupdate/kho_block.c"
	srcFLB         = "docs/abi/kernel-rules.md §6.6; luo_flb_setup_incoming()/luo_flb_retrieve_one() in torvalds/linux@cab056f2 kernel/liveupdate/luo_flb.c"
	srcMemfd       = "docs/abi/kernel-rules.md §6.8; memfd_luo_retrieve() in torvalds/linux@02e117b8ca58 mm/memfd_luo.c; memfd-v2 linux-mm/linux-mm@873e8b59c82f"
	srcVmalloc     = "docs/abi/kernel-rules.md §5, §9.4; kho_restore_vmalloc() in torvalds/linux@019fc3687237"
	srcRestore     = "docs/abi/kernel-rules.md §4.3, §8.5, §9.3; kho_restore_page() (\"kho: make sure page being restored is actually from KHO\")"
	srcFingerprint = "docs/abi/kernel-rules.md §8"
	src72          = "docs/abi/linux-7.2.md §5; seen on Linux 7.2.12 (docs/kernel-verdicts.md)"
)

const (
	txtRevivalOff = "KHO revival disabled: \"disabling KHO revival\", the machine boots as a non-KHO boot and nothing is preserved"
	txtLUOPanic   = "panic() at boot through luo_restore_fail() (liveupdate= is not needed)"
	txtLUOOff     = "logged and LUO disabled: no session comes back"
	txtOpenEIO    = "the first open(\"/dev/liveupdate\") fails with -EIO, and so does every later open in that boot (the error is cached)"
	txtRetrieve   = "LIVEUPDATE_SESSION_RETRIEVE_FD fails for this file; its data is lost"
)

// catalogue is every rule, in ID order. docs/validation-rules.md is
// generated from it (go test ./validate -update).
var catalogue = []*Rule{
	// Generic.
	{ID: "GEN001", Name: "decode-failed", Severity: SevError, Origin: OriginDeeper, Generations: "all",
		Check:        "Every structure the state references decodes in its generation's layout (for failures no narrower rule names).",
		Consequences: []Consequence{{Text: "the receiving kernel reading the same bytes fails or misreads them"}},
		Source:       "docs/abi/kernel-rules.md §1"},
	{ID: "SRC001", Name: "memory-unresolved", Severity: SevUnverified, Origin: OriginDeeper, Generations: "all",
		Check:        "Memory the state references is held by the source. Where it is not, the part behind the pointer is unverified: the receiving kernel dereferences the pointer, so its verdict on that part is unknown; checks of what lies behind it are skipped.",
		Consequences: []Consequence{{Text: "unknown: the kernel reads memory the source does not hold", Outcome: OutcomeUnverified}},
		Source:       "docs/abi/access.md; docs/abi/linux-7.2.md §5"},

	// KHO root.
	{ID: "KHO001", Name: "root-fdt", Severity: SevError, Origin: OriginKernel, Generations: "all KHO",
		Check:        "The KHO root is a valid FDT (fdt_check_header) with a root compatible.",
		Consequences: []Consequence{{Text: txtRevivalOff, Outcome: OutcomeRevivalDisabled}},
		Source:       srcKHOPopulate + " (step 2)"},
	{ID: "KHO002", Name: "root-compatible", Severity: SevError, Origin: OriginKernel, Generations: "all KHO",
		Check:        "One entry of the root compatible list is exactly a known KHO_FDT_COMPATIBLE (fdt_node_check_compatible).",
		Consequences: []Consequence{{Text: txtRevivalOff, Outcome: OutcomeRevivalDisabled}},
		Source:       srcKHOPopulate + " (step 3)"},
	{ID: "KHO003", Name: "memory-map-property", Severity: SevError, Origin: OriginKernel, Generations: "all KHO",
		Check: "preserved-memory-map is present and exactly 8 bytes.",
		Consequences: []Consequence{
			{Generations: []abi.Tag{"K1a"}, Text: "kho_mem_deserialize() logs \"failed to get preserved memory bitmaps\": still a KHO boot, but nothing is reserved"},
			{Text: txtRevivalOff + " (kho_get_mem_map_phys())", Outcome: OutcomeRevivalDisabled}},
		Source: srcKHOPopulate + " (step 4)"},
	{ID: "KHO004", Name: "memory-map-zero", Severity: SevError, Origin: OriginKernel, Generations: "all KHO",
		Check: "preserved-memory-map is not 0 (6.19-era K1b writes it only in kho_finalize()).",
		Consequences: []Consequence{
			{Generations: []abi.Tag{"K1a"}, Text: "the placeholder was never filled: the chunk list is read from PA 0"},
			{Text: txtRevivalOff + " (a handover that was never finalized)", Outcome: OutcomeRevivalDisabled}},
		Source: srcKHOPopulate + " (step 4); docs/abi/generations.md §9"},
	{ID: "KHO005", Name: "client-pointer", Severity: SevError, Origin: OriginKernel, Generations: "all KHO",
		Check: "Every client node has its pointer property (fdt in kho-v1, preserved-data later), exactly 8 bytes.",
		Consequences: []Consequence{
			{Where: "/LUO", Text: "kho_retrieve_subtree() returns -EINVAL to LUO, which panics the 6.19+ kernel at early_initcall", Outcome: OutcomePanic},
			{Text: "kho_retrieve_subtree() returns -EINVAL to the client, which warns and goes on without its data", Outcome: OutcomeAcceptedWithWarning}},
		Source: "docs/abi/kernel-rules.md §3; kho_retrieve_subtree() in torvalds/linux@019fc3687237"},
	{ID: "KHO006", Name: "client-blob-size", Severity: SevError, Origin: OriginKernel, Generations: "K3, K4, K-RFC-compat",
		Check: "Every client node has blob-size, exactly 8 bytes (UNVERIFIED: from a non-original copy of the source).",
		Consequences: []Consequence{
			{Where: "/LUO", Text: "\"broken KHO subnode\": -EINVAL for LUO, which panics at early_initcall", Outcome: OutcomePanic},
			{Text: "\"broken KHO subnode\": -EINVAL for that client even when it does not ask for the size", Outcome: OutcomeAcceptedWithWarning}},
		Source: "docs/abi/kernel-rules.md §3, §9.16"},
	{ID: "KHO007", Name: "client-pointer-zero", Severity: SevError, Origin: OriginKernel, Generations: "all KHO",
		Check:        "No client pointer is 0 (the kernel does not reject 0: OBSERVED).",
		Consequences: []Consequence{{Text: "the client reads its blob through phys_to_virt(0): garbage, silently accepted or a crash"}},
		Source:       "docs/abi/kernel-rules.md §3, §9.11"},
	{ID: "KHO008", Name: "sub-compatible-order", Severity: SevWarning, Origin: OriginDeeper, Generations: "K-RFC-compat",
		Check:        "The ';'-separated sub-components of a granular compatible are in alphabetical order.",
		Consequences: []Consequence{{Text: "the string differs from what a granular kernel writes and compares; it may be refused (the RFC requires sorting)"}},
		Source:       "docs/abi/generations.md §2.7, §9 step 1.2"},
	{ID: "KHO009", Name: "client-unknown", Severity: SevInfo, Origin: OriginDeeper, Generations: "all KHO",
		Check:        "Every client node is one this build decodes (LUO, memblock, kexec-metadata, kho_test).",
		Consequences: []Consequence{{Text: "none; the client's blob is not validated"}},
		Source:       "docs/abi/kernel-rules.md §3 (known client names)"},

	{ID: "KHO010", Name: "root-size-mapped", Severity: SevWarning, Origin: OriginKernel, Generations: "all KHO (checked when the boot handoff is known)",
		Check: "The root FDT's totalsize fits the length the boot handoff maps (kho_data.fdt_size, one page from setup_kho).",
		Consequences: []Consequence{
			{Generations: kho72, Text: "not compared by kho_populate(): fdt_check_header() only checks the blocks against totalsize, so a root whose blocks lie in the mapped page is read as usual (seen) and one reaching past it is read past the mapping", Outcome: OutcomeAccepted},
			{Text: "the kernel maps fdt_size bytes and reads past them if the blocks reach further"}},
		Source: "kho_populate() in kernel/liveupdate/kexec_handover.c:1644-1728, setup_kho() in arch/x86/kernel/kexec-bzimage64.c:274-298 (linux-source-7.2 7.2.12); " + src72},
	{ID: "KHO011", Name: "scratch-overlap", Severity: SevWarning, Origin: OriginKernel, Generations: "all KHO (checked when the scratch array is known)",
		Check: "No two scratch areas of the handoff overlap (empty areas are normal: 7.2 itself hands over one of size 0).",
		Consequences: []Consequence{
			{Generations: kho72, Text: "not checked by 7.2: every area is marked as scratch as given, overlapping ones twice; the boot goes on (an emptied area too, seen)", Outcome: OutcomeAccepted},
			{Text: "the next kernel's early allocations use what is marked: too little or the wrong memory"}},
		Source: "kho_populate() in kernel/liveupdate/kexec_handover.c:1689-1701 (linux-source-7.2 7.2.12); " + src72},

	// Preserved-memory map.
	{ID: "MAP001", Name: "memory-map-malformed", Severity: SevError, Origin: OriginKernel, Generations: "all KHO",
		Check: "The preserved-memory map decodes: no cycle in the chunk list or radix tree, within the source, valid orders, num_elms and keys.",
		Consequences: []Consequence{
			{Generations: []abi.Tag{"K1a", "K1b"}, Text: "not validated (OBSERVED): a cycle loops forever in early boot, a bad entry reserves wrong ranges or reads past the page"},
			{Generations: kho72, Text: "not validated by 7.2 (kho_radix_walk in mm_core_init): entries are dereferenced through phys_to_virt, keys and orders trusted, page->private written without pfn_valid: an early-boot fault or silent corruption, never an error path", Outcome: OutcomeBootFault},
			{Text: "the radix walk fails: kho_in.fdt_phys is cleared and no client sees KHO data"}},
		Source: "docs/abi/kernel-rules.md §4.1, §4.2, §2.3, §9.5"},
	{ID: "MAP002", Name: "preserved-overlap", Severity: SevWarning, Origin: OriginDeeper, Generations: "all KHO",
		Check:        "No two blocks of the preserved-memory map overlap.",
		Consequences: []Consequence{{Text: "the same pages are reserved twice and carry two KHOP markers; restoring one block corrupts the other's metadata"}},
		Source:       "docs/abi/kernel-rules.md §8.5"},
	{ID: "MAP003", Name: "scratch-overlap", Severity: SevError, Origin: OriginKernel, Generations: "all KHO",
		Check: "No preserved block and no referenced structure overlaps a scratch area (checked when scratch areas are given).",
		Consequences: []Consequence{
			{Generations: []abi.Tag{"K1b"}, Text: "WARN_ON at preservation; the next kernel allocates from scratch and overwrites the data"},
			{Text: "checked only under CONFIG_KEXEC_HANDOVER_DEBUG: the next kernel allocates from scratch early and overwrites the data"}},
		Source: "docs/abi/kernel-rules.md §8.5; linux-mm/linux-mm@04b9e51555d3"},

	// References.
	{ID: "REF001", Name: "ref-not-preserved", Severity: SevError, Origin: OriginDeeper, Generations: "map present (K1b finalized, K2+)",
		Check: "Every page the state references (client blobs, LUO arrays and blocks, memfd descriptors, vmalloc chunks and pages, folios) is the head of a preserved block.",
		Consequences: []Consequence{
			{Generations: []abi.Tag{"K1a"}, Text: "kho_restore_folio() trusts page->private: an unpreserved page is restored with a garbage order"},
			{Where: "LUO/sessions.block", Generations: luo72, Text: "the session chain is walked through phys_to_virt before anything is checked: whatever the page holds is followed at early_initcall (seen: a general protection fault, then panic)", Outcome: OutcomeBootFault},
			{Where: ".data", Generations: mfd72, Text: "kho_restore_page() finds no KHOP magic (WARN_ON_ONCE): RETRIEVE_FD fails with -EIO (seen) and leaks the folios it restored", Outcome: OutcomeRetrieveError},
			{Where: ".files.block", Generations: luo72, Text: "the file chain is read at the first open: " + txtOpenEIO + " at best, a fault on garbage", Outcome: OutcomeOpenError},
			{Text: "kho_restore_page() finds no KHOP magic (WARN_ON_ONCE) and returns NULL: the structure is lost (LUO: panic or -EIO; memfd: retrieve -EIO); an unreserved page may also have been reused"}},
		Source: srcRestore + "; " + src72},
	{ID: "REF002", Name: "ref-duplicate", Severity: SevError, Origin: OriginDeeper, Generations: "all",
		Check:        "No preserved block is referenced twice (two structures, or two folio records, naming the same page).",
		Consequences: []Consequence{{Text: "page->private is cleared by the first restore, so the second kho_restore_page() fails"}},
		Source:       srcRestore},
	{ID: "REF003", Name: "ref-overlap", Severity: SevError, Origin: OriginDeeper, Generations: "all",
		Check:        "Referenced structures do not overlap each other.",
		Consequences: []Consequence{{Text: "one structure's bytes are read as another's: freed or rewritten under the other's user"}},
		Source:       "docs/abi/kernel-rules.md §8.5"},
	{ID: "REF004", Name: "ref-too-small", Severity: SevError, Origin: OriginDeeper, Generations: "map present",
		Check:        "The preserved block at a structure's address covers the whole structure.",
		Consequences: []Consequence{{Text: "the tail pages are not reserved: early boot may reuse them before the structure is read (silent corruption)"}},
		Source:       "docs/abi/kernel-rules.md §8.3, §8.5"},
	{ID: "REF005", Name: "ref-order", Severity: SevError, Origin: OriginDeeper, Generations: "K1b, K2+",
		Check: "A referenced block's order is at most MAX_PAGE_ORDER (10 on default x86 configs; UNVERIFIED per config).",
		Consequences: []Consequence{
			{Generations: kho72, Text: "7.2 makes no order check (kho_restore_page trusts the order the radix walk stored in page->private): the restore covers pages that were never reserved, silent corruption", Outcome: OutcomeBootFault},
			{Text: "kho_restore_page() fails with WARN_ON_ONCE and returns NULL"}},
		Source: srcRestore + "; docs/abi/linux-7.2.md §6"},

	// LUO.
	{ID: "LUO001", Name: "luo-root-compatible", Severity: SevError, Origin: OriginKernel, Generations: "all LUO",
		Check: "The LUO blob's root compatible (FDT) or luo_ser string is one this generation reads (fdt_node_check_compatible / strncmp).",
		Consequences: []Consequence{
			{Generations: luoDisables, Text: txtLUOOff},
			{Text: "-EINVAL from luo_early_startup(): " + txtLUOPanic + " (seen: \"The incoming tree failed to initialize properly [-22]\")", Outcome: OutcomePanic}},
		Source: srcLUOCore + "; §6.7; " + src72},
	{ID: "LUO002", Name: "liveupdate-number", Severity: SevError, Origin: OriginKernel, Generations: "L-v5 to L-FLB",
		Check: "liveupdate-number is present and exactly 8 bytes.",
		Consequences: []Consequence{
			{Generations: luoDisables, Text: txtLUOOff},
			{Text: txtLUOPanic}},
		Source: srcLUOCore + " (step 4)"},
	{ID: "LUO003", Name: "session-node", Severity: SevError, Origin: OriginKernel, Generations: "L-v5 to L-FLB",
		Check: "The luo-session node exists, its compatible matches, and its header property is exactly 8 bytes.",
		Consequences: []Consequence{
			{Generations: luoDisables, Text: txtLUOOff},
			{Text: txtLUOPanic}},
		Source: "docs/abi/kernel-rules.md §6.3; luo_session_setup_incoming() in torvalds/linux@7f790dd21a93"},
	{ID: "LUO004", Name: "flb-node", Severity: SevError, Origin: OriginKernel, Generations: "L-v5, L-v6, L-FLB",
		Check: "The luo-flb node exists (mandatory in the FLB era), its compatible is luo-flb-v1, and luo-flb-header is exactly 8 bytes.",
		Consequences: []Consequence{
			{Generations: luoDisables, Text: txtLUOOff},
			{Text: "-ENOENT/-EINVAL from luo_flb_setup_incoming(): " + txtLUOPanic, Outcome: OutcomePanic}},
		Source: srcFLB + "; §9.10"},
	{ID: "LUO005", Name: "luo-ser-size", Severity: SevError, Origin: OriginKernel, Generations: "L-luo-v3 and later",
		Check:        "blob-size is at least sizeof(struct luo_ser).",
		Consequences: []Consequence{{Text: "\"LUO state is too small\", -EINVAL: " + txtLUOPanic, Outcome: OutcomePanic}},
		Source:       "docs/abi/kernel-rules.md §6.7, §9.16; " + src72},
	{ID: "LUO006", Name: "session-header-zero", Severity: SevError, Origin: OriginKernel, Generations: "L-v5 to L-FLB",
		Check:        "The session header address is not 0 (the kernel's phys_to_virt(0) check is ineffective).",
		Consequences: []Consequence{{Text: "sessions are read from phys_to_virt(0) at the first open: garbage, " + txtOpenEIO + " at best"}},
		Source:       "docs/abi/kernel-rules.md §9.11"},
	{ID: "LUO007", Name: "session-count", Severity: SevError, Origin: OriginKernel, Generations: "array era (L-v5 to L-luo-v3)",
		Check:        "The session count fits the session block (LUO_SESSION_MAX); the kernel does not check it (OBSERVED).",
		Consequences: []Consequence{{Text: "luo_session_deserialize() reads past the 16-page block: garbage sessions, usually -EIO at open"}},
		Source:       srcSession + "; §9.6"},
	{ID: "LUO008", Name: "session-name-unterminated", Severity: SevWarning, Origin: OriginKernel, Generations: "all with sessions",
		Check:        "Each session name holds a NUL within its field.",
		Consequences: []Consequence{{Text: "strscpy() silently truncates the name to 63 characters: userspace looks for a name that no longer exists"}},
		Source:       srcSession + "; §9.7"},
	{ID: "LUO009", Name: "file-compatible-unterminated", Severity: SevError, Origin: OriginKernel, Generations: "all with files",
		Check: "Each file handler compatible (name in L-feat) holds a NUL within its 48 bytes.",
		Consequences: []Consequence{
			{Generations: luo72, Text: "strcmp() reads on into data and token: no handler matches (\"No registered handler\"), and the whole deserialization fails: " + txtOpenEIO, Outcome: OutcomeOpenError},
			{Text: "strcmp() reads on into data and token: no handler matches, " + txtRetrieve}},
		Source: srcFile + "; §9.7"},
	{ID: "LUO010", Name: "flb-name-unterminated", Severity: SevError, Origin: OriginKernel, Generations: "all with FLBs",
		Check:        "Each FLB name holds a NUL within its 48 bytes.",
		Consequences: []Consequence{{Text: "strcmp() reads past the field: the FLB is never found (-ENOENT) and its state is lost"}},
		Source:       srcFLB + "; §9.7"},
	{ID: "LUO011", Name: "session-name-duplicate", Severity: SevError, Origin: OriginKernel, Generations: "all with sessions",
		Check:        "Session names are unique.",
		Consequences: []Consequence{{Text: "luo_session_insert() returns -EEXIST: " + txtOpenEIO, Outcome: OutcomeOpenError}},
		Source:       srcSession + "; §9.8; " + src72},
	{ID: "LUO012", Name: "session-name-empty", Severity: SevWarning, Origin: OriginDeeper, Generations: "all with sessions",
		Check: "Session names are not empty (7.2 refuses to create one: luo_session_create checks 1..63 bytes).",
		Consequences: []Consequence{
			{Generations: luo72, Text: "deserialization accepts it and RETRIEVE_SESSION compares names with strncmp only, so an all-zero name buffer retrieves it; only CREATE_SESSION refuses empty names: a state 7.2 never writes", Outcome: OutcomeAccepted},
			{Text: "accepted, but no real kernel writes it and userspace cannot name it"}},
		Source: "luo_session_create(), luo_session_retrieve() in kernel/liveupdate/luo_session.c:467-531; luo_ioctl_retrieve_session() in kernel/liveupdate/luo_core.c:300-328 (linux-source-7.2 7.2.12)"},
	{ID: "LUO013", Name: "file-token-duplicate", Severity: SevError, Origin: OriginKernel, Generations: "all with files",
		Check:        "File tokens are unique within a session (within the state for L-RFC); the kernel does not check (OBSERVED).",
		Consequences: []Consequence{{Text: "retrieve returns the first match: the later file is unreachable and its data lost (seen: its own token gives -ENOENT)", Outcome: OutcomeDataUnreachable}},
		Source:       srcFile + "; §9.8; " + src72},
	{ID: "LUO014", Name: "file-set-zero", Severity: SevError, Origin: OriginKernel, Generations: "L-6.19 and later",
		Check:        "A session whose files address is 0 has a file count of 0.",
		Consequences: []Consequence{{Text: "WARN_ON(count != 0) only: the session comes back without its files (silent data loss)", Outcome: OutcomeDataUnreachable}},
		Source:       srcFile + "; §9.12"},
	{ID: "LUO015", Name: "file-count", Severity: SevError, Origin: OriginKernel, Generations: "array era",
		Check:        "A session's file count fits its file array (LUO_FILE_MAX, 2 pages); the kernel does not check (OBSERVED).",
		Consequences: []Consequence{{Text: "luo_file_deserialize() reads past the array: garbage files, retrieve failures"}},
		Source:       srcFile + "; §9.6"},
	{ID: "LUO016", Name: "block-chain", Severity: SevError, Origin: OriginKernel, Generations: "block era (L-blk and later)",
		Check: "A KHO block chain has no cycle and at most KHO_MAX_BLOCKS (10000) blocks.",
		Consequences: []Consequence{
			{Where: ".files", Generations: luo72, Text: "the file chain is restored at the first open: a Floyd cycle or more than 20000 blocks is \"Block set is corrupted\" (-EINVAL), 10001 to 20000 blocks -ENOSPC: " + txtOpenEIO, Outcome: OutcomeOpenError},
			{Generations: luo72, Text: "the session chain is restored at early_initcall: a Floyd cycle or more than 20000 blocks is \"Block set is corrupted\" (-EINVAL), 10001 to 20000 blocks -ENOSPC: " + txtLUOPanic, Outcome: OutcomePanic},
			{Text: "\"Block set is corrupted\", -EINVAL: " + txtOpenEIO}},
		Source: srcBlocks + "; " + src72},
	{ID: "LUO017", Name: "block-count", Severity: SevError, Origin: OriginKernel, Generations: "block era",
		Check: "Every block's count is between 1 and its capacity ((PAGE_SIZE-16)/entry size). 7.2 itself leaves a trailing count-0 session block after a duplicate-name create at k*51 sessions (luo_session_create grows the block set before the -EEXIST check).",
		Consequences: []Consequence{
			{Where: ".files", Generations: luo72, Text: "\"Block contains invalid entry count\", -EINVAL at the first open: " + txtOpenEIO, Outcome: OutcomeOpenError},
			{Generations: luo72, Text: "\"Block contains invalid entry count\", -EINVAL while the session chain is restored at early_initcall: " + txtLUOPanic, Outcome: OutcomePanic},
			{Text: "\"Block contains invalid entry count\", -EINVAL: " + txtOpenEIO}},
		Source: srcBlocks + "; " + src72},
	{ID: "LUO018", Name: "file-count-mismatch", Severity: SevError, Origin: OriginKernel, Generations: "block era",
		Check:        "The entries of a session's file chain add up to file_set.count.",
		Consequences: []Consequence{{Text: "\"File count mismatch\", -EINVAL: " + txtOpenEIO, Outcome: OutcomeOpenError}},
		Source:       srcBlocks + "; " + src72},
	{ID: "LUO019", Name: "flb-count", Severity: SevError, Origin: OriginKernel, Generations: "all with FLBs",
		Check:        "The FLB count fits the one-page FLB area (LUO_FLB_MAX); the kernel does not check (OBSERVED).",
		Consequences: []Consequence{{Text: "the linear FLB scan reads past the page"}},
		Source:       srcFLB + "; §9.6"},
	{ID: "LUO020", Name: "flb-refcount-zero", Severity: SevError, Origin: OriginKernel, Generations: "all with FLBs",
		Check:        "Every FLB's count (the incoming reference count) is at least 1.",
		Consequences: []Consequence{{Text: "the incoming reference count underflows (OBSERVED): the FLB's finish never runs or runs early"}},
		Source:       srcFLB + "; §9.18"},
	{ID: "LUO021", Name: "flb-header-zero", Severity: SevError, Origin: OriginKernel, Generations: "L-v5, L-v6, L-FLB, L-luo-v5",
		Check: "The FDT-era luo-flb-header, and the luo_ser flbs_pa of a generation whose kernels always write it (L-luo-v5), is not 0.",
		Consequences: []Consequence{
			{Generations: luo72, Text: "stored unchecked: every FLB's incoming state is missing (liveupdate_flb_get_incoming gives -ENODATA) and finishing the files underflows the FLB refcount (seen: \"refcount_t: underflow; use-after-free\" WARNING); the files themselves come back", Outcome: OutcomeAcceptedWithWarning},
			{Text: "FLBs are read from phys_to_virt(0): garbage FLB state"}},
		Source: "docs/abi/kernel-rules.md §9.11; luo_flb_setup_incoming() in kernel/liveupdate/luo_flb.c:578-589 (linux-source-7.2 7.2.12); " + src72},
	{ID: "LUO022", Name: "feature-header", Severity: SevError, Origin: OriginKernel, Generations: "L-feat",
		Check:        "The luo_ser feature header is consistent: req and active within supp, every req bit known, reserved words 0, inactive members 0.",
		Consequences: []Consequence{{Text: "the reader refuses the blob: " + txtLUOPanic, Outcome: OutcomePanic}},
		Source:       "docs/abi/generations.md §4.12"},
	{ID: "LUO023", Name: "handler-unknown", Severity: SevError, Origin: OriginKernel, Generations: "all with files",
		Check: "A memfd-family handler string is one some memfd generation registers.",
		Consequences: []Consequence{
			{Generations: append(append([]abi.Tag{}, luo72...), mfd72...), Text: "\"No registered handler\" (-ENOENT) fails the whole file deserialization at the first open: " + txtOpenEIO + "; every session is unreachable", Outcome: OutcomeOpenError},
			{Text: "\"No registered handler for compatible\": -ENOENT, " + txtRetrieve}},
		Source: srcFile + "; " + src72},
	{ID: "LUO024", Name: "handler-not-analysed", Severity: SevInfo, Origin: OriginDeeper, Generations: "all with files",
		Check: "The file's handler is one this build decodes (memfd); other payloads are not validated.",
		Consequences: []Consequence{
			{Generations: luo72, Text: "none if the next kernel registers the handler; if it does not, the first open fails with -EIO and every session is unreachable"},
			{Text: "none known; retrieve fails with -ENOENT if the next kernel lacks the handler"}},
		Source: "docs/abi/generations.md §5.6"},
	{ID: "LUO025", Name: "file-data-zero", Severity: SevError, Origin: OriginKernel, Generations: "all with files",
		Check:        "A memfd file's data address is not 0 (phys_to_virt(0) is not NULL, so the kernel does not catch it).",
		Consequences: []Consequence{{Text: "the descriptor is read from PA 0: garbage, retrieve fails or restores wrong pages"}},
		Source:       srcMemfd + "; §9.11"},

	// memfd.
	{ID: "MFD001", Name: "memfd-seals", Severity: SevError, Origin: OriginKernel, Generations: "M2a, M2b, M3, M4",
		Check: "Seals are within MEMFD_LUO_ALL_SEALS (M4: MEMFD_LUO_BASE_SEALS, and only with MEMFD_LUO_FEATURE_SEALS active).",
		Consequences: []Consequence{
			{Generations: mfd72, Text: "-EOPNOTSUPP from RETRIEVE_FD (seen): " + txtRetrieve, Outcome: OutcomeRetrieveError},
			{Text: "-EOPNOTSUPP from retrieve (UNVERIFIED against the original): " + txtRetrieve, Outcome: OutcomeRetrieveError}},
		Source: srcMemfd + "; " + src72},
	{ID: "MFD002", Name: "memfd-flags", Severity: SevWarning, Origin: OriginDeeper, Generations: "M2a, M2b, M3, M4",
		Check:        "The M2b/M3/M4 flags word and the M2a reserved bits are 0.",
		Consequences: []Consequence{{Text: "unknown; whether retrieve rejects non-zero flags is UNVERIFIED, and M2a/M2b read such bits differently"}},
		Source:       srcMemfd + "; docs/abi/generations.md §7.3"},
	{ID: "MFD003", Name: "memfd-features", Severity: SevError, Origin: OriginKernel, Generations: "M4",
		Check:        "The M4 feature header is consistent: req and active within supp, req bits known, reserved words 0, folios only with MEMFD_LUO_FEATURE_FOLIOS.",
		Consequences: []Consequence{{Text: "the handler refuses the descriptor: " + txtRetrieve}},
		Source:       "docs/abi/generations.md §5.5; linux-mm/linux-mm@c30cc99c"},
	{ID: "MFD004", Name: "nr-folios-size", Severity: SevWarning, Origin: OriginDeeper, Generations: "all memfd",
		Check:        "nr_folios is at most the pages size covers (memfd_pin_folios gives one folio per page at most); M0's nr_folios property matches the records.",
		Consequences: []Consequence{{Text: "not checked (OBSERVED): extra folios land past i_size or collide"}},
		Source:       "docs/abi/kernel-rules.md §9.19"},
	{ID: "MFD005", Name: "vmalloc-flags", Severity: SevWarning, Origin: OriginKernel, Generations: "M1 and later",
		Check:        "The folio area's kho_vmalloc flags hold only KHO_VMALLOC_ALLOC and KHO_VMALLOC_HUGE_VMAP.",
		Consequences: []Consequence{{Text: "kho_flags_to_vmalloc() silently drops unknown bits (OBSERVED)"}},
		Source:       srcVmalloc},
	{ID: "MFD006", Name: "vmalloc-area", Severity: SevError, Origin: OriginKernel, Generations: "M1 and later",
		Check:        "The folio area's chunk chain has no cycle, its blocks cover exactly total_pages, and no block or chunk page repeats or overlaps another.",
		Consequences: []Consequence{{Text: "kho_restore_vmalloc() returns NULL (a repeated page fails its second restore): -EINVAL, " + txtRetrieve + " (seen for a total_pages mismatch and a chunk cycle); the folios already restored leak", Outcome: OutcomeRetrieveError}},
		Source:       srcVmalloc + "; " + src72},
	{ID: "MFD007", Name: "vmalloc-order", Severity: SevError, Origin: OriginKernel, Generations: "M1 and later",
		Check:        "The folio area's order is small enough that a block of 2^order pages is addressable.",
		Consequences: []Consequence{{Text: "1 << order overflows (order is not bounded, OBSERVED): the restore reads or rejects nonsense"}},
		Source:       srcVmalloc},
	{ID: "MFD008", Name: "nr-folios-capacity", Severity: SevError, Origin: OriginKernel, Generations: "M1 and later",
		Check:        "nr_folios records fit in the vmalloc area (nr_folios * 16 <= total_pages * 4096); the kernel does not check (OBSERVED).",
		Consequences: []Consequence{{Text: "the restore loop reads records past the area: garbage folios, -EIO or wrong pages"}},
		Source:       srcMemfd + " (step 4)"},
	{ID: "MFD009", Name: "folio-hole", Severity: SevWarning, Origin: OriginFingerprint, Generations: "all memfd",
		Check: "No folio record has pfn 0 (a hole the kernel skips; a real producer never writes one).",
		Consequences: []Consequence{
			{Generations: []abi.Tag{"M0"}, Text: "with flags set the record is not a hole: the kernel restores PA 0 and fails"},
			{Text: "the page-cache index stays empty: reads return zeroes"}},
		Source: srcMemfd + " (step 5); §8.4"},
	{ID: "MFD010", Name: "folio-flags", Severity: SevWarning, Origin: OriginKernel, Generations: "all memfd",
		Check:        "Folio flags hold only DIRTY and UPTODATE.",
		Consequences: []Consequence{{Text: "unknown bits are ignored (OBSERVED)"}},
		Source:       srcMemfd + " (step 5)"},
	{ID: "MFD011", Name: "folio-index-range", Severity: SevWarning, Origin: OriginDeeper, Generations: "all memfd",
		Check:        "Every folio index lies below DIV_ROUND_UP(size, PAGE_SIZE).",
		Consequences: []Consequence{{Text: "not checked (OBSERVED): the folio sits past i_size, invisible and leaked"}},
		Source:       "docs/abi/kernel-rules.md §9.19"},
	{ID: "MFD012", Name: "folio-index-duplicate", Severity: SevError, Origin: OriginKernel, Generations: "all memfd",
		Check:        "Folio indices are unique.",
		Consequences: []Consequence{{Text: "shmem_add_to_page_cache() fails for the second (-EEXIST in 7.2): " + txtRetrieve, Outcome: OutcomeRetrieveError}},
		Source:       srcMemfd + " (step 5); §9.19"},

	{ID: "MFD013", Name: "memfd-pos-range", Severity: SevWarning, Origin: OriginKernel, Generations: "all memfd",
		Check: "pos is at most MAX_LFS_FILESIZE (LLONG_MAX).",
		Consequences: []Consequence{
			{Generations: mfd72, Text: "vfs_setpos() refuses it and RETRIEVE_FD ignores the error: the file comes back at position 0, silently", Outcome: OutcomeAccepted},
			{Text: "the position is not restored"}},
		Source: srcMemfd + "; memfd_luo_retrieve() in mm/memfd_luo.c:552 (linux-source-7.2 7.2.12); docs/abi/linux-7.2.md §5"},
	{ID: "MFD014", Name: "folio-index-alignment", Severity: SevWarning, Origin: OriginFingerprint, Generations: "all memfd",
		Check: "A folio of 2^n pages (the order of its preserved block) sits at a page-cache index that is a multiple of 2^n, as a real producer writes it (the page cache keeps large folios aligned).",
		Consequences: []Consequence{
			{Generations: mfd72, Text: "7.2 does not check it: the page cache stores the large folio at the aligned index below, and RETRIEVE_FD succeeds with the contents intact (seen); only a hand-made or foreign producer writes it", Outcome: OutcomeAccepted},
			{Text: "unknown: the folio is stored at the aligned index or refused"}},
		Source: srcMemfd + "; " + src72},

	// Other clients.
	{ID: "CLI001", Name: "kexec-metadata", Severity: SevWarning, Origin: OriginKernel, Generations: "K3 and later",
		Check:        "kexec-metadata: blob-size >= 4, version == 1, blob-size >= 73, previous_release NUL-terminated.",
		Consequences: []Consequence{{Text: "a warning (seen: \"kexec-metadata version 2 not supported (expected 1)\"), and the metadata is ignored", Outcome: OutcomeAcceptedWithWarning}},
		Source:       "docs/abi/kernel-rules.md §6.9; torvalds/linux@40735a683bf8; " + src72},
	{ID: "CLI002", Name: "memblock", Severity: SevWarning, Origin: OriginKernel, Generations: "all KHO",
		Check:        "The memblock client is a memblock-v1 FDT whose reserve-mem-v1 regions have 8-byte start and size.",
		Consequences: []Consequence{{Text: "the reserve_mem region is allocated afresh and its contents lost", Outcome: OutcomeAcceptedWithWarning}},
		Source:       "docs/abi/kernel-rules.md §6.9"},
	{ID: "CLI003", Name: "kho-test", Severity: SevWarning, Origin: OriginKernel, Generations: "all KHO",
		Check:        "The kho_test client has compatible kho-test-v1, the magic, and exact property lengths.",
		Consequences: []Consequence{{Text: "the test module reports a failure"}},
		Source:       "docs/abi/kernel-rules.md §6.9; lib/test_kho.c torvalds/linux@136114e0abf0"},
	{ID: "CLI004", Name: "reserve-mem-next-kernel", Severity: SevWarning, Origin: OriginKernel, Generations: "all KHO (checked with the next kernel's command line)",
		Check:        "Each preserved reserve_mem region is asked for by the next kernel (reserve_mem=SIZE:ALIGN:NAME) with the same size, and its start meets that alignment.",
		Consequences: []Consequence{{Text: "reserve_mem_kho_revive() warns (seen: \"KHO reserve-mem 'NAME' has wrong size\") and allocates the region afresh: its contents are lost; a region no reserve_mem= names is not revived at all", Outcome: OutcomeAcceptedWithWarning}},
		Source:       "reserve_mem_kho_revive() in mm/memblock.c:2659-2706 (linux-source-7.2 7.2.12); " + src72},

	// Producer fingerprint.
	{ID: "FP001", Name: "string-padding", Severity: SevInfo, Origin: OriginFingerprint, Generations: "all",
		Check:        "Bytes after the NUL of names and compatibles are zero (blocks are zeroed before use).",
		Consequences: []Consequence{{Text: "none: the kernel stops at the NUL"}},
		Source:       srcFingerprint + ".5; §9.7"},
	{ID: "FP002", Name: "unused-slots", Severity: SevInfo, Origin: OriginFingerprint, Generations: "all",
		Check:        "Unused slots are zero: vmalloc chunk phys[] after the terminator, block entries past count, array entries past count.",
		Consequences: []Consequence{{Text: "none: the kernel does not read them"}},
		Source:       srcFingerprint + ".4, §8.5"},
	{ID: "FP003", Name: "folio-order", Severity: SevInfo, Origin: OriginFingerprint, Generations: "all memfd",
		Check:        "Folio records are in strictly ascending index order (memfd_pin_folios order).",
		Consequences: []Consequence{{Text: "none: the kernel has no ordering requirement"}},
		Source:       srcFingerprint + ".4"},
	{ID: "FP004", Name: "folio-descriptor-unused", Severity: SevInfo, Origin: OriginFingerprint, Generations: "M1 and later",
		Check:        "A memfd with nr_folios 0 has a zeroed folio descriptor.",
		Consequences: []Consequence{{Text: "none: the kernel ignores it"}},
		Source:       srcFingerprint + ".4"},
	{ID: "FP005", Name: "block-fill", Severity: SevInfo, Origin: OriginFingerprint, Generations: "block era",
		Check:        "Every block of a chain but the last is full (append-only filling; UNVERIFIED).",
		Consequences: []Consequence{{Text: "none"}},
		Source:       srcFingerprint + ".5"},
	{ID: "FP006", Name: "fdt-header", Severity: SevInfo, Origin: OriginFingerprint, Generations: "all KHO",
		Check:        "The root FDT was written by libfdt as the kernel does: version 17, last compatible version 16, boot CPU 0.",
		Consequences: []Consequence{{Text: "none"}},
		Source:       srcFingerprint + ".1"},
}
