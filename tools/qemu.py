#!/usr/bin/python3
"""Boot faultline under QEMU and turn its console into a verdict.

    qemu.py run [options]          boot once (make run, the test tiers)
    qemu.py expect CASE [options]  boot as a console-expect case says, check it
    qemu.py extract LOG OUTDIR     CSV blocks of a saved log (serial or LAVA job
                                   log) or a serial device
    qemu.py check LOG [--tests]    verdict of a saved log (no exit code known)
    qemu.py loadaddr IMG           where -kernel loads IMG (for gdb)

The console protocol (../shared/CONTRACT.md, "Console protocol"):

    faultline: <text>                       human-readable line
    faultline: boot board=... cpu=... el=.. the boot report (key=value fields)
    faultline-csv begin <name>              a CSV block, one file per name
    ...rows...
    faultline-csv end <name>
    KTAP version 1 / 1..N / ok N name / not ok N name / # diagnostic
    faultline: done status=ok | status=fail (<reason>)     always the last line

A run passes only if "status=ok" was seen, QEMU then exited 0 on its own
before the timeout, every CSV block was complete and, for a test run, the
KTAP plan was met with no "not ok". Anything else is a failure whose reason
is printed. Python 3 standard library only.
"""

import argparse
import os
import re
import selectors
import shlex
import signal
import struct
import subprocess
import sys
import tempfile
import time

PREFIX = "faultline: "
DONE_RE = re.compile(r"^faultline: done status=(ok|fail)(?: \((.*)\))?\s*$")
CSV_RE = re.compile(r"^faultline-csv (begin|end) (\S+)\s*$")
CSV_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
KTAP_VERSION_RE = re.compile(r"^\s*KTAP version (\d+)\s*$")
KTAP_PLAN_RE = re.compile(r"^\s*1\.\.(\d+)\s*$")
KTAP_RESULT_RE = re.compile(r"^\s*(ok|not ok) (\d+)\s*(?:-\s*)?([^#]*?)\s*(?:#\s*(.*))?$")
KV_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)")

# Seconds QEMU gets to power off after the done line before it is killed.
EXIT_GRACE = 5.0


