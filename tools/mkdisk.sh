#!/bin/sh
# Make a disk image with an MBR and one bootable FAT32 partition holding the
# given files, without root or loop devices (sfdisk on the file, mkfs.fat
# and mtools at the partition's offset).
#
#   tools/mkdisk.sh OUT FILE...
#
# Layout (512-byte sectors; SIZE_MB, default 64, is a power of two, as QEMU
# requires of SD card images):
#
#   sector 0        MBR: partition 1 = type 0x0c (FAT32 LBA), active
#   sectors 1..2047 unused (1 MiB alignment)
#   sector 2048..   FAT32 file system "FAULTLINE", the files in its root
set -eu

[ $# -ge 2 ] || { echo "usage: $0 OUT FILE..." >&2; exit 2; }
out=$1; shift
size_mb=${SIZE_MB:-64}
start=2048

case $size_mb in
*[!0-9]*|'') echo "mkdisk: SIZE_MB must be a number of MiB" >&2; exit 2 ;;
esac
[ $((size_mb & (size_mb - 1))) -eq 0 ] && [ "$size_mb" -ge 64 ] ||
	{ echo "mkdisk: SIZE_MB=$size_mb: need a power of two >= 64 (FAT32)" >&2; exit 2; }
for f in "$@"; do
	[ -r "$f" ] || { echo "mkdisk: $f: no such file" >&2; exit 1; }
done

tmp=$out.part
rm -f "$tmp"
truncate -s "${size_mb}M" "$tmp"
echo "start=$start, type=c, bootable" | sfdisk -q --label dos "$tmp"
sectors=$((size_mb * 2048 - start))
# mkfs.fat takes the size in KiB; one sector per cluster keeps FAT32 legal
# (>= 65525 clusters) in 64 MiB.
mkfs.fat -F 32 -s 1 -n FAULTLINE --offset "$start" "$tmp" $((sectors / 2)) >/dev/null
MTOOLS_SKIP_CHECK=1 mcopy -o -i "$tmp@@$((start * 512))" "$@" ::/
mv "$tmp" "$out"
