#!/usr/bin/python3
"""Benchmark results on the host: run, extract, check, plot.

    python3 -m tools.results bench [qemu options] --suite S --outdir DIR   boot run=bench,
        show progress, write DIR/S.csv and DIR/S.raw.csv (only if the run
        passed), then the plots
    python3 -m tools.results extract LOG OUTDIR --suite S    the same files from a console
        log saved from real hardware, or a serial device read to its done line
    python3 -m tools.results guard NEW OLD [--percent 5]     fail if a fault case's p50 in
        NEW grew more than 5 % over the committed OLD (same pattern, access,
        pages, folio), or its faults or pages_allocated changed
    python3 -m tools.results same A B                        fail unless two summaries are
        identical (the determinism check of ICOUNT=1 runs; the date column
        aside)
    python3 -m tools.results stamp CSV... [--qemu BIN | --no-qemu]   add (or set) the
        host's columns, qemu (BIN's version) and date, to summaries the
        host did not write itself (make compare's Linux CSVs)
    python3 -m tools.results plot DIR --suite S              the plots of DIR/S.csv
    python3 -m tools.results granules DIR... --suite S -o SVG  one plot of the write
        fault's cost per 4 KiB against the folio size, a line per granule
        (each DIR one granule's run of suite S)

make bench ends with the headline faults (seq write, read, read-then-write)
as a short table on the terminal, then, for a suite with folio sizes
(folio, guard), the sweep: every fault case above the base page.

What was measured: the kernel's rows end with toolchain, ram_mib, iters,
step and thp (bench/csv.h); the host appends what only it knows, qemu (the
QEMU version, empty for a log it did not run) and date (UTC, the day it
wrote the file): HOST_COLUMNS.

The console protocol and the CSV blocks are tools/console.py's; this module
adds what the benchmarks need on top of it: the "<suite>" and
"<suite>.raw" blocks, progress from the "faultline: bench [k/n] ..." lines,
and the checks. Python 3 standard library (gnuplot for the plots).
"""

import argparse
import csv
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

from . import bootchain, compare, qemu, smp_results
from .config import QemuConfig
from .console import Console, extract as extract_console, verdict

PROGRESS_RE = re.compile(r"^faultline: bench: \[(\d+)/(\d+)\] (.*)$")
# Columns that identify a case in a summary (folio: "none" in summaries
# written before the column existed).
KEY = ("pattern", "access", "pages", "folio")


def case_key(r):
    """The KEY values of summary row r."""
    return tuple(r.get(k) or ("none" if k == "folio" else "") for k in KEY)


def key_text(key):
    """A case key for messages: "seq write 256", plus "folio=64k" with folios."""
    *case, folio = key
    return " ".join(case) + ("" if folio == "none" else f" folio={folio}")
# The suite with rows per CPU count and core (bench/kernel/smp_bench.c):
# its plot and table are tools/smp_results.py's.
SMP_SUITE = "smp"
# The columns the host appends to a summary (docs/contract.md), after the
# kernel's: the QEMU version and the UTC date it wrote the file.
HOST_COLUMNS = ("qemu", "date")
# Columns two runs of one configuration may differ in (same() ignores them).
RUN_COLUMNS = ("date",)
# The contract's summary columns, in order (docs/contract.md).
CONTRACT_COLUMNS = ["board", "cpu", "mode", "counter", "unit", "pattern",
                    "access", "pages", "samples", "faults", "pages_allocated",
                    "min", "p50", "p90", "p99", "max", "mean", "stddev"]


class ResultError(Exception):
    """A result file is missing, malformed, or fails a check."""


class ProgressConsole(Console):
    """Console that also shows "[k/n] elapsed case" as cases start."""

    def __init__(self, csv_dir, out=sys.stderr):
        super().__init__(csv_dir)
        self.t0 = time.monotonic()
        self.out = out
        self.tty = out.isatty()

    def feed(self, line):
        super().feed(line)
        m = PROGRESS_RE.match(line.rstrip("\r\n"))
        if m:
            k, n, what = m.groups()
            msg = f"[{k}/{n}] {time.monotonic() - self.t0:6.1f} s  {what}"
            if self.tty:
                self.out.write("\r\033[K" + msg)
            else:
                self.out.write(msg + "\n")
            self.out.flush()

    def finish(self):
        super().finish()
        if self.tty:
            self.out.write("\n")
        self.out.write(f"bench: {time.monotonic() - self.t0:.1f} s\n")