class Console:
    """Incremental parser of the console protocol: feed() it lines.

    CSV blocks are written to csv_dir (if given) as each one completes, so
    a log cut off mid-block keeps the blocks before it; errors lists every
    protocol violation (cut-off or unbalanced blocks, bad names)."""

    def __init__(self, csv_dir=None):
        self.csv_dir = csv_dir
        self.lines = []
        self.boot = None         # key=value fields of the boot report line
        self.done = None         # "ok" / "fail" once the done line is seen
        self.done_reason = ""
        self.errors = []
        self.csv = {}            # name -> list of rows (complete blocks)
        self.csv_files = []
        self._block = None       # (name, rows, first line number) while open
        self.ktap_version = None
        self.plan = None
        self.results = []        # (number, ok, name, directive, diagnostics)
        self._diag = []

    def feed(self, line):
        """Consume one console line (without its line ending)."""
        line = line.rstrip("\r\n").replace("\r", "")
        self.lines.append(line)
        n = len(self.lines)

        m = CSV_RE.match(line)
        if m:
            self._csv(m.group(1), m.group(2), n)
            return
        m = DONE_RE.match(line)
        if m:
            if self._block:
                self._cut_block("the done line")
            if self.done is None:
                self.done, self.done_reason = m.group(1), m.group(2) or ""
            return
        if line.startswith(PREFIX):
            if self.boot is None and line.startswith(PREFIX + "boot "):
                self.boot = dict(KV_RE.findall(line[len(PREFIX):]))
            return                      # never part of a CSV block
        if self._block:
            self._block[1].append(line)
            return
        self._ktap(line)

    def finish(self):
        """The console ended (EOF, exit or timeout): close what is open."""
        if self._block:
            self._cut_block("the end of the log")

    def _csv(self, kind, name, n):
        if not CSV_NAME_RE.match(name):
            self.errors.append(f"line {n}: bad CSV block name '{name}'")
            return
        if kind == "begin":
            if self._block:
                self._cut_block(f"a new block '{name}' at line {n}")
            if name in self.csv:
                self.errors.append(f"line {n}: CSV block '{name}' appears twice")
            self._block = (name, [], n)
            return
        if not self._block or self._block[0] != name:
            open_name = self._block[0] if self._block else None
            self.errors.append(f"line {n}: 'end {name}' without its begin"
                               + (f" (open block is '{open_name}')" if open_name else ""))
            return
        name, rows, _ = self._block
        self._block = None
        self.csv[name] = rows
        if self.csv_dir is not None:
            os.makedirs(self.csv_dir, exist_ok=True)
            path = os.path.join(self.csv_dir, name + ".csv")
            with open(path, "w") as f:
                f.write("".join(r + "\n" for r in rows))
            self.csv_files.append(path)

    def _cut_block(self, where):
        name, rows, first = self._block
        self._block = None
        self.errors.append(f"CSV block '{name}' (begun at line {first}) cut off "
                           f"by {where} after {len(rows)} rows; not written")

    def _ktap(self, line):
        m = KTAP_VERSION_RE.match(line)
        if m:
            self.ktap_version = int(m.group(1))
            return
        m = KTAP_PLAN_RE.match(line)
        if m and self.ktap_version is not None:
            self.plan = int(m.group(1))
            return
        m = KTAP_RESULT_RE.match(line)
        if m and self.ktap_version is not None:
            self.results.append((int(m.group(2)), m.group(1) == "ok",
                                 m.group(3), m.group(4) or "", self._diag))
            self._diag = []
            return
        if line.lstrip().startswith("#"):
            self._diag.append(line.strip())

    # Summaries.
    def passed(self):
        return sum(1 for r in self.results if r[1])

    def failed(self):
        return [r for r in self.results if not r[1]]

    def ktap_problems(self):
        """Reasons the KTAP output is not a clean pass ([] if it is)."""
        if self.ktap_version is None:
            return ["no 'KTAP version' line"]
        if self.plan is None:
            return ["no KTAP plan line '1..N'"]
        out = []
        bad = self.failed()
        if bad:
            out.append(f"{len(bad)} test(s) failed: "
                       + ", ".join(r[2] or f"#{r[0]}" for r in bad))
        if len(self.results) != self.plan:
            out.append(f"plan was {self.plan} tests, {len(self.results)} reported")
        numbers = [r[0] for r in self.results]
        if numbers != list(range(1, len(numbers) + 1)):
            out.append("test numbers are not 1, 2, 3, ...")
        return out

    def last_line(self):
        for line in reversed(self.lines):
            if line.strip():
                return line.strip()
        return "(no output)"


def verdict(con, exit_code, timed_out, tests=False, timeout=None):
    """Why a finished run failed, as a list of reasons ([] means it passed).

    exit_code is QEMU's (None when unknown, as for a saved log)."""
    why = []
    if timed_out and con.done:
        why.append(f"QEMU did not exit within {EXIT_GRACE:g} s of the done line")
    elif timed_out:
        why.append(f"timeout: no 'faultline: done' line after {timeout:g} s "
                   f"(last console line: {con.last_line()!r})")
    if con.done is None:
        if not timed_out:
            why.append("no 'faultline: done' line (last console line: "
                       f"{con.last_line()!r})")
    elif con.done == "fail":
        why.append(f"kernel reported status=fail ({con.done_reason or 'no reason'})")
    if exit_code is not None and not timed_out:
        if exit_code != 0 and con.done == "ok":
            why.append(f"QEMU exited with {exit_code} after status=ok")
        elif exit_code == 0 and con.done != "ok":
            why.append("QEMU exited 0 without status=ok")
        elif exit_code != 0 and con.done is None:
            why.append(f"QEMU exited with {exit_code}")
    why += con.errors
    if tests:
        why += con.ktap_problems()
    return why


# ---------------------------------------------------------------------------
# Building the QEMU command line.

def image_text_offset(img):
    """text_offset of an arm64 Linux Image (Documentation/arch/arm64/booting.rst)."""
    with open(img, "rb") as f:
        hdr = f.read(64)
    if len(hdr) < 64 or hdr[56:60] != b"ARM\x64":
        raise SystemExit(f"qemu.py: {img}: not an arm64 Image (no 'ARM\\x64' magic)")
    text_offset, image_size = struct.unpack_from("<QQ", hdr, 8)
    return text_offset, image_size


