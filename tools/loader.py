"""The loader boot path: an arm64 Image's header, and the boot stub that
QEMU's generic loader starts the CPU at in its reset state.
"""

import os
import struct
import subprocess

from .config import add_machine_opts, mem_bytes, smp_cpus


def image_text_offset(img):
    """text_offset of an arm64 Linux Image (Documentation/arch/arm64/booting.rst)."""
    with open(img, "rb") as f:
        hdr = f.read(64)
    if len(hdr) < 64 or hdr[56:60] != b"ARM\x64":
        raise SystemExit(f"qemu.py: {img}: not an arm64 Image (no 'ARM\\x64' magic)")
    text_offset, image_size = struct.unpack_from("<QQ", hdr, 8)
    return text_offset, image_size


def load_address(img, ram_base):
    """Where QEMU's -kernel puts an arm64 Image (hw/arm/boot.c,
    load_aarch64_image): the 2 MiB-aligned RAM base plus text_offset, plus
    2 MiB more when text_offset is below 4 KiB, as QEMU's own boot stub
    occupies the bottom of RAM."""
    text_offset, _ = image_text_offset(img)
    if text_offset < 0x1000:
        text_offset += 0x200000
    return (ram_base + 0x1fffff) // 0x200000 * 0x200000 + text_offset


# The loader boot path: QEMU's generic loader puts a six-instruction stub (at
# RAM + 1 MiB, above the blob QEMU itself leaves at the RAM base), the device
# tree and the image in RAM and starts the CPU at the stub in its reset
# state -- the highest EL it has (EL3 with secure=on), which -kernel never
# gives -- and with any blob as "device tree", which QEMU's -dtb refuses.
#
#     ldr  x0, dtb        ; 0x580000c0   LDR (literal), imm19 = 6
#     ldr  x1, kernel     ; 0x580000e1   LDR (literal), imm19 = 7
#     mov  x2, xzr        ; 0xaa1f03e2
#     mov  x3, xzr        ; 0xaa1f03e3   x1-x3 = 0 as booting.rst asks
#     br   x1             ; 0xd61f0020
#     nop                 ; 0xd503201f
#     .quad dtb, kernel
#
# The "dirty" stub (--loader-state dirty, for EL2 entry: virtualization=on)
# leaves what kexec or some firmware may leave: SCTLR_EL1.M = 1 (EL1's MMU
# on, with whatever tables) and, if the CPU has VHE (ID_AA64MMFR1_EL1.VH),
# HCR_EL2.E2H = 1. booting.rst only promises the MMU off at the entry EL.
#
#     ldr  x0, dtb                ; 0x58000200
#     ldr  x1, kernel             ; 0x58000221
#     mrs  x4, sctlr_el1          ; 0xd5381004
#     orr  x4, x4, #1             ; 0xb2400084   M
#     msr  sctlr_el1, x4          ; 0xd5181004
#     mrs  x4, id_aa64mmfr1_el1   ; 0xd5380724
#     ubfx x4, x4, #8, #4         ; 0xd3482c84   VH
#     cbz  x4, 1f                 ; 0xb40000a4
#     mrs  x4, hcr_el2            ; 0xd53c1104
#     orr  x4, x4, #(1 << 34)     ; 0xb25e0084   E2H
#     msr  hcr_el2, x4            ; 0xd51c1104
#     isb                         ; 0xd5033fdf
# 1:  mov  x2, xzr / mov x3, xzr / br x1 / nop
#     .quad dtb, kernel
def boot_stub(dtb_addr, kernel_addr, state="clean"):
    if state == "dirty":
        return struct.pack("<16I2Q", 0x58000200, 0x58000221, 0xD5381004, 0xB2400084,
                           0xD5181004, 0xD5380724, 0xD3482C84, 0xB40000A4,
                           0xD53C1104, 0xB25E0084, 0xD51C1104, 0xD5033FDF,
                           0xAA1F03E2, 0xAA1F03E3, 0xD61F0020, 0xD503201F,
                           dtb_addr, kernel_addr)
    return struct.pack("<6I2Q", 0x580000C0, 0x580000E1, 0xAA1F03E2,
                       0xAA1F03E3, 0xD61F0020, 0xD503201F, dtb_addr, kernel_addr)


def loader_boot(a, board_args, tmp):
    """-device loader arguments booting a.kernel (a QemuConfig) through the stub."""
    ram_base = a.ram_base
    text_offset, _ = image_text_offset(a.kernel)
    kernel = ram_base + 0x200000 + text_offset
    dtb_addr = ram_base + min(mem_bytes(board_args) // 2, 128 << 20)
    if a.dtb_addr is not None:
        dtb_addr = a.dtb_addr
    dtb = a.dtb
    if dtb == "none":               # no device tree at all: x0 = 0
        dtb, dtb_addr = None, 0
    elif dtb is None:
        dtb = os.path.join(tmp, "board.dtb")
        dump = [a.qemu] + add_machine_opts(board_args, ["dumpdtb=" + dtb]) + ["-display", "none"]
        subprocess.run(dump, check=True, timeout=30, stdout=subprocess.DEVNULL)
        subprocess.run(["fdtput", "-t", "s", dtb, "/chosen", "bootargs", a.append],
                       check=True, timeout=30)
    stub = os.path.join(tmp, "stub.bin")
    with open(stub, "wb") as f:
        f.write(boot_stub(dtb_addr, kernel, a.loader_state))
    stub_addr = ram_base + 0x100000
    args = ["-device", f"loader,file={stub},addr={stub_addr:#x},cpu-num=0",
            "-device", f"loader,file={a.kernel},addr={kernel:#x},force-raw=on"]
    # Every other CPU starts at the image's entry (not at the stub, which
    # lies in RAM the kernel may reuse before a secondary first runs), as
    # firmware that releases all CPUs would: the kernel must hold it. Else,
    # with no firmware, QEMU runs a secondary from the reset address, where
    # nothing is mapped: an endless chain of Undefined Instruction
    # exceptions at EL3 that -icount charges to the boot CPU's clock.
    for n in range(1, smp_cpus(board_args)):
        args += ["-device", f"loader,addr={kernel:#x},cpu-num={n}"]
    if dtb:
        args += ["-device", f"loader,file={dtb},addr={dtb_addr:#x},force-raw=on"]
    return args

