#!/usr/bin/python3
"""Host tests of tools/results.py: extraction of the benchmark CSV blocks
from a console log (also one cut off mid-block), the regression guard, the
determinism comparison, progress and plots. No QEMU needed.
Run: /usr/bin/python3 -m unittest tests/unit/test_extract.py"""

import io
import os
import shutil
import sys
import tempfile
import unittest

from tools import results

# Stage names come from the CSV header: a list unlike the kernel's proves it.
STAGES = ("entry", "decode", "lookup", "walk", "alloc", "zero", "map", "exit",
          "eret", "tlbflush")
HEAD = (results.CONTRACT_COLUMNS + ["p99.9"] + [f"stage_{s}_p50" for s in STAGES]
        + ["staged_p50", "baseline_p50", "floor_sum", "floor_ratio", "el",
           "cntfrq", "stages", "build", "unstable"])
RAW_HEAD = (["board", "mode", "unit", "pattern", "access", "pages", "sample",
             "page", "latency", "latency_staged"] + [f"stage_{s}" for s in STAGES])


def row(pattern, access, pages, p50, faults, mode="icount", pages_allocated=None):
    v = dict.fromkeys(HEAD, "")
    v.update(board="qemu-virt", cpu="cortex-a72", mode=mode, counter="pmccntr",
             unit="instructions", pattern=pattern, access=access, pages=pages,
             samples=3 * pages, faults=faults,
             pages_allocated=faults if pages_allocated is None else pages_allocated, min=p50,
             p50=p50, p90=p50, p99=p50, max=p50, mean=p50, stddev=0,
             el=1, cntfrq=62500000, stages="on", build="abc", unstable=0)
    v["p99.9"] = p50
    if faults:
        for i, s in enumerate(STAGES):
            v[f"stage_{s}_p50"] = i + 1
    return ",".join(str(v[c]) for c in HEAD)


SUMMARY = [",".join(HEAD), row("seq", "write", 256, 356, 768),
           row("seq", "read", 256, 167, 768), row("seq", "retouch", 256, 2, 0)]
RAW = [",".join(RAW_HEAD)] + [
    ",".join(map(str, ["qemu-virt", "icount", "instructions", "seq", acc, 256, i, i,
                       300 + i, 340 + i] + [1] * len(STAGES)))
    for acc in ("write", "read") for i in range(20)]


def console(summary_lines=None, cut=None):
    """A console log as the kernel prints it; cut=n keeps its first n lines."""
    lines = ["faultline: boot board=qemu-virt cpu=cortex-a72 el=1 pmu=yes",
             "faultline: bench: suite=default cases=3",
             "faultline-csv begin default.raw"]
    lines += [RAW[0]]
    lines += ["faultline: bench: [1/3] seq write pages=256"] + RAW[1:21]
    lines += ["faultline: bench: [2/3] seq read pages=256"] + RAW[21:]
    lines += ["faultline-csv end default.raw", "faultline-csv begin default"]
    lines += summary_lines or SUMMARY
    lines += ["faultline-csv end default", "faultline: done status=ok"]
    if cut is not None:
        lines = lines[:cut]
    return "\r\n".join(lines) + "\r\n"


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="faultline-test-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path


