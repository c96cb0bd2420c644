#!/bin/sh
# Make sure the Debian packages faultline needs are installed. As root it
# installs what is missing (enabling bookworm-backports for QEMU >= 9, which
# raspi4b needs); otherwise it prints the one apt-get line to run and fails.
#
# Everything goes in without Recommends: qemu-system-arm's alone would bring
# the GTK/SDL/spice/OpenGL front ends, GStreamer and UEFI firmware, none of
# which a headless run uses (-display none, -kernel or U-Boot). The two
# Recommends faultline does use are listed by name: ipxe-qemu, whose
# efi-virtio.rom the virt machine's default virtio-net-pci NIC loads (QEMU
# refuses to start without it), and libc6-dev-arm64-cross, which
# gcc-aarch64-linux-gnu recommends and the static Linux-side program
# (tools/linux/) links against.
set -eu

PKGS="gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
clang lld libclang-rt-14-dev libcmocka-dev libfdt-dev device-tree-compiler u-boot-qemu
u-boot-tools ipxe-qemu mtools dosfstools fdisk gdb-multiarch gnuplot-nox cpio
python3 make"
APT_INSTALL="apt-get install -y -q --no-install-recommends"
# LAVA (make lava, test-lava): the dispatcher, lavacli, the TFTP directory
# (/etc/default/tftpd-hpa names it) and telnet (the lab console command the
# Raspberry Pi device dictionaries validate against). lava-dispatcher comes
# with qemu-system-x86 from backports: without it python3-guestfs pulls in
# the release's older QEMU, which conflicts with QEMU >= 9.
LAVA_PKGS="lava-dispatcher lavacli tftpd-hpa telnet python3-jinja2 python3-yaml"
QEMU_MIN=9

missing=""
for p in $PKGS $LAVA_PKGS; do
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
	[ -n "$missing" ] && echo "  apt-get install -y --no-install-recommends$missing" >&2
	qemu_ok || echo "  apt-get install -y --no-install-recommends -t $(backports_suite) qemu-system-arm   # QEMU >= $QEMU_MIN (after enabling $(backports_suite))" >&2
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
# One transaction, so that QEMU and everything that depends on it come from
# the same release: QEMU >= 9 from backports, and with lava-dispatcher its
# qemu-system-x86 from there too.
qemu=""
qemu_ok || qemu="qemu-system-arm/$(backports_suite)"
case " $missing " in
*" lava-dispatcher "*) qemu="$qemu qemu-system-x86/$(backports_suite)" ;;
esac
[ -z "$missing$qemu" ] || $APT_INSTALL $missing $qemu
qemu_ok || { echo "faultline: QEMU >= $QEMU_MIN still not available" >&2; exit 1; }
