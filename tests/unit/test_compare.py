#!/usr/bin/python3
"""Host tests of tools/compare.py: the side-by-side table with one column
set per Linux configuration, the checks of Linux rows (PMU counter in
instructions, resolution, command line), the headline table and the plot.
No QEMU needed. Run: /usr/bin/python3 -m unittest tests/unit/test_compare.py"""

import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import compare  # noqa: E402

HEAD = ("board,cpu,mode,counter,unit,pattern,access,pages,samples,faults,"
        "pages_allocated,min,p50,p90,p99,max,mean,stddev,cntfrq").split(",")
LINUX_HEAD = HEAD + ["resolution", "linux_config", "cmdline"]


def csv_text(head, rows):
    return "\n".join([",".join(head)] + [",".join(str(r.get(c, "")) for c in head)
                                         for r in rows]) + "\n"


def case(pattern, access, pages, p50, p99, faults=None, **kw):
    r = dict(board="qemu-virt", cpu="cortex-a72", mode="icount", counter="pmccntr",
             unit="instructions", pattern=pattern, access=access, pages=pages,
             samples=pages, faults=pages if faults is None else faults,
             pages_allocated=0, min=p50, p50=p50, p90=p50, p99=p99, max=p99,
             mean=p50, stddev=0, cntfrq=62500000)
    r.update(kw)
    return r


FAULTLINE = [case("seq", "write", 16, 280, 300), case("seq", "write", 256, 286, 320),
             case("seq", "read", 256, 132, 132),
             case("seq", "read-then-write", 256, 304, 338),
             case("seq", "retouch", 256, 2, 2, faults=0),
             case("floor-zero", "floor", 1, 133, 133, faults=0)]


def linux(config, cmdline, scale=10, **kw):
    extra = dict(resolution="1.00", linux_config=config, cmdline=cmdline)
    extra.update(kw)
    return [case(r["pattern"], r["access"], r["pages"], r["p50"] * scale,
                 r["p99"] * scale * 50, faults=r["faults"], **extra)
            for r in FAULTLINE if r["access"] != "floor"]


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="faultline-compare-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, head, rows):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(csv_text(head, rows))
        return path

    def three(self, **kw):
        fl = self.write("small.csv", HEAD, FAULTLINE)
        a = self.write("linux-small-shipped.csv", LINUX_HEAD,
                       linux("shipped", "console=ttyAMA0 -- config=shipped", 11, **kw))
        b = self.write("linux-small.csv", LINUX_HEAD,
                       linux("nokaslr", "console=ttyAMA0 nokaslr -- config=nokaslr", 10, **kw))
        return fl, [a, b]


class TableTest(Base):
    def test_one_column_set_per_configuration(self):
        fl, lx = self.three()
        text = compare.table(fl, lx)
        self.assertIn("| faultline p50 | faultline p99 | shipped p50 | shipped p99 "
                      "| shipped x | nokaslr p50 | nokaslr p99 | nokaslr x |", text)
        # exact instructions: no tick factor, ratios of the p50s
        self.assertIn("| seq | write | 256 | 286 | 320 | 3,146 | 176,000 | 11.0 "
                      "| 2,860 | 160,000 | 10.0 |", text)
        self.assertIn("| seq | retouch | 256 | 2 | 2 | 22 | 1,100 | - |", text)
        self.assertIn("`console=ttyAMA0 nokaslr -- config=nokaslr`", text)
        self.assertIn("one count = 1.00 instructions", text)
        self.assertIn("faultline's own measurements (no Linux counterpart): "
                      "floor-zero floor 1.", text)

    def test_ticks_scaled_to_instructions(self):
        fl = self.write("small.csv", HEAD, FAULTLINE)
        rows = [dict(r, counter="cntvct", unit="ticks", p50=r["p50"] // 16,
                     resolution="16.00")
                for r in linux("nokaslr", "x", 16)]
        lx = self.write("linux-small.csv", LINUX_HEAD, rows)
        self.assertIn("| seq | write | 256 | 286 | 320 | 4,576 |", compare.table(fl, [lx]))

    def test_same_configuration_twice_refused(self):
        fl, lx = self.three()
        with self.assertRaisesRegex(compare.Error, "same configuration name"):
            compare.table(fl, [lx[0], lx[0]])

    def test_other_mode_refused(self):
        fl = self.write("small.csv", HEAD, FAULTLINE)
        lx = self.write("linux-small.csv", LINUX_HEAD,
                        [dict(r, mode="tcg") for r in linux("nokaslr", "x")])
        with self.assertRaisesRegex(compare.Error, "differ in mode"):
            compare.table(fl, [lx])