def expected_files(outdir, suite):
    return (os.path.join(outdir, suite + ".csv"),
            os.path.join(outdir, suite + ".raw.csv"))


def extra_files(workdir, suite):
    """The suite's other blocks in workdir, <suite>-<name>.csv (suite=smp's
    smp-locks, smp-alloc, smp-bringup: docs/contract.md), by name."""
    try:
        names = os.listdir(workdir)
    except OSError:
        return []
    return sorted(n for n in names if n.startswith(suite + "-") and n.endswith(".csv"))


def check_blocks(con, suite):
    """Reasons the console lacks a usable suite ([] if it has both blocks)."""
    why = list(con.errors)
    for name in (suite, suite + ".raw"):
        if name not in con.csv:
            why.append(f"no complete CSV block '{name}'")
    if suite in con.csv:
        try:
            parse_summary(con.csv[suite], f"block '{suite}'")
        except ResultError as e:
            why.append(str(e))
    return why


def parse_summary(lines, where):
    """Rows (dicts) of a summary CSV given as lines; checks the header."""
    rows = list(csv.reader(lines))
    if not rows:
        raise ResultError(f"{where}: empty")
    head = rows[0]
    if head[:len(CONTRACT_COLUMNS)] != CONTRACT_COLUMNS:
        raise ResultError(f"{where}: header does not start with the contract's "
                          f"columns: {','.join(head[:len(CONTRACT_COLUMNS)])}")
    out = []
    for n, r in enumerate(rows[1:], 2):
        if len(r) != len(head):
            raise ResultError(f"{where}: row {n} has {len(r)} fields, "
                              f"the header {len(head)}")
        out.append(dict(zip(head, r)))
    return out


def read_summary(path):
    try:
        with open(path, newline="") as f:
            return parse_summary(f.read().splitlines(), path)
    except OSError as e:
        raise ResultError(f"{path}: {e.strerror}") from None


def qemu_version(binary):
    """The version of a QEMU binary ("10.0.2"), from `BINARY --version`;
    "" when it cannot be run or says no version."""
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    m = re.search(r"version (\S+)", out)
    return m.group(1) if m else ""


def today():
    """The UTC date, 2025-01-31."""
    return time.strftime("%Y-%m-%d", time.gmtime())


