"""Capture the exact instruction trace of one fault of each kind.

A kernel boots under QEMU -icount shift=0,sleep=off with its gdbstub. The
program it runs (faultline's run=anatomy, or tools/anatomy/linux.c as /init
on Linux: both run bench/anatomy.c) touches, for each kind, one page through
the instruction labelled anatomy_store or anatomy_load. gdb-multiarch breaks
there and, through QEMU's monitor (gdb's "monitor" command):

    logfile <dir>/<kind>.log      a fresh QEMU log for this fault
    one-insn-per-tb on            every translation block one instruction
    log exec,nochain              log every block executed, no chaining
    (continue to the instruction after the access)
    log none; one-insn-per-tb off

so the log holds one "Trace" line per executed instruction, from the access
(which faults), through the kernel, back to the access (which now retires)
and up to the instruction after it, where the trace ends. gdb steps over
the breakpoint at the access with interrupts masked (QEMU's default for the
gdbstub's single-step), for that one instruction only; everything else runs
as without a debugger. The cost of logging is host time only: under icount
the guest sees the same instruction counts.

For Linux a first breakpoint on anatomy_symbols() copies the running kernel's
text symbols (from /proc/kallsyms, same boot) out of the program's memory.

Output in the run's directory: console.log, <kind>.pcs (one hexadecimal PC
per executed instruction, in order), and for Linux kallsyms.txt.
"""

import os
import re
import shlex
import socket
import subprocess
import sys
import time

KINDS = ("write", "read", "read-then-write", "retouch")
ACCESS = {"write": "anatomy_store", "read": "anatomy_load",
          "read-then-write": "anatomy_store", "retouch": "anatomy_store"}
TRACE_RE = re.compile(r"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")