def load_address(img, ram_base):
    """Where QEMU's -kernel puts an arm64 Image (hw/arm/boot.c,
    load_aarch64_image): the 2 MiB-aligned RAM base plus text_offset, plus
    2 MiB more when text_offset is below 4 KiB, as QEMU's own boot stub
    occupies the bottom of RAM."""
    text_offset, _ = image_text_offset(img)
    if text_offset < 0x1000:
        text_offset += 0x200000
    return (ram_base + 0x1fffff) // 0x200000 * 0x200000 + text_offset


def add_machine_opts(board_args, opts):
    """Append comma options (virtualization=on, ...) to the -machine/-M
    argument of board_args, or add one -machine option per item."""
    args = list(board_args)
    for i, a in enumerate(args[:-1]):
        if a in ("-machine", "-M"):
            args[i + 1] = ",".join([args[i + 1]] + opts) if opts else args[i + 1]
            return args
    for o in opts:
        args += ["-machine", o]
    return args


def mem_bytes(board_args):
    """RAM size of the -m argument (QEMU suffixes K M G T; default MiB)."""
    for i, a in enumerate(board_args[:-1]):
        if a == "-m":
            v = board_args[i + 1].split(",")[0].removeprefix("size=")
            m = re.match(r"^(\d+)([KMGT]?)i?B?$", v, re.I)
            if m:
                unit = "KMGT".find(m.group(2).upper()) + 1 if m.group(2) else 2
                return int(m.group(1)) << (10 * unit)
    return 128 << 20


# The loader boot path: QEMU's generic loader puts a six-instruction stub (at
# RAM + 1 MiB, above the blob QEMU itself leaves at the RAM base), the device
# tree and the image in RAM and starts the CPU at the stub in its reset
# state -- the highest EL it has (EL3 with secure=on), which -kernel never
# gives -- and with any blob as "device tree", which QEMU's -dtb refuses.
#
#     ldr  x0, dtb        ; 0x580000c0   LDR (literal), imm19 = 6
#     ldr  x1, kernel     ; 0x580000e1   LDR (literal), imm19 = 7
#     mov  x2, xzr        ; 0xaa1f03e2
#     mov  x3, xzr        ; 0xaa1f03e3   x1-x3 = 0 as booting.rst asks
#     br   x1             ; 0xd61f0020
#     nop                 ; 0xd503201f
#     .quad dtb, kernel
#
# The "dirty" stub (--loader-state dirty, for EL2 entry: virtualization=on)
# leaves what kexec or some firmware may leave: SCTLR_EL1.M = 1 (EL1's MMU
# on, with whatever tables) and, if the CPU has VHE (ID_AA64MMFR1_EL1.VH),
# HCR_EL2.E2H = 1. booting.rst only promises the MMU off at the entry EL.
#
#     ldr  x0, dtb                ; 0x58000200
#     ldr  x1, kernel             ; 0x58000221
#     mrs  x4, sctlr_el1          ; 0xd5381004
#     orr  x4, x4, #1             ; 0xb2400084   M
#     msr  sctlr_el1, x4          ; 0xd5181004
#     mrs  x4, id_aa64mmfr1_el1   ; 0xd5380724
#     ubfx x4, x4, #8, #4         ; 0xd3482c84   VH
#     cbz  x4, 1f                 ; 0xb40000a4
#     mrs  x4, hcr_el2            ; 0xd53c1104
#     orr  x4, x4, #(1 << 34)     ; 0xb25e0084   E2H
#     msr  hcr_el2, x4            ; 0xd51c1104
#     isb                         ; 0xd5033fdf
# 1:  mov  x2, xzr / mov x3, xzr / br x1 / nop
#     .quad dtb, kernel
def boot_stub(dtb_addr, kernel_addr, state="clean"):
    if state == "dirty":
        return struct.pack("<16I2Q", 0x58000200, 0x58000221, 0xD5381004, 0xB2400084,
                           0xD5181004, 0xD5380724, 0xD3482C84, 0xB40000A4,
                           0xD53C1104, 0xB25E0084, 0xD51C1104, 0xD5033FDF,
                           0xAA1F03E2, 0xAA1F03E3, 0xD61F0020, 0xD503201F,
                           dtb_addr, kernel_addr)
    return struct.pack("<6I2Q", 0x580000C0, 0x580000E1, 0xAA1F03E2,
                       0xAA1F03E3, 0xD61F0020, 0xD503201F, dtb_addr, kernel_addr)


