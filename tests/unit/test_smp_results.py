"""Host tests of tools/smp_results.py: the suite=smp guard of make test-bench
(every core at 4 CPUs within 5 % of one core, peers in WFI, under icount),
its table, the check of the statistics blocks (smp-locks, smp-alloc,
smp-bringup) against smp.csv, and how results.py hands suite=smp to it."""

import contextlib
import csv
import io
import os
import shutil
import tempfile
import unittest

from tools import smp_results

HEAD = ("board,cpu,mode,unit,pattern,access,folio,samples,faults,p50,cpus,core,placement,"
        "peers,fault_lost,fault_retry,granule,pages,tlbi,dsb_ish,tlb_flush_all").split(",")


def row(pattern, placement, cpus, core, p50, access="write", faults=32, peers="wfi",
        mode="icount", folio="none"):
    return {"board": "qemu-virt", "cpu": "cortex-a72", "mode": mode,
            "unit": "instructions" if mode == "icount" else "host-ticks",
            "pattern": pattern, "access": access, "folio": folio, "samples": 32,
            "faults": faults, "p50": p50, "cpus": cpus, "core": core,
            "placement": placement, "peers": peers, "fault_lost": 0, "fault_retry": 0}


def suite(p50_at_4=305, **kw):
    """A suite's rows: the three guarded placements at 1, 2 and 4 CPUs."""
    rows = []
    for pattern, placement in (("page_fault1", "disjoint"), ("pft", "partitioned"),
                               ("pft-interleaved", "interleaved")):
        for n in (1, 2, 4):
            for core in range(n):
                rows.append(row(pattern, placement, n, core,
                                p50_at_4 if n == 4 and core == 3 else 305, **kw))
    return rows


def quiet_main(argv):
    """smp_results.main's exit code, its output kept off the test log."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return smp_results.main(argv)


def shoots(tlbi=None, dsb=1, p50_at_4=None):
    """faultline's shootdown rows: munmap of 1, 16, 64, 512 pages and a block at 1, 2, 4 CPUs."""
    rows = []
    for pages, folio in ((1, "none"), (16, "none"), (64, "none"), (512, "none"), (512, "2m")):
        for n in (1, 2, 4):
            r = row("shootdown", "shootdown", n, 0, 9000, access="munmap", faults=0,
                    folio=folio)
            want = 1 if folio != "none" or pages >= 512 else pages
            r.update(granule="4k", pages=pages, tlbi=want if tlbi is None else tlbi,
                     dsb_ish=dsb, tlb_flush_all=int(folio == "none" and pages >= 512))
            if n == 4 and p50_at_4:
                r["p50"] = p50_at_4
            rows.append(r)
    return rows


