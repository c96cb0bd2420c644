#!/usr/bin/env python3
"""Turn a Debian arm64 vmlinuz into a plain arm64 Image for QEMU -kernel.

    unzboot.py VMLINUZ IMAGE

Accepts the three forms the file has had:
  - a plain Image: copied (arm64 boot header magic "ARM\\x64" at 0x38),
  - a gzip stream: decompressed,
  - an EFI zboot image (Linux drivers/firmware/efi/libstub/zboot-header.S):

        0x00  "MZ"            PE/COFF stub
        0x04  "zimg"          zboot magic
        0x08  u32 payload offset   (from the start of the file)
        0x0c  u32 payload size
        0x18  char[32] compression ("gzip", "zstd", ...)

    whose gzip payload is decompressed.
Anything else is an error naming what was found.
"""
import gzip
import struct
import sys

ARM64_MAGIC_OFF = 0x38
ARM64_MAGIC = b"ARM\x64"


def is_image(data):
    return data[ARM64_MAGIC_OFF:ARM64_MAGIC_OFF + 4] == ARM64_MAGIC


def unwrap(data):
    if is_image(data):
        return data
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:2] == b"MZ" and data[4:8] == b"zimg":
        off, size = struct.unpack_from("<II", data, 8)
        comp = data[0x18:0x18 + 32].split(b"\0")[0].decode("ascii", "replace")
        if comp != "gzip":
            raise ValueError(f"zboot payload is {comp!r}; only gzip is handled")
        return gzip.decompress(data[off:off + size])
    raise ValueError("not an arm64 Image, gzip stream or EFI zboot image")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: unzboot.py VMLINUZ IMAGE")
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    try:
        image = unwrap(data)
    except (ValueError, OSError, EOFError) as e:
        sys.exit(f"unzboot: {sys.argv[1]}: {e}")
    if not is_image(image):
        sys.exit(f"unzboot: {sys.argv[1]}: payload is not an arm64 Image")
    with open(sys.argv[2], "wb") as f:
        f.write(image)


if __name__ == "__main__":
    main()
