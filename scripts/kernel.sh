#!/usr/bin/env bash
# Fetch Debian's linux-source-MAJOR.MINOR package and build a minimal x86_64
# kernel that writes the live-update handover state (tinyconfig plus
# scripts/kernel/luo.config). The package is downloaded, never installed, through
# a private apt sources list for trixie-backports whose archive URI is read from
# this machine's own apt configuration.
#
# Usage: scripts/kernel.sh 7.2|7.3 [--source-only]
#
# Prints the cache directory on stdout. It holds bzImage, System.map, config,
# release and pkgversion; with --source-only only the unpacked tree (src/) is
# made. Everything lives under $LUOINSPECT_KERNEL_CACHE (default
# ~/.cache/luoinspect/kernels), keyed by package version and fragment hash, so a
# machine builds each kernel once.
set -euo pipefail

series=${1:?usage: scripts/kernel.sh 7.2|7.3 [--source-only]}
mode=${2:-build}
here=$(cd "$(dirname "$0")" && pwd)
fragment="$here/kernel/luo.config"
cache=${LUOINSPECT_KERNEL_CACHE:-$HOME/.cache/luoinspect/kernels}
pkg="linux-source-$series"
log() { printf 'kernel.sh: %s\n' "$*" >&2; }

archive_uri() {
	# The Debian archive this machine's apt already uses: a deb822 "URIs:" line
	# or a one-line "deb URI suite" entry naming a non-security suite.
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' "$f")
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		uri=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' "$f")
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	return 1
}

apt_dir="$cache/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$cache/debs"
uri=$(archive_uri) || { log "no Debian archive URI in /etc/apt; cannot fetch $pkg"; exit 1; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
echo "deb [signed-by=$keyring] $uri trixie-backports main" >"$apt_dir/sources.list"
aptopts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
	-o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root)

# Refresh the private index at most once a day.
if [ -z "$(find "$apt_dir/lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null)" ]; then
	apt-get -qq "${aptopts[@]}" update >&2
fi
version=$(apt-cache "${aptopts[@]}" policy "$pkg" | awk '/Candidate:/ {print $2}')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
	log "$pkg is not in trixie-backports of $uri"
	exit 1
fi

deb="$cache/debs/${pkg}_${version}_all.deb"
if [ ! -s "$deb" ]; then
	log "downloading $pkg $version"
	(cd "$cache/debs" && apt-get -qq "${aptopts[@]}" download "$pkg=$version" >&2)
	got=$(ls "$cache/debs/${pkg}_"*"${version#*:}"*_all.deb 2>/dev/null | head -n1)
	[ -n "$got" ] && [ "$got" != "$deb" ] && mv "$got" "$deb"
fi

src="$cache/src/$pkg-$version"
if [ ! -f "$src/.unpacked" ]; then
	log "unpacking $pkg $version"
	rm -rf "$src" && mkdir -p "$src"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -O "./usr/src/$pkg.tar.xz" | tar -xJ -C "$src" --strip-components=1
	touch "$src/.unpacked"
fi
if [ "$mode" = "--source-only" ]; then
	echo "$src"
	exit 0
fi

key=$( (cat "$fragment"; echo "$version") | sha256sum | cut -c1-12)
out="$cache/$pkg-$version-$key"
if [ -f "$out/bzImage" ]; then
	echo "$out"
	exit 0
fi

build="$cache/build/$pkg-$version-$key"
rm -rf "$build" && mkdir -p "$build"
log "building $pkg $version (config $key) in $build"
make -s -C "$src" O="$build" ARCH=x86_64 tinyconfig >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" "$fragment" >/dev/null
make -s -C "$src" O="$build" ARCH=x86_64 olddefconfig >&2
# Every option of the fragment must have survived olddefconfig.
missing=0
while read -r line; do
	case "$line" in CONFIG_*=*) grep -qx "$line" "$build/.config" || { log "config lost: $line"; missing=1; } ;; esac
done <"$fragment"
[ "$missing" -eq 0 ] || exit 1
make -s -C "$src" O="$build" ARCH=x86_64 -j"$(nproc)" bzImage >&2

tmp="$out.tmp.$$"
rm -rf "$tmp" && mkdir -p "$tmp"
cp "$build/arch/x86/boot/bzImage" "$build/System.map" "$tmp/"
cp "$build/.config" "$tmp/config"
make -s -C "$src" O="$build" ARCH=x86_64 kernelrelease >"$tmp/release"
echo "$version" >"$tmp/pkgversion"
rm -rf "$out" && mv "$tmp" "$out"
rm -rf "$build"
echo "$out"
