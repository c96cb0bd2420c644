"""Host tests of tools/smp_tcg.py (make bench-smp-tcg): the checks of a
runs file, the aggregation over boots (median, min, max, max / min), the
table, and the kernel words a run gives. Made-up rows only: nothing here
depends on a machine's speed."""

import contextlib
import csv
import io
import os
import tempfile
import unittest

from tools import smp_tcg

HEAD = ("board,cpu,mode,counter,unit,pattern,access,pages,reps,cpus,core,placement,peers,"
        "faults,ns,faults_per_s,ns_per_fault,pmccntr,pmccntr_per_fault,pmccntr_unit,"
        "wall_ns,overlap,vs_one_core,fault_lost,fault_retry,table_lost,cntfrq,granule,"
        "build,toolchain,ram_mib,run,qemu,date").split(",")
CASES = (("page_fault1", "disjoint"), ("pft", "partitioned"))


def row(run, pattern, placement, cpus, core, rate, pages=8, reps=2, faults=None):
    faults = pages * reps if faults is None else faults
    ns = faults * 1_000_000_000 // rate
    return {"board": "qemu-virt", "cpu": "cortex-a72", "mode": "tcg", "counter": "cntvct",
            "unit": "faults/s-emulated-host-time", "pattern": pattern, "access": "write",
            "pages": str(pages), "reps": str(reps), "cpus": str(cpus), "core": str(core),
            "placement": placement, "peers": "none", "faults": str(faults), "ns": str(ns),
            "faults_per_s": str(rate), "ns_per_fault": f"{ns / faults:.2f}",
            "pmccntr": str(ns), "pmccntr_per_fault": f"{ns / faults:.2f}",
            "pmccntr_unit": "host-ticks", "wall_ns": str(ns),
            "overlap": "1.00" if core == "all" else "", "vs_one_core": "1.00",
            "fault_lost": "0", "fault_retry": "0", "table_lost": "0", "cntfrq": "62500000",
            "granule": "4k", "build": "abc", "toolchain": "gcc-12.2.0", "ram_mib": "1022",
            "run": str(run), "qemu": "10.0.2", "date": "2026-01-01"}


def boot(run, rate=1000, **kw):
    """One boot's rows: both cases at 1 and 2 CPUs, a row per core and a total."""
    rows = []
    for pattern, placement in CASES:
        for cpus in (1, 2):
            for core in range(cpus):
                rows.append(row(run, pattern, placement, cpus, core, rate, **kw))
            total = row(run, pattern, placement, cpus, "all", rate * cpus, **kw)
            total["faults"] = str(int(total["faults"]) * cpus)
            rows.append(total)
    return rows


def tmpdir(test):
    """A directory removed, with what is in it, when the test ends."""
    d = tempfile.TemporaryDirectory()
    test.addCleanup(d.cleanup)
    return d.name


def quiet_main(argv):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return smp_tcg.main(argv)


class Check(unittest.TestCase):
    def test_sound_runs_pass(self):
        self.assertEqual(smp_tcg.check(boot(1) + boot(2)), [])

    def test_a_core_with_fewer_faults_than_pages_fails(self):
        rows = boot(1)
        core = next(r for r in rows if r["pattern"] == "page_fault1" and r["cpus"] == "2"
                    and r["core"] == "0")
        core["faults"] = "15"         # 8 pages x 2 reps is 16
        bad = smp_tcg.check(rows)
        self.assertTrue(any("page_fault1 cpus=2 core 0: 15 faults, not pages x reps = 16" in b
                            for b in bad), bad)

    def test_a_total_that_is_not_the_sum_fails(self):
        rows = boot(1)
        total = next(r for r in rows if r["cpus"] == "2" and r["core"] == "all")
        total["faults"] = "33"
        self.assertTrue(any("total faults 33 is not the cores' sum" in b
                            for b in smp_tcg.check(rows)))

    def test_a_missing_core_fails(self):
        rows = [r for r in boot(1) if not (r["pattern"] == "pft" and r["cpus"] == "2"
                                            and r["core"] == "1")]
        self.assertTrue(any("pft cpus=2: a core row is missing" in b
                            for b in smp_tcg.check(rows)))

    def test_a_boot_without_a_case_fails(self):
        rows = boot(1) + [r for r in boot(2) if r["pattern"] != "pft"]
        bad = smp_tcg.check(rows)
        self.assertTrue(any(b.startswith("run 2: no row for pft cpus=1 core 0") for b in bad),
                        bad)


