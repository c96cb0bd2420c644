#!/bin/sh
# Make sure the Debian packages faultline needs are installed. As root it
# installs what is missing (enabling bookworm-backports for QEMU >= 9, which
# raspi4b needs); otherwise it prints the one apt-get line to run and fails.
set -eu

PKGS="gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu clang lld
libclang-rt-14-dev libcmocka-dev libfdt-dev device-tree-compiler u-boot-qemu u-boot-tools
mtools dosfstools fdisk gdb-multiarch gnuplot-nox cpio python3 make"
QEMU_MIN=9

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done

qemu_ok() {
	command -v qemu-system-aarch64 >/dev/null 2>&1 || return 1
	v=$(qemu-system-aarch64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
	[ "${v:-0}" -ge "$QEMU_MIN" ]
}

backports_suite() {
	. /etc/os-release
	echo "${VERSION_CODENAME:-bookworm}-backports"
}

if [ -z "$missing" ] && qemu_ok; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "faultline: missing packages. Run as root:" >&2
	[ -n "$missing" ] && echo "  apt-get install -y$missing" >&2
	qemu_ok || echo "  apt-get install -y -t $(backports_suite) qemu-system-arm   # QEMU >= $QEMU_MIN (after enabling $(backports_suite))" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "faultline: installing:$missing${missing:+ }$(qemu_ok || echo qemu-system-arm)"
if ! qemu_ok; then
	suite=$(backports_suite)
	if ! grep -rqs "$suite" /etc/apt/sources.list /etc/apt/sources.list.d/; then
		cat > /etc/apt/sources.list.d/faultline-backports.sources <<EOS
Types: deb
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	fi
fi
apt-get update -q
[ -n "$missing" ] && apt-get install -y -q $missing
if ! qemu_ok; then
	apt-get install -y -q -t "$(backports_suite)" qemu-system-arm
fi
qemu_ok || { echo "faultline: QEMU >= $QEMU_MIN still not available" >&2; exit 1; }
