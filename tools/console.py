"""The console protocol: parse faultline's console and judge a run.

The protocol (docs/contract.md, "Console protocol"):

    faultline: <text>                       human-readable line
    faultline: boot board=... cpu=... el=.. the boot report (key=value fields)
    faultline: smp cpus=N online=N ...      with cpus=: the CPUs that run
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

import os
import re

from .lava import joblog

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
        self.smp = None          # key=value fields of the smp line (cpus= given)
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
            elif self.smp is None and line.startswith(PREFIX + "smp cpus="):
                self.smp = dict(KV_RE.findall(line[len(PREFIX):]))
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


def read_lava_log(path, con):
    """Feed the console lines of a LAVA job log (tools/lava/joblog.py) to con."""
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