class HeadlineTest(Base):
    def test_terminal_table(self):
        fl, lx = self.three()
        lines = compare.terminal(fl, lx).splitlines()
        self.assertEqual(lines[0], "p50 per fault, instructions (Linux: p50 and "
                         "Linux / faultline)")
        self.assertRegex(lines[1], r"^fault +pages +faultline +Linux shipped +Linux nokaslr$")
        # the write at the read's page count (256), not the smaller 16
        self.assertRegex(lines[3], r"^first write to an anonymous page +256 +286 +"
                         r"3,146 \(11\.0x\) +2,860 \(10\.0x\)$")
        self.assertRegex(lines[4], r"^first read .* 132 +1,452 \(11\.0x\) +1,320 \(10\.0x\)$")
        self.assertRegex(lines[5], r"^write after a read .* 304 ")
        self.assertEqual(len(lines), 6)


class CheckTest(Base):
    def check(self, rows, counter=None):
        path = self.write("linux-small.csv", LINUX_HEAD, rows)
        return compare.sane(path, compare.load(path), True, counter)

    def test_pmu_rows_pass(self):
        self.assertEqual(self.check(linux("nokaslr", "nokaslr"), "pmccntr"), [])

    def test_cntvct_rows_fail_when_pmccntr_required(self):
        rows = [dict(r, counter="cntvct", unit="ticks", resolution="16.00")
                for r in linux("nokaslr", "nokaslr")]
        self.assertEqual(self.check(rows), [])
        why = self.check(rows, "pmccntr")
        self.assertTrue(why and all("not pmccntr" in w for w in why), why)

    def test_pmu_in_ticks_fails(self):
        why = self.check([dict(r, unit="ticks") for r in linux("nokaslr", "x")])
        self.assertTrue(any("is not what the Linux program reads" in w for w in why))

    def test_resolution_of_pmu_under_icount(self):
        why = self.check(linux("nokaslr", "x", resolution="16.00"))
        self.assertTrue(any("resolution '16.00'" in w for w in why), why)

    def test_command_line_and_configuration_recorded(self):
        why = self.check(linux("", ""))
        self.assertTrue(any("no kernel command line" in w for w in why))
        self.assertTrue(any("no configuration name" in w for w in why))

    def test_one_command_line_per_run(self):
        rows = linux("nokaslr", "a")
        rows[1]["cmdline"] = "b"
        why = self.check(rows)
        self.assertTrue(any("different command lines" in w for w in why))

    def test_check_command(self):
        fl, lx = self.three()
        md = os.path.join(self.dir, "compare-small.md")
        with open(md, "w") as f:
            f.write(compare.table(fl, lx))
        self.assertEqual(compare.main(["--check", "--linux-counter", "pmccntr",
                                       fl] + lx + [md]), 0)
        with open(md, "a") as f:
            f.write("edited\n")
        self.assertEqual(compare.main(["--check", fl] + lx + [md]), 1)


@unittest.skipUnless(shutil.which("gnuplot"), "gnuplot not installed")
class PlotTest(Base):
    def test_bars_and_whiskers(self):
        fl, lx = self.three()
        out = os.path.join(self.dir, "compare-small.svg")
        compare.plot(fl, lx, out)
        with open(out) as f:
            svg = f.read()
        for name in ("faultline", "Linux shipped", "Linux nokaslr",
                     ">seq read-then-write 256<"):
            self.assertIn(name, svg)
        self.assertNotIn(">seq retouch 256<", svg)   # no fault: not drawn


if __name__ == "__main__":
    unittest.main()
