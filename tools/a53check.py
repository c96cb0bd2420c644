#!/usr/bin/python3
"""Check a faultline ELF for the Cortex-A53 errata 835769 and 843419 sequences.

    a53check.py ELF...

Erratum 835769 (Cortex-A53 MPCore Software Developers Errata Notice): a
64-bit integer multiply-accumulate can produce a wrong result when it
directly follows a load, a store or a prefetch. The kernel is compiled with
-mfix-cortex-a53-835769 (both gcc and clang then put a NOP between the two);
this check makes sure nothing slipped through: hand-written assembly, a
toolchain that ignores the flag, or an object built without it.

It reads every executable section of the ELF (standard library only, no
disassembler needed) and fails on any instruction pair, in address order,
where the first is a load/store and the second a 64-bit multiply-accumulate.
Encodings (Arm ARM DDI0487 K.a, C4.1 "A64 instruction set encoding"):

  load/store               op0 = x1x0: bit 27 = 1, bit 25 = 0

  data-processing 3 src    31 30 29 28   24 23 21 20  16 15 14  10 9  5 4  0
                           |sf|op54 |11011|op31 |  Rm  |o0|  Ra  | Rn | Rd |

  sf = 1, op54 = 00 and (op31, o0):
    000 0 MADD   000 1 MSUB   001 0 SMADDL   001 1 SMSUBL
    101 0 UMADDL 101 1 UMSUBL

Ra = 31 (XZR) is a plain multiply (the MUL, MNEG, SMULL, SMNEGL, UMULL,
UMNEGL aliases): it accumulates nothing, and the compilers' workaround
leaves it alone, so it is not reported.

A load whose result the multiply reads (its Rt, or a pair's Rt2, is the
multiply's Rn, Rm or Ra) is not an erratum sequence: the multiply waits for
the load, and gcc (aarch64_madd_needs_nop) and GNU ld's fix
(aarch64_erratum_sequence) leave it alone by the same rule; gcc 14 emits
`ldr x3, [sp, #96]; madd x0, x27, x0, x3`. Stores, prefetches, SIMD and
FP loads (bit 26) and anything not decoded as a general-register load are
reported whatever the registers: the conservative side, as binutils.

Erratum 843419: an ADRP in one of the last two words of a 4 KiB page
(address ending 0xff8 or 0xffc), followed by a load or store, then by a
load or store with an unsigned immediate offset whose base register is the
ADRP's destination, can compute a wrong address for that last access. The
third instruction may also come one later (an unrelated instruction in
between). The kernel is linked with --fix-cortex-a53-843419 (ld and lld
then move such an access to a veneer, or turn the ADRP into an ADR); this
finds any left, with the definition the linkers use (binutils
_bfd_aarch64_erratum_843419_sequence_p):

  ADRP                     1 immlo 10000 immhi Rd: (insn & 0x9f000000) == 0x90000000
  instruction 2            any load or store except a load pair
  load/store pair          bits 29..27 = 101, bit 25 = 0 (L = bit 22: load)
  instruction 3 (or 4)     load/store, unsigned immediate: bits 29..27 = 111,
                           bits 25..24 = 01 ((insn & 0x3b000000) == 0x39000000),
                           Rn (bits 9..5) = the ADRP's Rd

Exits 1 with one line per sequence found, 2 on a file that is not an
AArch64 ELF64.
"""

import struct
import sys

SHF_EXECINSTR = 0x4
SHT_PROGBITS = 1
EM_AARCH64 = 183

MAC_KINDS = {
    (0b000, 0): "madd", (0b000, 1): "msub",
    (0b001, 0): "smaddl", (0b001, 1): "smsubl",
    (0b101, 0): "umaddl", (0b101, 1): "umsubl",
}


def is_load_store(insn):
    """True for the A64 "Loads and Stores" group (op0 = x1x0)."""
    return (insn >> 27) & 1 == 1 and (insn >> 25) & 1 == 0


def mac_name(insn):
    """The 64-bit multiply-accumulate's mnemonic, or None."""
    if insn >> 31 != 1 or (insn >> 29) & 3 != 0 or (insn >> 24) & 0x1F != 0b11011:
        return None
    if (insn >> 10) & 0x1F == 31:    # Ra = XZR: a plain multiply
        return None
    return MAC_KINDS.get(((insn >> 21) & 7, (insn >> 15) & 1))


