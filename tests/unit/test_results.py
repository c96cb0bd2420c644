#!/usr/bin/python3
"""Host tests of what a result says it measured (issue 16): the host's
columns (qemu, date) on a summary, old summaries without the new columns
still read by the regression guard, the determinism check that ignores the
date, the folio-size sweep after the headline, plot titles and case labels
(board, "emulated", CPU, mode, granule, folio size), the stage plot's note
on the stamps' own cost, no "cycles" for TCG's host-time counter, and the
compare table's refusal to put a ratio between a folio fault and a 4 KiB
fault. Small synthetic CSVs; no QEMU.
Run: python3 -m tests.unit.test_results"""

import csv
import os
import shutil
import stat
import sys
import tempfile
import unittest

from tests.unit import counted
from tools import compare, results

OLD_HEAD = results.CONTRACT_COLUMNS + ["p99.9", "stage_entry_p50", "stage_zero_p50",
                                       "staged_p50", "build", "granule", "folio",
                                       "per_4k_p50", "cost_per_4k", "fault_p50"]
NEW_HEAD = OLD_HEAD + ["toolchain", "ram_mib", "iters", "step", "thp"]


def row(head, pattern="seq", access="write", pages=8, p50=289, faults=8, folio="none",
        board="qemu-virt", mode="icount", unit="instructions", stages=None, **kw):
    v = dict.fromkeys(head, "")
    v.update(board=board, cpu="cortex-a76", mode=mode, counter="pmccntr", unit=unit,
             pattern=pattern, access=access, pages=pages, samples=pages, faults=faults,
             pages_allocated=faults, min=p50, p50=p50, p90=p50, p99=p50, max=p50,
             mean=p50, stddev=0, build="abc", granule="4k", folio=folio,
             toolchain="gcc-12.2.0", ram_mib=2046, iters=3, step="page", thp="never")
    v["p99.9"] = p50
    if stages:
        v["stage_entry_p50"], v["stage_zero_p50"] = stages
        v["staged_p50"] = sum(stages)
    v.update(kw)
    return [str(v[c]) for c in head]


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="faultline-results-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, head, rows):
        path = os.path.join(self.dir, name)
        with open(path, "w", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows([head] + rows)
        return path

    def read(self, path):
        with open(path, newline="") as f:
            return list(csv.DictReader(f))


class HostColumnsTest(Base):
    def test_stamp_appends_qemu_and_date_after_the_kernels_columns(self):
        path = self.write("s.csv", NEW_HEAD, [row(NEW_HEAD), row(NEW_HEAD, access="read")])
        results.stamp(path, "10.0.2", "2025-01-31")
        with open(path) as f:
            head = f.readline().strip().split(",")
        self.assertEqual(head, NEW_HEAD + ["qemu", "date"])
        rows = self.read(path)
        self.assertEqual({(r["qemu"], r["date"]) for r in rows}, {("10.0.2", "2025-01-31")})
        # stamped again: set, not appended twice
        results.stamp(path, "", "2025-02-01")
        rows = self.read(path)
        self.assertEqual(list(rows[0].keys()), NEW_HEAD + ["qemu", "date"])
        self.assertEqual(rows[1]["date"], "2025-02-01")
        self.assertEqual(rows[1]["qemu"], "")
        self.assertEqual(len(results.read_summary(path)), 2)

    def test_stamp_cli_today(self):
        path = self.write("s.csv", NEW_HEAD, [row(NEW_HEAD)])
        self.assertEqual(results.main(["stamp", "--no-qemu", path]), 0)
        self.assertRegex(self.read(path)[0]["date"], r"^\d{4}-\d\d-\d\d$")
        self.assertEqual(results.main(["stamp", "--no-qemu",
                                       os.path.join(self.dir, "missing.csv")]), 1)

    def test_qemu_version_from_the_binary(self):
        fake = os.path.join(self.dir, "qemu-fake")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\necho 'QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-2)'\n")
        os.chmod(fake, os.stat(fake).st_mode | stat.S_IEXEC)
        self.assertEqual(results.qemu_version(fake), "10.0.2")
        self.assertEqual(results.qemu_version(os.path.join(self.dir, "none")), "")

    def test_same_ignores_the_date_only(self):
        a = self.write("a.csv", NEW_HEAD, [row(NEW_HEAD)])
        b = self.write("b.csv", NEW_HEAD, [row(NEW_HEAD)])
        results.stamp(a, "10.0.2", "2025-01-31")
        results.stamp(b, "10.0.2", "2025-02-01")
        self.assertEqual(results.same(a, b), [])
        results.stamp(b, "9.2.0", "2025-02-01")
        self.assertTrue(any("qemu" in d for d in results.same(a, b)))

    def test_guard_reads_an_old_baseline_without_the_new_columns(self):
        old = self.write("old.csv", OLD_HEAD, [row(OLD_HEAD, folio=f, p50=p)
                                               for f, p in (("none", 289), ("64k", 2682))])
        new = self.write("new.csv", NEW_HEAD, [row(NEW_HEAD, folio=f, p50=p)
                                               for f, p in (("none", 290), ("64k", 2682))])
        results.stamp(new, "10.0.2")
        self.assertEqual(results.guard(new, old, 5), ([], 2))
        self.assertEqual(results.main(["guard", new, old]), 0)
        worse = self.write("worse.csv", NEW_HEAD, [row(NEW_HEAD, folio=f, p50=p)
                                                   for f, p in (("none", 289), ("64k", 3000))])
        bad, _ = results.guard(worse, old, 5)
        self.assertEqual(len(bad), 1)
        self.assertIn("folio=64k", bad[0])


class SweepTest(Base):
    def test_sweep_after_the_headline(self):
        path = self.write("guard.csv", NEW_HEAD, [
            row(NEW_HEAD, p50=289),
            row(NEW_HEAD, folio="16k", p50=932, cost_per_4k="233.00"),
            row(NEW_HEAD, folio="64k", p50=2682, cost_per_4k="167.63"),
            row(NEW_HEAD, pattern="seq", pages=1, folio="2m", p50=67132, faults=1,
                cost_per_4k="131.12", thp="always"),
            row(NEW_HEAD, access="retouch", folio="64k", p50=2, faults=0)])
        text = results.sweep_table(path)
        lines = text.splitlines()
        self.assertIn("folio-size sweep", lines[0])
        self.assertIn("4k granule", lines[0])
        body = lines[3:]
        self.assertEqual(len(body), 3)          # base page and retouch left out
        self.assertRegex(body[0], r"^seq write 8 +16k +8 +932 +233\.00$")
        self.assertRegex(body[1], r"^seq write 8 +64k +8 +2,682 +167\.63$")
        self.assertRegex(body[2], r"^seq write 1 +2m +1 +67,132 +131\.12$")
        # the headline stays the base page's
        self.assertRegex(results.headline_table(path).splitlines()[3],
                         r"^first write .* 8 +289 ")

    def test_no_sweep_without_folios(self):
        path = self.write("default.csv", NEW_HEAD, [row(NEW_HEAD), row(NEW_HEAD, access="read")])
        self.assertEqual(results.sweep_table(path), "")


class LabelsTest(Base):
    def test_title_names_board_cpu_mode_granule(self):
        r = dict(zip(NEW_HEAD, row(NEW_HEAD, granule="16k")))
        self.assertEqual(results.run_title(r, "guard"),
                         "qemu-virt cortex-a76 icount 16k granule guard")
        rpi = dict(zip(NEW_HEAD, row(NEW_HEAD, board="rpi4", mode="tcg")))
        self.assertIn("rpi4 (emulated in QEMU) cortex-a76 tcg 4k granule",
                      results.run_title(rpi))
        hw = dict(zip(NEW_HEAD, row(NEW_HEAD, board="rpi4", mode="hw")))
        self.assertNotIn("emulated", results.run_title(hw))
        old = dict(zip(results.CONTRACT_COLUMNS, row(results.CONTRACT_COLUMNS)))
        self.assertIn("4k granule", results.run_title(old))   # before the column

    def test_tcg_pmccntr_is_not_cycles(self):
        tcg = dict(zip(NEW_HEAD, row(NEW_HEAD, mode="tcg", unit="cycles")))
        self.assertNotIn("cycles", results.unit_label(tcg).replace("not cycles", ""))
        self.assertIn("host-time", results.unit_label(tcg))
        icount = dict(zip(NEW_HEAD, row(NEW_HEAD)))
        self.assertEqual(results.unit_label(icount), "instructions")
        hw = dict(zip(NEW_HEAD, row(NEW_HEAD, mode="hw", unit="cycles", board="rpi4")))
        self.assertEqual(results.unit_label(hw), "cycles")
        path = self.write("d.csv", NEW_HEAD, [row(NEW_HEAD, mode="tcg", unit="cycles",
                                                  p50=4088)])
        title = results.headline_table(path).splitlines()[0]
        self.assertIn("host-time ticks (TCG, not cycles)", title)

    def test_case_label_has_the_folio(self):
        labels = {results.case_label(dict(zip(NEW_HEAD, row(NEW_HEAD, folio=f))))
                  for f in ("none", "8k", "16k", "64k")}
        self.assertEqual(labels, {"seq write 8", "seq write 8 folio=8k",
                                  "seq write 8 folio=16k", "seq write 8 folio=64k"})

    def test_stages_note_explains_the_stamps(self):
        r = dict(zip(NEW_HEAD, row(NEW_HEAD, p50=289, stages=(225, 131))))
        note = results.stages_note([r])
        self.assertIn("stamps add", note)
        self.assertIn("sums to 356", note)
        self.assertIn("p50 is 289", note)


def svg(path):
    with open(path) as f:
        return f.read()


@unittest.skipUnless(shutil.which("gnuplot"), "gnuplot not installed")
class PlotTest(Base):
    def test_guard_plot_bars_differ_by_folio_and_title_says_the_run(self):
        rows = [row(NEW_HEAD, folio=f, p50=p, stages=(p - 131, 131 + 67))
                for f, p in (("none", 289), ("16k", 932), ("64k", 2682))]
        self.write("guard.csv", NEW_HEAD, rows)
        raw_head = ["board", "mode", "unit", "pattern", "access", "pages", "sample", "page",
                    "latency", "latency_staged", "cpu", "counter", "granule", "folio",
                    "build", "rep"]
        self.write("guard.raw.csv", raw_head, [
            ["qemu-virt", "icount", "instructions", "seq", "write", 8, i, i, 289, 356,
             "cortex-a76", "pmccntr", "4k", f, "abc", 1]
            for f in ("none", "16k", "64k") for i in range(8)])
        paths = results.plot(self.dir, "guard")
        lat = svg(os.path.join(self.dir, "guard-latency.svg"))
        for name in ("seq write 8", "seq write 8 folio=16k", "seq write 8 folio=64k"):
            self.assertIn(f">{name}<", lat)
        self.assertIn("qemu-virt cortex-a76 icount 4k granule guard", lat)
        stages = svg(os.path.join(self.dir, "guard-stages.svg"))
        self.assertIn("p50 without stamps", stages)
        self.assertIn("stamps add their own instructions", stages)
        self.assertEqual(sorted(map(os.path.basename, paths)),
                         ["guard-latency.svg", "guard-stages.svg"])

    def test_tcg_axes_do_not_say_cycles(self):
        self.write("d.csv", NEW_HEAD, [row(NEW_HEAD, mode="tcg", unit="cycles", p50=4088)])
        raw_head = ["board", "mode", "unit", "pattern", "access", "pages", "sample",
                    "page", "latency", "latency_staged"]
        self.write("d.raw.csv", raw_head, [
            ["qemu-virt", "tcg", "cycles", "seq", "write", 8, i, i, 4000 + i, ""]
            for i in range(8)])
        results.plot(self.dir, "d")
        cdf = svg(os.path.join(self.dir, "d-cdf.svg"))
        self.assertIn("host-time ticks (TCG, not cycles)", cdf)
        self.assertNotIn("latency (cycles", cdf)


class CompareFolioTest(Base):
    HEAD = ("board,cpu,mode,counter,unit,pattern,access,pages,samples,faults,"
            "pages_allocated,min,p50,p90,p99,max,mean,stddev,cntfrq,granule,folio").split(",")

    def side(self, name, rows, linux=False):
        head = self.HEAD + (["resolution", "linux_config", "cmdline"] if linux else [])
        out = []
        for pattern, pages, p50, folio in rows:
            v = dict(board="qemu-virt", cpu="cortex-a72", mode="icount", counter="pmccntr",
                     unit="instructions", pattern=pattern, access="write", pages=pages,
                     samples=pages, faults=pages, pages_allocated=pages, min=p50, p50=p50,
                     p90=p50, p99=p50, max=p50, mean=p50, stddev=0, cntfrq=62500000,
                     granule="4k", folio=folio, resolution="1.00", linux_config="nokaslr",
                     cmdline="nokaslr")
            out.append([str(v[c]) for c in head])
        return self.write(name, head, out)

    def test_no_ratio_between_a_folio_and_a_page_fault(self):
        fl = self.side("small.csv", [("seq", 64, 289, "none"), ("seq-folio", 64, 2683, "64k")])
        lx = self.side("linux-small.csv", [("seq", 64, 2805, "none"),
                                           ("seq-folio", 64, 2790, "none")], linux=True)
        text = compare.table(fl, [lx])
        seq = [l for l in text.splitlines() if l.startswith("| seq | write")][0]
        folio = [l for l in text.splitlines() if l.startswith("| seq-folio | write")][0]
        self.assertTrue(seq.endswith("| 9.7 |"), seq)
        self.assertTrue(folio.endswith("| - |"), folio)
        self.assertNotIn("1.0", folio.split("|")[-2])
        self.assertIn("No ratio where one fault maps a different size", text)
        self.assertIn("seq-folio write 64 (faultline 64k, Linux 4k)", text)

    def test_no_note_when_the_sizes_match(self):
        fl = self.side("small.csv", [("seq", 64, 289, "none")])
        lx = self.side("linux-small.csv", [("seq", 64, 2805, "none")], linux=True)
        self.assertNotIn("No ratio where", compare.table(fl, [lx]))


if __name__ == "__main__":
    sys.exit(counted.main(__name__))
