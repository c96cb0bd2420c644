#!/usr/bin/python3
"""Host tests of tools/compare.py: the side-by-side table with one column
set per Linux configuration, the checks of Linux rows (PMU counter in
instructions, resolution, command line), the headline table and the plot,
and the page-size section (rows granule x folio, its checks and plot);
then tools/compare_smp.py: the SMP CSVs (cpus, core, placement), their
checks, the per-core table beside faultline's and the repeatability check.
No QEMU needed. Run: /usr/bin/python3 -m unittest tests/unit/test_compare.py"""

import os
import shutil
import tempfile
import unittest

from tools import compare, compare_smp

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


PAGE_HEAD = LINUX_HEAD + list(compare.PAGESIZE_COLUMNS)


def prow(granule, folio, access, faults, fault_p50, samples=1536, **kw):
    """A Linux page-size row of seq at 512 pages: `faults` faults over
    `samples` 4 KiB touches, their p50 fault_p50."""
    r = case("seq", access, 512, 2 if faults < samples else fault_p50, 9000,
             faults=faults, cpu="cortex-a76", resolution="1.00",
             linux_config="nokaslr", cmdline="console=ttyAMA0 nokaslr",
             granule=granule, folio=folio, samples=samples,
             pages_allocated=kw.pop("pages_allocated", 0),
             folio_allocs=kw.pop("folio_allocs", 0),
             thp_fault_alloc=kw.pop("thp_fault_alloc", 0), table_pages=1)
    if faults:
        ppf = samples / faults
        r.update(fault_p50=fault_p50, pages_per_fault=f"{ppf:.2f}",
                 cost_per_4k=f"{fault_p50 / ppf:.2f}")
    r.update(kw)
    return r


# The shape of a real sweep (make compare-pagesize, ICOUNT=1, cortex-a76).
SWEEP = [prow("4k", "none", "write", 1536, 2800, pages_allocated=1536),
         prow("4k", "none", "retouch", 0, 0),
         prow("4k", "64k", "write", 96, 14000, folio_allocs=96, pages_allocated=1536),
         prow("4k", "64k", "retouch", 0, 0),
         prow("4k", "2m", "write", 3, 318000, folio_allocs=3, thp_fault_alloc=3),
         prow("4k", "thp-always", "write", 3, 318000, folio_allocs=3, thp_fault_alloc=3),
         prow("16k", "none", "write", 384, 3560, pages_allocated=384),
         prow("16k", "64k", "write", 105, 12100, folio_allocs=93)]


