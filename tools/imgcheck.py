#!/usr/bin/python3
"""Check a faultline build before anyone boots it.

    imgcheck.py [--page-size BYTES] IMAGE [ELF]

IMAGE: the arm64 Linux Image header (Documentation/arch/arm64/booting.rst):

    0x00 code0  0x04 code1  0x08 text_offset  0x10 image_size
    0x18 flags  0x20 res2   0x28 res3         0x30 res4
    0x38 magic  0x3c res5

code0 must be a branch (B), text_offset 0, image_size at least the file
size and a multiple of the page size, flags exactly
little endian | the page size (bits 2:1: 1 4 KiB, 2 16 KiB, 3 64 KiB) |
placement anywhere, magic "ARM\\x64". --page-size is the build's granule
in bytes (4096, 16384 or 65536; default 4096).

ELF (optional): every dynamic relocation must be R_AARCH64_RELATIVE, the
only kind boot/entry.S applies (or R_AARCH64_NONE, which it skips).

Exits 1 with one line per problem. Python 3 standard library only.
"""

import struct
import sys

MAGIC = 0x644D5241
PAGE_FLAG = {4096: 1, 16384: 2, 65536: 3}  # flags bits 2:1


def flags_for(page_size):
    """The flags faultline's header must carry: LE, the page size, anywhere."""
    return (0 << 0) | (PAGE_FLAG[page_size] << 1) | (1 << 3)


R_AARCH64_NONE = 0
R_AARCH64_RELATIVE = 1027
SHT_RELA = 4


def check_image(path, page_size=4096):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 64:
        return [f"{path}: {len(data)} bytes, too short for an Image header"]
    code0, code1, text_offset, image_size, flags, r2, r3, r4, magic, r5 = \
        struct.unpack_from("<IIQQQQQQII", data, 0)
    bad = []
    if code0 & 0xFC000000 != 0x14000000:
        bad.append(f"code0 {code0:#010x} is not a B instruction")
    if text_offset != 0:
        bad.append(f"text_offset {text_offset:#x}, want 0")
    if image_size < len(data):
        bad.append(f"image_size {image_size:#x} smaller than the file ({len(data):#x})")
    if image_size % page_size:
        bad.append(f"image_size {image_size:#x} not a multiple of {page_size // 1024} KiB")
    want = flags_for(page_size)
    if flags != want:
        bad.append(f"flags {flags:#x}, want {want:#x} "
                   f"(LE, {page_size // 1024}K pages, anywhere)")
    if magic != MAGIC:
        bad.append(f"magic {magic:#010x} at 0x38, want {MAGIC:#010x}")
    if r2 or r3 or r4:
        bad.append("reserved fields res2..res4 not zero")
    return [f"{path}: {b}" for b in bad]


def check_elf(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return [f"{path}: not a little-endian ELF64 file"]
    e_shoff, = struct.unpack_from("<Q", data, 0x28)
    e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x3A)
    bad = []
    for i in range(e_shnum):
        sh = struct.unpack_from("<IIQQQQIIQQ", data, e_shoff + i * e_shentsize)
        sh_type, sh_offset, sh_size, sh_entsize = sh[1], sh[4], sh[5], sh[9]
        if sh_type != SHT_RELA:
            continue
        for off in range(sh_offset, sh_offset + sh_size, sh_entsize or 24):
            r_offset, r_info, _ = struct.unpack_from("<QQq", data, off)
            if r_info not in (R_AARCH64_NONE, R_AARCH64_RELATIVE):
                bad.append(f"{path}: relocation type {r_info & 0xffffffff} "
                           f"(symbol {r_info >> 32}) at {r_offset:#x}: only "
                           f"R_AARCH64_RELATIVE is applied at boot")
    return bad


def main(argv):
    page_size = 4096
    if len(argv) > 2 and argv[1] == "--page-size":
        try:
            page_size = int(argv[2])
        except ValueError:
            page_size = 0
        argv = argv[:1] + argv[3:]
    if len(argv) not in (2, 3) or page_size not in PAGE_FLAG:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    bad = check_image(argv[1], page_size)
    if len(argv) == 3:
        bad += check_elf(argv[2])
    for b in bad:
        print("imgcheck: " + b, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