class ExtractTest(Base):
    def test_complete_log(self):
        log = self.write("console.log", console())
        out = os.path.join(self.dir, "out")
        con, why = results.extract(log, out, "default")
        self.assertEqual(why, [])
        summary, raw = results.expected_files(out, "default")
        rows = results.read_summary(summary)
        self.assertEqual([r["pattern"] + " " + r["access"] for r in rows],
                         ["seq write", "seq read", "seq retouch"])
        self.assertEqual(rows[0]["p50"], "356")
        with open(raw) as f:
            text = f.read().splitlines()
        self.assertEqual(len(text), 41)          # header + 40 samples
        self.assertFalse(any(t.startswith("faultline:") for t in text))
        self.assertNotIn("\r", "".join(text))

    def test_cut_off_mid_summary_keeps_raw(self):
        # Cut inside the summary block: the raw block is complete and kept,
        # the summary is reported cut off and not written.
        full = console().splitlines()
        cut = full.index("faultline-csv begin default") + 2
        log = self.write("cut.log", console(cut=cut))
        out = os.path.join(self.dir, "out")
        con, why = results.extract(log, out, "default")
        summary, raw = results.expected_files(out, "default")
        self.assertTrue(os.path.exists(raw))
        self.assertFalse(os.path.exists(summary))
        self.assertTrue(any("cut off" in w and "'default'" in w for w in why), why)
        self.assertTrue(any("no complete CSV block 'default'" in w for w in why), why)

    def test_cut_off_mid_raw(self):
        log = self.write("cut.log", console(cut=10))
        out = os.path.join(self.dir, "out")
        con, why = results.extract(log, out, "default")
        self.assertFalse(os.path.exists(results.expected_files(out, "default")[1]))
        self.assertTrue(any("'default.raw'" in w and "cut off" in w for w in why), why)
        # The command says so and fails.
        err = io.StringIO()
        old, sys.stderr = sys.stderr, err
        try:
            code = results.main(["extract", log, out])
        finally:
            sys.stderr = old
        self.assertEqual(code, 1)
        self.assertIn("cut off", err.getvalue())

    def test_bad_header_is_an_error(self):
        bad = ["board,pattern,p50", "qemu-virt,seq,1"]
        log = self.write("bad.log", console(summary_lines=bad))
        con, why = results.extract(log, os.path.join(self.dir, "out"), "default")
        self.assertTrue(any("contract" in w for w in why), why)

    def test_ragged_row_is_an_error(self):
        lines = SUMMARY + ["qemu-virt,cortex-a72,icount"]
        with self.assertRaises(results.ResultError):
            results.parse_summary(lines, "test")


class GuardTest(Base):
    def csv(self, name, rows):
        return self.write(name, "\n".join([",".join(HEAD)] + rows) + "\n")

    def test_within_limit_passes(self):
        old = self.csv("old.csv", [row("seq", "write", 256, 1000, 768)])
        new = self.csv("new.csv", [row("seq", "write", 256, 1050, 768)])
        bad, checked = results.guard(new, old, 5)
        self.assertEqual((bad, checked), ([], 1))

    def test_growth_over_limit_fails(self):
        old = self.csv("old.csv", [row("seq", "write", 256, 1000, 768),
                                   row("seq", "read", 256, 100, 768)])
        new = self.csv("new.csv", [row("seq", "write", 256, 1051, 768),
                                   row("seq", "read", 256, 90, 768)])
        bad, _ = results.guard(new, old, 5)
        self.assertEqual(len(bad), 1)
        self.assertIn("seq write 256: p50 1000 -> 1051", bad[0])

    def test_missing_case_fails_and_no_fault_rows_ignored(self):
        old = self.csv("old.csv", [row("seq", "write", 256, 1000, 768),
                                   row("seq", "retouch", 256, 2, 0)])
        new = self.csv("new.csv", [row("seq", "retouch", 256, 50, 0)])
        bad, _ = results.guard(new, old, 5)
        self.assertEqual(len(bad), 1)
        self.assertIn("not in", bad[0])

    def test_other_page_count_fails(self):
        # a block fault that fell back to pages: far cheaper, but not the case
        old = self.csv("old.csv", [row("seq", "write", 1, 67588, 1, pages_allocated=512)])
        new = self.csv("new.csv", [row("seq", "write", 1, 289, 1, pages_allocated=1)])
        bad, _ = results.guard(new, old, 5)
        self.assertEqual(len(bad), 1)
        self.assertIn("seq write 1: pages_allocated 512 -> 1", bad[0])

    def test_folio_sizes_are_distinct_cases(self):
        head = ",".join(HEAD + ["folio"])
        old = self.write("old.csv", "\n".join([
            head, row("seq", "write", 8, 289, 8) + ",none",
            row("seq", "write", 8, 2684, 8, pages_allocated=128) + ",64k"]) + "\n")
        new = self.write("new.csv", "\n".join([
            head, row("seq", "write", 8, 2684, 8, pages_allocated=128) + ",64k",
            row("seq", "write", 8, 300, 8) + ",none"]) + "\n")
        self.assertEqual(results.guard(new, old, 5), ([], 2))
        # the headline is the base-page row, whatever the folio rows
        self.assertRegex(results.headline_table(new), r"first write .* 8 +300 ")

    def test_missing_baseline_fails(self):
        new = self.csv("new.csv", [row("seq", "write", 256, 1000, 768)])
        with self.assertRaises(results.ResultError):
            results.guard(new, os.path.join(self.dir, "absent.csv"), 5)