class Guard(unittest.TestCase):
    def write(self, rows):
        fd, path = tempfile.mkstemp(suffix=".csv")
        with os.fdopen(fd, "w", newline="") as f:
            w = csv.DictWriter(f, HEAD)
            w.writeheader()
            w.writerows(rows)
        self.addCleanup(os.remove, path)
        return path

    def test_equal_passes(self):
        path = self.write(suite())
        self.assertEqual(quiet_main(["guard", path]), 0)
        bad, seen = smp_results.guard(smp_results.load(path))
        self.assertEqual(bad, [])
        self.assertIn("disjoint write none: 1 CPU 305, 4 CPUs 305 305 305 305", seen)

    def test_within_five_percent_passes(self):
        self.assertEqual(smp_results.guard(smp_results.load(self.write(suite(320))))[0], [])

    def test_above_five_percent_fails(self):
        bad, _ = smp_results.guard(smp_results.load(self.write(suite(321))))
        self.assertEqual(len(bad), 3)
        self.assertIn("core 3 at 4 CPUs: p50 321 against 305", bad[0])
        self.assertEqual(quiet_main(["guard", self.write(suite(321))]), 1)

    def test_below_five_percent_fails(self):
        self.assertTrue(smp_results.guard(smp_results.load(self.write(suite(289))))[0])

    def test_wfe_peers_fail(self):
        bad, _ = smp_results.guard(smp_results.load(self.write(suite(peers="wfe"))))
        self.assertTrue(any("peers wfe" in b for b in bad))

    def test_not_icount_fails(self):
        bad, _ = smp_results.guard(smp_results.load(self.write(suite(mode="tcg"))))
        self.assertTrue(any("not instructions under icount" in b for b in bad))

    def test_missing_core_fails(self):
        rows = [r for r in suite() if not (r["cpus"] == 4 and r["core"] == 2)]
        bad, _ = smp_results.guard(smp_results.load(self.write(rows)))
        self.assertEqual(len(bad), 3)
        self.assertIn("cores [0, 1, 3] at 4 CPUs", bad[0])

    def test_missing_placement_fails(self):
        rows = [r for r in suite() if r["placement"] != "interleaved"]
        bad, _ = smp_results.guard(smp_results.load(self.write(rows)))
        self.assertEqual(bad, ["no interleaved case"])

    def test_a_core_without_faults_fails(self):
        rows = suite()
        rows[-1]["faults"] = 0
        bad, _ = smp_results.guard(smp_results.load(self.write(rows)))
        self.assertTrue(any("0 faults in 32 windows" in b for b in bad))

    def test_shootdown_one_dsb_passes(self):
        path = self.write(suite() + shoots())
        bad, seen = smp_results.guard(smp_results.load(path))
        self.assertEqual(bad, [])
        self.assertIn("shootdown munmap 16 pages: 1 CPU 9,000, 2 CPUs 9,000, 4 CPUs 9,000; "
                      "16 TLBI, 1 DSB ISH", seen)
        self.assertIn("shootdown", smp_results.table(smp_results.load(path)))

    def test_shootdown_two_dsbs_fail(self):
        bad, _ = smp_results.guard(smp_results.load(self.write(suite() + shoots(dsb=2))))
        self.assertTrue(any("2 DSB ISH per call, want 1" in b for b in bad))

    def test_shootdown_tlbis_per_chunk_fail(self):
        bad, _ = smp_results.guard(smp_results.load(self.write(suite() + shoots(tlbi=8))))
        self.assertTrue(any("munmap 16 pages" in b and "want 16" in b for b in bad))
        self.assertTrue(any("munmap block (2m)" in b and "want 1" in b for b in bad))

    def test_shootdown_cost_grows_with_cores_fails(self):
        bad, _ = smp_results.guard(smp_results.load(self.write(suite() + shoots(p50_at_4=9500))))
        self.assertTrue(any("at 4 CPUs: p50 9,500 against 9,000" in b for b in bad))

    def test_same_is_not_guarded(self):
        rows = suite() + [row("same-page", "same", 1, 0, 305),
                          row("same-page", "same", 4, 1, 0, faults=0)]
        self.assertEqual(smp_results.guard(smp_results.load(self.write(rows)))[0], [])

    def test_table_ranges_and_idle_cores(self):
        rows = suite(310) + [row("same-page", "same", 2, 0, 305),
                             row("same-page", "same", 2, 1, 0, faults=0)]
        text = smp_results.table(smp_results.load(self.write(rows)))
        self.assertIn("305-310", text)
        self.assertIn("305 (1 no fault)", text)

    def test_not_an_smp_csv(self):
        fd, path = tempfile.mkstemp(suffix=".csv")
        with os.fdopen(fd, "w") as f:
            f.write("board,p50\nqemu-virt,3\n")
        self.addCleanup(os.remove, path)
        with self.assertRaises(smp_results.Error):
            smp_results.load(path)


