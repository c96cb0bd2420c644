#!/usr/bin/python3
"""Host tests of tools/a53check.py (Cortex-A53 errata 835769 and 843419
sequences): the decoder on single encodings, and the whole check on objects
assembled with the cross assembler, one with the sequence and one with the
NOP the compilers insert; for 843419, ADRPs at and off the last two words
of a page with each kind of follower, and a link with and without the
linker's fix. Run: python3 -m tests.unit.test_a53check"""

import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

from tests.unit import counted

from tools import a53check

AS = "aarch64-linux-gnu-as"

# Encodings, from the cross assembler's listing (objdump -d).
LDR_X2 = 0xF9400862      # ldr  x2, [x3, #16]
STR_X0 = 0xF90033E0      # str  x0, [sp, #96]
LDP = 0xA9400C02         # ldp  x2, x3, [x0]
LDP_X4 = 0xA9401404      # ldp  x4, x5, [x0]
LDR_X3_SP = 0xF94033E3   # ldr  x3, [sp, #96]
STR_X3_SP = 0xF90033E3   # str  x3, [sp, #96]
LDR_Q3 = 0x3DC00003      # ldr  q3, [x0]
MADD_RA_X3 = 0x9B000F60  # madd x0, x27, x0, x3
PRFM = 0xF9800000        # prfm pldl1keep, [x0]
MADD = 0x9B065021        # madd x1, x1, x6, x20
MSUB = 0x9B13EED6        # msub x22, x22, x19, x27
SMADDL = 0x9B220C20      # smaddl x0, w1, w2, x3
UMSUBL = 0x9BA28C20      # umsubl x0, w1, w2, x3
MUL = 0x9B027C20         # mul  x0, x1, x2 (madd x0, x1, x2, xzr)
MADD_W = 0x1B020C20      # madd w0, w1, w2, w3 (32-bit: not affected)
SMULH = 0x9B427C20       # smulh x0, x1, x2
ADD = 0x8B020020         # add  x0, x1, x2
NOP = 0xD503201F


def words(*w):
    return struct.pack(f"<{len(w)}I", *w)


class Decode(unittest.TestCase):
    def test_loads_and_stores(self):
        for w in (LDR_X2, STR_X0, LDP, PRFM):
            self.assertTrue(a53check.is_load_store(w), hex(w))
        for w in (MADD, ADD, NOP):
            self.assertFalse(a53check.is_load_store(w), hex(w))

    def test_macs(self):
        self.assertEqual(a53check.mac_name(MADD), "madd")
        self.assertEqual(a53check.mac_name(MSUB), "msub")
        self.assertEqual(a53check.mac_name(SMADDL), "smaddl")
        self.assertEqual(a53check.mac_name(UMSUBL), "umsubl")
        for w in (MUL, MADD_W, SMULH, ADD, LDR_X2):
            self.assertIsNone(a53check.mac_name(w), hex(w))

    def test_scan(self):
        code = words(LDR_X2, MADD, NOP, STR_X0, NOP, MSUB, LDP_X4, UMSUBL, PRFM, SMADDL)
        found = a53check.scan(code, 0x1000)
        self.assertEqual([(at, name) for at, _, name, _ in found],
                         [(0x1004, "madd"), (0x101C, "umsubl"), (0x1024, "smaddl")])

    def test_dependent_load_is_not_a_sequence(self):
        # gcc 14's: the multiply's Ra is the load's Rt; a pair's Rt2 too.
        self.assertEqual(a53check.scan(words(LDR_X3_SP, MADD_RA_X3), 0), [])
        self.assertEqual(a53check.scan(words(LDP, UMSUBL), 0), [])
        # Not a load: the store and the prefetch are reported whatever the
        # registers, and so are a SIMD load and an independent load.
        for first in (STR_X3_SP, PRFM, LDR_Q3, LDR_X2):
            self.assertEqual(len(a53check.scan(words(first, MADD_RA_X3), 0)), 1, hex(first))

    def test_scan_clean(self):
        self.assertEqual(a53check.scan(words(LDR_X2, NOP, MADD, STR_X0, MUL,
                                             LDP, MADD_W, ADD, MSUB), 0), [])