def smp_cpus(board_args):
    """The number of CPUs -smp asks for (1 without it)."""
    for i, a in enumerate(board_args[:-1]):
        if a == "-smp":
            for part in board_args[i + 1].split(","):
                v = part.removeprefix("cpus=")
                if v.isdigit():
                    return int(v)
    return 1


def loader_boot(a, board_args, tmp):
    """-device loader arguments booting a.kernel through the stub."""
    ram_base = a.ram_base
    text_offset, _ = image_text_offset(a.kernel)
    kernel = ram_base + 0x200000 + text_offset
    dtb_addr = ram_base + min(mem_bytes(board_args) // 2, 128 << 20)
    if getattr(a, "dtb_addr", None) is not None:
        dtb_addr = a.dtb_addr
    dtb = a.dtb
    if dtb == "none":               # no device tree at all: x0 = 0
        dtb, dtb_addr = None, 0
    elif dtb is None:
        dtb = os.path.join(tmp, "board.dtb")
        dump = [a.qemu] + add_machine_opts(board_args, ["dumpdtb=" + dtb]) + ["-display", "none"]
        subprocess.run(dump, check=True, timeout=30, stdout=subprocess.DEVNULL)
        subprocess.run(["fdtput", "-t", "s", dtb, "/chosen", "bootargs", a.append],
                       check=True, timeout=30)
    stub = os.path.join(tmp, "stub.bin")
    with open(stub, "wb") as f:
        f.write(boot_stub(dtb_addr, kernel, getattr(a, "loader_state", "clean")))
    stub_addr = ram_base + 0x100000
    args = ["-device", f"loader,file={stub},addr={stub_addr:#x},cpu-num=0",
            "-device", f"loader,file={a.kernel},addr={kernel:#x},force-raw=on"]
    # Every other CPU starts at the image's entry (not at the stub, which
    # lies in RAM the kernel may reuse before a secondary first runs), as
    # firmware that releases all CPUs would: the kernel must hold it. Else,
    # with no firmware, QEMU runs a secondary from the reset address, where
    # nothing is mapped: an endless chain of Undefined Instruction
    # exceptions at EL3 that -icount charges to the boot CPU's clock.
    for n in range(1, smp_cpus(board_args)):
        args += ["-device", f"loader,addr={kernel:#x},cpu-num={n}"]
    if dtb:
        args += ["-device", f"loader,file={dtb},addr={dtb_addr:#x},force-raw=on"]
    return args


def qemu_command(a, tmp):
    """The whole QEMU command line for the options in a."""
    board = add_machine_opts(shlex.split(a.board_args), a.machine_opt)
    cmd = [a.qemu] + board + ["-display", "none", "-monitor", "none", "-no-reboot"]
    if getattr(a, "semihosting", True):   # callers building their own Namespace
        cmd += ["-semihosting-config", "enable=on,target=native"]
    if "-serial" not in board:
        cmd += ["-serial", "mon:stdio" if a.interactive else "stdio"]
    if a.icount:
        cmd += ["-icount", "shift=0,sleep=off"]
    if a.entry == "loader":
        cmd += loader_boot(a, board, tmp)
    elif a.entry == "firmware":
        if a.dtb:
            raise SystemExit("qemu.py: --dtb does not apply to --entry firmware "
                             "(the firmware hands its own tree to the kernel)")
    else:
        cmd += ["-kernel", a.kernel, "-append", a.append]
        if a.dtb:
            cmd += ["-dtb", a.dtb]
    if a.gdb:
        cmd += ["-s", "-S"]
    return cmd + a.qemu_arg


# ---------------------------------------------------------------------------
# Running it.

def run_qemu(cmd, con, timeout, log=None, echo=False, interactive=False):
    """Run cmd, feeding its console to con; returns (exit code, timed out).

    The console is echoed to stdout if echo; QEMU is killed at the timeout
    or EXIT_GRACE seconds after the done line if it has not exited."""
    logf = open(log, "w") if log else None
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=None if interactive else subprocess.DEVNULL,
                            start_new_session=not interactive)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    timed_out, pending = False, b""
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            if not sel.select(min(left, 1.0)):
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            if echo:
                sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
            if logf:
                logf.write(chunk.decode("utf-8", "replace"))
                logf.flush()
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                con.feed(line.decode("utf-8", "replace"))
                if con.done and deadline > time.monotonic() + EXIT_GRACE:
                    deadline = time.monotonic() + EXIT_GRACE
    except KeyboardInterrupt:
        timed_out = None
    finally:
        if pending:
            con.feed(pending.decode("utf-8", "replace"))
        con.finish()
        if proc.poll() is None:
            try:
                if interactive:
                    proc.kill()
                else:
                    os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        code = proc.wait()
        if logf:
            logf.close()
    if timed_out is None:
        raise SystemExit("qemu.py: interrupted")
    return code, timed_out


