#!/usr/bin/python3
"""Tier test-lava: faultline's LAVA jobs run by Debian's lava-dispatcher
(lava-run, no server) on this machine, judged from LAVA's own log.

    tier.py --templates DIR --out DIR [CASE...]

Cases (each prints PASS/FAIL; the count is of cases and offline tests):

    tests      qemu-virt direct run=tests: the job passes, every KTAP case of
               the console is a LAVA result, passed, and "done" passed
    bench      run=bench suite=small: one result per summary CSV row, each
               with the row's p50 as measurement and its unit as units; the
               LAVA log and the serial log of the same run (QEMU's output,
               teed by a wrapper) extract to the same CSV files
    badargs    a bad command line: the case "done" is there and failed
    cut        a stand-in QEMU replays the tests run's console cut before
               the done line and exits: the job fails
    hang       a stand-in replays it cut and then hangs: the job fails at
               its (short) timeout
    uboot      qemu-virt through U-Boot and TFTP, run=tests: passes, every
               KTAP case a result
    rpi3-validate, rpi4-validate
               the rpi3/rpi4 jobs pass lava-run --validate against the stock
               bcm2837-rpi-3-b / bcm2711-rpi-4-b templates
    offline    tests/lava/test_offline.py (job texts, monitor patterns, log
               parsing, farm.py's submit/collect with a stand-in lavacli)
"""

import argparse
import filecmp
import os
import shlex
import stat
import sys
import time
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
from tools import console
from tools.lava import joblog, jobs, run

DEV = os.path.join(ROOT, "tools", "lava", "devices")
DISP_QEMU = os.path.join(ROOT, "tools", "lava", "dispatcher-qemu.yaml")
DISP_UBOOT = os.path.join(ROOT, "tools", "lava", "dispatcher-uboot.yaml")


def kernel(board):
    return "file://" + os.path.join(ROOT, "build", board, "faultline.img")


def script(path, body):
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def serial_copy(d, serial):
    """A QEMU wrapper that also writes the serial console to `serial`: the
    -nographic console becomes a stdio chardev with a logfile (QEMU's own
    copy of what the guest wrote, the serial log of the same run)."""
    return script(os.path.join(d, "qemu-serial-copy"), f"""n=$#
for a in "$@"; do
	if [ "$a" = -nographic ]; then
		set -- "$@" -display none -chardev stdio,id=con,signal=off,logfile={shlex.quote(serial)} -serial chardev:con
	else
		set -- "$@" "$a"
	fi
done
shift $n
exec qemu-system-aarch64 "$@"
""")


