#!/bin/sh
# Make sure the Debian packages faultline needs are installed. As root it
# installs what is missing; otherwise it prints the apt-get lines to run and
# fails. Works on Debian 12 (bookworm: QEMU >= 9 comes from bookworm-backports)
# and Debian 13 and later (QEMU >= 9 is in the release).
#
# Three apt transactions, in this order:
#  1. everything from the release but QEMU and LAVA;
#  2. QEMU, with `-t <suite>-backports` where the release's QEMU is too old
#     (bookworm). apt's `pkg/release` form would pick that one package's
#     version only and leave qemu-system-common/-data at the release's,
#     which apt then refuses; `-t` makes backports the target for every
#     package of the transaction, dependencies included. Those can be
#     libraries transaction 1 installed: QEMU 10's libbpf1 needs
#     backports' libelf1, and gdb-multiarch's libdw1 must then follow it.
#     In this order apt upgrades them together; the other way round (QEMU
#     first) transaction 1 wants the release's libdw1 = its libelf1 and
#     gives up. lava-dispatcher needs qemu-system-x86 and qemu-utils
#     (through python3-guestfs): they come here too, at QEMU's version;
#  3. LAVA from the release, finding its QEMU installed.
#
# Everything goes in without Recommends: qemu-system-arm's alone would bring
# the GTK/SDL/spice/OpenGL front ends, GStreamer and UEFI firmware, none of
# which a headless run uses (-display none, -kernel or U-Boot). The two
# Recommends faultline does use are listed by name: ipxe-qemu, whose
# efi-virtio.rom the virt machine's default virtio-net-pci NIC loads (QEMU
# refuses to start without it), and libc6-dev-arm64-cross, which
# gcc-aarch64-linux-gnu recommends and the static Linux-side program
# (tools/linux/) links against.
#
# FAULTLINE_DEPS_DRY=1 prints the apt-get commands it would run and exits.
set -eu

PKGS="gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
clang lld libcmocka-dev libfdt-dev device-tree-compiler u-boot-qemu
u-boot-tools ipxe-qemu mtools dosfstools fdisk gdb-multiarch gnuplot-nox cpio
python3 make gcc libc6-dev git mmdebstrap"
# gcc and libc6-dev: the host tests (HOSTCC); git: BUILD_ID, the commit every
# boot report and CSV row names ("unknown" without it); mmdebstrap: the
# minimal root of test-install.
# LAVA (make lava, test-lava): the dispatcher, lavacli, the TFTP directory
# (/etc/default/tftpd-hpa names it) and telnet (the lab console command the
# Raspberry Pi device dictionaries validate against).
LAVA_PKGS="lava-dispatcher lavacli tftpd-hpa telnet python3-jinja2 python3-yaml"
QEMU_PKGS="qemu-system-arm qemu-system-x86 qemu-utils"
QEMU_MIN=9
APT_INSTALL="apt-get install -y -q --no-install-recommends"
DRY=${FAULTLINE_DEPS_DRY:-0}

run() {
	if [ "$DRY" = 1 ]; then echo "$*"; else "$@"; fi
}

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"
}