class PageSizeTest(Base):
    def sweep(self, rows=SWEEP):
        return self.write("linux-pagesize-small.csv", PAGE_HEAD, rows)

    def test_rows_granule_by_folio(self):
        text = compare.pagesize_table(self.sweep())
        self.assertIn("# Page sizes: Linux, qemu-virt, cortex-a76, mode icount", text)
        lines = [l for l in text.splitlines() if l.startswith("| 4k") or
                 l.startswith("| 16k") or l.startswith("| 64k")]
        # granules in size order, folios: none, sizes ascending, thp-always
        self.assertEqual([l.split(" | ")[:2] for l in lines],
                         [["| 4k", "none"], ["| 4k", "64k"], ["| 4k", "2m"],
                          ["| 4k", "thp-always"], ["| 16k", "none"],
                          ["| 16k", "64k"], ["| 64k", "-"]])
        # 96 faults over 1536 touches: 16 pages a fault, 14,000 / 16 per 4 KiB
        self.assertIn("| 4k | 64k | 96 | 16.00 | 14,000 | 875 | 96 | 0 | 1 | 1536 "
                      "| 2 | n/a yet | n/a yet |", text)
        self.assertIn("| 16k | none | 384 | 4.00 | 3,560 | 890 |", text)
        self.assertIn("| 64k | - | Debian ships no 64 KiB arm64 kernel |", text)
        self.assertIn("faultline's columns are n/a yet", text)

    def test_faultline_columns_when_it_has_granule_and_folio(self):
        fl = self.write("pagesize-small.csv", PAGE_HEAD,
                        [dict(prow("4k", "none", "write", 1536, 280),
                              linux_config="", cmdline=""),
                         dict(prow("64k", "none", "write", 96, 700),
                              linux_config="", cmdline="")])
        text = compare.pagesize_table(self.sweep(), fl)
        self.assertIn("| 4k | none | 1536 | 1.00 | 2,800 | 2,800 | 0 | 0 | 1 | 1536 "
                      "| 2 | 280 | 280 |", text)
        self.assertIn("| 4k | 64k | 96 | 16.00 | 14,000 | 875 | 96 | 0 | 1 | 1536 "
                      "| 2 | - | - |", text)
        # faultline has a 64K granule; Linux has no kernel for it
        self.assertIn("| 64k | none | Debian ships no 64 KiB arm64 kernel | | | | | "
                      "| | | | 700 | 44 |", text)

    def test_ratio_column(self):
        # x = Linux fault p50 / faultline fault p50; none where Linux has no row
        fl = self.write("pagesize-small.csv", PAGE_HEAD,
                        [dict(prow("4k", "none", "write", 1536, 280),
                              linux_config="", cmdline=""),
                         dict(prow("16k", "none", "write", 384, 1424),
                              linux_config="", cmdline=""),
                         dict(prow("64k", "none", "write", 96, 700),
                              linux_config="", cmdline="")])
        text = compare.pagesize_table(self.sweep(), fl)
        self.assertIn("| faultline fault p50 | faultline per 4K | x |", text)
        self.assertIn("| 2 | 280 | 280 | 10.0x |", text)
        self.assertIn("| 16k | none | 384 | 4.00 | 3,560 | 890 | 0 | 0 | 1 | 384 "
                      "| - | 1,424 | 356 | 2.5x |", text)
        self.assertIn("| 4k | 64k | 96 | 16.00 | 14,000 | 875 | 96 | 0 | 1 | 1536 "
                      "| 2 | - | - | - |", text)
        self.assertIn("| | | | 700 | 44 | - |", text)
        # faultline placed 64k folios where Linux mapped fewer: said beside x
        fl = self.write("pagesize-small.csv", PAGE_HEAD,
                        [dict(prow("16k", "64k", "write", 96, 2470, folio_allocs=96),
                              linux_config="", cmdline="")])
        text = compare.pagesize_table(self.sweep(), fl)
        self.assertIn("| 2,470 | 154 | 4.9x (faultline 16.00 4K/fault) |", text)
        # faultline placed folios where Linux placed none: no ratio of the two
        sweep = self.sweep(SWEEP + [prow("16k", "2m", "write", 384, 3641)])
        fl = self.write("pagesize-small.csv", PAGE_HEAD,
                        [dict(prow("16k", "2m", "write", 3, 68102, folio_allocs=3),
                              linux_config="", cmdline="")])
        text = compare.pagesize_table(sweep, fl)
        self.assertIn("| 68,102 | 133 | - (only faultline placed folios: not the same "
                      "fault) |", text)
        self.assertEqual(compare.ratio(3560, 1424), "2.5x")
        self.assertEqual(compare.ratio(None, 1424), "-")
        self.assertEqual(compare.ratio(3560, 0), "-")

    def test_merge_relabels_faultline_folios(self):
        # faultline's thp=always boot names its folio by the block size;
        # --folio= gives its rows Linux's name
        a = self.write("a.csv", PAGE_HEAD, [prow("4k", "2m", "write", 3, 318000,
                                                 folio_allocs=3, thp_fault_alloc=3)])
        b = self.write("b.csv", PAGE_HEAD, [prow("4k", "2m", "write", 3, 318000,
                                                 folio_allocs=3, thp_fault_alloc=3)])
        merged = os.path.join(self.dir, "fl.csv")
        self.assertEqual(compare.main(["--merge", merged, "--folio=thp-always", a,
                                       "--folio=2m", b]), 0)
        rows = compare.load_pagesize(merged)
        self.assertEqual(sorted(k[1] for k in rows), ["2m", "thp-always"])
        self.assertEqual(compare.main(["--merge", merged, "--folio=big", a]), 1)
        self.assertEqual(compare.main(["--merge", merged, a, "--folio=2m"]), 1)
        # without --folio the same rows twice are one case twice
        self.assertEqual(compare.main(["--merge", merged, a, b]), 0)
        with self.assertRaisesRegex(compare.Error, "twice"):
            compare.load_pagesize(merged)

    def test_check_covers_faultline_rows(self):
        lx = self.sweep()
        md = os.path.join(self.dir, "t.md")
        good = self.write("fl.csv", PAGE_HEAD,
                          [prow("16k", "64k", "write", 96, 2470, folio_allocs=96,
                                pages_allocated=384)])
        self.assertEqual(compare.main(["--pagesize", "--faultline", good, lx, "-o", md]), 0)
        self.assertEqual(compare.main(["--pagesize", "--check", md, "--faultline", good, lx]), 0)
        # one fault the folios and base pages do not account for
        bad = self.write("fl.csv", PAGE_HEAD,
                         [prow("16k", "64k", "write", 97, 2470, folio_allocs=96,
                               pages_allocated=384)])
        self.assertEqual(compare.main(["--pagesize", "--faultline", bad, lx, "-o", md]), 0)
        self.assertEqual(compare.main(["--pagesize", "--check", md, "--faultline", bad, lx]), 1)

    def test_rows_without_granule_refused(self):
        path = self.write("linux-small.csv", LINUX_HEAD, linux("nokaslr", "x"))
        with self.assertRaisesRegex(compare.Error, "missing columns granule, folio"):
            compare.pagesize_table(path)

    def test_bad_folio_name_refused(self):
        with self.assertRaisesRegex(compare.Error, "folio 'big'"):
            compare.pagesize_table(self.sweep([prow("4k", "big", "write", 1, 1)]))

    def test_sizes(self):
        self.assertEqual([compare.size_kib(n) for n in ("16k", "2m", "32m", "none", "k", "4x")],
                         [16, 2048, 32768, None, None, None])

    def test_sane_sweep(self):
        path = self.sweep()
        self.assertEqual(compare.pagesize_sane(path, compare.load_pagesize(path)), [])

    def test_folio_that_maps_nothing_more_fails(self):
        # 64k enabled but every 4 KiB touch faulted and no folio was allocated
        path = self.sweep([prow("4k", "64k", "write", 1536, 2800)])
        why = compare.pagesize_sane(path, compare.load_pagesize(path))
        self.assertTrue(any("no fault mapped more than 4 KiB" in w for w in why), why)
        self.assertTrue(any("no 64k folio allocated" in w for w in why), why)

    def test_16k_granule_that_faults_every_4k_fails(self):
        path = self.sweep([prow("16k", "none", "write", 1536, 2800)])
        why = compare.pagesize_sane(path, compare.load_pagesize(path))
        self.assertTrue(any("no fault mapped more than 4 KiB" in w for w in why), why)

    def test_fault_on_something_else_fails(self):
        # one fault more than the folios and base pages account for (a
        # fault on the program's own pages inside a sample)
        for r in (prow("4k", "64k", "write", 97, 14000, folio_allocs=96),
                  prow("4k", "none", "write", 1537, 2800),
                  prow("16k", "64k", "write", 106, 12100, folio_allocs=93)):
            path = self.sweep([r])
            why = compare.pagesize_sane(path, compare.load_pagesize(path))
            self.assertTrue(any("do not add up" in w for w in why), why)

    def test_plot_points(self):
        pts = compare.pagesize_points(compare.load_pagesize(self.sweep()), 1.0)
        # none at the granule's size; thp-always left out (2m has it)
        self.assertEqual(pts, {"4k": [(4, 2800.0), (64, 875.0), (2048, 621.09)],
                               "16k": [(16, 890.0), (64, 827.15)]})

    def test_merge_and_check_commands(self):
        a = self.write("a.csv", PAGE_HEAD, SWEEP[:4])
        b = self.write("b.csv", PAGE_HEAD, SWEEP[4:])
        merged = os.path.join(self.dir, "all.csv")
        self.assertEqual(compare.main(["--merge", merged, a, b]), 0)
        md = os.path.join(self.dir, "t.md")
        self.assertEqual(compare.main(["--pagesize", merged, "-o", md]), 0)
        self.assertEqual(compare.main(["--pagesize", "--check", md, merged]), 0)
        with open(md, "a") as f:
            f.write("edited\n")
        self.assertEqual(compare.main(["--pagesize", "--check", md, merged]), 1)
        other = self.write("c.csv", LINUX_HEAD, linux("nokaslr", "x"))
        self.assertEqual(compare.main(["--merge", merged, a, other]), 1)

    def test_expect_command(self):
        a = self.write("a.csv", PAGE_HEAD, SWEEP[6:])
        self.assertEqual(compare.main(["--expect", "granule=16k", a]), 0)
        self.assertEqual(compare.main(["--expect", "granule=4k", a]), 1)

    @unittest.skipUnless(shutil.which("gnuplot"), "gnuplot not installed")
    def test_plot(self):
        out = os.path.join(self.dir, "pagesize.svg")
        compare.pagesize_plot(self.sweep(), out)
        with open(out) as f:
            svg = f.read()
        for name in ("Linux 4k", "Linux 16k", "cost per 4 KiB mapped"):
            self.assertIn(name, svg)