class Tier:
    def __init__(self, templates, out):
        self.templates, self.out = templates, out
        self.passed = self.failed = 0

    def job(self, case, board, boot, args, timeout=120, qemu_bin=None, validate=False,
            icount=False):
        """Write and run (or validate) one job; returns (results, log path)."""
        d = os.path.join(self.out, case)
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "job.yaml")
        with open(path, "w") as f:
            f.write(jobs.job(board, boot, args, kernel(board), timeout, icount=icount))
        dictionary = {("qemu-virt", "direct"): "faultline-qemu.jinja2",
                      ("qemu-virt", "uboot"): "faultline-qemu-uboot.jinja2",
                      ("rpi3", "uboot"): "faultline-rpi3.jinja2",
                      ("rpi4", "uboot"): "faultline-rpi4.jinja2"}[(board, boot)]
        disp = DISP_UBOOT if (board, boot) == ("qemu-virt", "uboot") else DISP_QEMU
        _, logpath = run.run(path, os.path.join(DEV, dictionary), self.templates, disp, d,
                             qemu=qemu_bin, timeout=timeout + 300, validate=validate)
        return joblog.results(logpath), logpath

    def verdict(self, case, why, t0):
        dt = time.monotonic() - t0
        if why:
            self.failed += 1
            print(f"FAIL lava-{case}: {why[0]} ({dt:.1f} s)")
            for w in why[1:]:
                print(f"     {w}")
        else:
            self.passed += 1
            print(f"PASS lava-{case} ({dt:.1f} s)")

    # -- checks -----------------------------------------------------------
    @staticmethod
    def ktap_present(res, logpath):
        """Reasons the job's results miss a KTAP case of its console."""
        con = console.Console()
        for line in joblog.console_lines(logpath):
            con.feed(line)
        got = {r["extra"]["test_case_id"]: r["result"] for r in res
               if r.get("definition") == "faultline-tests"}
        why = [] if con.results else ["no KTAP result lines on the console"]
        for num, ok, name, _, _ in con.results:
            if name not in got:
                why.append(f"KTAP case {num} {name} is not a LAVA result")
            elif got[name] != ("pass" if ok else "fail"):
                why.append(f"KTAP case {name}: LAVA says {got[name]}")
        if len(got) != len(con.results):
            why.append(f"{len(con.results)} KTAP lines, {len(got)} LAVA results")
        return why

    @staticmethod
    def done_is(res, want):
        done = [r["result"] for r in res if r.get("definition") == "faultline"
                and r.get("case") == "done"]
        return [] if done == [want] else [f"wanted done: {want}, got {done or 'no done case'}"]

    @staticmethod
    def job_is(res, want):
        got, err = joblog.job_result(res)
        return [] if got == want else [f"wanted job {want}, got {got} ({err})"]

    # -- cases --------------------------------------------------------------
    def case_tests(self):
        d = os.path.join(self.out, "tests")
        os.makedirs(d, exist_ok=True)
        serial = os.path.join(d, "serial.log")
        tee = serial_copy(d, serial)
        # icount: the in-guest timing tests do not depend on the host's load
        res, logpath = self.job("tests", "qemu-virt", "direct", "run=tests", qemu_bin=tee,
                                icount=True)
        return (self.job_is(res, "pass") + self.done_is(res, "pass")
                + self.ktap_present(res, logpath))

    def case_bench(self):
        d = os.path.join(self.out, "bench")
        os.makedirs(d, exist_ok=True)
        serial = os.path.join(d, "serial.log")
        tee = serial_copy(d, serial)
        res, logpath = self.job("bench", "qemu-virt", "direct", "run=bench suite=small",
                                qemu_bin=tee)
        why = self.job_is(res, "pass") + self.done_is(res, "pass")
        from_lava = console.extract(logpath, os.path.join(d, "csv-lava"))
        from_serial = console.extract(serial, os.path.join(d, "csv-serial"))
        why += from_lava.errors + from_serial.errors
        rows = from_lava.csv.get("small", [])
        if len(rows) < 2:
            return why + ["no summary CSV block 'small' in the LAVA log"]
        head = rows[0].split(",")
        meas = {r["extra"]["test_case_id"]: r for r in res
                if r.get("definition") == "faultline-bench"}
        for row in rows[1:]:
            f = dict(zip(head, row.split(",")))
            key = f"{f['pattern']},{f['access']},{f['pages']}"
            r = meas.get(key)
            if r is None:
                why.append(f"CSV row {key} is not a LAVA result")
            elif "measurement" not in r or float(r["measurement"]) != float(f["p50"]):
                why.append(f"{key}: measurement {r.get('measurement')} != p50 {f['p50']}")
            elif r.get("units") != f["unit"]:
                why.append(f"{key}: units {r.get('units')} != unit {f['unit']}")
        if len(meas) != len(rows) - 1:
            why.append(f"{len(rows) - 1} CSV rows, {len(meas)} LAVA results")
        names = sorted(os.listdir(os.path.join(d, "csv-lava")))
        if names != sorted(os.listdir(os.path.join(d, "csv-serial"))):
            why.append("the LAVA log and the serial log give different CSV files")
        for n in names:
            if not filecmp.cmp(os.path.join(d, "csv-lava", n), os.path.join(d, "csv-serial", n),
                               shallow=False):
                why.append(f"{n} differs between the LAVA log and the serial log")
        return why

    def case_badargs(self):
        res, _ = self.job("badargs", "qemu-virt", "direct", "run=tests bogus=1")
        return self.done_is(res, "fail")

    def replay(self, case, tail):
        """A stand-in QEMU: the tests run's serial console up to its 20th
        line, then `tail` (exit, or hang)."""
        d = os.path.join(self.out, case)
        os.makedirs(d, exist_ok=True)
        serial = os.path.join(self.out, "tests", "serial.log")
        if not os.path.exists(serial):
            return None
        cut = os.path.join(d, "cut.log")
        with open(serial) as f, open(cut, "w") as g:
            g.writelines(f.readlines()[:20])
        return script(os.path.join(d, "qemu-cut"), f"cat {shlex.quote(cut)}\n{tail}\n")

    def case_cut(self):
        fake = self.replay("cut", "exit 1")
        if not fake:
            return ["no serial log of the tests case to replay"]
        res, _ = self.job("cut", "qemu-virt", "direct", "run=tests", qemu_bin=fake)
        return self.job_is(res, "fail") + [w for w in self.done_is(res, "none")
                                           if "no done case" not in w]

    def case_hang(self):
        fake = self.replay("hang", "exec sleep 600")
        if not fake:
            return ["no serial log of the tests case to replay"]
        res, _ = self.job("hang", "qemu-virt", "direct", "run=tests", timeout=15, qemu_bin=fake)
        return self.job_is(res, "fail") + [w for w in self.done_is(res, "none")
                                           if "no done case" not in w]

    def case_uboot(self):
        res, logpath = self.job("uboot", "qemu-virt", "uboot", "run=tests")
        why = self.job_is(res, "pass") + self.done_is(res, "pass")
        if not any("Starting kernel" in line for line in joblog.console_lines(logpath)):
            why.append("U-Boot never said 'Starting kernel'")
        return why + self.ktap_present(res, logpath)

    def validate(self, board):
        res, _ = self.job(f"{board}-validate", board, "uboot", "run=tests", validate=True)
        ok = any(r.get("case") == "validate" and r.get("result") == "pass" for r in res)
        return [] if ok else ["lava-run --validate failed: "
                              + (joblog.job_result(res)[1] or "see the log")]

    def case_rpi3_validate(self):
        return self.validate("rpi3")

    def case_rpi4_validate(self):
        return self.validate("rpi4")

    def case_offline(self):
        suite = unittest.defaultTestLoader.loadTestsFromName("tests.lava.test_offline")
        result = unittest.TextTestRunner(stream=sys.stdout, verbosity=0).run(suite)
        self.passed += result.testsRun - len(result.failures) - len(result.errors)
        self.failed += len(result.failures) + len(result.errors)
        return None


CASES = ["tests", "bench", "badargs", "cut", "hang", "uboot", "rpi3-validate",
         "rpi4-validate", "offline"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--templates", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--count", help="write '<passed> <failed>' here")
    p.add_argument("cases", nargs="*", default=CASES)
    a = p.parse_args(argv)
    t = Tier(os.path.abspath(a.templates), os.path.abspath(a.out))
    for c in a.cases:
        t0 = time.monotonic()
        try:
            why = getattr(t, "case_" + c.replace("-", "_"))()
        except Exception as e:         # a broken case is a failed case
            why = [f"{type(e).__name__}: {e}"]
        if why is not None:
            t.verdict(c, why, t0)
    print(f"lava: {t.passed} passed, {t.failed} failed (cases and offline tests; "
          f"logs in {a.out})")
    if a.count:
        with open(a.count, "w") as f:
            f.write(f"{t.passed} {t.failed}\n")
    return 0 if t.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
