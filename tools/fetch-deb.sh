#!/bin/sh
# Fetch an arm64 Debian package as data and unpack it under build/cache/.
#
#   tools/fetch-deb.sh [-d] PKG
#
# Prints the directory the package was unpacked into (build/cache/PKG).
# With -d, PKG is a metapackage (such as linux-image-arm64) and the package
# fetched is its first dependency (linux-image-6.1.0-N-arm64); the cache is
# still named after PKG, so callers need not know the version.
#
# Nothing is installed: the .deb is unpacked with dpkg -x. Idempotent: a
# package already unpacked (build/cache/PKG/.fetched) is not fetched again,
# so it works offline once cached. Enabling the arm64 architecture and
# refreshing the package lists needs root; otherwise the exact commands are
# printed and the script fails.
set -eu

follow=0
if [ "${1:-}" = "-d" ]; then follow=1; shift; fi
[ $# -eq 1 ] || { echo "usage: $0 [-d] PKG" >&2; exit 2; }
pkg=$1
cache=${CACHE:-build/cache}
dest=$cache/$pkg

if [ -r "$dest/.fetched" ]; then
	echo "$dest"
	exit 0
fi

need_root() {
	echo "fetch-deb: $1. Run as root:" >&2
	echo "  dpkg --add-architecture arm64 && apt-get update" >&2
	exit 1
}

# The arm64 package lists: add the architecture, refresh once if the
# package has no candidate yet.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	[ "$(id -u)" = 0 ] || need_root "the arm64 architecture is not enabled"
	dpkg --add-architecture arm64
	apt-get update -q >&2
fi
candidate() {
	apt-cache policy "$1:arm64" 2>/dev/null | sed -n 's/^ *Candidate: //p'
}
c=$(candidate "$pkg")
if [ -z "$c" ] || [ "$c" = "(none)" ]; then
	[ "$(id -u)" = 0 ] || need_root "no arm64 candidate for $pkg"
	apt-get update -q >&2
	c=$(candidate "$pkg")
	if [ -z "$c" ] || [ "$c" = "(none)" ]; then
		echo "fetch-deb: no arm64 package named $pkg" >&2
		exit 1
	fi
fi

real=$pkg
if [ $follow = 1 ]; then
	real=$(apt-cache depends "$pkg:arm64" | sed -n 's/^ *Depends: \([^ :<]*\).*/\1/p' | head -n 1)
	[ -n "$real" ] || { echo "fetch-deb: $pkg has no dependency to follow" >&2; exit 1; }
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fetch-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "fetch-deb: downloading $real:arm64" >&2
(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$real:arm64" >&2)
deb=$(ls "$tmp"/*.deb)
rm -rf "$dest.part"
mkdir -p "$dest.part"
dpkg -x "$deb" "$dest.part"
basename "$deb" > "$dest.part/.fetched"
rm -rf "$dest"
mv "$dest.part" "$dest"
echo "$dest"