def stamp(path, qemu, date=None):
    """Append the host's columns (HOST_COLUMNS: qemu, date) to every row of
    the summary at path, or set them where the header has them already."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ResultError(f"{path}: empty")
    head = rows[0]
    values = {"qemu": qemu, "date": date or today()}
    for col in HOST_COLUMNS:
        if col not in head:
            head.append(col)
            for r in rows[1:]:
                r.append("")
        i = head.index(col)
        for r in rows[1:]:
            if len(r) == len(head):
                r[i] = values[col]
    with open(path, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def extract(log, outdir, suite):
    """Write outdir/<suite>.csv and .raw.csv from a saved console log or a
    serial device. Complete blocks are kept even when the log was cut off;
    the errors are returned (and the suite's files need both blocks)."""
    con = extract_console(log, outdir)
    return con, check_blocks(con, suite)


def guard(new, old, percent):
    """Lines describing each regression of NEW against OLD ([] = none).

    A case is a fault case in OLD when it took faults; its p50 may grow by
    at most `percent` %, and its faults and pages_allocated must be OLD's
    exactly (the runs are deterministic: a change means another path, e.g.
    a block or folio fault that fell back to smaller pages and got
    cheaper). A case of OLD missing from NEW is a failure too."""
    newrows = {case_key(r): r for r in read_summary(new)}
    bad = []
    checked = 0
    for r in read_summary(old):
        key = case_key(r)
        if int(r["faults"] or 0) == 0:
            continue
        if key not in newrows:
            bad.append(f"{key_text(key)}: in {old} but not in {new}")
            continue
        was, now = int(r["p50"]), int(newrows[key]["p50"])
        checked += 1
        for col in ("faults", "pages_allocated"):
            if newrows[key].get(col) != r[col]:
                bad.append(f"{key_text(key)}: {col} {r[col]} -> {newrows[key].get(col)} "
                           f"(not the same fault path)")
        if now * 100 > was * (100 + percent):
            bad.append(f"{key_text(key)}: p50 {was} -> {now} "
                       f"(+{(now - was) * 100 / max(was, 1):.1f} %, limit {percent} %)")
    if checked == 0 and not bad:
        bad.append(f"{old}: no fault case to compare")
    return bad, checked


def same(a, b):
    """Differences between two summaries (every field of every row)."""
    ra, rb = read_summary(a), read_summary(b)
    diff = []
    if len(ra) != len(rb):
        diff.append(f"{len(ra)} rows vs {len(rb)}")
    for x, y in zip(ra, rb):
        for col in x:
            if col not in RUN_COLUMNS and x[col] != y.get(col):
                diff.append(f"{x['pattern']} {x['access']} {x['pages']}: "
                            f"{col} {x[col]} vs {y.get(col)}")
    return diff


# ---------------------------------------------------------------------------
# Plots: the data files are written here, tools/plot.gp draws them.

STAGE_RE = re.compile(r"^stage_(.+)_p50$")


def emulated(r):
    """Whether a row's Raspberry Pi board ran emulated in QEMU (mode icount
    or tcg; qemu-virt exists only emulated and says so by its name)."""
    return r.get("board", "").startswith("rpi") and r.get("mode") != "hw"


def run_title(r, suite=""):
    """What a plot's title says of the run: board ("emulated" for a QEMU
    Raspberry Pi machine), CPU, mode and granule (4k before the column)."""
    board = r["board"] + (" (emulated in QEMU)" if emulated(r) else "")
    return (f"{board} {r['cpu']} {r['mode']} {r.get('granule') or '4k'} granule"
            + (f" {suite}" if suite else ""))


def unit_label(r):
    """What one count of a row is, for axes and tables. Under icount one
    tick is one instruction; under TCG without icount QEMU's PMCCNTR (and
    the generic timer) follow host time: not core cycles."""
    unit, mode = r.get("unit") or "counts", r.get("mode")
    if unit == "host-ticks" or (mode == "tcg" and unit == "cycles"):
        return "host-time ticks (TCG, not cycles)"
    if mode == "tcg" and unit == "ticks":
        return "timer ticks (TCG: host time)"
    return unit


def case_label(r):
    """A case's name on a plot: pattern, access, pages, and the folio size
    when it is not the base page ("seq write 8 folio=64k")."""
    folio = r.get("folio") or "none"
    return (f'{r["pattern"]} {r["access"]} {r["pages"]}'
            + ("" if folio == "none" else f" folio={folio}"))


def stages_note(staged):
    """The stage plot's caveat: the stamps are instructions too, so the
    stacked medians (the staged pass) exceed the fault's p50 without stamps,
    with an example from the rows ("" when no row shows it)."""
    for r in sorted(staged, key=lambda r: (r["access"] != "write", r["pattern"] != "seq",
                                           -int(r["pages"]))):
        total = sum(int(v or 0) for k, v in r.items() if STAGE_RE.match(k))
        if total and r.get("p50"):
            return (f"stage stamps on: the stamps add their own instructions, so the stacks "
                    f"exceed the p50 without stamps (x): {case_label(r)} sums to {total}, "
                    f"its p50 is {r['p50']}")
    return ""


def stage_names(header):
    """The fault-path stages of a summary, in the order of its
    stage_<name>_p50 columns (the kernel's list: nothing is hard-coded here)."""
    return [m.group(1) for m in map(STAGE_RE.match, header) if m]


def size_bytes(text, granule=None):
    """Bytes of a folio column value ("64k", "2m"); "none" is one page of
    the granule column's size (4k when unknown)."""
    if text == "none":
        text = granule or "4k"
    mult = {"k": 1024, "m": 1024 * 1024}.get(text[-1:], 1)
    return int(text.rstrip("km")) * mult


def folio_dat(summary, path):
    """Write gnuplot's folio.dat from summary rows: one block per granule
    and pattern, "folio_KiB cost" per write case that faulted (the base
    page at the granule's size; the cost per 4 KiB mapped, cost_per_4k
    where the row has it, else per_4k_p50). Returns the number of blocks, 0 when
    the rows hold fewer than two folio sizes (nothing to draw)."""
    def per_4k(r):  # cost_per_4k weighs faults of two sizes; older CSVs lack it
        return r.get("cost_per_4k") or r.get("per_4k_p50")

    rows = [r for r in summary if per_4k(r) and r.get("folio")
            and r["access"] == "write" and int(r["faults"] or 0) > 0]
    series = {}
    for r in rows:
        series.setdefault((r.get("granule") or "?", r["pattern"]), []).append(r)
    if len({(r.get("granule"), r["folio"]) for r in rows}) < 2:
        series = {}
    order = {"4k": 0, "16k": 1, "64k": 2}
    with open(path, "w") as f:
        for (gran, pat), rs in sorted(series.items(),
                                      key=lambda i: (order.get(i[0][0], 9), i[0])):
            f.write(f'"{gran} granule, {pat} write"\n')
            for r in sorted(rs, key=lambda r: size_bytes(r["folio"], r.get("granule"))):
                f.write(f'{size_bytes(r["folio"], r.get("granule")) // 1024} {per_4k(r)}\n')
            f.write("\n\n")
    return len(series)


def plot_granules(dirs, suite, out, gnuplot="gnuplot"):
    """Draw out (SVG): the write-fault cost per 4 KiB mapped against the
    folio size, one line per granule, from DIR/<suite>.csv of each of dirs
    (one granule's run each, same board, CPU and mode)."""
    rows = []
    for d in dirs:
        rows += read_summary(expected_files(d, suite)[0])
    if not rows:
        raise ValueError("no rows")
    for c in ("board", "cpu", "mode", "unit"):
        if len({r[c] for r in rows}) > 1:
            raise ValueError(f"the runs differ in {c}: "
                             f"{', '.join(sorted({r[c] for r in rows}))}")
    tmp = tempfile.mkdtemp(prefix="faultline-plot-")
    try:
        n = folio_dat(rows, os.path.join(tmp, "folio.dat"))
        if not n:
            raise ValueError("fewer than two folio sizes to draw")
        first = rows[0]
        gp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plot.gp")
        title = run_title(first, suite).replace(f" {first.get('granule') or '4k'} granule", "")
        subprocess.run([gnuplot, "-e",
                        f"dir='{tmp}'; unit='{unit_label(first)}'; "
                        f"title_prefix='{title}, every granule'; "
                        f"folio_out='{out}'; have_folio={n}", gp],
                       check=True, timeout=120)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def plot(outdir, suite, gnuplot="gnuplot"):
    """Draw outdir/<suite>-{cdf or latency,stages,find_vma}.svg; returns the
    paths. A CDF for tcg and hw runs; under icount, where each case's samples
    are all nearly one count and a CDF is a vertical line, bars of each fault
    case's p50, p90 and p99 instead."""
    summary = read_summary(expected_files(outdir, suite)[0])
    raw_path = expected_files(outdir, suite)[1]
    with open(raw_path, newline="") as f:
        raw = list(csv.DictReader(f))
    unit = unit_label(summary[0]) if summary else "counts"
    icount = bool(summary) and summary[0]["mode"] == "icount"
    stages = stage_names(summary[0].keys()) if summary else []
    tmp = tempfile.mkdtemp(prefix="faultline-plot-")
    try:
        # CDF: one block per fault case of the raw rows, sorted latencies.
        cases = {}
        if not icount:
            for r in raw:
                if r["access"] == "retouch":
                    continue
                cases.setdefault(case_label(r), []).append(int(r["latency"]))
        with open(os.path.join(tmp, "cdf.dat"), "w") as f:
            for name, v in sorted(cases.items()):
                v.sort()
                f.write(f'"{name}"\n')
                for i, x in enumerate(v, 1):
                    f.write(f"{x} {i / len(v):.5f}\n")
                f.write("\n\n")
        # Bars (icount): p50, p90, p99 of each fault case.
        faulting = [r for r in summary if int(r["faults"] or 0) > 0] if icount else []
        with open(os.path.join(tmp, "latency.dat"), "w") as f:
            f.write("case p50 p90 p99\n")
            for r in faulting:
                f.write(f'"{case_label(r)}" '
                        f'{r["p50"]} {r["p90"]} {r["p99"]}\n')
        # Stages: stacked stage medians of each staged fault case.
        staged = [r for r in summary
                  if stages and r.get(f"stage_{stages[0]}_p50")
                  and int(r["faults"] or 0) > 0]
        with open(os.path.join(tmp, "stages.dat"), "w") as f:
            f.write("case start " + " ".join(stages) + ' "p50 without stamps"\n')
            for r in staged:
                total, ends = 0, []
                for s in stages:
                    total += int(r[f"stage_{s}_p50"] or 0)
                    ends.append(str(total))
                f.write(f'"{case_label(r)}" 0 '
                        + " ".join(ends) + f' {r["p50"]}\n')
        # Folios: the fault cost per 4 KiB mapped against the folio size,
        # one block per granule and first-touch pattern (folio suites).
        nfolio = folio_dat(summary, os.path.join(tmp, "folio.dat"))
        # find_vma: p50 against the VMA count, one block per method.
        nvma = 0
        with open(os.path.join(tmp, "find_vma.dat"), "w") as f:
            for how in ("find_vma-cache", "find_vma-tree", "find_vma-list"):
                rows = [r for r in summary if r["pattern"] == how]
                if not rows:
                    continue
                f.write(f'"{how}"\n')
                nvma += 1
                for r in sorted(rows, key=lambda r: int(r["pages"])):
                    f.write(f'{r["pages"]} {r["p50"]}\n')
                f.write("\n\n")
        out = {k: os.path.join(outdir, f"{suite}-{k}.svg")
               for k in ("cdf", "latency", "stages", "find_vma", "folio")}
        for p in out.values():      # no stale plot survives a run without its data
            if os.path.exists(p):
                os.remove(p)
        gp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plot.gp")
        cmd = [gnuplot, "-e",
               f"dir='{tmp}'; unit='{unit}'; title_prefix='{run_title(summary[0], suite) if summary else suite}'; "
               f"stages_note='{stages_note(staged)}'; "
               f"cdf_out='{out['cdf']}'; lat_out='{out['latency']}'; stages_out='{out['stages']}'; "
               f"vma_out='{out['find_vma']}'; have_stages={1 if staged else 0}; "
               f"nstages={len(stages)}; have_cdf={len(cases)}; have_lat={len(faulting)}; "
               f"rows={max(len(staged), len(faulting), 1)}; "
               f"have_vma={nvma}; folio_out='{out['folio']}'; have_folio={nfolio}",
               gp]
        subprocess.run(cmd, check=True, timeout=120)
        return [p for p in out.values() if os.path.exists(p)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def headline_table(path):
    """The headline faults of a summary as a short text table (the README's):
    base-page faults only, so the rows of a folio suite (the same pattern,
    access and pages at several folio sizes) do not collide."""
    cases = {}
    for r in read_summary(path):
        if (r.get("folio") or "none") != "none":
            continue
        r = dict(r, pages=int(r["pages"]))
        cases.setdefault((r["pattern"], r["access"], r["pages"]), r)
    if not cases:
        return ""
    first = next(iter(cases.values()))
    rows = [["fault", "pages", "p50", "p90", "p99", "max"]]
    for access, what in compare.HEADLINE:
        r = compare.headline(cases).get(access)
        if r:
            rows.append([what, str(r["pages"])] +
                        [f"{int(r[c]):,}" for c in ("p50", "p90", "p99", "max")])
    if len(rows) == 1:
        return ""
    return compare.text_table(rows, f"{run_title(first)}: latency per fault, "
                              f"{unit_label(first)}")


def sweep_table(path):
    """The folio-size sweep of a summary as a short text table: every case
    that faulted with a folio size above the base page (the folio and guard
    suites' point), in the CSV's order, with the fault's p50 and its cost
    per 4 KiB mapped. "" when the summary has no such case."""
    rows = [r for r in read_summary(path)
            if (r.get("folio") or "none") != "none" and int(r["faults"] or 0) > 0]
    if not rows:
        return ""
    first = rows[0]
    out = [["case", "folio", "faults", "fault p50", "per 4 KiB"]]
    for r in rows:
        per4k = r.get("cost_per_4k") or r.get("per_4k_p50") or ""
        out.append([f'{r["pattern"]} {r["access"]} {r["pages"]}', r["folio"],
                    f'{int(r["faults"]):,}',
                    f'{int(r.get("fault_p50") or r["p50"]):,}',
                    f"{float(per4k):,.2f}" if per4k else "-"])
    return compare.text_table(out, f"{run_title(first)}: the folio-size sweep, "
                              f"{unit_label(first)} (per 4 KiB: the fault's cost per "
                              f"4 KiB it mapped)")


# ---------------------------------------------------------------------------
# Commands.

def cmd_bench(a):
    append = f"run=bench suite={a.suite} mode={'icount' if a.icount else 'tcg'} {a.append}".strip()
    cfg = QemuConfig(qemu=a.qemu, kernel=a.kernel, board_args=a.board_args,
                     ram_base=a.ram_base, append=append, icount=a.icount)
    work = tempfile.mkdtemp(prefix="faultline-bench-")
    try:
        con = ProgressConsole(work)
        if a.boot_chain:            # make bench BOOT=uboot (tools/bootchain.py)
            cmd = bootchain.boot_command(shlex.split(a.boot_chain), cfg, work)
        else:
            cmd = qemu.qemu_command(cfg, work)
        print(f"bench: {append}" + (" (icount)" if a.icount else ""), file=sys.stderr)
        code, timed_out = qemu.run_qemu(cmd, con, a.timeout, a.log, echo=a.echo)
        why = verdict(con, code, timed_out, False, a.timeout) + check_blocks(con, a.suite)
        if why:
            for w in why:
                print(f"bench: FAIL: {w}", file=sys.stderr)
            if a.log:
                print(f"bench: console log in {a.log}", file=sys.stderr)
            return 1
        os.makedirs(a.outdir, exist_ok=True)
        stamp(expected_files(work, a.suite)[0], qemu_version(a.qemu))
        for src, dst in zip(expected_files(work, a.suite), expected_files(a.outdir, a.suite)):
            shutil.copyfile(src, dst)
            print(f"bench: wrote {dst}", file=sys.stderr)
        for name in extra_files(work, a.suite):
            shutil.copyfile(os.path.join(work, name), os.path.join(a.outdir, name))
            print(f"bench: wrote {os.path.join(a.outdir, name)}", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if a.suite == SMP_SUITE:
        return smp_report(a.outdir, a.no_plot)
    if not a.no_plot:
        for p in plot(a.outdir, a.suite):
            print(f"bench: wrote {p}", file=sys.stderr)
    summary = expected_files(a.outdir, a.suite)[0]
    sys.stdout.write("\n" + headline_table(summary))
    sweep = sweep_table(summary)
    if sweep:
        sys.stdout.write("\n" + sweep)
    return 0


def smp_report(outdir, no_plot):
    """suite=smp (tools/smp_results.py): the plot of p50 against the CPU
    count, DIR/smp-cores.svg, and of the shootdowns against the pages,
    DIR/smp-shootdown.svg, then the table of every case per core."""
    try:
        rows = smp_results.load(expected_files(outdir, SMP_SUITE)[0])
        if not no_plot:
            for out in (smp_results.plot(rows, os.path.join(outdir, f"{SMP_SUITE}-cores.svg")),
                        smp_results.shoot_plot(rows, os.path.join(outdir,
                                                                  f"{SMP_SUITE}-shootdown.svg"))):
                if out:
                    print(f"bench: wrote {out}", file=sys.stderr)
    except (smp_results.Error, OSError, subprocess.SubprocessError) as e:
        print(f"bench: FAIL: {e}", file=sys.stderr)
        return 1
    sys.stdout.write("\n" + smp_results.table(rows))
    return 0


def cmd_extract(a):
    con, why = extract(a.log, a.outdir, a.suite)
    summary = expected_files(a.outdir, a.suite)[0]
    if a.suite in con.csv and os.path.exists(summary):
        stamp(summary, "")  # a saved log: which QEMU, if any, is not known
    for p in con.csv_files:
        print(f"wrote {p}")
    for w in why:
        print(f"results.py: {a.log}: {w}", file=sys.stderr)
    return 1 if why else 0


def cmd_guard(a):
    try:
        bad, checked = guard(a.new, a.old, a.percent)
    except ResultError as e:
        print(f"guard: {e}", file=sys.stderr)
        return 1
    for b in bad:
        print(f"guard: REGRESSION {b}", file=sys.stderr)
    if not bad:
        print(f"guard: {checked} fault cases within {a.percent} % of {a.old}")
    return 1 if bad else 0


def cmd_same(a):
    try:
        diff = same(a.a, a.b)
    except ResultError as e:
        print(f"same: {e}", file=sys.stderr)
        return 1
    for d in diff[:20]:
        print(f"same: DIFFERENT {d}", file=sys.stderr)
    if not diff:
        print(f"same: {a.a} and {a.b} are identical")
    return 1 if diff else 0


def cmd_stamp(a):
    version = "" if a.no_qemu else qemu_version(a.qemu)
    try:
        for path in a.csv:
            stamp(path, version)
            print(f"stamp: {path}: qemu={version or '(none)'} date={today()}")
    except (OSError, ResultError) as e:
        print(f"stamp: {e}", file=sys.stderr)
        return 1
    return 0


def cmd_plot(a):
    if a.suite == SMP_SUITE:
        return smp_report(a.dir, False)
    for p in plot(a.dir, a.suite):
        print(f"wrote {p}")
    return 0


def cmd_granules(a):
    try:
        plot_granules(a.dirs, a.suite, a.out)
    except (OSError, ValueError, subprocess.SubprocessError) as e:
        print(f"results.py granules: {e}", file=sys.stderr)
        return 1
    print(f"wrote {a.out}")
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bench", help="boot run=bench and write the results")
    b.add_argument("--qemu", default="qemu-system-aarch64")
    b.add_argument("--kernel", required=True)
    b.add_argument("--board-args", required=True)
    b.add_argument("--ram-base", type=lambda s: int(s, 0), default=0x40000000)
    b.add_argument("--icount", action="store_true")
    b.add_argument("--suite", default="default")
    b.add_argument("--append", default="", help="more kernel command-line words")
    b.add_argument("--outdir", required=True)
    b.add_argument("--timeout", type=float, default=600.0)
    b.add_argument("--log", help="keep the console here")
    b.add_argument("--echo", action="store_true", help="console on stdout")
    b.add_argument("--no-plot", action="store_true")
    b.add_argument("--boot-chain", help="boot through U-Boot: tools/bootchain.py's chain options")
    x = sub.add_parser("extract", help="CSV files of a saved log or serial device")
    x.add_argument("log")
    x.add_argument("outdir")
    x.add_argument("--suite", default="default")
    g = sub.add_parser("guard", help="p50 regression check")
    g.add_argument("new")
    g.add_argument("old")
    g.add_argument("--percent", type=int, default=5)
    s = sub.add_parser("same", help="two summaries identical?")
    s.add_argument("a")
    s.add_argument("b")
    st = sub.add_parser("stamp", help="add the host's columns (qemu, date) to summaries")
    st.add_argument("csv", nargs="+")
    st.add_argument("--qemu", default="qemu-system-aarch64", help="the QEMU that ran them")
    st.add_argument("--no-qemu", action="store_true", help="not run in QEMU (hardware)")
    pl = sub.add_parser("plot", help="plots of DIR/SUITE.csv")
    pl.add_argument("dir")
    pl.add_argument("--suite", default="default")
    gr = sub.add_parser("granules", help="one folio plot, a line per granule's DIR")
    gr.add_argument("dirs", nargs="+")
    gr.add_argument("--suite", default="guard")
    gr.add_argument("-o", dest="out", required=True, help="the SVG to write")
    a = p.parse_args(argv)
    return {"bench": cmd_bench, "extract": cmd_extract, "guard": cmd_guard,
            "same": cmd_same, "stamp": cmd_stamp, "plot": cmd_plot,
            "granules": cmd_granules}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
