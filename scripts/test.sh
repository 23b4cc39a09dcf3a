#!/usr/bin/env bash
# The whole test suite. Oracle tests (dtc, libfdt, gcc) skip when a tool is
# missing unless LUOINSPECT_REQUIRE_ORACLES=1, as .ci/run sets.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
go test -race -count=1 ./...
