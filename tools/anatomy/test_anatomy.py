"""Host tests of the anatomy tools: trace windows, QEMU log lines, the
stage map and attribution (python3 -m unittest tools/anatomy/test_anatomy.py)."""

import os
import re
import shutil
import tempfile
import unittest

from . import anatomy, attribute, trace

A = 0x400100  # the access


class Window(unittest.TestCase):
    def test_fault_runs_from_access_back_to_it(self):
        pcs = [0x10, A, 0xffff0000, 0xffff0004, A, A + 4, 0x20]
        self.assertEqual(trace.window(pcs, A), [A, 0xffff0000, 0xffff0004, A])

    def test_log_ending_at_the_breakpoint(self):
        self.assertEqual(trace.window([A, 0xffff0000, A], A), [A, 0xffff0000, A])

    def test_retouch_is_one_instruction(self):
        self.assertEqual(trace.window([A, A + 4], A), [A])

    def test_missing_access_fails(self):
        with self.assertRaises(SystemExit):
            trace.window([0x10, 0x14], A)

    def test_trace_not_back_at_access_fails(self):
        with self.assertRaises(SystemExit):
            trace.window([A, 0xffff0000, 0xffff0004], A)


class Log(unittest.TestCase):
    def test_trace_lines(self):
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write("Trace 0: 0x7f23e0000100 [00004000/0000000040202d50/00000121/ff062201] \n"
                    "Linking TBs 0x1 index 0 -> 0x2\n"
                    "Trace 0: 0x7f23e0000280 [00004000/ffff800080010800/00000121/ff062201] el\n")
        try:
            self.assertEqual(trace.read_log(f.name), [0x40202d50, 0xffff800080010800])
        finally:
            os.unlink(f.name)


def write_map(text):
    f = tempfile.NamedTemporaryFile("w", delete=False, suffix=".map")
    f.write(text)
    f.close()
    return f.name


class Map(unittest.TestCase):
    def test_unknown_stage_fails(self):
        p = write_map("linux foo sleeping\n")
        with self.assertRaises(SystemExit):
            attribute.read_map(p)
        os.unlink(p)

    def test_twice_fails(self):
        p = write_map("linux foo walk\nlinux foo alloc\n")
        with self.assertRaises(SystemExit):
            attribute.read_map(p)
        os.unlink(p)

    def test_inherit_is_faultline_only(self):
        p = write_map("linux foo -\n")
        with self.assertRaises(SystemExit):
            attribute.read_map(p)
        os.unlink(p)

    def test_faultline_lines_fail(self):
        # faultline's stages come from its ELF: a hand list for it is refused
        for line in ("faultline walk walk\n", "* (access) access\n"):
            p = write_map(line)
            with self.assertRaises(SystemExit):
                attribute.read_map(p)
            os.unlink(p)


class Attribute(unittest.TestCase):
    smap = {("linux", "(access)"): "access", ("linux", "stub"): "entry|exit",
            ("linux", "handler"): "decode"}

    def test_split_and_counts(self):
        pcs = [A, 1, 2, 4, 5, A]
        frames = {A: ["(access)"], 1: ["stub"], 2: ["stub"], 4: ["handler"], 5: ["stub"]}
        rows, missing = attribute.attribute("linux", pcs, frames, self.smap)
        self.assertEqual(missing, [])
        self.assertEqual(rows, {("(access)", "access"): 2, ("stub", "entry"): 2,
                                ("handler", "decode"): 1, ("stub", "exit"): 1})

    def test_unmapped_function_is_named(self):
        frames = {A: ["(access)"], 1: ["mystery"]}
        rows, missing = attribute.attribute("linux", [A, 1, A], frames, self.smap)
        self.assertEqual(missing, ["mystery"])

    def test_kallsyms_nearest_below(self):
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write("ffff800080010000 T vectors\nffff800080010800 t el0t_64_sync\n")
        try:
            fr = attribute.linux_frames(f.name, [A, 0xffff800080010004, 0xffff800080010900], A)
            self.assertEqual(fr[A], ["(access)"])
            self.assertEqual(fr[0xffff800080010004], ["vectors"])
            self.assertEqual(fr[0xffff800080010900], ["el0t_64_sync"])
        finally:
            os.unlink(f.name)