def load_targets(insn):
    """The general registers a load writes (Rt, and Rt2 for a pair), or ()
    for a store, a prefetch, a SIMD/FP access or an unknown form."""
    if (insn >> 26) & 1:                         # SIMD and FP
        return ()
    rt, cls = insn & 0x1F, (insn >> 27) & 7
    if cls == 0b101:                             # pairs: L is bit 22
        return (rt, (insn >> 10) & 0x1F) if (insn >> 22) & 1 else ()
    if cls == 0b001:                             # exclusive/ordered: L is bit 22
        return (rt,) if (insn >> 22) & 1 else ()
    if cls == 0b011 and (insn >> 24) & 3 == 0:   # literal: opc 11 is PRFM
        return () if insn >> 30 == 0b11 else (rt,)
    if cls == 0b111:                             # single register
        size, opc = insn >> 30, (insn >> 22) & 3
        if opc == 0 or (size == 0b11 and opc == 0b10):   # a store, or PRFM
            return ()
        return (rt,)
    return ()


def dependent(ls, mac):
    """True if the multiply reads what the load before it wrote."""
    srcs = {(mac >> 5) & 0x1F, (mac >> 16) & 0x1F, (mac >> 10) & 0x1F}
    return any(r in srcs for r in load_targets(ls))


def is_adrp(insn):
    """True for ADRP."""
    return insn & 0x9F000000 == 0x90000000


def is_load_pair(insn):
    """True for a load/store pair (any addressing mode) that loads."""
    return insn & 0x3A000000 == 0x28000000 and (insn >> 22) & 1 == 1


def is_ldst_uimm(insn):
    """True for a load/store with an unsigned immediate offset."""
    return insn & 0x3B000000 == 0x39000000


def scan_843419(code, base):
    """(ADRP address, ADRP word, address of the access at risk, its word)
    for each erratum 843419 sequence in the little-endian instruction words
    `code` starting at `base`."""
    words = struct.unpack_from(f"<{len(code) // 4}I", code)
    out = []
    for i, adrp in enumerate(words):
        at = base + 4 * i
        if at & 0xFFF not in (0xFF8, 0xFFC) or not is_adrp(adrp) or i + 2 >= len(words):
            continue
        second = words[i + 1]
        if not is_load_store(second) or is_load_pair(second):
            continue
        for j in (i + 2, i + 3):
            if j < len(words) and is_ldst_uimm(words[j]) and \
                    (words[j] >> 5) & 0x1F == adrp & 0x1F:
                out.append((at, adrp, base + 4 * j, words[j]))
                break
    return out


def scan(code, base):
    """(address, load/store word, mnemonic, multiply word) for each sequence
    in the little-endian instruction words `code` starting at `base`."""
    words = struct.unpack_from(f"<{len(code) // 4}I", code)
    return [(base + 4 * i + 4, words[i], name, words[i + 1])
            for i in range(len(words) - 1)
            if is_load_store(words[i]) and (name := mac_name(words[i + 1]))
            and not dependent(words[i], words[i + 1])]


def exec_sections(data):
    """(name, address, bytes) of each executable PROGBITS section."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError("not a little-endian ELF64 file")
    if struct.unpack_from("<H", data, 0x12)[0] != EM_AARCH64:
        raise ValueError("not an AArch64 ELF file")
    e_shoff, = struct.unpack_from("<Q", data, 0x28)
    e_shentsize, e_shnum, e_shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    shdrs = [struct.unpack_from("<IIQQQQIIQQ", data, e_shoff + i * e_shentsize)
             for i in range(e_shnum)]
    strtab = shdrs[e_shstrndx][4]
    out = []
    for sh in shdrs:
        name_off, sh_type, flags, addr, offset, size = sh[:6]
        if sh_type == SHT_PROGBITS and flags & SHF_EXECINSTR:
            end = data.index(b"\0", strtab + name_off)
            out.append((data[strtab + name_off:end].decode(), addr,
                        data[offset:offset + size - size % 4]))
    return out


def check(path):
    """Problem lines for the ELF at path ([] when clean)."""
    with open(path, "rb") as f:
        data = f.read()
    bad = []
    for name, addr, code in exec_sections(data):
        for at, ls, mac, word in scan(code, addr):
            bad.append(f"{path}: {name}+{at - addr:#x} (address {at:#x}): {mac} "
                       f"{word:#010x} directly after load/store {ls:#010x}: "
                       f"Cortex-A53 erratum 835769 (build with -mfix-cortex-a53-835769)")
        for at, adrp, ls_at, ls in scan_843419(code, addr):
            bad.append(f"{path}: {name}+{at - addr:#x} (address {at:#x}): adrp "
                       f"{adrp:#010x} at page offset {at & 0xFFF:#x}, then a load/store, "
                       f"then {ls:#010x} at {ls_at:#x} through its register: "
                       f"Cortex-A53 erratum 843419 (link with --fix-cortex-a53-843419)")
    return bad


def main(argv):
    if len(argv) < 2:
        print("usage: a53check.py ELF...", file=sys.stderr)
        return 2
    bad = []
    for path in argv[1:]:
        try:
            bad += check(path)
        except (OSError, ValueError, struct.error) as e:
            print(f"a53check: {path}: {e}", file=sys.stderr)
            return 2
    for b in bad:
        print("a53check: " + b, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