@unittest.skipUnless(shutil.which(AS), AS + " not installed")
class WholeFile(unittest.TestCase):
    def assemble(self, text):
        tmp = tempfile.mkdtemp(prefix="a53check-")
        self.addCleanup(shutil.rmtree, tmp)
        src, obj = os.path.join(tmp, "t.S"), os.path.join(tmp, "t.o")
        with open(src, "w") as f:
            f.write(text)
        subprocess.run([AS, "-o", obj, src], check=True)
        return obj

    def test_bad_sequence_fails(self):
        obj = self.assemble("\t.text\n\tadd x0, x0, #1\n\tldr x2, [x3, #16]\n"
                            "\tmadd x1, x1, x6, x20\n\tret\n")
        bad = a53check.check(obj)
        self.assertEqual(len(bad), 1)
        self.assertIn(".text+0x8", bad[0])
        self.assertIn("madd", bad[0])
        self.assertEqual(a53check.main(["a53check.py", obj]), 1)

    def test_sequence_in_other_section_fails(self):
        obj = self.assemble("\t.section .text.entry, \"ax\"\n\tstp x0, x1, [sp]\n"
                            "\tumaddl x0, w1, w2, x3\n")
        self.assertEqual(len(a53check.check(obj)), 1)

    def test_nop_between_passes(self):
        obj = self.assemble("\t.text\n\tldr x2, [x3, #16]\n\tnop\n"
                            "\tmadd x1, x1, x6, x20\n\tldr x0, [x1]\n\tmul x0, x0, x1\n"
                            "\t.data\n\t.word 0xf9400862, 0x9b065021\n")
        self.assertEqual(a53check.check(obj), [])
        self.assertEqual(a53check.main(["a53check.py", obj]), 0)

    def test_not_an_elf(self):
        tmp = tempfile.NamedTemporaryFile(suffix=".img")
        self.addCleanup(tmp.close)
        tmp.write(b"\0" * 64)
        tmp.flush()
        self.assertEqual(a53check.main(["a53check.py", tmp.name]), 2)


LD = "aarch64-linux-gnu-ld"


@unittest.skipUnless(shutil.which(AS), AS + " not installed")
class Erratum843419(unittest.TestCase):
    """An ADRP at page offset `at`, then `second`, then the rest."""

    def assemble(self, at, *insns, link=None):
        tmp = tempfile.mkdtemp(prefix="a53check-")
        self.addCleanup(shutil.rmtree, tmp)
        src, obj = os.path.join(tmp, "t.S"), os.path.join(tmp, "t.o")
        body = "".join(f"\t{i}\n" for i in insns)
        with open(src, "w") as f:
            f.write(f"\t.text\n\t.balign 4096\n\t.globl _start\n_start:\n\t.skip {at:#x}\n"
                    f"\tadrp x0, sym\n{body}\tret\n"
                    f"\t.data\n\t.balign 8\nsym:\t.quad 1\n")
        subprocess.run([AS, "-o", obj, src], check=True)
        if link is None:
            return obj
        out = os.path.join(tmp, "t.elf")
        subprocess.run([LD, "-o", out, obj] + link, check=True)
        return out

    def found(self, obj):
        bad = a53check.check(obj)
        for b in bad:
            self.assertIn("843419", b)
        return len(bad)

    def test_three_instructions_at_ff8(self):
        obj = self.assemble(0xFF8, "ldr x1, [x2]", "ldr x3, [x0, #:lo12:sym]")
        self.assertEqual(self.found(obj), 1)
        self.assertIn(".text+0xff8", a53check.check(obj)[0])
        self.assertEqual(a53check.main(["a53check.py", obj]), 1)

    def test_four_instructions_at_ffc(self):
        self.assertEqual(self.found(self.assemble(
            0xFFC, "str w1, [x2, #4]", "add x5, x5, #1", "str x3, [x0, #:lo12:sym]")), 1)

    def test_store_pair_second(self):
        self.assertEqual(self.found(self.assemble(
            0xFF8, "stp x1, x2, [sp, #16]", "ldr x3, [x0, #:lo12:sym]")), 1)

    def test_other_offsets_pass(self):
        for at in (0xFF4, 0x1000, 0x7F8 + 0x800 - 0x10):
            self.assertEqual(self.found(self.assemble(
                at, "ldr x1, [x2]", "ldr x3, [x0, #:lo12:sym]")), 0, hex(at))

    def test_safe_followers_pass(self):
        for insns in (("ldp x1, x2, [x2]", "ldr x3, [x0, #:lo12:sym]"),   # load pair
                      ("add x1, x1, #1", "ldr x3, [x0, #:lo12:sym]"),     # no load/store
                      ("ldr x1, [x2]", "ldr x3, [x4, #:lo12:sym]"),       # other base
                      ("ldr x1, [x2]", "ldr x3, [x0, x1]"),               # register offset
                      ("ldr x1, [x2]", "add x5, x5, #1", "add x6, x6, #1",
                       "ldr x3, [x0, #:lo12:sym]")):                      # too far
            self.assertEqual(self.found(self.assemble(0xFF8, *insns)), 0, insns)

    @unittest.skipUnless(shutil.which(LD), LD + " not installed")
    def test_linker_fix(self):
        # ld leaves the sequence unless told (Debian's gcc tells it when it links).
        seq = ("ldr x1, [x2]", "ldr x3, [x0, #:lo12:sym]")
        self.assertEqual(self.found(self.assemble(0xFF8, *seq, link=[])), 1)
        self.assertEqual(self.found(self.assemble(0xFF8, *seq, link=["--fix-cortex-a53-843419"])), 0)


if __name__ == "__main__":
    sys.exit(counted.main(__name__))
