#!/usr/bin/python3
"""Boot faultline under QEMU and turn its console into a verdict.

    python3 -m tools.qemu run [options]          boot once (make run, the test tiers)
    python3 -m tools.qemu expect CASE [options]  boot as a console-expect case says, check it
    python3 -m tools.qemu extract LOG OUTDIR     CSV blocks of a saved log (serial or
                                                 LAVA job log) or a serial device
    python3 -m tools.qemu check LOG [--tests]    verdict of a saved log (no exit code known)
    python3 -m tools.qemu loadaddr IMG           where -kernel loads IMG (for gdb)

This module builds QEMU's argv from a QemuConfig (tools/config.py) and runs
it; the console protocol and the verdicts are tools/console.py's, the
loader boot stub tools/loader.py's, the expect-file format tools/expect.py's.
Python 3 standard library only.
"""

import argparse
import os
import selectors
import shlex
import signal
import subprocess
import sys
import tempfile
import time

from . import expect
from .config import QemuConfig, add_machine_opts
from .console import EXIT_GRACE, Console, extract, read_console, report, verdict
from .loader import load_address, loader_boot


# ---------------------------------------------------------------------------
# Building the QEMU command line.

def qemu_command(a, tmp):
    """The whole QEMU command line for the QemuConfig a (tmp: a directory
    for the files the loader entry writes)."""
    board = add_machine_opts(shlex.split(a.board_args), a.machine_opt)
    cmd = [a.qemu] + board + ["-display", "none", "-monitor", "none", "-no-reboot"]
    if a.semihosting:
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
        cmd = qemu_command(QemuConfig.from_args(a), tmp)
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
    case = expect.parse_case(a.case)
    cfg, timeout = expect.configure(case, a.case, QemuConfig.from_args(a), a.timeout)
    label = a.name or os.path.splitext(os.path.basename(a.case))[0]
    with tempfile.TemporaryDirectory(prefix="faultline-") as tmp:
        cmd = qemu_command(cfg, tmp)
        if a.dry_run:
            print(shlex.join(cmd))
            return 0
        con = Console(a.csv_dir)
        t0 = time.monotonic()
        code, timed_out = run_qemu(cmd, con, timeout, a.log, echo=not a.log)
    why = expect.check_case(case, con, code, timed_out, timeout)
    if case.get("measured") and not why:
        label += " [" + ", ".join(case["measured"]) + "]"
    report(label, con, why, time.monotonic() - t0, False)
    return 1 if why else 0


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
