#!/usr/bin/python3
"""Host tests of the tools package: console parsing, verdicts and CSV extraction
(no QEMU needed). Run: /usr/bin/python3 -m unittest tests/unit/test_runner.py"""

import contextlib
import io
import os
import sys
import tempfile
import unittest

from tests.unit import counted

from tools import config, console, expect, imgcheck, loader, qemu
from tools.config import QemuConfig

GOOD = """\
faultline: boot board=qemu-virt cpu=cortex-a72 el=1 ram=512M cntfrq=62500000 pmu=yes
KTAP version 1
1..2
ok 1 first
ok 2 second
faultline-csv begin default
pattern,p50
seq,100
faultline-csv end default
faultline: done status=ok
"""


def feed(text, csv_dir=None):
    con = console.Console(csv_dir)
    for line in text.splitlines():
        con.feed(line)
    con.finish()
    return con


class ConsoleTest(unittest.TestCase):
    def test_good_run_passes(self):
        con = feed(GOOD.replace("\n", "\r\n"))
        self.assertEqual(con.boot["board"], "qemu-virt")
        self.assertEqual(con.boot["pmu"], "yes")
        self.assertEqual(con.done, "ok")
        self.assertEqual(con.csv["default"], ["pattern,p50", "seq,100"])
        self.assertEqual(console.verdict(con, 0, False, tests=True), [])

    def test_smp_line(self):
        self.assertIsNone(feed(GOOD).smp)
        con = feed(GOOD.replace("faultline: done", "faultline: smp cpus=4 online=4 "
                                "method=psci tree=4\nfaultline: done"))
        self.assertEqual(con.smp, {"cpus": "4", "online": "4", "method": "psci", "tree": "4"})
        self.assertEqual(con.boot["board"], "qemu-virt")

    def test_qemu_exit_code_matters(self):
        why = console.verdict(feed(GOOD), 1, False, tests=True)
        self.assertTrue(any("exited with 1" in w for w in why), why)

    def test_fail_status_and_reason(self):
        con = feed("faultline: done status=fail (unknown key 'foo')\n")
        self.assertEqual((con.done, con.done_reason), ("fail", "unknown key 'foo'"))
        self.assertIn("kernel reported status=fail (unknown key 'foo')",
                      console.verdict(con, 1, False))
        self.assertIn("QEMU exited 0 without status=ok", console.verdict(con, 0, False))

    def test_no_done_line(self):
        why = console.verdict(feed("faultline: boot board=x\n"), 0, False)
        self.assertTrue(why and "no 'faultline: done'" in why[0], why)

    def test_timeout(self):
        con = feed("faultline: boot board=x\nsomething\n")
        why = console.verdict(con, -9, True, timeout=5)
        self.assertEqual(len(why), 1)
        self.assertIn("timeout", why[0])
        self.assertIn("something", why[0])

    def test_hang_after_done(self):
        why = console.verdict(feed(GOOD), -9, True, timeout=5)
        self.assertIn("did not exit", why[0])

    def test_not_ok_fails_with_diagnostics(self):
        con = feed(GOOD.replace("ok 2 second",
                                "# tests/guest/t.c:9: expected a == b\nnot ok 2 second"))
        why = console.verdict(con, 0, False, tests=True)
        self.assertTrue(any("1 test(s) failed: second" in w for w in why), why)
        (num, ok, name, _, diag), = con.failed()
        self.assertEqual((num, ok, name), (2, False, "second"))
        self.assertEqual(diag, ["# tests/guest/t.c:9: expected a == b"])

    def test_missing_results_fail(self):
        con = feed(GOOD.replace("1..2", "1..3"))
        self.assertIn("plan was 3 tests, 2 reported", console.verdict(con, 0, False, tests=True))

    def test_missing_ktap_fails_only_for_tests(self):
        con = feed("faultline: done status=ok\n")
        self.assertEqual(console.verdict(con, 0, False), [])
        self.assertIn("no 'KTAP version' line", console.verdict(con, 0, False, tests=True))

    def test_skip_directive(self):
        con = feed(GOOD.replace("ok 2 second", "ok 2 second # SKIP no PMU"))
        self.assertEqual(con.results[1][3], "SKIP no PMU")
        self.assertEqual(console.verdict(con, 0, False, tests=True), [])


