#!/bin/sh
# Fetch Debian's arm64 cloud kernel as data (no installation) and unpack it
# into a cache directory; print the path of the kernel Image on stdout.
#
#   tools/linux/fetch-kernel.sh CACHEDIR [FLAVOUR]
#
# FLAVOUR is the Debian kernel flavour: cloud-arm64 (the default: 4 KiB
# pages) or arm64-16k (16 KiB pages, CONFIG_ARM64_16K_PAGES; Debian ships no
# 64 KiB arm64 kernel). The newest linux-image-<flavour> wins, preferring
# bookworm-backports (Linux 6.12, the version the published reference
# numbers were taken on) over the release suite (6.1). The result is cached
# under CACHEDIR/<package version>/ and a "current" symlink ("current-16k"
# for arm64-16k), so CI fetches once. LINUX_PKG=linux-image-<ver>-<flavour>
# pins a specific package instead.
set -eu

cache=${1:?usage: fetch-kernel.sh CACHEDIR [cloud-arm64|arm64-16k]}
flavour=${2:-cloud-arm64}
case $flavour in
cloud-arm64) link=current ;;
arm64-16k) link=current-16k ;;
*) echo "fetch-kernel: unknown flavour '$flavour' (cloud-arm64 or arm64-16k)" >&2
   exit 1 ;;
esac
mkdir -p "$cache"
if [ -z "${LINUX_PKG:-}" ] && [ -r "$cache/$link/Image" ]; then
	echo "$cache/$link/Image"
	exit 0
fi

die() { echo "fetch-kernel: $*" >&2; exit 1; }

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	[ "$(id -u)" = 0 ] || die "arm64 is not a dpkg architecture here. Run as root:
  dpkg --add-architecture arm64 && apt-get update"
	dpkg --add-architecture arm64
	apt-get update -q >&2
fi

# The meta package depends on the versioned image package; take the
# backports candidate when that suite is enabled (tools/deps.sh enables it).
. /etc/os-release
bpo="${VERSION_CODENAME:-bookworm}-backports"
pkg=${LINUX_PKG:-}
if [ -z "$pkg" ]; then
	for rel in "/$bpo" ""; do
		pkg=$(apt-cache show "linux-image-$flavour:arm64$rel" 2>/dev/null |
			sed -n "s/^Depends:.*\(linux-image-[^ ,]*-$flavour\).*/\1/p" |
			head -n 1)
		[ -n "$pkg" ] && break
	done
fi
[ -n "$pkg" ] || die "no linux-image-$flavour:arm64 in the apt lists
  (run 'apt-get update'; for 6.12 enable $bpo, see tools/deps.sh)"

ver=${pkg#linux-image-}
dir="$cache/$ver"
if [ ! -r "$dir/Image" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	chmod 755 "$tmp" # apt drops privileges to _apt for the download
	echo "fetch-kernel: downloading $pkg:arm64" >&2
	(cd "$tmp" && apt-get download -q "$pkg:arm64" >&2) ||
		die "apt-get download $pkg:arm64 failed"
	dpkg -x "$tmp"/*.deb "$tmp/x"
	mkdir -p "$dir"
	# The Debian arm64 vmlinuz is either a plain arm64 Image or an EFI zboot
	# wrapper around a gzip'ed one (newer kernels); QEMU -kernel wants the
	# former, so unwrap when needed.
	img="$tmp/x/boot/vmlinuz-$ver"
	[ -r "$img" ] || die "$pkg has no boot/vmlinuz-$ver"
	python3 "$(dirname "$0")/unzboot.py" "$img" "$dir/Image.tmp"
	cp "$tmp/x/boot/config-$ver" "$dir/config"
	mv "$dir/Image.tmp" "$dir/Image"
fi
[ -n "${LINUX_PKG:-}" ] || ln -sfn "$ver" "$cache/$link"
echo "$dir/Image"