class Stats(unittest.TestCase):
    """check DIR: a consistent run passes, each kind of disagreement fails."""

    CASES = (("page_fault1", "disjoint", "none"), ("pft", "partitioned", "64k"))

    def run_rows(self):
        """(smp, locks, alloc, bringup) rows of a small consistent run: two
        cases at 1 and 2 CPUs, the churn case at 2 and 4."""
        smp, locks, alloc = [], [], []

        def case(pattern, placement, folio, n, rows, maps, run_acq, faults):
            for r in rows:
                smp.append(dict(r, folio=folio))
            key = {"pattern": pattern, "access": "write", "folio": folio, "cpus": n,
                   "placement": placement}
            for lock, acq, timed in (("mm-writer", 2 * maps + 1, "all"),
                                     ("console", 0, "all"), ("page-run", run_acq, "contended")):
                locks.append(dict(key, mode="icount", counter="cntvct", unit="ticks", lock=lock,
                                  timed=timed, acquisitions=acq, contended=0, wait=acq,
                                  hold=(10 * acq if timed == "all" else "")))
            for core in range(n):
                fp = 0 if folio != "none" else faults
                alloc.append(dict(key, mode="icount", core=core, hits=fp + 1, refills=1,
                                  refill_pages=64, spills=0, spill_pages=0, frees=0,
                                  faults=faults, fault_pages=fp, fault_lost=0))

        for pattern, placement, folio in self.CASES:
            for n in (1, 2):
                rows = [row(pattern, placement, n, core, 305) for core in range(n)]
                maps = n if placement == "disjoint" else 1
                case(pattern, placement, folio, n, rows, maps,
                     0 if folio == "none" else 40 * n, 40)
        for n in (2, 4):
            rows = [row("churn", "churn", n, core, 303, peers="churn") for core in range(n - 1)]
            for call in ("mmap", "munmap"):
                rows.append(row("churn", "churn", n, n - 1, 500, access=call, faults=0,
                                peers="churn"))
            case("churn", "churn", "none", n, rows, n - 1 + 32, 0, 40)
        bringup = [{"mode": "icount", "method": "psci", "core": c, "counter": "cntvct",
                    "unit": "ticks", "cntfrq": 62500000, "release_to_entry": 5,
                    "release_to_online": 86, "instructions_per_tick": 16,
                    "release_to_entry_instructions": 80,
                    "release_to_online_instructions": 1376} for c in (1, 2, 3)]
        return smp, locks, alloc, bringup

    def write_dir(self, smp, locks, alloc, bringup):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d, True)
        for name, rows in (("smp", smp), ("smp-locks", locks), ("smp-alloc", alloc),
                           ("smp-bringup", bringup)):
            with open(os.path.join(d, f"{name}.csv"), "w", newline="") as f:
                w = csv.DictWriter(f, list(rows[0]))
                w.writeheader()
                w.writerows(rows)
        return d

    def check(self, rows):
        return smp_results.check(self.write_dir(*rows))

    def test_consistent_passes(self):
        d = self.write_dir(*self.run_rows())
        bad, seen = smp_results.check(d)
        self.assertEqual(bad, [])
        self.assertIn("churn write none 4 churn: 32 maps, 32 unmaps, retries 0 0 0", seen)
        self.assertEqual(quiet_main(["check", d]), 0)

    def test_maps_not_unmaps_fails(self):
        rows = self.run_rows()
        next(r for r in rows[0] if r["access"] == "munmap")["samples"] = 31
        bad, _ = self.check(rows)
        self.assertTrue(any("mapped 32 times and unmapped 31" in b for b in bad))

    def test_writer_count_off_fails(self):
        rows = self.run_rows()
        rows[1][0]["acquisitions"] = 4
        bad, _ = self.check(rows)
        self.assertTrue(any("mm writer lock taken 4 times, the case's code takes it 3"
                            in b for b in bad))

    def test_run_lock_in_base_pages_fails(self):
        rows = self.run_rows()
        next(r for r in rows[1] if r["lock"] == "page-run")["acquisitions"] = 1
        bad, _ = self.check(rows)
        self.assertTrue(any("run lock taken 1 times in a base-page case" in b for b in bad))

    def test_fewer_run_acquisitions_than_folio_faults_fails(self):
        rows = self.run_rows()
        next(r for r in rows[1] if r["lock"] == "page-run" and r["folio"] == "64k")[
            "acquisitions"] = 39
        bad, _ = self.check(rows)
        self.assertTrue(any("run lock taken 39 times for 40 folio faults" in b for b in bad))

    def test_cache_handed_too_few_fails(self):
        rows = self.run_rows()
        rows[2][0]["hits"] = 10
        bad, _ = self.check(rows)
        self.assertTrue(any("fewer than the 40 its faults mapped" in b for b in bad))

    def test_cache_handed_too_many_fails(self):
        rows = self.run_rows()
        r = next(r for r in rows[2] if r["core"] == 1 and r["placement"] != "churn")
        r["hits"] = 2 ** 64 - 3  # a derivation gone below zero
        bad, _ = self.check(rows)
        self.assertTrue(any("more than its 40 faults could take" in b for b in bad))

    def test_refill_of_more_than_a_word_fails(self):
        rows = self.run_rows()
        rows[2][0]["refill_pages"] = 65
        bad, _ = self.check(rows)
        self.assertTrue(any("1 refills brought 65 pages" in b for b in bad))

    def test_missing_bringup_row_fails(self):
        rows = self.run_rows()
        del rows[3][1]
        bad, _ = self.check(rows)
        self.assertTrue(any("smp-bringup: cores [1, 3]" in b for b in bad))

    def test_bringup_instructions_not_ticks_fail(self):
        rows = self.run_rows()
        rows[3][0]["release_to_online_instructions"] = 1375
        bad, _ = self.check(rows)
        self.assertTrue(any("instructions are not ticks x 16" in b for b in bad))

    def test_missing_lock_row_fails(self):
        rows = self.run_rows()
        del rows[1][1]
        bad, _ = self.check(rows)
        self.assertTrue(any("locks ['mm-writer', 'page-run']" in b for b in bad))

    def test_churn_table_shows_calls(self):
        d = self.write_dir(*self.run_rows())
        text = smp_results.table(smp_results.load(os.path.join(d, "smp.csv")))
        self.assertRegex(text, r"churn +mmap +none +- +500 +500")
        self.assertIn("peers churn", text)

    def test_churn_only_draws_nothing(self):
        churn = [r for r in self.run_rows()[0] if r["placement"] == "churn"]
        d = self.write_dir(churn, *self.run_rows()[1:])
        svg = os.path.join(d, "smp-cores.svg")
        self.assertIsNone(smp_results.plot(smp_results.load(os.path.join(d, "smp.csv")), svg))
        self.assertFalse(os.path.exists(svg))

    def test_results_copies_the_blocks(self):
        from tools import results
        d = self.write_dir(*self.run_rows())
        open(os.path.join(d, "default-x.csv"), "w").close()
        self.assertEqual(results.extra_files(d, "smp"),
                         ["smp-alloc.csv", "smp-bringup.csv", "smp-locks.csv"])
        self.assertEqual(results.extra_files(os.path.join(d, "none"), "smp"), [])


if __name__ == "__main__":
    unittest.main()