def report(label, con, why, elapsed, tests):
    """Print the one-line result of a run (and the failing tests)."""
    what = ""
    if tests and con.plan is not None:
        skipped = sum(1 for r in con.results if r[1] and r[3].upper().startswith("SKIP"))
        what = f"{con.passed()}/{con.plan} tests ok" + (f" ({skipped} skipped)" if skipped else "") + ", "
    if not why:
        status = f"status={con.done}" + (f" ({con.done_reason})" if con.done_reason else "")
        print(f"PASS {label}: {what}{status} ({elapsed:.1f} s)")
        return
    print(f"FAIL {label}: {what}{why[0]} ({elapsed:.1f} s)")
    for w in why[1:]:
        print(f"     {w}")
    for num, _, name, _, diag in con.failed():
        print(f"     not ok {num} {name}")
        for d in diag:
            print(f"         {d}")


# ---------------------------------------------------------------------------
# Console-expect cases (tests/expect/*.exp).
#
# One directive a line, "#" comments:
#   args: run=none foo=1        kernel command line
#   status: ok|fail             the done line's status (fail: QEMU must exit != 0)
#   expect: REGEX               some console line must match (search)
#   reject: REGEX               no console line may match
#   max: REGEX LIMIT            the first line matching REGEX has group 1 <= LIMIT
#   mem: SIZE / cpu: MODEL / icount: 1 / machine: OPT / entry: kernel|loader
#   dtb: FILE|none              device tree blob (loader entry: passed as is)
#   loader: clean|dirty         loader entry: what the stub leaves (--loader-state)
#   semihosting: on|off         off: power-off by PSCI only (status=fail then
#                               cannot make QEMU exit non-zero: not checked)
#   dtb-addr: ADDRESS           where the loader entry puts it (default: mid-RAM)
#   timeout: SECONDS
#   kernel: PATH                another image than --kernel (e.g. a GRANULE=16k
#                               build, build/qemu-virt-16k/faultline.img)

def parse_case(path):
    case = {"expect": [], "reject": [], "max": [], "machine": [], "status": "ok"}
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, val = line.partition(":")
            key, val = key.strip(), val.strip()
            if not sep:
                raise SystemExit(f"{path}:{n}: expected 'key: value'")
            if key in ("expect", "reject"):
                case[key].append(re.compile(val))
            elif key == "max":
                regex, _, limit = val.rpartition(" ")
                case["max"].append((re.compile(regex.strip()), int(limit.replace("_", ""))))
            elif key == "machine":
                case["machine"].append(val)
            elif key in ("args", "status", "mem", "cpu", "icount", "entry", "dtb", "timeout",
                         "loader", "semihosting", "dtb-addr", "kernel"):
                case[key] = val
            else:
                raise SystemExit(f"{path}:{n}: unknown directive '{key}'")
    if case["status"] not in ("ok", "fail"):
        raise SystemExit(f"{path}: status must be ok or fail")
    return case


def check_case(case, con, exit_code, timed_out, timeout):
    """Reasons a console-expect case failed ([] if it passed)."""
    why = []
    if timed_out:
        return verdict(con, exit_code, timed_out, False, timeout)[:1]
    if con.done != case["status"]:
        why.append(f"wanted status={case['status']}, got "
                   + (f"status={con.done}" if con.done else "no done line")
                   + (f" ({con.done_reason})" if con.done_reason else ""))
    if case["status"] == "ok" and exit_code != 0:
        why.append(f"QEMU exited with {exit_code}")
    if case["status"] == "fail" and exit_code == 0 and case.get("semihosting", "on") == "on":
        why.append("QEMU exited 0 after a failure")
    for rx in case["expect"]:
        if not any(rx.search(line) for line in con.lines):
            why.append(f"no line matches /{rx.pattern}/")
    for rx in case["reject"]:
        hit = next((line for line in con.lines if rx.search(line)), None)
        if hit is not None:
            why.append(f"line matches /{rx.pattern}/: {hit!r}")
    for rx, limit in case["max"]:
        m = next((m for m in map(rx.search, con.lines) if m), None)
        if m is None:
            why.append(f"no line matches /{rx.pattern}/")
        elif int(m.group(1), 0) > limit:
            why.append(f"{m.group(0)!r}: {int(m.group(1), 0)} > {limit}")
        else:
            case.setdefault("measured", []).append(f"{int(m.group(1), 0)} <= {limit}")
    return why + con.errors