class StagesMap(unittest.TestCase):
    def test_project_map_parses(self):
        m = attribute.read_map(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                            "stages.map"))
        self.assertEqual(m[("linux", "clear_page")], "zero")
        self.assertFalse([k for k in m if k[0] != "linux"])


# A synthetic kernel: stage names and marks as mm/fault.h and vectors.S emit
# them, with made-up stages, assembled and linked by the cross binutils.
SYNTH = """
        .macro mark stage
661:    .pushsection .fault_marks, "a"  // the kernel's output section (boot/linker.ld)
        .balign 4
        .long 661b - .
        .long \\stage
        .popsection
        .endm
        .pushsection .fault_stages, "", %progbits
        .asciz "arrive"
        .asciz "frobnicate"
        .asciz "depart"
        .popsection
        .text
        .globl access, vec, body
access: nop             // 0x0
vec:    mark 0          // 0x4: arrive ends here (nothing before it)
        nop             // frobnicate
body:   nop             // frobnicate
        mark 1
        nop             // depart
        nop             // depart
        mark 2
        nop             // the tail: after the last stage's mark
        nop
"""


@unittest.skipUnless(shutil.which("aarch64-linux-gnu-as") and shutil.which("aarch64-linux-gnu-ld"),
                     "no aarch64 binutils")