if __name__ == "__main__":
    unittest.main()


# -- make compare-smp: tools/compare_smp.py ---------------------------------

SMP_HEAD = LINUX_HEAD + ["thp", "kernel_release", "cpus", "core", "placement",
                         "tasks", "peers", "warmup", "crng", "qemu", "date"]
FL_SMP_HEAD = HEAD + ["thp", "cpus", "core", "placement"]
RATE_HEAD = ("board,cpu,mode,unit,pattern,access,pages,cpus,core,placement,tasks,"
             "thp,runs,secs,faults,faults_per_s,faults_per_s_min,faults_per_s_max,"
             "spread,resolution,linux_config,cmdline,kernel_release,build").split(",")


def smp_row(pattern, access, placement, cpus, core, p50, pages=2048, thp="never",
            tasks="threads", faults=None, **kw):
    shoot = placement == "shootdown"
    r = case(pattern, access, pages, p50, p50 * 5,
             faults=(0 if shoot else pages) if faults is None else faults,
             thp=thp, cpus=cpus, core=core, placement=placement, tasks=tasks,
             peers="parked", warmup="serial", crng="seeded",
             resolution="1.00", linux_config="nokaslr",
             cmdline="console=ttyAMA0 nokaslr -- run=smp")
    if shoot:
        r["samples"] = 32
    r.update(kw)
    return r