# ---------------------------------------------------------------------------
# Commands.

def add_run_options(p):
    p.add_argument("--qemu", default="qemu-system-aarch64")
    p.add_argument("--kernel", required=True, help="the faultline.img to boot")
    p.add_argument("--board-args", required=True,
                   help="the board's QEMU arguments (configs/<board>.mk QEMU_BOARD_ARGS)")
    p.add_argument("--machine-opt", action="append", default=[],
                   help="extra -machine option, e.g. virtualization=on (repeatable)")
    p.add_argument("--ram-base", type=lambda s: int(s, 0), default=0x40000000,
                   help="physical RAM base of the board (loader entry)")
    p.add_argument("--entry", choices=("kernel", "loader", "firmware"), default="kernel",
                   help="boot with -kernel, through the loader stub (reset EL), or "
                   "neither: firmware (--qemu-arg -bios ...) loads the kernel itself, "
                   "as in a U-Boot chain")
    p.add_argument("--loader-state", choices=("clean", "dirty"), default="clean",
                   help="loader entry: dirty = the stub leaves SCTLR_EL1.M = 1 and, "
                   "with VHE, HCR_EL2.E2H = 1 (use with virtualization=on)")
    p.add_argument("--no-semihosting", dest="semihosting", action="store_false",
                   help="no semihosting: the kernel powers off by PSCI, and QEMU's "
                   "exit code no longer tells a failure")
    p.add_argument("--dtb", help="device tree blob to boot with (loader entry: "
                   "loaded as is; 'none': no tree, x0 = 0)")
    p.add_argument("--append", default="", help="kernel command line")
    p.add_argument("--icount", action="store_true", help="-icount shift=0,sleep=off")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds (default 60)")
    p.add_argument("--log", help="write the console to this file")
    p.add_argument("--csv-dir", help="write CSV blocks here")
    p.add_argument("--name", help="label of the one-line result")
    p.add_argument("--interactive", action="store_true",
                   help="console on the terminal, stdin to the guest (Ctrl-A X quits)")
    p.add_argument("--gdb", action="store_true", help="halt at reset with a gdbstub on :1234")
    p.add_argument("--dry-run", action="store_true", help="print the command line only")
    p.add_argument("--qemu-arg", action="append", default=[], help="one more QEMU argument")


def cmd_run(a):
    with tempfile.TemporaryDirectory(prefix="faultline-") as tmp:
        cmd = qemu_command(a, tmp)
        if a.dry_run:
            print(shlex.join(cmd))
            return 0
        label = a.name or os.path.basename(a.kernel)
        con = Console(a.csv_dir)
        t0 = time.monotonic()
        code, timed_out = run_qemu(cmd, con, a.timeout, a.log,
                                   echo=a.interactive or not a.log,
                                   interactive=a.interactive)
    why = verdict(con, code, timed_out, a.tests, a.timeout)
    if con.boot:
        label += " [" + " ".join(f"{k}={con.boot[k]}" for k in ("cpu", "el", "ram")
                                 if k in con.boot) + "]"
    report(label, con, why, time.monotonic() - t0, a.tests)
    return 1 if why else 0