class CsvTest(unittest.TestCase):
    def test_cut_off_block_keeps_complete_ones(self):
        text = GOOD.replace("faultline: done status=ok\n",
                            "faultline-csv begin second\na,b\n1,2\n")
        with tempfile.TemporaryDirectory() as d:
            con = feed(text, d)
            self.assertEqual(os.listdir(d), ["default.csv"])
            with open(os.path.join(d, "default.csv")) as f:
                self.assertEqual(f.read(), "pattern,p50\nseq,100\n")
        self.assertEqual(len(con.errors), 1)
        self.assertIn("'second'", con.errors[0])
        self.assertIn("cut off", con.errors[0])
        self.assertIn("cut off", " ".join(console.verdict(con, 0, False)))

    def test_crash_inside_block(self):
        con = feed("faultline-csv begin x\n1\nfaultline: done status=fail (crash)\n")
        self.assertNotIn("x", con.csv)
        self.assertIn("cut off by the done line", con.errors[0])

    def test_protocol_lines_stay_out_of_blocks(self):
        con = feed("faultline-csv begin x\na\nfaultline: note\nb\nfaultline-csv end x\n")
        self.assertEqual(con.csv["x"], ["a", "b"])

    def test_unbalanced_and_bad_names(self):
        con = feed("faultline-csv end x\nfaultline-csv begin ../evil\n"
                   "faultline-csv begin a\nfaultline-csv begin b\nfaultline-csv end b\n")
        self.assertEqual(list(con.csv), ["b"])
        self.assertEqual(len(con.errors), 3, con.errors)

    def test_extract_saved_log(self):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "console.log")
            with open(log, "w") as f:
                f.write(GOOD + "faultline-csv begin after\n1\n")   # after done: ignored
            con = console.extract(log, os.path.join(d, "out"))
            self.assertEqual(con.errors, [])
            self.assertEqual(os.listdir(os.path.join(d, "out")), ["default.csv"])
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                self.assertEqual(qemu.main(["extract", log, os.path.join(d, "o2")]), 0)
            self.assertIn("default.csv (2 rows)", out.getvalue())