class SameTest(Base):
    def test_identical_and_different(self):
        a = self.write("a.csv", "\n".join(SUMMARY) + "\n")
        b = self.write("b.csv", "\n".join(SUMMARY) + "\n")
        self.assertEqual(results.same(a, b), [])
        c = self.write("c.csv", "\n".join(SUMMARY[:2] + [row("seq", "read", 256, 168, 768)]
                                          + SUMMARY[3:]) + "\n")
        diff = results.same(a, c)
        self.assertTrue(any("p50 167 vs 168" in d for d in diff), diff)


class ProgressTest(Base):
    def test_progress_lines(self):
        out = io.StringIO()
        con = results.ProgressConsole(None, out)
        for line in console().splitlines():
            con.feed(line)
        con.finish()
        text = out.getvalue()
        self.assertIn("[1/3]", text)
        self.assertIn("seq read pages=256", text)
        self.assertEqual(con.done, "ok")
        self.assertIn("default", con.csv)


class StageNamesTest(unittest.TestCase):
    def test_from_header(self):
        self.assertEqual(results.stage_names(HEAD), list(STAGES))
        self.assertEqual(results.stage_names(results.CONTRACT_COLUMNS), [])


class HeadlineTest(Base):
    def test_headline_table(self):
        path = self.write("default.csv", "\n".join(
            [SUMMARY[0], row("seq", "write", 16, 300, 48)] + SUMMARY[1:]
            + [row("seq", "read-then-write", 256, 304, 768)]) + "\n")
        text = results.headline_table(path)
        lines = text.splitlines()
        self.assertIn("icount", lines[0])
        self.assertIn("instructions", lines[0])
        # write at the read's 256 pages (not 16); the three faults in order.
        self.assertRegex(lines[3], r"^first write .* 256 +356 ")
        self.assertRegex(lines[4], r"^first read .* 256 +167 ")
        self.assertRegex(lines[5], r"^write after a read .* 256 +304 ")
        self.assertEqual(len(lines), 6)


def svg_text(path):
    with open(path) as f:
        return f.read()


@unittest.skipUnless(shutil.which("gnuplot"), "gnuplot not installed")
class PlotTest(Base):
    def test_icount_bars_not_cdf(self):
        self.write("default.csv", "\n".join(SUMMARY) + "\n")
        self.write("default.raw.csv", "\n".join(RAW) + "\n")
        paths = results.plot(self.dir, "default")
        names = sorted(os.path.basename(p) for p in paths)
        # no find_vma rows: no find_vma plot; icount: bars, no CDF
        self.assertEqual(names, ["default-latency.svg", "default-stages.svg"])
        stages = svg_text(os.path.join(self.dir, "default-stages.svg"))
        self.assertIn("<svg", stages)
        for s in STAGES:                   # every stage of the header, named
            self.assertIn(f">{s}<", stages)
        self.assertIn(">seq write 256<", stages)    # whole case names
        # case names are horizontal text (translated, never rotated): no
        # renderer can misplace them
        self.assertRegex(stages, r'<g transform="translate\([\d.,]+\)"[^>]*>\s*'
                         r'<text>seq write 256</text>')
        bars = svg_text(os.path.join(self.dir, "default-latency.svg"))
        self.assertIn(">p99<", bars)

    def test_tcg_cdf(self):
        head, rows = SUMMARY[0], [row("seq", "write", 256, 356, 768, mode="tcg"),
                                  row("seq", "retouch", 256, 2, 0, mode="tcg")]
        self.write("default.csv", "\n".join([head] + rows) + "\n")
        self.write("default.raw.csv", "\n".join(RAW) + "\n")
        names = sorted(os.path.basename(p) for p in results.plot(self.dir, "default"))
        self.assertEqual(names, ["default-cdf.svg", "default-stages.svg"])
        self.assertIn(">seq write 256<", svg_text(os.path.join(self.dir, "default-cdf.svg")))


