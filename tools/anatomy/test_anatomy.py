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

    def test_star_is_both(self):
        p = write_map("* (access) access\n")
        self.assertEqual(attribute.read_map(p), {("faultline", "(access)"): "access",
                                                 ("linux", "(access)"): "access"})
        os.unlink(p)


class Attribute(unittest.TestCase):
    smap = {("faultline", "(access)"): "access", ("faultline", "stub"): "entry|exit",
            ("faultline", "handler"): "decode", ("faultline", "helper"): "-"}

    def test_split_inherit_and_counts(self):
        pcs = [A, 1, 2, 3, 4, 5, A]
        frames = {A: ["(access)"], 1: ["stub"], 2: ["stub"], 3: ["helper", "handler"],
                  4: ["handler"], 5: ["stub"]}
        rows, missing = attribute.attribute("faultline", pcs, frames, self.smap)
        self.assertEqual(missing, [])
        self.assertEqual(rows, {("(access)", "access"): 2, ("stub", "entry"): 2,
                                ("helper", "decode"): 1, ("handler", "decode"): 1,
                                ("stub", "exit"): 1})
        self.assertEqual(sum(rows.values()), len(pcs))

    def test_unmapped_function_is_named(self):
        frames = {A: ["(access)"], 1: ["mystery", "handler"]}
        rows, missing = attribute.attribute("faultline", [A, 1, A], frames, self.smap)
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
        self.assertEqual(m[("faultline", "arch_zero_page")], "zero")


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
        self.assertEqual(set(anatomy.STAGE_COLOURS), set(attribute.STAGES))
        self.assertEqual(len(set(anatomy.STAGE_COLOURS.values())), len(attribute.STAGES))


if __name__ == "__main__":
    unittest.main()