def symbol_addresses(elf, names, offset=0):
    """Addresses of the named symbols in elf (nm), plus offset."""
    out = subprocess.run(["aarch64-linux-gnu-nm", elf], check=True,
                         capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[2] in names:
            found[f[2]] = int(f[0], 16) + offset
    missing = [n for n in names if n not in found]
    if missing:
        raise SystemExit(f"anatomy: {elf} has no symbol {', '.join(missing)}")
    return found


def free_port():
    """A TCP port nobody listens on now (QEMU takes it a moment later)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gdb_script(outdir, port, addr, symbols_at=None):
    """The gdb commands of one run: one traced fault per kind, in order.
    Breakpoints are temporary: the access runs twice when it faults."""
    cmds = ["set pagination off", "set confirm off", "set architecture aarch64",
            f"target remote 127.0.0.1:{port}"]
    if symbols_at is not None:
        cmds += [f"tbreak *{symbols_at:#x}", "continue",
                 f"dump binary memory {outdir}/kallsyms.txt $x0 $x0+$x1",
                 "echo anatomy-symbols\\n"]
    for kind in KINDS:
        at = addr[ACCESS[kind]]
        cmds += [f"tbreak *{at:#x}", "continue",
                 f"monitor logfile {outdir}/{kind}.log",
                 "monitor one-insn-per-tb on", "monitor log exec,nochain",
                 f"tbreak *{at + 4:#x}", "continue",
                 "monitor log none", "monitor one-insn-per-tb off",
                 f"echo anatomy-traced {kind}\\n"]
    return cmds + ["continue"]


def run_traced(qemu_cmd, outdir, timeout, script, kinds=KINDS):
    """Boot qemu_cmd (a tools/qemu.py run command line) halted with a
    gdbstub and QEMU's log in outdir/qemu.log, run gdb-multiarch on the
    lines script(port) gives (outdir/trace.gdb; its output in gdb.log),
    wait for QEMU and print its console; SystemExit unless gdb reported
    each of kinds traced, in order ("anatomy-traced KIND"), and QEMU
    exited 0."""
    port = free_port()
    cmd = qemu_cmd + ["--timeout", str(timeout), "--log", f"{outdir}/console.log",
                      "--qemu-arg=-gdb", f"--qemu-arg=tcp:127.0.0.1:{port}",
                      "--qemu-arg=-S", "--qemu-arg=-D", f"--qemu-arg={outdir}/qemu.log"]
    qemu = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for _ in range(100):  # wait for the gdbstub
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if qemu.poll() is not None:
                break
            time.sleep(0.1)
    with open(f"{outdir}/trace.gdb", "w") as f:
        f.write("\n".join(script(port)) + "\n")
    try:
        g = subprocess.run(["gdb-multiarch", "-q", "-nx", "-batch", "-x",
                            f"{outdir}/trace.gdb"],
                           capture_output=True, text=True, timeout=timeout)
        gdb_out = g.stdout + g.stderr
    except subprocess.TimeoutExpired:
        gdb_out = "gdb timed out"
    with open(f"{outdir}/gdb.log", "w") as f:
        f.write(gdb_out)
    try:
        out, _ = qemu.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        qemu.kill()
        out, _ = qemu.communicate()
    sys.stdout.write(out)
    traced = re.findall(r"^anatomy-traced (\S+)$", gdb_out, re.M)
    if traced != list(kinds):
        raise SystemExit(f"anatomy: traced {traced or 'nothing'}, expected {list(kinds)}"
                         f" (see {outdir}/gdb.log and console.log)")
    if qemu.returncode != 0:
        raise SystemExit(f"anatomy: the traced run failed (see {outdir}/console.log)")


def capture(qemu_cmd, outdir, addr, symbols_at=None, timeout=900):
    """Boot with qemu_cmd (a tools/qemu.py run command line, without the
    gdbstub), trace every kind into outdir; raises SystemExit with the
    reason if QEMU or gdb fail."""
    os.makedirs(outdir, exist_ok=True)
    for k in KINDS:
        for ext in (".log", ".pcs"):
            if os.path.exists(f"{outdir}/{k}{ext}"):
                os.remove(f"{outdir}/{k}{ext}")
    run_traced(qemu_cmd, outdir, timeout,
               lambda port: gdb_script(outdir, port, addr, symbols_at))
    if symbols_at is not None and not os.path.getsize(f"{outdir}/kallsyms.txt"):
        raise SystemExit("anatomy: no kernel symbols copied out")
    for kind in KINDS:
        pcs = window(read_log(f"{outdir}/{kind}.log"), addr[ACCESS[kind]])
        with open(f"{outdir}/{kind}.pcs", "w") as f:
            f.write("".join(f"{pc:x}\n" for pc in pcs))
        os.remove(f"{outdir}/{kind}.log")


def read_log(path):
    """The PCs of the Trace lines of a QEMU exec log, in order."""
    pcs = []
    with open(path) as f:
        for line in f:
            m = TRACE_RE.match(line)
            if m:
                pcs.append(int(m.group(1), 16))
    return pcs


def window(pcs, access):
    """The trace of one access: from its first execution up to (not
    including) the instruction after it. gdb stops before that one runs,
    so the log usually ends there; the last instruction is the access."""
    if access not in pcs:
        raise SystemExit(f"anatomy: the access at {access:#x} is not in the log")
    start = pcs.index(access)
    end = start + 1
    while end < len(pcs) and pcs[end] != access + 4:
        end += 1
    if pcs[end - 1] != access:
        raise SystemExit(f"anatomy: the trace does not end at the access {access:#x}")
    return pcs[start:end]


def read_pcs(path):
    with open(path) as f:
        return [int(x, 16) for x in f.read().split()]


def counts(console_log):
    """{kind: count} from the "faultline: anatomy kind=K count=N" lines."""
    found = {}
    with open(console_log, errors="replace") as f:
        for line in f:
            m = re.search(r"faultline: anatomy kind=(\S+) count=(\d+)", line)
            if m:
                found[m.group(1)] = int(m.group(2))
    return found


def qemu_run_cmd(python, kernel, board_args, append, extra=()):
    """A tools/qemu.py run command line under icount, no gdbstub yet."""
    return [python, "-m", "tools.qemu", "run", "--kernel", kernel,
            "--board-args", board_args, "--icount", "--append", append,
            "--name", shlex.quote(os.path.basename(kernel))] + list(extra)
