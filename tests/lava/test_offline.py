"""Offline tests of tools/lava/: job texts, the monitors' patterns against
console text as LAVA sees it (\\r\\r\\n line ends), LAVA log parsing, and
farm.py's submit/collect logic with a stand-in for lavacli (no LAVA server
is reachable here). Run by tests/lava/tier.py (make test-lava)."""

import json
import os
import re
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
import yaml

from tools.lava import farm, joblog, jobs

ROW = ("qemu-virt,cortex-a72,tcg,pmccntr,cycles,seq,write,256,768,768,768,6529,8377,9694,"
       "26989,12596654,35763,539177,12596654,,,,,,,,,,,141,6196,1.35,1,62500000,off,abc,1")
HEADER = "board,cpu,mode,counter,unit,pattern,access,pages,samples,faults,pages_allocated,min,p50"
RAW = "qemu-virt,tcg,cycles,seq,write,256,0,0,47747,,,,,,,,,,"


def pexpect_search(pattern, text):
    """pexpect compiles a string pattern with re.DOTALL and searches."""
    return re.compile(pattern, re.DOTALL).search(text)


class Jobs(unittest.TestCase):
    def load(self, board, boot, args):
        return yaml.safe_load(jobs.job(board, boot, args, "file:///k.img"))

    def test_qemu_direct(self):
        j = self.load("qemu-virt", "direct", "run=tests")
        self.assertEqual(j["device_type"], "qemu")
        self.assertEqual(j["context"]["machine"], "virt")
        deploy, boot, test = (a[next(iter(a))] for a in j["actions"])
        self.assertEqual(deploy["to"], "tmpfs")
        self.assertEqual(deploy["images"]["kernel"]["image_arg"],
                         '-kernel {kernel} -append "run=tests"')
        self.assertEqual(boot["method"], "qemu")
        self.assertEqual([m["name"] for m in test["monitors"]], ["faultline-tests", "faultline"])

    def test_uboot_and_pis(self):
        for board, dtype in (("qemu-virt", "qemu-uboot"), ("rpi3", "bcm2837-rpi-3-b"),
                             ("rpi4", "bcm2711-rpi-4-b")):
            j = self.load(board, "uboot", "run=bench suite=small")
            self.assertEqual(j["device_type"], dtype)
            deploy, boot = j["actions"][0]["deploy"], j["actions"][1]["boot"]
            self.assertEqual(deploy["to"], "tftp")
            self.assertEqual(deploy["kernel"]["type"], "image")
            self.assertEqual(boot["method"], "u-boot")
            self.assertIn("setenv bootargs 'run=bench suite=small'", boot["commands"])
            self.assertTrue(boot["commands"][-1].startswith("booti {KERNEL_ADDR} - "))

    def test_refusals(self):
        with self.assertRaises(ValueError):
            jobs.job("rpi4", "direct", "run=tests", "file:///k")
        with self.assertRaises(ValueError):
            jobs.job("rpi5", "uboot", "run=tests", "file:///k")
        with self.assertRaises(ValueError):
            jobs.job("qemu-virt", "direct", "run=tests x='1'", "file:///k")

    def test_run_none_has_only_done(self):
        self.assertEqual([m["name"] for m in jobs.monitors("run=none")], ["faultline"])


class Monitors(unittest.TestCase):
    def test_ktap(self):
        pat = jobs.monitors("run=tests")[0]["pattern"]
        m = pexpect_search(pat, "# diag ok 3 x\r\r\nnot ok 7 mm_brk # SKIP\r\r\n")
        self.assertEqual((m.group("result"), m.group("test_case_id")), ("not ok", "mm_brk"))
        self.assertIsNone(pexpect_search(pat, "# diag ok 3 x\r\r\n"))

    def test_summary_row_only(self):
        pat = jobs.monitors("run=bench")[0]["pattern"]
        m = pexpect_search(pat, f"{HEADER}\r\r\n{RAW}\r\r\n{ROW}\r\r\n")
        self.assertEqual(m.group("test_case_id"), "seq,write,256")
        self.assertEqual((m.group("measurement"), m.group("units")), ("8377", "cycles"))
        # PMCCNTR under TCG without icount: its unit is host-ticks.
        tcg = ROW.replace(",cycles,", ",host-ticks,")
        m = pexpect_search(pat, f"{HEADER}\r\r\n{tcg}\r\r\n")
        self.assertEqual((m.group("measurement"), m.group("units")), ("8377", "host-ticks"))
        self.assertIsNone(pexpect_search(pat, f"{HEADER}\r\r\n{RAW}\r\r\n"))
        self.assertIsNone(pexpect_search(pat, ROW))     # not until the line ends

    def test_done(self):
        first, done = jobs.monitors("run=tests")
        text = "# 3 tests\r\r\nfaultline: done status=fail (bad command line)\r\r\n"
        end = pexpect_search(first["end"], text)
        rest = text[end.end():]
        self.assertTrue(rest.startswith("done status="))
        self.assertIsNotNone(pexpect_search(done["start"], rest))
        m = pexpect_search(done["pattern"], rest)
        self.assertEqual((m.group("test_case_id"), m.group("result")), ("done", "fail"))


