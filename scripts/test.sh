#!/usr/bin/env bash
# The whole test suite. Oracle tests (dtc, libfdt, gcc, QEMU, the real
# kernels) skip when a tool is missing unless LUOINSPECT_REQUIRE_ORACLES=1,
# as .ci/run sets. The real-kernel suite (e2e/realkernel) builds Linux 7.2
# and 7.3 on first use (about 6 minutes each, cached), hence the timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
go test -race -count=1 -timeout 45m ./...
