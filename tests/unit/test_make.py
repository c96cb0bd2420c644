#!/usr/bin/python3
"""Host tests of the make interface a user meets first (issue 16): make
bench under ICOUNT by default, a user's runs under build/results/<config>/
(never results/), ARGS winning over the default words, ICOUNT and
GRANULE/CPU refused before the build, make compare's pre-boot check,
bench-extract's one-line error, make lava's empty command line, make help.
Most cases read `make -n` (what would run, nothing run); the few that run
make run only checks that stop before any build or boot.
Run: python3 -m tests.unit.test_make"""

import csv
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import unittest

from tests.unit import counted

from tools import precheck
from tools.lava import jobs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make(*args, dry=True):
    """(exit code, stdout + stderr) of make in the repository root."""
    cmd = ["make", "--no-print-directory"] + (["-n"] if dry else []) + list(args)
    env = dict(os.environ)
    for v in ("ICOUNT", "ARGS", "SUITE", "CPU", "GRANULE", "TOOLCHAIN", "MEM", "BOARD",
              "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "BENCH_OUT", "COMPARE_DIR", "SMP"):
        env.pop(v, None)
    # Its own session: a make that went on to build or boot when it should
    # have stopped is killed whole at the timeout (and the test fails).
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        return -1, out + "\n(killed after 120 s)"
    return p.returncode, out


def bench_run(out):
    """The tools.results bench command of `make -n bench` output, as a word list."""
    text = out.replace("\\\n", " ")
    for line in text.splitlines():
        if "-m tools.results bench" in line:
            return shlex.split(line)
    raise AssertionError("no tools.results bench command in:\n" + out[-2000:])


def has(test, pattern, out, present=True):
    """assertRegex without printing a whole make database on failure."""
    found = re.search(pattern, out, re.M) is not None
    if found != present:
        test.fail(f"/{pattern}/ {'not ' if present else ''}found in make's output, "
                  f"which ends:\n{out[-1500:]}")


def opt(words, name):
    return words[words.index(name) + 1]


class BenchDefaults(unittest.TestCase):
    def test_icount_by_default_into_build(self):
        code, out = make("bench")
        self.assertEqual(code, 0, out)
        w = bench_run(out)
        self.assertIn("--icount", w)
        self.assertEqual(opt(w, "--outdir"), "build/results/qemu-virt-cortex-a72-4k-gcc-icount")
        self.assertEqual(opt(w, "--suite"), "default")

    def test_icount_values(self):
        for value, icount in (("1", True), ("yes", True), ("on", True),
                              ("0", False), ("no", False), ("off", False)):
            code, out = make("bench", f"ICOUNT={value}")
            self.assertEqual(code, 0, out)
            w = bench_run(out)
            self.assertEqual("--icount" in w, icount, value)
            self.assertTrue(opt(w, "--outdir").endswith("-icount" if icount else "-tcg"), value)

    def test_icount_refused(self):
        for value in ("maybe", "2", "1 0"):
            code, out = make("bench", f"ICOUNT={value}")
            self.assertNotEqual(code, 0, value)
            self.assertIn("ICOUNT must be 1 (yes, on) or 0 (no, off)", out)
            self.assertNotIn("tools.results bench", out)

    def test_configurations_never_share_a_directory(self):
        runs = [(), ("GRANULE=64k", "CPU=cortex-a76"), ("TOOLCHAIN=clang", "SUITE=small"),
                ("ICOUNT=0",), ("SUITE=small", "ARGS=pattern=seq pages=64 iters=4"),
                ("BOARD=rpi4",)]
        seen = {}
        for r in runs:
            code, out = make("bench", *r)
            self.assertEqual(code, 0, out)
            w = bench_run(out)
            path = os.path.join(opt(w, "--outdir"), opt(w, "--suite") + ".csv")
            self.assertTrue(path.startswith("build/results/"), (r, path))
            self.assertNotIn(path, seen, (r, seen.get(path)))
            seen[path] = r
        self.assertIn("build/results/qemu-virt-cortex-a76-64k-gcc-icount/default.csv", seen)
        self.assertIn("build/results/qemu-virt-cortex-a72-4k-clang-icount/small.csv", seen)
        self.assertIn("build/results/rpi4-qemu-cortex-a72-4k-gcc-icount/default.csv", seen)

    def test_other_writers_default_into_build(self):
        code, out = make("compare")
        self.assertEqual(code, 0, out)
        self.assertIn("-o build/results/qemu-virt-cortex-a72-4k-gcc-icount/compare-default.md", out)
        self.assertNotIn(" results/", out.replace("--faultline results/", ""))
        code, out = make("anatomy")
        self.assertEqual(code, 0, out)
        has(self, r"--out build/results/qemu-virt-cortex-a72-4k-gcc-icount ", out)
        code, out = make("anatomy-smp")
        self.assertEqual(code, 0, out)
        has(self, r"tools.anatomy.smp run --cpus \"2 4\" ", out)
        has(self, r"--out build/results/qemu-virt-cortex-a72-4k-gcc-icount --runs 1 ", out)
        # bench-granules' recipe runs sub-makes, which make -n would run:
        # read its output directory from make's database instead.
        code, out = make("-p", "-q", "help", dry=False)
        has(self, r"^GRANULES_OUT = build/results/\$\(RESULTS_BOARD\)-granules-\$\(TOOLCHAIN\)-icount$", out)
        has(self, r"BENCH_OUT=\$\(GRANULES_OUT\)/", out)

    def test_make_results_writes_results(self):
        code, out = make("results-bench")
        self.assertEqual(code, 0, out)
        has(self, r"for s in default small folio; do", out)
        has(self, r"ICOUNT=1 bench SUITE=\$s BENCH_OUT=results/qemu-virt ", out)
        has(self, r"for b in rpi3 rpi4; do", out)
        has(self, r"ICOUNT=1 bench BOARD=\$b BENCH_OUT=results/\$b-qemu ", out)
        has(self, r"ICOUNT=1 anatomy-smp ANATOMY_OUT=results/qemu-virt$", out)
        code, out = make("results-check", "ARGS=pattern=seq", dry=False)
        self.assertNotEqual(code, 0)
        self.assertIn("make results: ARGS given", out)

    def test_committed_baselines(self):
        # test-bench and test-anatomy hold runs to the committed files: read
        # the recipes from make's database (make -n would run test-bench's
        # sub-make lines).
        code, out = make("-p", "-q", "help", dry=False)
        has(self, re.escape("$(RESULTS_DIR)/$(BENCH_GUARD_SUITE).csv' $$ok"), out)
        has(self, re.escape("--csv $(RESULTS_DIR)/default.csv"), out)
        has(self, r"^RESULTS_DIR = results/\$\(RESULTS_BOARD\)$", out)
        has(self, re.escape("$(BENCH_OUT)/$(BENCH_GUARD_SUITE).csv"), out, present=False)


class Args(unittest.TestCase):
    def append(self, *args):
        code, out = make("bench", *args)
        self.assertEqual(code, 0, out)
        w = bench_run(out)
        return opt(w, "--suite"), opt(w, "--append").split(), opt(w, "--outdir")

    def test_args_win_over_defaults(self):
        suite, words, _ = self.append("ARGS=stages=off")
        self.assertEqual(words, ["stages=off"])
        suite, words, _ = self.append("ARGS=suite=small")
        self.assertEqual(suite, "small")
        self.assertNotIn("suite=small", words)
        suite, words, _ = self.append("SUITE=small", "ARGS=suite=small")
        self.assertEqual(suite, "small")

    def test_docs_example(self):
        suite, words, outdir = self.append("SUITE=small", "ARGS=pattern=seq pages=64 iters=4")
        self.assertEqual(suite, "small")
        self.assertEqual(sorted(words), sorted(["stages=on", "pattern=seq", "pages=64", "iters=4"]))
        self.assertTrue(outdir.startswith("build/results/"), outdir)
        keys = [w.split("=")[0] for w in words]
        self.assertEqual(len(keys), len(set(keys)), words)

    def test_disagreements_refused(self):
        code, out = make("bench", "SUITE=default", "ARGS=suite=small")
        self.assertNotEqual(code, 0)
        self.assertIn("SUITE=default and ARGS=suite=small disagree", out)
        code, out = make("bench", "ARGS=mode=tcg")
        self.assertNotEqual(code, 0)
        self.assertIn("ARGS=mode=tcg disagrees with ICOUNT=1", out)
        suite, words, _ = self.append("ICOUNT=0", "ARGS=mode=tcg")
        self.assertNotIn("mode=tcg", words)      # tools/results.py gives it once
        code, out = make("bench", "ARGS=run=tests", dry=False)
        self.assertNotEqual(code, 0)
        self.assertIn("make bench runs run=bench", out)
        self.assertNotIn("  CC ", out)


class Granule(unittest.TestCase):
    def test_16k_refused_before_the_build(self):
        for cpu in ("cortex-a53", "cortex-a57", "cortex-a72"):
            code, out = make("bench", "GRANULE=16k", f"CPU={cpu}")
            self.assertNotEqual(code, 0, cpu)
            self.assertIn(f"CPU={cpu} has no 16 KiB translation granule", out)
            self.assertIn("CPU=cortex-a76", out)
            self.assertNotIn("faultline.elf", out)
        code, out = make("bench", "GRANULE=16k")
        self.assertNotEqual(code, 0)
        code, out = make("bench", "BOARD=rpi3", "GRANULE=16k")
        self.assertNotEqual(code, 0)
        self.assertIn("rpi3 fixes its CPU", out)

    def test_granule_cpus_that_have_it(self):
        for cpu in ("cortex-a76", "max"):
            code, out = make("bench", "GRANULE=16k", f"CPU={cpu}")
            self.assertEqual(code, 0, out)
        code, out = make("bench", "GRANULE=64k", "CPU=cortex-a53")
        self.assertEqual(code, 0, out)
        code, out = make("kernel", "GRANULE=16k")      # a build alone boots nothing
        self.assertEqual(code, 0, out)


class BenchExtract(unittest.TestCase):
    def test_missing_file_one_line(self):
        code, out = make("bench-extract", "LOG=/nonexistent/console.log", dry=False)
        self.assertNotEqual(code, 0)
        self.assertNotIn("Traceback", out)
        lines = [l for l in out.splitlines() if l.strip() and not l.startswith("make: ***")]
        self.assertEqual(lines, ["make bench-extract: LOG=/nonexistent/console.log: "
                                 "no such file or device"])


class Compare(unittest.TestCase):
    def write_csv(self, d, mode, unit):
        p = os.path.join(d, "default.csv")
        with open(p, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["board", "cpu", "mode", "counter", "unit", "pattern", "cntfrq"])
            w.writerow(["qemu-virt", "cortex-a72", mode, "pmccntr", unit, "seq", "62500000"])
        return p

    def test_precheck_function(self):
        self.assertIsNone(precheck.check_compare("icount"))
        self.assertIsNone(precheck.check_compare("icount", linux_counter="cntvct"))
        why = precheck.check_compare("tcg")
        self.assertIn("COMPARE_CPU_HZ", why)
        self.assertIn("ICOUNT=1", why)
        self.assertIsNone(precheck.check_compare("tcg", cpu_hz=1e9))
        with tempfile.TemporaryDirectory() as d:
            p = self.write_csv(d, "tcg", "cycles")
            why = precheck.check_compare("icount", faultline=p)
            self.assertIn("mode tcg", why)
            self.assertIn("ICOUNT=0", why)
            p = self.write_csv(d, "icount", "instructions")
            self.assertIsNone(precheck.check_compare("icount", faultline=p))

    def test_make_compare_fails_before_any_boot(self):
        code, out = make("compare", "ICOUNT=0", dry=False)
        self.assertNotEqual(code, 0)
        self.assertIn("make compare: mode tcg", out)
        self.assertIn("COMPARE_CPU_HZ", out)
        self.assertNotIn("PASS", out)
        self.assertNotIn("  CC ", out)
        code, out = make("compare-pagesize", "ICOUNT=0", dry=False)
        self.assertNotEqual(code, 0)
        self.assertIn("COMPARE_CPU_HZ", out)
        self.assertNotIn("mkinitramfs", out)
        with tempfile.TemporaryDirectory() as d:
            self.write_csv(d, "tcg", "cycles")
            code, out = make("compare", f"COMPARE_DIR={d}", dry=False)
            self.assertNotEqual(code, 0)
            self.assertIn("was made in mode tcg and this run is mode icount", out)

    def test_precheck_runs_first(self):
        code, out = make("compare")
        self.assertEqual(code, 0, out)
        pre = out.index("-m tools.precheck compare --mode icount")
        self.assertLess(pre, out.index("tools/deps.sh"))
        self.assertLess(pre, out.index("-m tools.qemu run"))
        code, out = make("compare-pagesize")
        self.assertEqual(code, 0, out)
        self.assertLess(out.index("-m tools.precheck compare --mode icount"),
                        out.index("-m tools.qemu run"))
        code, out = make("compare", "ICOUNT=0", "COMPARE_CPU_HZ=1000000000")
        self.assertIn("--cpu-hz 1000000000", out)

    def test_progress_lines(self):
        code, out = make("compare")
        self.assertEqual(len(re.findall(r'echo "compare: \[\$k/[34]\] Linux ', out)), 3, out[-1500:])
        with open(os.path.join(ROOT, "tools/anatomy/anatomy.py")) as f:
            self.assertIn('print(f"anatomy: [{k}/{n}] {what}', f.read())


class Smp(unittest.TestCase):
    """qemu-virt's -smp follows cpus= in ARGS (or SMP=); without either the
    command line has no -smp, as before SMP existed."""

    def board_args(self, *args):
        code, out = make("run", *args)
        self.assertEqual(code, 0, out[-1500:])
        m = re.search(r'--board-args "([^"]*)"', out)
        self.assertIsNotNone(m, out[-1500:])
        return m.group(1)

    def test_smp_from_cpus(self):
        self.assertNotIn("-smp", self.board_args("ARGS=run=tests"))
        self.assertTrue(self.board_args("ARGS=run=tests cpus=all").endswith(" -smp 4"))
        self.assertTrue(self.board_args("ARGS=run=tests cpus=3").endswith(" -smp 3"))
        self.assertTrue(self.board_args("SMP=2", "ARGS=run=tests").endswith(" -smp 2"))
        # Values the kernel must refuse reach it on one CPU.
        for bad in ("cpus=0", "cpus=two", "cpus=1"):
            self.assertNotIn("-smp", self.board_args("ARGS=run=none " + bad), bad)


class Lava(unittest.TestCase):
    def test_smp_follows_cpus(self):
        self.assertIn('"-smp 4"', jobs.job("qemu-virt", "direct", "run=tests cpus=all",
                                           "file:///x.img"))
        self.assertIn('"-smp 2"', jobs.job("qemu-virt", "direct", "run=tests cpus=2",
                                           "file:///x.img"))
        for args in ("run=tests", "run=none cpus=0", "run=none cpus=1"):
            self.assertNotIn("-smp", jobs.job("qemu-virt", "direct", args, "file:///x.img"))

    def test_no_args_is_run_bench(self):
        for icount in (False, True):
            text = jobs.job("qemu-virt", "direct", "", "file:///x.img", icount=icount)
            self.assertNotIn('-append \\"\\"', text)
            self.assertIn('-append \\"run=bench', text)
            text = jobs.job("qemu-virt", "uboot", "  ", "file:///x.img")
            self.assertIn("setenv bootargs 'run=bench'", text)

    def test_make_lava_jobs_icount_by_default(self):
        code, out = make("lava-jobs")
        self.assertEqual(code, 0, out)
        has(self, r'--args "" .*--icount', out.replace("\\\n", " "))


class Summary(unittest.TestCase):
    def test_tcg_counts_are_not_called_cycles(self):
        from tools import results
        src = os.path.join(ROOT, "results/qemu-virt/small.csv")
        with open(src, newline="") as f:
            rows = list(csv.DictReader(f))
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "small.csv")
            with open(p, "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=list(rows[0]))
                w.writeheader()
                for r in rows:
                    w.writerow(dict(r, mode="tcg", unit="cycles"))
            title = results.headline_table(p).splitlines()[0]
        self.assertNotIn("per fault, cycles", title)
        self.assertIn("host-time", title)
        self.assertIn("icount 4k granule: latency per fault, instructions",
                      results.headline_table(src).splitlines()[0])


class BenchSmp(unittest.TestCase):
    def test_bench_smp(self):
        # suite=smp on a 4-CPU machine with cpus=all, under ICOUNT, into make
        # bench's directory (where make compare-smp looks for smp.csv)
        code, out = make("bench-smp")
        self.assertEqual(code, 0, out)
        w = bench_run(out)
        self.assertEqual(opt(w, "--suite"), "smp")
        self.assertIn("cpus=all", opt(w, "--append").split())
        self.assertIn("-smp 4", opt(w, "--board-args"))
        self.assertIn("--icount", w)
        self.assertEqual(opt(w, "--outdir"), "build/results/qemu-virt-cortex-a72-4k-gcc-icount")

    def test_bench_smp_args_cpus_wins(self):
        code, out = make("bench-smp", "ARGS=cpus=2 pages=16")
        self.assertEqual(code, 0, out)
        words = opt(bench_run(out), "--append").split()
        self.assertIn("cpus=2", words)
        self.assertNotIn("cpus=all", words)
        self.assertIn("pages=16", words)


class BenchSmpTcg(unittest.TestCase):
    """make bench-smp-tcg: smp=rate, 10 boots at -smp 2 under parallel TCG."""

    def run_words(self, out):
        for line in out.replace("\\\n", " ").splitlines():
            if "-m tools.smp_tcg run" in line:
                return shlex.split(line)
        raise AssertionError("no tools.smp_tcg run command in:\n" + out[-2000:])

    def test_parallel_tcg_ten_boots_into_build(self):
        code, out = make("bench-smp-tcg")
        self.assertEqual(code, 0, out)
        w = self.run_words(out)
        board = opt(w, "--board-args")
        self.assertIn("-smp 2", board)
        self.assertIn("-accel tcg,thread=multi", board)
        self.assertNotIn("-icount", " ".join(w))
        self.assertEqual(opt(w, "--runs"), "10")
        self.assertEqual(opt(w, "--outdir"), "build/results/qemu-virt-cortex-a72-4k-gcc-tcg")

    def test_args_reach_the_kernel_less_its_own_keys(self):
        code, out = make("bench-smp-tcg", "ARGS=pages=64 smp=windows mode=icount")
        self.assertEqual(code, 0, out)
        self.assertEqual(opt(self.run_words(out), "--append"), "pages=64")

    def test_icount_refused(self):
        code, out = make("bench-smp-tcg", "ICOUNT=1")
        self.assertNotEqual(code, 0)
        self.assertIn("make bench-smp-tcg: parallel TCG runs without icount", out)

    def test_make_bench_refuses_smp_rate(self):
        code, out = make("bench-smp", "ARGS=smp=rate")
        self.assertNotEqual(code, 0)
        self.assertIn("make bench-smp-tcg runs it", out)

    def test_make_results_writes_smp_tcg_under_tcg(self):
        code, out = make("results-bench")
        self.assertEqual(code, 0, out)
        has(self, r"ICOUNT=0 bench-smp-tcg", out)
        w = self.run_words(out)
        self.assertEqual(opt(w, "--outdir"), "results/qemu-virt")
        self.assertNotIn("--linux", w)


class Help(unittest.TestCase):
    def test_help(self):
        code, out = make("help", dry=False)
        self.assertEqual(code, 0, out)
        for target in ("bench", "bench-granules", "bench-smp", "bench-smp-tcg", "compare",
                       "compare-pagesize", "anatomy", "anatomy-smp", "bench-extract", "lava",
                       "results", "test", "run", "debug"):
            self.assertRegex(out, rf"(?m)^  make {re.escape(target)}\b", target)
        for var in ("BOARD", "CPU", "MEM", "GRANULE", "TOOLCHAIN", "ICOUNT", "SUITE", "ARGS",
                    "BOOT", "BENCH_OUT", "COMPARE_DIR"):
            self.assertRegex(out, rf"(?m)^  {var}=", var)
        for group in ("Build and run", "Benchmarks", "Tests", "Variables"):
            self.assertRegex(out, rf"(?m)^{group}")



class CompareSmp(unittest.TestCase):
    """make compare-smp: one boot per CPU count under icount, parallel TCG at -smp 2."""

    def boots(self, out):
        return [l for l in out.replace("\\\n", " ").split(";")
                if "-m tools.qemu run" in l]

    def test_icount_boots_per_cpu_count(self):
        code, out = make("compare-smp")
        self.assertEqual(code, 0, out)
        boots = self.boots(out)
        self.assertEqual(len(boots), 3, out[-2000:])
        for n, b in zip((1, 2, 4), boots):
            self.assertIn(f"-smp {n} ", b)
            self.assertIn("--icount", b)
            self.assertIn("clock=vm", b)
            self.assertIn("dtb-randomness=off", b)
            self.assertIn("-m 1G", b)
            self.assertIn("run=smp thp=both", b)
            self.assertIn(" nokaslr ", b)
        has(self, r"--merge build/results/qemu-virt-cortex-a72-4k-gcc-icount/linux-smp.csv", out)
        has(self, r"-m tools.compare_smp build/results/qemu-virt-cortex-a72-4k-gcc-icount/linux-smp.csv", out)

    def test_parallel_tcg(self):
        code, out = make("compare-smp", "ICOUNT=0")
        self.assertEqual(code, 0, out)
        boots = self.boots(out)
        self.assertEqual(len(boots), 1, out[-2000:])
        self.assertIn("-smp 2 ", boots[0])
        self.assertIn("-accel tcg,thread=multi", boots[0])
        self.assertNotIn("--icount", boots[0])
        self.assertIn("runs=10 secs=1", boots[0])
        has(self, r"linux-smp-rate.csv", out)

if __name__ == "__main__":
    sys.exit(counted.main(__name__))