def cmd_expect(a):
    case = parse_case(a.case)
    a.append = case.get("args", "")
    a.icount = a.icount or case.get("icount") == "1"
    a.machine_opt += case["machine"]
    a.entry = case.get("entry", a.entry)
    a.dtb = case.get("dtb", a.dtb)
    a.kernel = case.get("kernel", a.kernel)
    a.loader_state = case.get("loader", a.loader_state)
    if case.get("semihosting", "on") not in ("on", "off"):
        raise SystemExit(f"{a.case}: semihosting must be on or off")
    a.semihosting = a.semihosting and case.get("semihosting", "on") == "on"
    if a.loader_state not in ("clean", "dirty"):
        raise SystemExit(f"{a.case}: loader must be clean or dirty")
    if "dtb-addr" in case:
        a.dtb_addr = int(case["dtb-addr"], 0)
    a.timeout = float(case.get("timeout", a.timeout))
    board = shlex.split(a.board_args)
    for key, flag in (("mem", "-m"), ("cpu", "-cpu")):
        if key in case:
            if flag in board:
                board[board.index(flag) + 1] = case[key]
            else:
                board += [flag, case[key]]
    a.board_args = shlex.join(board)
    label = a.name or os.path.splitext(os.path.basename(a.case))[0]
    with tempfile.TemporaryDirectory(prefix="faultline-") as tmp:
        cmd = qemu_command(a, tmp)
        if a.dry_run:
            print(shlex.join(cmd))
            return 0
        con = Console(a.csv_dir)
        t0 = time.monotonic()
        code, timed_out = run_qemu(cmd, con, a.timeout, a.log, echo=not a.log)
    why = check_case(case, con, code, timed_out, a.timeout)
    if case.get("measured") and not why:
        label += " [" + ", ".join(case["measured"]) + "]"
    report(label, con, why, time.monotonic() - t0, False)
    return 1 if why else 0


def read_lava_log(path, con):
    """Feed the console lines of a LAVA job log (tools/lava/joblog.py) to con."""
    import joblog
    try:
        for line in joblog.console_lines(path):
            con.feed(line)
            if con.done:
                break
    except ValueError as e:
        con.errors.append(str(e))
    con.finish()


def read_console(path, con):
    """Feed a saved log (a serial log or a LAVA job log), or a serial
    device up to its done line, to con."""
    if os.path.isfile(path):
        with open(path, "rb") as f:
            head = f.read(4096)
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lava"))
        import joblog
        if joblog.is_lava_log(head):
            read_lava_log(path, con)
            return
    with open(path, "rb", buffering=0) as f:
        pending = b""
        while con.done is None:
            chunk = f.read(65536)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                con.feed(line.decode("utf-8", "replace"))
                if con.done:
                    break
        if pending and con.done is None:
            con.feed(pending.decode("utf-8", "replace"))
    con.finish()


def extract(path, outdir):
    """Write every complete CSV block of the console at path to outdir as
    <name>.csv. Returns the Console (errors lists cut-off blocks)."""
    con = Console(outdir)
    read_console(path, con)
    return con


def cmd_extract(a):
    con = extract(a.log, a.outdir)
    for p in con.csv_files:
        print(f"wrote {p} ({len(con.csv[os.path.basename(p)[:-4]])} rows)")
    for e in con.errors:
        print(f"qemu.py: {a.log}: {e}", file=sys.stderr)
    if not con.csv_files and not con.errors:
        print(f"qemu.py: {a.log}: no CSV blocks", file=sys.stderr)
        return 1
    return 1 if con.errors else 0


def cmd_check(a):
    con = Console()
    read_console(a.log, con)
    why = verdict(con, None, False, a.tests)
    report(a.log, con, why, 0.0, a.tests)
    return 1 if why else 0


def cmd_loadaddr(a):
    print(f"{load_address(a.image, a.ram_base):#x}")
    return 0


def on_sigterm(signum, frame):
    raise KeyboardInterrupt      # run_qemu's cleanup kills QEMU


def main(argv=None):
    signal.signal(signal.SIGTERM, on_sigterm)
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="boot once and judge the console")
    add_run_options(r)
    r.add_argument("--tests", action="store_true", help="judge KTAP output too (run=tests)")
    e = sub.add_parser("expect", help="run one console-expect case")
    e.add_argument("case")
    add_run_options(e)
    x = sub.add_parser("extract", help="CSV blocks of a log to OUTDIR/<name>.csv")
    x.add_argument("log")
    x.add_argument("outdir")
    c = sub.add_parser("check", help="verdict of a saved console log")
    c.add_argument("log")
    c.add_argument("--tests", action="store_true")
    la = sub.add_parser("loadaddr", help="where -kernel loads an Image")
    la.add_argument("image")
    la.add_argument("--ram-base", type=lambda s: int(s, 0), default=0x40000000)
    a = p.parse_args(argv)
    return {"run": cmd_run, "expect": cmd_expect, "extract": cmd_extract,
            "check": cmd_check, "loadaddr": cmd_loadaddr}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