class Marks(unittest.TestCase):
    """faultline's stages are what its ELF says, whatever their names."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="anatomy-marks-")
        src, obj, cls.elf = (os.path.join(cls.dir, n) for n in ("k.S", "k.o", "k.elf"))
        with open(src, "w") as f:
            f.write(SYNTH)
        import subprocess
        subprocess.run(["aarch64-linux-gnu-as", "-o", obj, src], check=True)
        subprocess.run(["aarch64-linux-gnu-ld", "-Ttext=0", "-e", "0", "-o", cls.elf, obj],
                       check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    BASE = 0x40200000

    def trace(self):
        b = self.BASE
        return [b, b + 4, b + 8, b + 12, b + 16, b + 20, b + 24, b]

    def test_table_read_from_elf(self):
        names, marks = attribute.fault_marks(self.elf)
        self.assertEqual(names, ["arrive", "frobnicate", "depart"])
        self.assertEqual(marks, {0x4: [0], 0xc: [1], 0x14: [2]})

    def test_made_up_stage_attributed(self):
        names, marks = attribute.fault_marks(self.elf)
        pcs = self.trace()
        frames = {pc: ["(access)" if pc == self.BASE else f"f{pc & 0xff:x}"] for pc in pcs}
        rows, unknown = attribute.marks_attribute(pcs, frames, names, marks, self.BASE,
                                                  self.BASE)
        self.assertEqual(unknown, 0)
        self.assertEqual(rows, {("(access)", "access"): 2, ("f4", "frobnicate"): 1,
                                ("f8", "frobnicate"): 1, ("fc", "depart"): 1,
                                ("f10", "depart"): 1, ("f14", attribute.TAIL): 1,
                                ("f18", attribute.TAIL): 1})
        self.assertEqual(attribute.stage_order(names + [attribute.TAIL])[:4],
                         ["access", "arrive", "frobnicate", "depart"])

    def test_wrong_base_leaves_instructions_unknown(self):
        names, marks = attribute.fault_marks(self.elf)
        pcs = self.trace()
        frames = {pc: ["x"] for pc in pcs}
        _, unknown = attribute.marks_attribute(pcs, frames, names, marks, self.BASE + 2,
                                               self.BASE)
        self.assertEqual(unknown, 6)

    def test_trace_stopping_before_the_last_mark_is_unknown(self):
        names, marks = attribute.fault_marks(self.elf)
        b = self.BASE
        pcs = [b, b + 4, b + 8, b + 12, b]  # back at the access in depart
        _, unknown = attribute.marks_attribute(pcs, {pc: ["x"] for pc in pcs}, names,
                                               marks, b, b)
        self.assertEqual(unknown, 1)

    def test_boot_base(self):
        p = os.path.join(self.dir, "console.log")
        with open(p, "w") as f:
            f.write("faultline: boot board=qemu-virt el=1 base=0x40280000 granule=4k\n")
        self.assertEqual(attribute.boot_base(p), 0x40280000)
        with open(p, "w") as f:
            f.write("faultline: done status=ok\n")
        with self.assertRaises(SystemExit):
            attribute.boot_base(p)

    def test_elf_without_marks_fails(self):
        with self.assertRaises(SystemExit):
            attribute.elf_sections(self.elf, (".no_such",))

    @unittest.skipUnless(os.path.exists("build/qemu-virt/faultline.elf"), "kernel not built")
    def test_kernel_names_are_fault_stages(self):
        names, marks = attribute.fault_marks("build/qemu-virt/faultline.elf")
        with open("mm/fault.h") as f:
            declared = re.findall(r"^\s*X\(([A-Z]+), ([a-z]+)\)", f.read(), re.M)
        self.assertEqual(names, [n for _, n in declared])
        self.assertEqual(sorted({s for st in marks.values() for s in st}),
                         list(range(len(names))))


@unittest.skipUnless(shutil.which("gnuplot"), "gnuplot not installed")
class Colours(unittest.TestCase):
    """One colour per stage across plots: a write plot (with alloc and
    zero) and a read plot (without) colour the stages they share alike."""

    def colour_of(self, svg, title):
        # gnuplot's SVG: a plot's group has its title, then its key box
        m = re.search(re.escape(f"<title>{title}</title>") + r".*?fill = '(rgb\([^)]*\))'",
                      svg, re.S)
        return m.group(1) if m else None

    def test_same_stage_same_colour(self):
        work = tempfile.mkdtemp(prefix="anatomy-colours-")
        self.addCleanup(shutil.rmtree, work, ignore_errors=True)
        write = {"faultline": {("a", "entry"): 21, ("b", "alloc"): 25, ("c", "zero"): 131,
                               ("d", "exit"): 13},
                 "linux": {("a", "entry"): 126, ("b", "alloc"): 711, ("c", "zero"): 263,
                           ("d", "exit"): 67}}
        read = {"faultline": {("a", "entry"): 21, ("d", "exit"): 13},
                "linux": {("a", "entry"): 126, ("d", "exit"): 67}}
        svgs = {}
        for kind, rows in (("write", write), ("read", read)):
            out = os.path.join(work, f"{kind}.svg")
            anatomy.write_svg(out, kind, rows, work, "-machine virt -cpu cortex-a76")
            with open(out) as f:
                svgs[kind] = f.read()
        self.assertIn("cortex-a76 icount 4k granule", svgs["read"])
        exit_title = attribute.STAGE_TITLES["exit"]
        w, r = self.colour_of(svgs["write"], exit_title), self.colour_of(svgs["read"], exit_title)
        self.assertIsNotNone(w)
        self.assertEqual(w, r)
        self.assertNotEqual(self.colour_of(svgs["write"], attribute.STAGE_TITLES["zero"]), w)

    def test_every_stage_has_its_own_colour(self):
        known = set(attribute.STAGES) | {attribute.TAIL}
        self.assertEqual(set(anatomy.STAGE_COLOURS), known)
        self.assertEqual(len(set(anatomy.STAGE_COLOURS.values())), len(known))
        # a stage only the kernel names gets a spare colour, not a KeyError
        self.assertEqual(len(anatomy.stage_colours(["entry", "frobnicate"]).split()), 2)


if __name__ == "__main__":
    unittest.main()