class Logs(unittest.TestCase):
    def write(self, text):
        f = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)
        f.write(text)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_json_and_yaml_records(self):
        recs = [{"dt": "1", "lvl": "target", "msg": "faultline: boot board=rpi4 cpu=x"},
                {"dt": "2", "lvl": "target", "msg": "faultline: done status=ok"},
                {"dt": "3", "lvl": "results", "msg": {"definition": "lava", "case": "job",
                                                     "result": "pass"}}]
        lava_run = "".join(json.dumps(r) + "\n" for r in recs)
        server = "".join("- " + yaml.safe_dump(r, default_flow_style=True, width=1000)
                         for r in recs)
        for text in (lava_run, server):
            path = self.write(text)
            self.assertTrue(joblog.is_lava_log(text.encode()))
            self.assertEqual(list(joblog.console_lines(path))[1], "faultline: done status=ok")
            self.assertEqual(joblog.job_result(joblog.results(path)), ("pass", ""))
            self.assertEqual(farm.board_of(path), "rpi4")
        self.assertFalse(joblog.is_lava_log(b"faultline: boot board=rpi4\r\n"))

    def test_bad_record(self):
        path = self.write('{"dt": "1", "lvl": "target", "msg": "x"}\nnot a record: [\n')
        with self.assertRaises(ValueError):
            list(joblog.records(path))


class Farm(unittest.TestCase):
    def test_submit_and_collect(self):
        calls = []
        log = "".join(json.dumps(r) + "\n" for r in [
            {"dt": "1", "lvl": "target", "msg": "faultline: boot board=rpi4 cpu=cortex-a72"},
            {"dt": "2", "lvl": "target", "msg": "faultline-csv begin small"},
            {"dt": "3", "lvl": "target", "msg": HEADER.replace("p50", "p50")},
            {"dt": "4", "lvl": "target", "msg": ROW.replace("qemu-virt", "rpi4").replace(",tcg,", ",hw,")},
            {"dt": "5", "lvl": "target", "msg": "faultline-csv end small"},
            {"dt": "6", "lvl": "target", "msg": "faultline: done status=ok"},
            {"dt": "7", "lvl": "results", "msg": {"definition": "lava", "case": "job",
                                                 "result": "pass"}}])

        def lavacli(argv):
            calls.append(argv[3:])
            if argv[3:5] == ["jobs", "submit"]:
                return "1234\n"
            if argv[3:5] == ["jobs", "logs"]:
                return log
            return ""

        with tempfile.TemporaryDirectory() as d:
            cli = farm.Lavacli("lab", runner=lavacli)
            state = os.path.join(d, "jobs.txt")
            self.assertEqual(farm.submit(cli, ["rpi4-uboot.yaml"], state), ["1234"])
            got = farm.collect(cli, state, os.path.join(d, "logs"), os.path.join(d, "results"))
            self.assertEqual([g[:3] for g in got], [("1234", "pass", "rpi4")])
            with open(os.path.join(d, "results", "rpi4", "small.csv")) as f:
                rows = f.read().splitlines()
            self.assertEqual(rows[1].split(",")[2], "hw")
        self.assertEqual(calls, [["jobs", "submit", "rpi4-uboot.yaml"], ["jobs", "wait", "1234"],
                                 ["jobs", "logs", "--raw", "1234"]])

    def test_submit_without_id(self):
        cli = farm.Lavacli("lab", runner=lambda argv: "Unable to submit\n")
        with self.assertRaises(RuntimeError):
            cli.submit("x.yaml")


if __name__ == "__main__":
    unittest.main()