def smp_rows(cpu_counts=(1, 2), p50=2806, grow=0):
    rows = []
    for n in cpu_counts:
        for core in range(n):
            rows.append(smp_row("page_fault1", "write", "disjoint", n, core,
                                p50 + grow * (n - 1), tasks="processes"))
            rows.append(smp_row("pft", "write", "partitioned", n, core, p50 + core))
        rows.append(smp_row("shootdown", "munmap", "shootdown", n, 0, 15993, pages=16))
    return rows


def rate_rows(runs=10, cpus=2, unit="faults/s-emulated-host-time"):
    rows = []
    for core in list(range(cpus)) + ["all"]:
        k = cpus if core == "all" else 1
        rows.append(dict(board="qemu-virt", cpu="cortex-a72", mode="tcg", unit=unit,
                         pattern="page_fault1", access="write", pages=32768, cpus=cpus,
                         core=core, placement="disjoint", tasks="threads", thp="never",
                         runs=runs, secs=1, faults=100000 * k, faults_per_s=100000 * k,
                         faults_per_s_min=50000 * k, faults_per_s_max=300000 * k,
                         spread="6.00"))
    return rows


class SmpTest(Base):
    def test_table_per_cpu_count_with_core_ranges(self):
        lx = self.write("linux-smp.csv", SMP_HEAD, smp_rows(grow=10))
        text = compare_smp.icount_table(compare_smp.load(lx)[0])
        line = [l for l in text.splitlines() if l.startswith("| page_fault1 ")][0]
        self.assertIn("| processes | never | 2,048 | Linux | 2,806 | 2,816 | +0.4 % |", line)
        pft = [l for l in text.splitlines() if l.startswith("| pft ")][0]
        self.assertIn("| 2,806 | 2,806-2,807 |", pft)  # core 1 one more
        self.assertIn("| shootdown | munmap | shootdown | threads | never | 16 |", text)

    def test_faultline_beside_linux(self):
        lx = self.write("linux-smp.csv", SMP_HEAD, smp_rows())
        fl_rows = [dict(r, p50=295, faults=r["pages"]) for r in smp_rows()
                   if r["placement"] == "disjoint"]
        fl = self.write("smp.csv", FL_SMP_HEAD, fl_rows)
        text, shape, _ = compare_smp.render(lx, fl)
        self.assertEqual(shape, "icount")
        self.assertRegex(text, r"\| processes \| never \| 2,048 \| faultline \| 295 \| 295 \|")
        # no faultline pft rows: dashes, not numbers
        self.assertRegex(text, r"\| pft .*\| faultline \| - \| - \| - \|")

    def test_plot_both_kernels(self):
        lx = self.write("linux-smp.csv", SMP_HEAD, smp_rows())
        fl_rows = [dict(r, p50=295, faults=r["pages"]) for r in smp_rows()
                   if r["placement"] == "disjoint"]
        fl = self.write("smp.csv", FL_SMP_HEAD, fl_rows)
        series = compare_smp.plot_series(compare_smp.load(lx)[0], compare_smp.load(fl)[0])
        names = [n for n, _ in series]
        # Linux's threads rows of each first-touch placement, faultline's beside
        self.assertTrue(any(n.startswith("Linux disjoint") for n in names), names)
        self.assertTrue(any(n.startswith("faultline disjoint") for n in names), names)
        self.assertFalse(any("shootdown" in n for n in names), names)
        fl_pts = dict(series)[[n for n in names if n.startswith("faultline")][0]]
        self.assertEqual([p for _, p in fl_pts], [295] * len(fl_pts))
        svg = os.path.join(self.dir, "compare-linux-smp.svg")
        self.assertEqual(compare_smp.main([lx, "--faultline", fl, "--plot", svg]), 0)
        with open(svg) as f:
            self.assertIn("faultline disjoint", f.read())
        self.assertEqual(compare_smp.main([lx, "--plot", svg]), 1)  # needs --faultline

    def test_shootdown_plot_both_kernels(self):
        lx = self.write("linux-smp.csv", SMP_HEAD, smp_rows())
        fl_rows = [dict(r, p50=9000) for r in smp_rows() if r["placement"] == "shootdown"]
        fl = self.write("smp.csv", FL_SMP_HEAD, fl_rows)
        series = dict(compare_smp.shoot_series(compare_smp.load(lx)[0],
                                               compare_smp.load(fl)[0]))
        self.assertEqual(series["Linux munmap, 2 cores"], [(16, 15993)])
        self.assertEqual(series["faultline munmap, 1 core"], [(16, 9000)])
        svg = os.path.join(self.dir, "compare-linux-smp.svg")
        self.assertEqual(compare_smp.main([lx, "--faultline", fl, "--plot", svg]), 0)
        with open(os.path.join(self.dir, "compare-linux-smp-shootdown.svg")) as f:
            self.assertIn("faultline munmap, 2 cores", f.read())
        # no faultline shootdown: no shootdown plot
        self.assertIsNone(compare_smp.shoot_plot(compare_smp.load(lx)[0], [],
                                                 os.path.join(self.dir, "x.svg")))

    def test_cores_without_a_fault_named(self):
        rows = smp_rows((2,))
        rows[1].update(faults=0, p50=0)  # pft core 0: another core's block mapped it
        lx = self.write("linux-smp.csv", SMP_HEAD, rows)
        text = compare_smp.icount_table(compare_smp.load(lx)[0])
        self.assertIn("| 2,807 (1 core: no fault) |", text)

    def test_check_passes_and_table_must_match(self):
        lx = self.write("linux-smp.csv", SMP_HEAD, smp_rows())
        md = os.path.join(self.dir, "compare-linux-smp.md")
        with open(md, "w") as f:
            f.write(compare_smp.render(lx)[0])
        self.assertEqual(compare_smp.main(["--check", lx, md]), 0)
        with open(md, "a") as f:
            f.write("edited\n")
        self.assertEqual(compare_smp.main(["--check", lx, md]), 1)

    def check_fails(self, rows, pattern):
        lx = self.write("linux-smp.csv", SMP_HEAD, rows)
        why = compare_smp.sane_icount(lx, compare_smp.load(lx)[0])
        self.assertTrue(any(pattern in w for w in why), why)
        self.assertEqual(compare_smp.main(["--check", lx]), 1)

    def test_peers_not_parked_fails(self):
        rows = smp_rows()
        rows[0]["peers"] = "running"
        self.check_fails(rows, "parked")

    def test_missing_core_fails(self):
        rows = [r for r in smp_rows() if not (r["cpus"] == 2 and r["core"] == 1
                                              and r["pattern"] == "pft")]
        self.check_fails(rows, "cores [0], want [0, 1]")

    def test_core_beyond_cpus_fails(self):
        rows = smp_rows()
        rows[0]["core"] = 3
        self.check_fails(rows, "core 3 of 1 CPUs")

    def test_write_without_fault_fails_when_thp_never(self):
        rows = smp_rows()
        rows[0]["faults"] = 2047
        self.check_fails(rows, "2047 faults for 2048 first writes")

    def test_fault_in_a_shootdown_fails(self):
        rows = smp_rows()
        rows[2]["faults"] = 1
        self.check_fails(rows, "faults in an unmap")

    def test_shootdown_with_an_unseeded_crng_fails(self):
        rows = smp_rows()
        rows[2]["crng"] = "unseeded"
        self.check_fails(rows, "crng unseeded")

    def test_ticks_fail(self):
        rows = smp_rows()
        rows[0].update(unit="ticks", counter="cntvct")
        self.check_fails(rows, "not instructions under icount")

    def test_faultline_churn_rows_pass(self):
        rows = []
        for n in (2, 4):
            rows += [dict(smp_row("churn", "write", "churn", n, c, 303), peers="churn")
                     for c in range(n - 1)]
            rows += [dict(smp_row("churn", call, "churn", n, n - 1, 500, pages=4, faults=0),
                          peers="churn") for call in ("mmap", "munmap")]
        fl = self.write("smp.csv", SMP_HEAD, rows)
        self.assertEqual(compare_smp.sane_icount(fl, compare_smp.load(fl)[0], linux=False), [])
        rows = [r for r in rows if not (r["access"] == "munmap" and r["cpus"] == 4)]
        fl = self.write("smp.csv", SMP_HEAD, rows + [
            dict(smp_row("churn", "munmap", "churn", 4, 0, 500, pages=4, faults=0))])
        why = compare_smp.sane_icount(fl, compare_smp.load(fl)[0], linux=False)
        self.assertTrue(any("cores [0], want [3]" in w for w in why), why)

    def test_unknown_placement_refused(self):
        rows = smp_rows()
        rows[0]["placement"] = "somewhere"
        lx = self.write("linux-smp.csv", SMP_HEAD, rows)
        with self.assertRaisesRegex(compare_smp.Error, "placement 'somewhere'"):
            compare_smp.load(lx)

    def test_not_an_smp_csv_refused(self):
        plain = self.write("linux-small.csv", LINUX_HEAD, linux("nokaslr", "x"))
        with self.assertRaisesRegex(compare_smp.Error, "no column .*cpus"):
            compare_smp.load(plain)

    def test_same_runs(self):
        a = self.write("a.csv", SMP_HEAD, smp_rows())
        b = self.write("b.csv", SMP_HEAD, smp_rows())
        self.assertEqual(compare_smp.same(a, b), [])
        self.assertEqual(compare_smp.main(["--same", a, b]), 0)
        rows = smp_rows()
        rows[3]["p50"] += 1
        c = self.write("c.csv", SMP_HEAD, rows)
        diff = compare_smp.same(a, c)
        self.assertEqual(len(diff), 1)
        self.assertIn("p50 2,806 then 2,807", diff[0])
        self.assertEqual(compare_smp.main(["--same", a, c]), 1)
        d = self.write("d.csv", SMP_HEAD, smp_rows()[:-1])
        self.assertIn("only in", compare_smp.same(a, d)[0])

    def test_merge_of_boots(self):
        one = self.write("one.csv", SMP_HEAD, smp_rows((1,)))
        two = self.write("two.csv", SMP_HEAD, smp_rows((2,)))
        out = os.path.join(self.dir, "linux-smp.csv")
        compare.merge(out, [one, two])
        rows, shape = compare_smp.load(out)
        self.assertEqual(sorted({r["cpus"] for r in rows}), [1, 2])
        self.assertEqual(compare_smp.sane_icount(out, rows), [])

    def test_rate_table_and_check(self):
        path = self.write("linux-smp-rate.csv", RATE_HEAD, rate_rows())
        text, shape, rows = compare_smp.render(path)
        self.assertEqual(shape, "rate")
        self.assertIn("| page_fault1 | disjoint | threads | never | 2 | 100,000 / 100,000 | "
                      "200,000 (100,000-600,000) | 6.00x | 10 |", text)
        self.assertIn("emulated host time", text)
        self.assertEqual(compare_smp.main(["--check", path]), 0)

    def test_rate_needs_ten_runs(self):
        path = self.write("linux-smp-rate.csv", RATE_HEAD, rate_rows(runs=9))
        self.assertEqual(compare_smp.main(["--check", path]), 1)
        self.assertEqual(compare_smp.main(["--check", "--min-runs", "9", path]), 0)

    def test_rate_must_say_emulated_host_time(self):
        path = self.write("linux-smp-rate.csv", RATE_HEAD, rate_rows(unit="faults/s"))
        why = compare_smp.sane_rate(path, compare_smp.load(path)[0], 10)
        self.assertTrue(any("emulated host time" in w for w in why), why)

    def test_rate_needs_the_total_row(self):
        rows = [r for r in rate_rows() if r["core"] != "all"]
        path = self.write("linux-smp-rate.csv", RATE_HEAD, rows)
        self.assertEqual(compare_smp.main(["--check", path]), 1)

    def test_rate_with_faultline_refused(self):
        path = self.write("linux-smp-rate.csv", RATE_HEAD, rate_rows())
        fl = self.write("smp.csv", FL_SMP_HEAD, smp_rows())
        self.assertEqual(compare_smp.main([path, "--faultline", fl]), 1)