class CommandTest(unittest.TestCase):
    def test_machine_opts_merge(self):
        args = config.add_machine_opts(["-machine", "virt", "-cpu", "max"], ["secure=on"])
        self.assertEqual(args, ["-machine", "virt,secure=on", "-cpu", "max"])
        self.assertEqual(config.add_machine_opts(["-cpu", "max"], ["a=1"]),
                         ["-cpu", "max", "-machine", "a=1"])

    def test_mem_bytes(self):
        self.assertEqual(config.mem_bytes(["-m", "4G"]), 4 << 30)
        self.assertEqual(config.mem_bytes(["-m", "128"]), 128 << 20)
        self.assertEqual(config.mem_bytes(["-m", "512M"]), 512 << 20)

    def test_boot_stub(self):
        stub = loader.boot_stub(0x48000000, 0x40200000)
        self.assertEqual(len(stub), 40)
        self.assertEqual(stub[24:], (0x48000000).to_bytes(8, "little")
                         + (0x40200000).to_bytes(8, "little"))

    def test_case_parsing(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "c.exp")
            with open(p, "w") as f:
                f.write("# c\nargs: run=none\nstatus: fail\nexpect: ^faultline: .*foo\n"
                        "max: insns=(\\d+) 5_000_000\n")
            case = expect.parse_case(p)
        self.assertEqual(case["args"], "run=none")
        con = feed("faultline: error foo\nfaultline: boot insns=4000000\n"
                   "faultline: done status=fail (x)\n")
        self.assertEqual(expect.check_case(case, con, 1, False, 10), [])
        self.assertIn("QEMU exited 0 after a failure", expect.check_case(case, con, 0, False, 10))
        con = feed("faultline: error foo\nfaultline: boot insns=6000000\n"
                   "faultline: done status=fail (x)\n")
        self.assertTrue(any("6000000 > 5000000" in w for w in expect.check_case(case, con, 1, False, 10)))

    def test_loader_dtb_addr(self):
        """dtb-addr: moves the blob; without it, the blob sits mid-RAM."""
        with tempfile.TemporaryDirectory() as d:
            img = os.path.join(d, "Image")
            with open(img, "wb") as f:      # an arm64 Image header, text_offset 0
                f.write(bytes(56) + b"ARM\x64" + bytes(4))
            dtb = os.path.join(d, "t.dtb")
            open(dtb, "wb").close()
            p = os.path.join(d, "c.exp")
            with open(p, "w") as f:
                f.write("entry: loader\ndtb-addr: 0x5ffff000\n")
            case = expect.parse_case(p)
            self.assertEqual(case["dtb-addr"], "0x5ffff000")
            a = QemuConfig(ram_base=0x40000000, kernel=img, board_args="", dtb=dtb, qemu="q")
            args = loader.loader_boot(a, ["-m", "512M"], d)
            self.assertIn(f"loader,file={dtb},addr=0x48000000,force-raw=on", args)
            a = a.replace(dtb_addr=0x5ffff000)
            args = loader.loader_boot(a, ["-m", "512M"], d)
            self.assertIn(f"loader,file={dtb},addr=0x5ffff000,force-raw=on", args)
            stub = open(os.path.join(d, "stub.bin"), "rb").read()
            self.assertEqual(stub[24:32], (0x5ffff000).to_bytes(8, "little"))


    def test_case_kernel_directive(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "c.exp")
            with open(p, "w") as f:
                f.write("kernel: build/qemu-virt-16k/faultline.img\nargs: run=none\n")
            case = expect.parse_case(p)
        self.assertEqual(case["kernel"], "build/qemu-virt-16k/faultline.img")


class ImageHeader(unittest.TestCase):
    """tools/imgcheck.py: the page-size bits 2:1 of the Image header's flags."""

    @staticmethod
    def image(flags, size=0x10000):
        return ((0x14000010).to_bytes(4, "little") + bytes(4) + bytes(8)
                + size.to_bytes(8, "little") + flags.to_bytes(8, "little")
                + bytes(24) + (0x644D5241).to_bytes(4, "little") + bytes(4)
                + bytes(size - 64))

    def check(self, flags, page_size):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "faultline.img")
            with open(p, "wb") as f:
                f.write(self.image(flags))
            return imgcheck.check_image(p, page_size)

    def test_page_size_flags(self):
        for page_size, bits in ((4096, 1), (16384, 2), (65536, 3)):
            flags = (bits << 1) | (1 << 3)
            self.assertEqual(self.check(flags, page_size), [])
            other = 4096 if page_size != 4096 else 65536
            self.assertTrue(any("flags" in w for w in self.check(flags, other)))

    def test_image_size_is_whole_pages(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "faultline.img")
            with open(p, "wb") as f:
                f.write(self.image((3 << 1) | (1 << 3), size=0x11000))
            self.assertTrue(any("not a multiple of 64 KiB" in w
                                for w in imgcheck.check_image(p, 65536)))
            self.assertEqual(imgcheck.check_image(p, 4096)[:1],
                             [f"{p}: flags 0xe, want 0xa (LE, 4K pages, anywhere)"])