# The major version of an installed QEMU, or of the candidate apt would
# install from the default release (its Version: 1:10.0.2+ds-... -> 10).
qemu_major() {
	sed -n 's/^\(.*:\)\{0,1\}\([0-9]*\)\..*/\2/p' | head -n 1
}
qemu_ok() {
	command -v qemu-system-aarch64 >/dev/null 2>&1 || return 1
	v=$(qemu-system-aarch64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
	[ "${v:-0}" -ge "$QEMU_MIN" ]
}
release_qemu_ok() {
	v=$(apt-cache policy qemu-system-arm 2>/dev/null | sed -n 's/ *Candidate: //p' | qemu_major)
	[ "${v:-0}" -ge "$QEMU_MIN" ]
}

# The release's codename: VERSION_CODENAME, else (testing, sid before a
# release names it) the first word of /etc/debian_version ("trixie/sid").
codename() {
	VERSION_CODENAME=
	[ -r /etc/os-release ] && . /etc/os-release
	c=${VERSION_CODENAME:-$(sed -n 's,^\([a-z]*\)/.*,\1,p' /etc/debian_version 2>/dev/null)}
	echo "${c:-bookworm}"
}

# clang's runtime (libFuzzer, the sanitizers) is versioned with clang:
# libclang-rt-14-dev on bookworm, libclang-rt-19-dev on trixie.
clang_rt() {
	v=$(apt-cache depends clang 2>/dev/null | sed -n 's/.*Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -n 1)
	[ -n "$v" ] && echo "libclang-rt-$v-dev"
}

# Missing packages, outside QEMU's transaction: $missing from the release,
# $lava_missing after QEMU.
missing=""
for p in $PKGS; do
	installed "$p" || missing="$missing $p"
done
# LAVA left Debian after bookworm: trixie has lavacli but no
# lava-dispatcher. A LAVA package the release does not have is not missing
# but unavailable: named, not installed (make lava and test-lava need it).
# Without package lists nothing is available yet: this is asked again after
# apt-get update.
available() {
	c=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	[ -n "$c" ] && [ "$c" != "(none)" ]
}
lava_missing="" lava_none=""
lava() {
	lava_missing="" lava_none=""
	for p in $LAVA_PKGS; do
		installed "$p" && continue
		if available "$p"; then lava_missing="$lava_missing $p"; else lava_none="$lava_none $p"; fi
	done
}
lava
# Without the package lists, clang_rt finds nothing: count it missing then.
rt=$(clang_rt || true)
if [ -z "$rt" ] || ! installed "$rt"; then missing="$missing ${rt:-libclang-rt-dev}"; fi
# QEMU's transaction: QEMU too old or absent, or one of its packages
# missing (LAVA's qemu-system-x86 must come at QEMU's version).
need_qemu=0
qemu_ok || need_qemu=1
for p in $QEMU_PKGS; do
	installed "$p" || need_qemu=1
done

if [ -z "$missing$lava_missing" ] && [ $need_qemu = 0 ] && [ "$DRY" != 1 ]; then
	exit 0
fi

if [ "$(id -u)" != 0 ] && [ "$DRY" != 1 ]; then
	echo "faultline: missing packages. Run 'tools/deps.sh' as root (or 'sudo tools/deps.sh'), which does this:" >&2
	echo "  apt-get update" >&2
	[ -n "$missing" ] && echo "  apt-get install -y --no-install-recommends$missing" >&2
	[ $need_qemu = 1 ] && echo "  apt-get install -y --no-install-recommends [-t $(codename)-backports] $QEMU_PKGS   # QEMU >= $QEMU_MIN: from backports where the release's is older" >&2
	[ -n "$lava_missing" ] && echo "  apt-get install -y --no-install-recommends$lava_missing" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "faultline: installing:$missing${lava_missing}$([ $need_qemu = 0 ] || echo " $QEMU_PKGS")"
run apt-get update -q
# The package lists may only now be there: look clang's runtime up again.
rt=$(clang_rt || true)
missing=$(echo "$missing" | sed 's/ libclang-rt-[0-9a-z-]*dev//')
if [ -n "$rt" ] && ! installed "$rt"; then missing="$missing $rt"; fi

# 1. The release's packages.
[ -z "$(echo $missing)" ] || run $APT_INSTALL $missing
# 2. QEMU.
if [ $need_qemu = 1 ]; then
	if release_qemu_ok; then
		run $APT_INSTALL $QEMU_PKGS
	else
		suite="$(codename)-backports"
		if ! grep -rqs "$suite" /etc/apt/sources.list /etc/apt/sources.list.d/; then
			echo "faultline: enabling $suite for QEMU >= $QEMU_MIN"
			if [ "$DRY" != 1 ]; then
				cat > /etc/apt/sources.list.d/faultline-backports.sources <<EOS
Types: deb
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
			fi
			run apt-get update -q
		fi
		run $APT_INSTALL -t "$suite" $QEMU_PKGS
	fi
fi
# 3. LAVA, what the release has of it.
lava
[ -z "$(echo $lava_missing)" ] || run $APT_INSTALL $lava_missing
[ -z "$lava_none" ] || echo "faultline: not in $(codename):$lava_none (make lava and test-lava need them: LAVA's own apt repository, https://apt.lavasoftware.org, has them)"
[ "$DRY" = 1 ] && exit 0
qemu_ok || { echo "faultline: QEMU >= $QEMU_MIN still not available" >&2; exit 1; }
echo "faultline: dependencies installed ($(qemu-system-aarch64 --version | head -n 1))"
