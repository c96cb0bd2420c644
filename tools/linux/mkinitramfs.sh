#!/bin/sh
# Pack a static program as /init of a gzip'ed newc initramfs, without root:
#
#   tools/linux/mkinitramfs.sh PROGRAM OUT.cpio.gz
#
# The archive holds only /init, /dev and /proc (mount points): the program
# mounts devtmpfs and procfs itself (tools/linux/init.c), so no device nodes
# are needed. Owners are set to root and timestamps to 0 (--reproducible),
# so the same program gives the same bytes.
set -eu

[ $# -eq 2 ] || { echo "usage: $0 PROGRAM OUT.cpio.gz" >&2; exit 2; }
prog=$1 out=$2
[ -x "$prog" ] || { echo "mkinitramfs: $prog is not an executable" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/dev" "$root/proc"
cp "$prog" "$root/init"
chmod 0755 "$root/init" "$root/dev" "$root/proc"
touch -h -d @0 "$root/init" "$root/dev" "$root/proc" "$root"

(cd "$root" && printf '%s\n' . dev proc init |
	cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9 -n > "$out.tmp"
mv "$out.tmp" "$out"