def folio_rows(granule, sizes, cpu="cortex-a76"):
    """A guard-suite summary of one granule: a seq write per folio size."""
    head = HEAD + ["granule", "folio", "per_4k_p50", "table_pages"]
    lines = [",".join(head)]
    for n, (folio, per4k) in enumerate(sizes, 1):
        r = row("seq", "write", 8, 100 * n, 8).replace("cortex-a72", cpu)
        lines.append(r + f",{granule},{folio},{per4k:.2f},1")
    return "\n".join(lines) + "\n"


@unittest.skipUnless(shutil.which("gnuplot"), "gnuplot not installed")
class GranulesPlotTest(Base):
    def dirs(self, **kw):
        out = []
        for g, sizes in (("4k", [("none", 289), ("64k", 167.75), ("2m", 132.01)]),
                         ("16k", [("none", 167.5), ("2m", 130.2)])):
            d = os.path.join(self.dir, g)
            os.makedirs(d)
            with open(os.path.join(d, "guard.csv"), "w") as f:
                f.write(folio_rows(g, sizes, kw.get(g, "cortex-a76")))
            out.append(d)
        return out

    def test_a_line_per_granule(self):
        svg = os.path.join(self.dir, "folio-granules.svg")
        results.plot_granules(self.dirs(), "guard", svg)
        text = svg_text(svg)
        self.assertIn(">4k granule, seq write<", text)
        self.assertIn(">16k granule, seq write<", text)
        self.assertIn("qemu-virt cortex-a76 icount guard", text)

    def test_weighted_cost_preferred(self):
        # a block case with page fallbacks: cost_per_4k, not per_4k_p50
        rows = [dict(folio="none", granule="64k", pattern="seq", access="write",
                     faults="8", per_4k_p50="136.88", cost_per_4k="136.88"),
                dict(folio="512m", granule="64k", pattern="seq", access="write",
                     faults="32", per_4k_p50="170.87", cost_per_4k="128.12"),
                dict(folio="2m", granule="64k", pattern="seq", access="write",
                     faults="8", per_4k_p50="129.74")]   # an older CSV's row
        path = os.path.join(self.dir, "folio.dat")
        self.assertEqual(results.folio_dat(rows, path), 1)
        self.assertEqual(svg_text(path).split("\n")[1:4],
                         ["64 136.88", "2048 129.74", "524288 128.12"])

    def test_other_cpu_refused(self):
        with self.assertRaisesRegex(ValueError, "differ in cpu"):
            results.plot_granules(self.dirs(**{"16k": "cortex-a72"}), "guard",
                                  os.path.join(self.dir, "x.svg"))

    def test_cli_fails_without_rows(self):
        d = os.path.join(self.dir, "empty")
        os.makedirs(d)
        with open(os.path.join(d, "guard.csv"), "w") as f:
            f.write(folio_rows("4k", [("none", 289)]))
        self.assertEqual(results.main(["granules", d, "-o",
                                       os.path.join(self.dir, "y.svg")]), 1)


if __name__ == "__main__":
    unittest.main()
