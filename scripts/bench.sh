#!/usr/bin/env bash
# Performance measurements of issue #9, side by side in one run, written
# into docs/performance.md between the BEGIN/END markers. Heavy (a few
# minutes, ~1.5 GiB of memory, ~600 MB of disk): not run in CI.
#
#   scripts/bench.sh [--quick] [--no-doc]
#
# --quick   use 2^20 and 2^22 folios instead of 2^20 and 2^24 (64 GiB)
# --no-doc  print the table only, leave docs/performance.md alone
#
# It installs nothing. It needs go, and for each part a tool it reports
# when missing (that part is then skipped): gcc + libfdt-dev (the libfdt C
# comparison), /usr/bin/time (Debian package "time": whole-process wall
# time and peak RSS); hyperfine is used for the sample dump when present.
# Set BENCH_DIR to keep the generated states somewhere else than a
# temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export PATH="/usr/local/go/bin:$PATH"

quick=0 doc=1
for arg in "$@"; do
	case $arg in
	--quick) quick=1 ;;
	--no-doc) doc=0 ;;
	*) echo "usage: $0 [--quick] [--no-doc]" >&2; exit 2 ;;
	esac
done

small=$((1 << 20)) # 4 GiB memfd
large=$((1 << 24)) # 64 GiB memfd: 16.7 million folios
[ "$quick" = 1 ] && large=$((1 << 22))

# --- what is there --------------------------------------------------------
missing=()
command -v go >/dev/null || { echo "bench.sh: go is required" >&2; exit 1; }
have_c=1
if ! command -v gcc >/dev/null; then have_c=0; missing+=("gcc (Debian: gcc)"); fi
if [ ! -f /usr/include/libfdt.h ]; then have_c=0; missing+=("libfdt headers and library (Debian: libfdt-dev)"); fi
have_time=1
if [ ! -x /usr/bin/time ]; then have_time=0; missing+=("/usr/bin/time (Debian: time)"); fi
have_hyperfine=0
command -v hyperfine >/dev/null && have_hyperfine=1
for m in "${missing[@]}"; do echo "bench.sh: missing $m: that part is skipped" >&2; done

work=${BENCH_DIR:-$(mktemp -d /tmp/luoinspect-bench.XXXXXX)}
mkdir -p "$work"
log() { printf '== %s\n' "$*" >&2; }

log "building luoinspect into $work"
go build -o "$work/luoinspect" ./cmd/luoinspect
li=$work/luoinspect

# --- states ---------------------------------------------------------------
# spec N FILE: one memfd of N order-0 folios (pages preserved, contents not
# placed) plus 64 sessions of four 1 MiB memfds and one iommufd file each.
spec() {
	{
		echo "name: bench-$1"
		echo "kho: K4"
		echo "luo: L-luo-v5"
		echo "memfd: M2b"
		echo "liveupdate_number: 3"
		echo "sessions:"
		echo "  - name: guest"
		echo "    files:"
		echo "      - token: 1"
		echo "        memfd: {size: $(($1 * 4096))}"
		for s in $(seq 0 63); do
			echo "  - name: vm$s"
			echo "    files:"
			for t in 1 2 3 4; do
				echo "      - token: $t"
				echo "        memfd: {size: 1048576}"
			done
			echo "      - token: 9"
			echo "        handler: iommufd-v1"
			echo "        data: 0"
		done
	} >"$2"
}

# timed NAME CMD...: runs CMD under /usr/bin/time -v (or bash's clock) and
# records wall seconds and peak RSS (KiB) in $work/time.NAME.
timed() {
	local name=$1
	shift
	if [ "$have_time" = 1 ]; then
		/usr/bin/time -v -o "$work/time.$name" "$@" >"$work/out.$name" 2>"$work/err.$name"
	else
		local t0 t1
		t0=$(date +%s.%N)
		"$@" >"$work/out.$name" 2>"$work/err.$name"
		t1=$(date +%s.%N)
		echo "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:$(echo "$t1 - $t0" | bc)" >"$work/time.$name"
	fi
}
# timed_null NAME CMD...: timed, with stdout thrown away (output of GBs).
timed_null() {
	local name=$1
	shift
	timed "$name" bash -c '"$@" >/dev/null' _ "$@"
}
wall() { # seconds
	awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$work/time.$1"
}
cpu() { # user + system seconds, or n/a
	awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ { s += $2; f = 1 } END { if (f) printf "%.2f", s; else printf "n/a" }' "$work/time.$1"
}
rss() { # MiB, or n/a
	awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024; f = 1 } END { if (!f) printf "n/a" }' "$work/time.$1"
}