class ConfigTest(unittest.TestCase):
    """The QemuConfig from the command line, and what an expect case changes."""

    def parse(self, argv):
        import argparse
        p = argparse.ArgumentParser()
        qemu.add_run_options(p)
        return QemuConfig.from_args(p.parse_args(argv))

    def test_from_args_to_argv(self):
        cfg = self.parse(["--kernel", "k.img", "--board-args", "-machine virt -m 512M",
                          "--append", "run=none", "--machine-opt", "gic-version=3"])
        self.assertEqual((cfg.kernel, cfg.entry, cfg.dtb_addr), ("k.img", "kernel", None))
        cmd = qemu.qemu_command(cfg, "/nonexistent")
        self.assertEqual(cmd[:3], ["qemu-system-aarch64", "-machine", "virt,gic-version=3"])
        self.assertIn("-semihosting-config", cmd)
        self.assertEqual(cmd[cmd.index("-kernel") + 1], "k.img")
        self.assertEqual(cmd[cmd.index("-append") + 1], "run=none")
        off = self.parse(["--kernel", "k", "--board-args", "-M virt", "--no-semihosting"])
        self.assertNotIn("-semihosting-config", qemu.qemu_command(off, "/nonexistent"))

    def test_expect_case_configures_a_copy(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "c.exp")
            with open(p, "w") as f:
                f.write("args: run=none\nmem: 6M\ncpu: cortex-a53\nmachine: secure=on\n"
                        "icount: 1\nloader: dirty\nsemihosting: off\ntimeout: 7\n")
            case = expect.parse_case(p)
        base = QemuConfig(kernel="k", board_args="-machine virt -cpu cortex-a72 -m 512M")
        cfg, timeout = expect.configure(case, p, base, 30.0)
        self.assertEqual(cfg.board_args, "-machine virt -cpu cortex-a53 -m 6M")
        self.assertEqual((cfg.append, cfg.icount, cfg.loader_state, cfg.semihosting, timeout),
                         ("run=none", True, "dirty", False, 7.0))
        self.assertEqual(cfg.machine_opt, ["secure=on"])
        self.assertEqual(base.machine_opt, [])      # the base is not changed
        self.assertTrue(base.semihosting)


class LoaderPath(unittest.TestCase):
    def test_smp_cpus(self):
        self.assertEqual(config.smp_cpus(["-machine", "virt", "-m", "512M"]), 1)
        self.assertEqual(config.smp_cpus(["-smp", "4"]), 4)
        self.assertEqual(config.smp_cpus(["-smp", "cpus=2,sockets=1"]), 2)

    def test_stub_states(self):
        clean = loader.boot_stub(0x48000000, 0x40200000)
        dirty = loader.boot_stub(0x48000000, 0x40200000, "dirty")
        self.assertEqual(len(clean), 6 * 4 + 16)
        self.assertEqual(len(dirty), 16 * 4 + 16)
        # Both end with the two addresses their LDR (literal)s load.
        self.assertEqual(clean[-16:], dirty[-16:])
        # The dirty stub writes SCTLR_EL1 (MSR SCTLR_EL1, x4) and HCR_EL2.
        words = [int.from_bytes(dirty[i:i + 4], "little") for i in range(0, 64, 4)]
        self.assertIn(0xD5181004, words)
        self.assertIn(0xD51C1104, words)

    def test_secondaries_start_at_the_image(self):
        with tempfile.TemporaryDirectory() as tmp:
            img = os.path.join(tmp, "faultline.img")
            with open(img, "wb") as f:    # an Image header: text_offset 0, magic
                f.write(bytes(0x38) + (0x644D5241).to_bytes(4, "little") + bytes(4))
            a = QemuConfig(ram_base=0x40000000, kernel=img, board_args="", dtb="none",
                           qemu="qemu")
            args = loader.loader_boot(a, ["-m", "512M", "-smp", "3"], tmp)
        devs = [args[i + 1] for i, x in enumerate(args) if x == "-device"]
        self.assertIn("loader,addr=0x40200000,cpu-num=1", devs)
        self.assertIn("loader,addr=0x40200000,cpu-num=2", devs)
        self.assertFalse(any("cpu-num=3" in d for d in devs))


if __name__ == "__main__":
    sys.exit(counted.main(__name__))