class Summarize(unittest.TestCase):
    def test_median_min_max_spread_over_boots(self):
        rows = boot(1, rate=100) + boot(2, rate=300) + boot(3, rate=200)
        summary = smp_tcg.summarize(rows)
        one = next(s for s in summary if s["pattern"] == "page_fault1" and s["cpus"] == "1"
                   and s["core"] == "0")
        self.assertEqual(one["runs"], 3)
        self.assertEqual((one["faults_per_s"], one["faults_per_s_min"],
                          one["faults_per_s_max"]), (200, 100, 300))
        self.assertAlmostEqual(one["faults_per_s_spread"], 3.0)
        self.assertAlmostEqual(one["ns_per_fault"], 5_000_000.0)
        self.assertAlmostEqual(one["ns_per_fault_spread"], 3.0)
        total = next(s for s in summary if s["pattern"] == "page_fault1" and s["cpus"] == "2"
                     and s["core"] == "all")
        self.assertEqual(total["faults_per_s"], 400)
        self.assertAlmostEqual(total["overlap"], 1.0)
        self.assertIsNone(one["overlap"])   # a core row has none

    def test_even_runs_median_is_the_middle_mean(self):
        summary = smp_tcg.summarize(boot(1, rate=100) + boot(2, rate=200))
        self.assertEqual(summary[0]["faults_per_s"], 150)

    def test_a_row_per_case_cpus_and_core(self):
        summary = smp_tcg.summarize(boot(1) + boot(2))
        keys = [(s["pattern"], s["cpus"], s["core"]) for s in summary]
        self.assertEqual(len(keys), len(set(keys)))
        self.assertEqual(len(keys), 2 * (2 + 3))   # (1 core + all) + (2 cores + all)

    def test_table_says_emulated_and_has_every_case(self):
        table = smp_tcg.markdown(smp_tcg.summarize(boot(1) + boot(2, rate=3000)))
        self.assertIn("Emulated time", table)
        self.assertIn("not hardware", table)
        self.assertIn("| faultline pft (partitioned) | 2 |", table)
        self.assertIn("3.00x", table)      # 2,000 to 6,000 faults/s in total

    def test_linux_rows_beside(self):
        linux = [{"pattern": "page_fault1", "cpus": "2", "core": c, "tasks": "threads",
                  "thp": "never", "faults_per_s": str(v), "faults_per_s_min": "10",
                  "faults_per_s_max": "90", "spread": "9.00", "runs": "10"}
                 for c, v in (("0", 20), ("1", 30), ("all", 50))]
        table = smp_tcg.markdown(smp_tcg.summarize(boot(1)), linux)
        self.assertIn("| Linux page_fault1 (threads) | 2 | 20 / 30 | 50 (10-90) | 9.00x |",
                      table)


class Files(unittest.TestCase):
    def write(self, rows):
        fd, path = tempfile.mkstemp(suffix=".csv")
        with os.fdopen(fd, "w", newline="") as f:
            w = csv.DictWriter(f, HEAD)
            w.writeheader()
            w.writerows(rows)
        self.addCleanup(os.remove, path)
        return path

    def test_check_command(self):
        self.assertEqual(quiet_main(["check", self.write(boot(1) + boot(2))]), 0)
        rows = boot(1)
        rows[0]["faults"] = "0"
        self.assertEqual(quiet_main(["check", self.write(rows)]), 1)

    def test_summarize_writes_csv_and_table(self):
        out = tmpdir(self)
        self.assertEqual(quiet_main(["summarize", self.write(boot(1) + boot(2)),
                                     "--outdir", out]), 0)
        with open(os.path.join(out, "smp-tcg.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(rows[0]["faults_per_s_spread"], "1.00")
        self.assertEqual(rows[0]["runs"], "2")
        self.assertTrue(os.path.exists(os.path.join(out, "smp-tcg.md")))

    def test_not_a_rate_block(self):
        with self.assertRaises(smp_tcg.Error):
            smp_tcg.parse_block(["board,cpu,mode", "a,b,c"], "x")


class Logs(unittest.TestCase):
    """Saved consoles of several boots (hardware): tools.smp_tcg logs."""

    def log(self, rows, done="ok"):
        out = io.StringIO()
        block = [c for c in HEAD if c not in ("run", "qemu", "date")]
        w = csv.DictWriter(out, block, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        text = ("faultline: boot board=rpi4 cpu=cortex-a72\n"
                "faultline-csv begin smp-rate\n" + out.getvalue() +
                "faultline-csv end smp-rate\n" + f"faultline: done status={done}\n")
        fd, path = tempfile.mkstemp(suffix=".log")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        self.addCleanup(os.remove, path)
        return path

    def hw(self, run, rate):
        rows = boot(run, rate)
        for r in rows:
            r.update(board="rpi4", mode="hw", unit="faults/s", pmccntr_unit="cycles")
        return rows

    def test_boots_of_hardware(self):
        out = tmpdir(self)
        logs = [self.log(self.hw(1, 1000)), self.log(self.hw(1, 3000))]
        self.assertEqual(quiet_main(["logs", *logs, "--outdir", out]), 0)
        names = sorted(os.listdir(out))
        self.assertEqual(names, ["smp-rate-boots.csv", "smp-rate-boots.md",
                                 "smp-rate-boots.runs.csv"])
        with open(os.path.join(out, "smp-rate-boots.md")) as f:
            table = f.read()
        self.assertIn("hardware", table)
        self.assertNotIn("Emulated", table)
        self.assertIn("3.00x", table)

    def test_a_failed_boot_fails(self):
        out = tmpdir(self)
        self.assertEqual(quiet_main(["logs", self.log(self.hw(1, 1000), done="fail"),
                                     "--outdir", out]), 1)

    def test_modes_are_not_mixed(self):
        with self.assertRaises(smp_tcg.Error):
            smp_tcg.write_outputs(boot(1) + self.hw(2, 1000), tmpdir(self))


class Words(unittest.TestCase):
    def test_given_words_win(self):
        words = smp_tcg.append_words(["cpus=2", "pages=8"])
        self.assertIn("cpus=2", words)
        self.assertNotIn("cpus=all", words)
        self.assertIn("smp=rate", words)
        self.assertIn("pages=8", words)
        self.assertEqual(len([w for w in words if w.startswith("cpus=")]), 1)


if __name__ == "__main__":
    unittest.main()