for n in $small $large; do
	spec "$n" "$work/spec-$n.yaml"
	log "encoding $n folios"
	timed "encode-$n" "$li" encode "$work/spec-$n.yaml" --out "$work/state-$n" --force
done

# pin runs a command on one core when taskset is there.
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
declare -A records

# --- Go benchmarks --------------------------------------------------------
# gobench PKG REGEX FOLIOS: one run of the package's benchmarks, on one
# core (GOMAXPROCS=1), into $work/bench.PKGNAME.
gobench() {
	local name
	name=$(basename "$1")
	log "go test -bench '$2' $1 (folios=$3)"
	LUOINSPECT_BENCH_FOLIOS=$3 LUOINSPECT_BENCH_FDT_DIR=$work/fdt \
		go test "$1" -run '^$' -bench "$2" -benchtime "${4:-1s}" -cpu 1 -count 1 >"$work/bench.$name"
}
# metric FILE BENCH UNIT: the value before UNIT on the line of BENCH.
metric() {
	awk -v b="$2" -v u="$3" '$1 == b { for (i = 3; i <= NF; i++) if ($i == u) { print $(i - 1); exit } }' "$work/bench.$1"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
fmtn() { awk -v x="$1" 'BEGIN { if (x == "") print "n/a"; else if (x >= 1e6) printf "%.1f M", x / 1e6; else printf "%.0f", x }'; }

mkdir -p "$work/fdt"
gobench ./fdt/udt . "$small"
gobench ./memfd 'FolioStreamLarge|MemcpyBaselineLarge' "$large" 3x
gobench ./validate CheckLarge "$large" 3x
gobench ./handover 'WalkLarge|WalkSample' "$large" 3x

# --- libfdt C -------------------------------------------------------------
declare -A cwall ccpu
if [ "$have_c" = 1 ]; then
	log "libfdt C harness"
	gcc -O2 -o "$work/libfdt_walk" scripts/bench/libfdt_walk.c -lfdt
	"$work/libfdt_walk" "$work"/fdt/*.dtb >"$work/bench.libfdt"
	while read -r f _ w c; do
		cwall[${f%.dtb}]=$w
		ccpu[${f%.dtb}]=$c
	done <"$work/bench.libfdt"
fi

# --- whole process ----------------------------------------------------------
for n in $small $large; do
	snap=$work/state-$n/state.core
	log "dump / validate / capture of $n folios"
	timed "dump-$n" "$li" dump "$snap"
	timed "validate-$n" "$li" validate "$snap"
	timed "capture-$n" "$li" capture "$snap" --out "$work/capture-$n.core"
	log "dump --detail full -o jsonl of $n folios to /dev/null, one core"
	timed_null "jsonl-$n" env GOMAXPROCS=1 $pin "$li" dump "$snap" -o jsonl
	records[$n]=$("$li" dump "$snap" -o jsonl | wc -l)
done

# --- content digest ---------------------------------------------------------
# A 1 GiB memfd whose pages the snapshot holds: dump --digest hashes it in
# file order; sha256sum hashes the snapshot file (the same number of bytes
# plus the state's own pages) on the same machine, one after the other.
log "content digest of a 1 GiB memfd"
{
	echo "name: bench-digest"
	echo "kho: K4"
	echo "luo: L-luo-v5"
	echo "memfd: M2b"
	echo "sessions:"
	echo "  - name: guest"
	echo "    files:"
	echo "      - token: 1"
	echo "        memfd: {size: 1073741824, with_data: true}"
} >"$work/spec-digest.yaml"
[ -f "$work/state-digest/state.core" ] || "$li" encode "$work/spec-digest.yaml" --out "$work/state-digest" 2>/dev/null
cat "$work/state-digest/state.core" >/dev/null # same page-cache state for both
timed "digest" env GOMAXPROCS=1 $pin "$li" dump "$work/state-digest/state.core" --digest
timed "sha256sum" $pin sha256sum "$work/state-digest/state.core"

sample=k4-luov5-m2b
runs=30
log "dump --sample $sample"
if [ "$have_hyperfine" = 1 ]; then
	hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/hyperfine.json" "$li dump --sample $sample" >&2
	sample_ms=$(awk -F': ' '/"mean"/ { gsub(/,/, "", $2); printf "%.1f", $2 * 1000; exit }' "$work/hyperfine.json")
	sample_how="hyperfine, $runs runs"
else
	"$li" dump --sample "$sample" >/dev/null
	t0=$(date +%s%N)
	for _ in $(seq "$runs"); do "$li" dump --sample "$sample" >/dev/null; done
	t1=$(date +%s%N)
	sample_ms=$(awk -v a="$t0" -v b="$t1" -v n="$runs" 'BEGIN { printf "%.1f", (b - a) / n / 1e6 }')
	sample_how="mean of a loop of $runs runs (hyperfine not installed)"
fi
# CPU time of the same command (user + system), immune to other load.
sample_cpu=n/a
if [ "$have_time" = 1 ]; then
	: >"$work/time.sample"
	for _ in $(seq "$runs"); do
		/usr/bin/time -a -o "$work/time.sample" -f '%U %S' "$li" dump --sample "$sample" >/dev/null
	done
	sample_cpu=$(awk '{ s += $1 + $2; n++ } END { printf "%.1f", s / n * 1000 }' "$work/time.sample")
fi

# --- table ------------------------------------------------------------------
snapmib() { awk -v s="$(stat -c %s "$work/state-$1/state.core")" 'BEGIN { printf "%.0f", s / 1048576 }'; }
table() {
	echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(go version | awk '{ print $3 }'), load average $(cut -d' ' -f1 /proc/loadavg) at the end."
	echo
	echo "### (a) FDT parse + full walk, same blobs"
	echo
	echo "| Blob | ours ns/op (cpu) | u-root ns/op (cpu) | libfdt C ns/op (cpu) | u-root / ours | ours / libfdt |"
	echo "|---|---|---|---|---|---|"
	for c in kho-root nodes=10 nodes=1000; do
		o=$(metric udt "BenchmarkParseWalk/$c" ns/op) oc=$(metric udt "BenchmarkParseWalk/$c" cpu-ns/op)
		u=$(metric udt "BenchmarkURootReadFDT/$c" ns/op) uc=$(metric udt "BenchmarkURootReadFDT/$c" cpu-ns/op)
		cw=${cwall[$c]:-} cc=${ccpu[$c]:-}
		echo "| $c | $o ($oc) | $u ($uc) | ${cw:-n/a} (${cc:-n/a}) | $(ratio "$uc" "$oc") | $(ratio "$oc" "$cc") |"
	done
	echo
	echo "Ratios use CPU time (wall time is shown first; other work on the machine inflates it)."
	echo
	echo "### (b) Folio streaming and validation, $large folios ($((large / 262144)) GiB memfd), one core"
	echo
	echo "| Benchmark | ns/op | MB/s | folios/s (wall) | folios/s (cpu) | vs memcpy (MB/s) |"
	echo "|---|---|---|---|---|---|"
	local mc
	mc=$(metric memfd BenchmarkMemcpyBaselineLarge MB/s)
	for b in BenchmarkMemcpyBaselineLarge BenchmarkFolioStreamLarge/Next BenchmarkFolioStreamLarge/NextBatch; do
		local ns mb
		ns=$(metric memfd "$b" ns/op) mb=$(metric memfd "$b" MB/s)
		echo "| memfd ${b#Benchmark} | $ns | $mb | $(fmtn "$(awk -v n="$large" -v t="$ns" 'BEGIN { if (t > 0) print n / t * 1e9 }')") | | $(ratio "$mb" "$mc") |"
	done
	local vmc
	vmc=$(metric validate BenchmarkCheckLarge/MemcpyBaseline MB/s)
	for b in BenchmarkCheckLarge/MemcpyBaseline BenchmarkCheckLarge/Check; do
		local ns mb fw cpu
		ns=$(metric validate "$b" ns/op) mb=$(metric validate "$b" MB/s) fw=$(metric validate "$b" folios/s) cpu=$(metric validate "$b" cpu-ns/op)
		echo "| validate ${b#Benchmark} | $ns | $mb | $(fmtn "$fw") | $(fmtn "$(awk -v n="$large" -v t="$cpu" 'BEGIN { if (t > 0) print n / t * 1e9 }')") | $(ratio "$mb" "$vmc") |"
	done
	local wns wcpu
	wns=$(metric handover BenchmarkWalkLarge ns/op) wcpu=$(metric handover BenchmarkWalkLarge cpu-ns/op)
	echo "| handover.Walk (map + index + descriptors) | $wns | | $(fmtn "$(metric handover BenchmarkWalkLarge folios/s)") | $(fmtn "$(awk -v n="$large" -v t="$wcpu" 'BEGIN { if (t > 0) print n / t * 1e9 }')") | |"
	echo
	echo "### (c) Whole process (/usr/bin/time -v)"
	echo
	if [ "$have_time" = 1 ]; then
		echo "| Command | $small folios: wall s (cpu s) | peak RSS MiB | $large folios: wall s (cpu s) | peak RSS MiB |"
	else
		echo "| Command | $small folios: wall s | peak RSS | $large folios: wall s | peak RSS |"
	fi
	echo "|---|---|---|---|---|"
	for c in encode dump validate capture; do
		echo "| luoinspect $c | $(wall "$c-$small") ($(cpu "$c-$small")) | $(rss "$c-$small") | $(wall "$c-$large") ($(cpu "$c-$large")) | $(rss "$c-$large") |"
	done
	echo
	echo "Snapshot sizes (the input mapping): $(snapmib "$small") MiB and $(snapmib "$large") MiB."
	echo
	echo "### (e) Every record: \`dump -o jsonl\` to /dev/null, one core (GOMAXPROCS=1${pin:+, $pin})"
	echo
	echo "| Folios | Records (lines) | wall s (cpu s) | peak RSS MiB | records/s (wall) |"
	echo "|---|---|---|---|---|"
	for n in $small $large; do
		echo "| $n | ${records[$n]} | $(wall "jsonl-$n") ($(cpu "jsonl-$n")) | $(rss "jsonl-$n") | $(fmtn "$(awk -v r="${records[$n]}" -v t="$(wall "jsonl-$n")" 'BEGIN { if (t > 0) print r / t }')") |"
	done
	echo
	echo "### (f) Content digest of a 1 GiB memfd held in a snapshot"
	echo
	local dsz ssz
	dsz=1073741824 ssz=$(stat -c %s "$work/state-digest/state.core")
	echo "| Command | bytes hashed | wall s (cpu s) | MB/s (wall) | peak RSS MiB |"
	echo "|---|---|---|---|---|"
	echo "| luoinspect dump --digest | $dsz | $(wall digest) ($(cpu digest)) | $(awk -v b="$dsz" -v t="$(wall digest)" 'BEGIN { if (t > 0) printf "%.0f", b / t / 1e6 }') | $(rss digest) |"
	echo "| sha256sum state.core | $ssz | $(wall sha256sum) ($(cpu sha256sum)) | $(awk -v b="$ssz" -v t="$(wall sha256sum)" 'BEGIN { if (t > 0) printf "%.0f", b / t / 1e6 }') | $(rss sha256sum) |"
	echo
	echo "dump --digest runs at $(awk -v a="$(wall digest)" -v b="$(wall sha256sum)" -v d="$dsz" -v s="$ssz" 'BEGIN { if (a > 0 && b > 0) printf "%.0f", (d / a) / (s / b) * 100; else print "n/a" }') % of sha256sum's throughput (the whole walk included)."
	echo
	echo "### (d) \`luoinspect dump --sample $sample\`, whole process"
	echo
	echo "| Mean wall ms | Mean cpu ms (user + sys) | How |"
	echo "|---|---|---|"
	echo "| $sample_ms | $sample_cpu | $sample_how |"
}
table >"$work/table.md"
cat "$work/table.md"

if [ "$doc" = 1 ]; then
	doc_file=docs/performance.md
	begin='<!-- BEGIN bench.sh table -->' end='<!-- END bench.sh table -->'
	if ! grep -qF "$begin" "$doc_file" 2>/dev/null; then
		echo "bench.sh: $doc_file has no '$begin' marker; not updated" >&2
		exit 1
	fi
	awk -v b="$begin" -v e="$end" -v t="$work/table.md" '
		$0 == b { print; while ((getline l < t) > 0) print l; skip = 1; next }
		$0 == e { skip = 0 }
		!skip' "$doc_file" >"$work/performance.md"
	cp "$work/performance.md" "$doc_file"
	log "table written into $doc_file (states kept in $work)"
fi
