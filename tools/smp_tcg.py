#!/usr/bin/python3
"""faultline's concurrent fault throughput under parallel TCG (issue 19).

    python3 -m tools.smp_tcg run --kernel IMG --board-args "..." --runs 10 --outdir DIR
        boot IMG --runs times under multi-threaded TCG (-accel tcg,thread=multi,
        no icount) with run=bench suite=smp smp=rate cpus=all, each boot's
        "smp-rate" block kept: DIR/smp-tcg.runs.csv (every row, with its
        run), DIR/smp-tcg.csv and DIR/smp-tcg.md (median, min, max and
        max/min over the boots); a line per boot, the table at the end
    python3 -m tools.smp_tcg summarize RUNS.csv --outdir DIR [--linux RATE.csv]
        the summary and table of a runs file again
    python3 -m tools.smp_tcg logs LOG... --outdir DIR [--name smp-rate-boots]
        the same from saved consoles of several boots (serial logs or LAVA
        job logs of hardware, a serial device read to its done line):
        DIR/NAME.runs.csv, NAME.csv, NAME.md, the table titled by the rows'
        mode (hw: real time)
    python3 -m tools.smp_tcg check RUNS.csv
        fail unless every core took one fault per page of each repetition
        (faults = pages x reps), each total row is its cores' sum, and every
        boot has every case

Under TCG the rates are emulated time: the guest's CNTVCT_EL0 follows the host's
clock, so they measure how fast this host ran QEMU, shared with
whatever else it ran, not a core's speed. A spread of 3 to 12 times
between runs has been seen here (docs/compare.md); nothing is asserted of
a rate. With --linux (make compare-smp ICOUNT=0's linux-smp-rate.csv) the
table puts Linux's runs beside faultline's boots. The columns:
docs/contract.md ("smp-rate"). Python 3 standard library.
"""

import argparse
import csv
import os
import shlex
import shutil
import statistics
import sys
import tempfile
import time

BLOCK = "smp-rate"
NAME = "smp-tcg"
DEFAULT_WORDS = ("run=bench", "suite=smp", "smp=rate", "cpus=all", "mode=tcg")
REQUIRED = ("mode", "unit", "pattern", "access", "pages", "reps", "cpus", "core",
            "placement", "faults", "ns", "faults_per_s", "ns_per_fault", "wall_ns",
            "vs_one_core", "overlap")
# The summary's columns: what a case is, then per measure median, min, max, spread.
SUMMARY_KEY = ("board", "cpu", "mode", "unit", "pattern", "access", "placement",
               "pages", "reps", "cpus", "core")
MEASURES = ("faults_per_s", "ns_per_fault", "pmccntr_per_fault", "vs_one_core", "overlap")
SUMMARY_TAIL = ("pmccntr_unit", "fault_lost", "build", "toolchain", "qemu", "date")


class Error(Exception):
    pass


def num(v):
    """A CSV cell as a number (None when empty)."""
    if v in ("", None):
        return None
    return float(v) if "." in v else int(v)


def parse_block(lines, where):
    """The rows of one "smp-rate" block given as lines, checked for the
    columns this tool reads."""
    rows = list(csv.DictReader(lines))
    if not rows:
        raise Error(f"{where}: no rows")
    missing = [c for c in REQUIRED if c not in rows[0]]
    if missing:
        raise Error(f"{where}: no column {', '.join(missing)} (not an {BLOCK} block)")
    return rows


def read_runs(path):
    """The rows of a runs file (parse_block's, with a run column)."""
    try:
        with open(path, newline="") as f:
            rows = parse_block(f.read().splitlines(), path)
    except OSError as e:
        raise Error(f"{path}: {e.strerror}")
    if "run" not in rows[0]:
        raise Error(f"{path}: no column run (not a {NAME} runs file)")
    return rows


def core_key(r):
    """Where a row sits in every boot: pattern, placement, cpus, core."""
    return (r["pattern"], r["placement"], int(r["cpus"]), r["core"])


def core_order(key):
    pattern, placement, cpus, core = key
    return (pattern, placement, cpus, (1, 0) if core == "all" else (0, int(core)))


def check(rows):
    """Reasons the rows of several boots are not a sound measurement ([] if
    they are): a core whose faults are not pages x reps, a total that is not
    its cores' sum, a boot without a case the others have."""
    bad = []
    runs = {}
    for r in rows:
        runs.setdefault(r["run"], {})[core_key(r)] = r
    for run, got in sorted(runs.items()):
        for key, r in sorted(got.items(), key=lambda kv: core_order(kv[0])):
            pattern, _, cpus, core = key
            if core == "all":
                cores = [got.get((pattern, key[1], cpus, str(c))) for c in range(cpus)]
                if None in cores:
                    bad.append(f"run {run}: {pattern} cpus={cpus}: a core row is missing")
                elif int(r["faults"]) != sum(int(c["faults"]) for c in cores):
                    bad.append(f"run {run}: {pattern} cpus={cpus}: total faults "
                               f"{r['faults']} is not the cores' sum")
                continue
            want = int(r["pages"]) * int(r["reps"])
            if int(r["faults"]) != want:
                bad.append(f"run {run}: {pattern} cpus={cpus} core {core}: {r['faults']} "
                           f"faults, not pages x reps = {want}")
    keys = [set(g) for g in runs.values()]
    every = set().union(*keys) if keys else set()
    for run, got in sorted(runs.items()):
        for key in sorted(every - set(got), key=core_order):
            bad.append(f"run {run}: no row for {key[0]} cpus={key[2]} core {key[3]}")
    return bad


def spread(lo, hi):
    """max / min, or None where min is 0 or unknown."""
    return hi / lo if lo else None


def summarize(rows):
    """A summary row per case x CPU count x core over the boots: each of
    MEASURES as its median, min, max and spread (max / min)."""
    groups = {}
    for r in rows:
        groups.setdefault(core_key(r), []).append(r)
    out = []
    for key in sorted(groups, key=core_order):
        rs = groups[key]
        first = rs[0]
        s = {c: first.get(c, "") for c in SUMMARY_KEY}
        s["runs"] = len({r["run"] for r in rs})
        for m in MEASURES:
            vals = [num(r.get(m)) for r in rs]
            vals = [v for v in vals if v is not None]
            if not vals:
                s[m] = s[m + "_min"] = s[m + "_max"] = s[m + "_spread"] = None
                continue
            s[m] = statistics.median(vals)
            s[m + "_min"], s[m + "_max"] = min(vals), max(vals)
            s[m + "_spread"] = spread(min(vals), max(vals))
        s["fault_lost"] = sum(int(r.get("fault_lost") or 0) for r in rs)
        for c in SUMMARY_TAIL:
            if c != "fault_lost":
                vals = sorted({r.get(c, "") for r in rs})
                s[c] = vals[0] if len(vals) == 1 else "/".join(vals)
        out.append(s)
    return out


def summary_columns():
    cols = list(SUMMARY_KEY) + ["runs"]
    for m in MEASURES:
        cols += [m, m + "_min", m + "_max", m + "_spread"]
    return cols + list(SUMMARY_TAIL)


def cell(col, v):
    """A summary value as CSV text: rates (faults_per_s, _min, _max) whole,
    other measures with two decimals, the rest as they are."""
    if v is None:
        return ""
    if col in ("faults_per_s", "faults_per_s_min", "faults_per_s_max"):
        return str(round(v))
    if col.startswith(MEASURES):
        return f"{v:.2f}"
    return str(v)


def write_summary(summary, path):
    cols = summary_columns()
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for s in summary:
            w.writerow([cell(c, s[c]) for c in cols])


def fmt_int(v):
    return "-" if v is None else f"{round(v):,}"


def fmt_range(s, m, f):
    if s.get(m) is None:
        return "-"
    return f"{f(s[m])} ({f(s[m + '_min'])}-{f(s[m + '_max'])})"


def fmt_x(v):
    return "-" if v is None else f"{v:.2f}x"


def linux_lines(linux, pattern, cpus):
    """Table lines of Linux's rate rows (linux-smp-rate.csv) of one case."""
    out = []
    rows = [r for r in linux if r["pattern"] == pattern and int(r["cpus"]) == cpus
            and r.get("thp", "never") == "never"]
    for tasks in sorted({r.get("tasks") or "threads" for r in rows}):
        rs = [r for r in rows if (r.get("tasks") or "threads") == tasks]
        cores = sorted((r for r in rs if r["core"] != "all"), key=lambda r: int(r["core"]))
        total = next((r for r in rs if r["core"] == "all"), None)
        if not total:
            continue
        out.append("| " + " | ".join([
            f"Linux {pattern} ({tasks})", str(cpus),
            " / ".join(fmt_int(int(r["faults_per_s"])) for r in cores),
            f"{fmt_int(int(total['faults_per_s']))} ({fmt_int(int(total['faults_per_s_min']))}-"
            f"{fmt_int(int(total['faults_per_s_max']))})",
            f"{float(total['spread']):.2f}x", "-", "-", "-", "-",
            f"{total['runs']} runs of 1 boot"]) + " |")
    return out


def what_time(mode):
    """The table's title words and its first sentence, by the rows' mode."""
    if mode == "tcg":
        return ("parallel TCG", "Emulated time: the guest's CNTVCT_EL0 follows the host's "
                "clock under multi-threaded TCG (`-accel tcg,thread=multi`), so these rates "
                "are how fast this host ran QEMU, shared with whatever else it ran; they are "
                "not hardware numbers.")
    if mode == "icount":
        return ("QEMU -icount", "Under -icount the vCPUs take turns and CNTVCT_EL0 counts "
                "the whole machine's instructions: these are not throughput, and not "
                "hardware numbers.")
    return ("hardware", "Real time: CNTVCT_EL0 at CNTFRQ_EL0 on the board itself; "
            "PMCCNTR_EL0 per fault is each core's own cycles.")


def markdown(summary, linux=None):
    """The table: per case and CPU count, the cores' median faults/s, the
    total's median (min-max) and spread, ns per fault, the per-core rate
    against one core, the overlap; titled by the rows' mode."""
    if not summary:
        return "No rows.\n"
    first = summary[0]
    runs = max(s["runs"] for s in summary)
    where, note = what_time(first["mode"])
    head = ["case", "cpus", "faults/s per core, median", "total faults/s, median (min-max)",
            "spread", "ns per fault, median (min-max)", "spread", "per core vs one core",
            "overlap", "runs"]
    lines = [
        f"# Concurrent page-fault throughput, {where} ({first['board']}, "
        f"{first['cpu']}, mode {first['mode']})", "",
        f"{note} Median over {runs} boots (min-max); spread = max / min. Every core "
        f"of a case writes one word to each of its {first['pages']} pages at once "
        f"({first['reps']} timed repetitions after a warm-up); \"per core vs one "
        "core\" is the cores' mean rate over the same boot's one-core rate, "
        "\"overlap\" the cores' summed time over the span from the first start to "
        "the last end (the number of cores when they ran side by side).", "",
        "| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    by = {}
    for s in summary:
        by.setdefault((s["pattern"], s["placement"], int(s["cpus"])), []).append(s)
    for (pattern, placement, cpus), ss in sorted(by.items()):
        cores = [s for s in ss if s["core"] != "all"]
        total = next((s for s in ss if s["core"] == "all"), None)
        if not total:
            continue
        lines.append("| " + " | ".join([
            f"faultline {pattern} ({placement})", str(cpus),
            " / ".join(fmt_int(s["faults_per_s"]) for s in cores),
            fmt_range(total, "faults_per_s", fmt_int), fmt_x(total["faults_per_s_spread"]),
            fmt_range(total, "ns_per_fault", fmt_int), fmt_x(total["ns_per_fault_spread"]),
            fmt_range(total, "vs_one_core", lambda v: f"{v:.2f}"),
            "-" if total["overlap"] is None else f"{total['overlap']:.2f}",
            str(total["runs"])]) + " |")
        if linux:
            lines += linux_lines(linux, pattern, cpus)
    if linux:
        lines += ["", "Linux lines: `make compare-smp ICOUNT=0` (linux-smp-rate.csv, THP "
                  "never): its runs are one boot's runs of 1 s each, not separate boots."]
    return "\n".join(lines) + "\n"


def read_linux(path):
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise Error(f"{path}: {e.strerror}")
    if not rows or "faults_per_s" not in rows[0]:
        raise Error(f"{path}: not a linux-smp-rate CSV")
    return rows


def write_outputs(rows, outdir, linux=None, name=NAME):
    """DIR/<name>.csv and .md from the runs' rows; their paths and the table."""
    modes = sorted({r["mode"] for r in rows})
    if len(modes) > 1:
        raise Error(f"rows of several modes ({', '.join(modes)}): one table per mode")
    summary = summarize(rows)
    csv_path = os.path.join(outdir, name + ".csv")
    md_path = os.path.join(outdir, name + ".md")
    write_summary(summary, csv_path)
    table = markdown(summary, linux)
    with open(md_path, "w") as f:
        f.write(table)
    return csv_path, md_path, table


def write_runs(rows, path):
    cols = list(rows[0].keys())
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def append_words(extra):
    """DEFAULT_WORDS with each word whose key extra gives replaced by extra's."""
    keys = {w.split("=", 1)[0] for w in extra}
    return [w for w in DEFAULT_WORDS if w.split("=", 1)[0] not in keys] + list(extra)


def run_line(n, runs, elapsed, rows):
    """The progress line of one boot: per case, the total at the most CPUs."""
    most = max(int(r["cpus"]) for r in rows)
    parts = [f"{r['pattern']} x{most} {fmt_int(num(r['faults_per_s']))}/s "
             f"(vs one core {r['vs_one_core'] or '-'}, overlap {r['overlap'] or '-'})"
             for r in rows if r["core"] == "all" and int(r["cpus"]) == most]
    return f"{NAME}: [{n}/{runs}] {elapsed:.1f} s: " + ", ".join(parts)


def cmd_run(a):
    from . import qemu, results
    from .config import QemuConfig
    from .console import Console, verdict

    board = a.board_args if "-accel" in shlex.split(a.board_args) else \
        a.board_args + " -accel tcg,thread=multi"
    append = " ".join(append_words(shlex.split(a.append)))
    cfg = QemuConfig(qemu=a.qemu, kernel=a.kernel, board_args=board, append=append)
    version, date = results.qemu_version(a.qemu), results.today()
    if a.log_dir:
        os.makedirs(a.log_dir, exist_ok=True)
    print(f"{NAME}: {a.runs} boots of {append}, QEMU {board}", file=sys.stderr)
    rows = []
    for n in range(1, a.runs + 1):
        log = os.path.join(a.log_dir, f"run{n}.log") if a.log_dir else None
        t0 = time.monotonic()
        con = Console()
        work = tempfile.mkdtemp(prefix="faultline-smp-tcg-")
        try:
            code, timed_out = qemu.run_qemu(qemu.qemu_command(cfg, work), con, a.timeout, log)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        why = verdict(con, code, timed_out, False, a.timeout)
        if BLOCK not in con.csv:
            why.append(f"no complete CSV block '{BLOCK}'")
        if why:
            for w in why:
                print(f"{NAME}: run {n}: FAIL: {w}", file=sys.stderr)
            if log:
                print(f"{NAME}: console log in {log}", file=sys.stderr)
            return 1
        got = parse_block(con.csv[BLOCK], f"run {n}")
        for r in got:
            r.update(run=str(n), qemu=version, date=date)
        rows += got
        print(run_line(n, a.runs, time.monotonic() - t0, got), file=sys.stderr)
    os.makedirs(a.outdir, exist_ok=True)
    runs_path = os.path.join(a.outdir, NAME + ".runs.csv")
    write_runs(rows, runs_path)
    print(f"{NAME}: wrote {runs_path}", file=sys.stderr)
    bad = check(rows)
    for b in bad:
        print(f"{NAME}: CHECK: {b}", file=sys.stderr)
    finish(rows, a.outdir, a.linux)
    return 1 if bad else 0


def finish(rows, outdir, linux_path, name=NAME):
    """Write the summary and table (Linux's rows beside where linux_path
    exists), print the table; 0."""
    linux = None
    if linux_path and os.path.exists(linux_path):
        linux = read_linux(linux_path)
    csv_path, md_path, table = write_outputs(rows, outdir, linux, name)
    for p in (csv_path, md_path):
        print(f"{NAME}: wrote {p}", file=sys.stderr)
    sys.stdout.write("\n" + table)
    return 0


def cmd_summarize(a):
    os.makedirs(a.outdir, exist_ok=True)
    return finish(read_runs(a.runs_csv), a.outdir, a.linux)


def cmd_logs(a):
    from . import results
    from .console import Console, read_console, verdict

    rows = []
    for n, path in enumerate(a.logs, 1):
        con = Console()
        try:
            read_console(path, con)
        except OSError as e:
            raise Error(f"{path}: {e.strerror}")
        why = verdict(con, None, False)
        if BLOCK not in con.csv:
            why.append(f"no complete CSV block '{BLOCK}'")
        if why:
            for w in why:
                print(f"{NAME}: {path}: FAIL: {w}", file=sys.stderr)
            return 1
        got = parse_block(con.csv[BLOCK], path)
        for r in got:
            r.update(run=str(n), qemu="", date=results.today())
        rows += got
        print(run_line(n, len(a.logs), 0.0, got).replace(" 0.0 s:", f" {path}:"),
              file=sys.stderr)
    os.makedirs(a.outdir, exist_ok=True)
    runs_path = os.path.join(a.outdir, a.name + ".runs.csv")
    write_runs(rows, runs_path)
    print(f"{NAME}: wrote {runs_path}", file=sys.stderr)
    bad = check(rows)
    for b in bad:
        print(f"{NAME}: CHECK: {b}", file=sys.stderr)
    finish(rows, a.outdir, a.linux, a.name)
    return 1 if bad else 0


def cmd_check(a):
    rows = read_runs(a.runs_csv)
    bad = check(rows)
    for b in bad:
        print(f"{NAME}: CHECK: {b}", file=sys.stderr)
    if not bad:
        print(f"{NAME}: {a.runs_csv}: {len({r['run'] for r in rows})} boots, every core "
              f"one fault per page, totals the cores' sums")
    return 1 if bad else 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="boot several times, write the runs, summary and table")
    r.add_argument("--qemu", default="qemu-system-aarch64")
    r.add_argument("--kernel", required=True)
    r.add_argument("--board-args", required=True,
                   help="QEMU machine arguments (-smp N; -accel tcg,thread=multi is added)")
    r.add_argument("--runs", type=int, default=10)
    r.add_argument("--append", default="", help="more kernel words (they win over the defaults)")
    r.add_argument("--outdir", required=True)
    r.add_argument("--timeout", type=float, default=600.0, help="seconds per boot")
    r.add_argument("--log-dir", help="keep each boot's console here (runN.log)")
    r.add_argument("--linux", help="linux-smp-rate.csv to show beside, when it exists")
    s = sub.add_parser("summarize", help="the summary and table of a runs file")
    s.add_argument("runs_csv")
    s.add_argument("--outdir", required=True)
    s.add_argument("--linux")
    g = sub.add_parser("logs", help="the same from saved consoles of several boots")
    g.add_argument("logs", nargs="+")
    g.add_argument("--outdir", required=True)
    g.add_argument("--name", default="smp-rate-boots", help="the files' name")
    g.add_argument("--linux")
    c = sub.add_parser("check", help="faults = pages x reps per core, totals, every case")
    c.add_argument("runs_csv")
    a = p.parse_args(argv)
    if a.cmd == "run" and a.runs < 1:
        p.error("--runs must be at least 1")
    try:
        return {"run": cmd_run, "summarize": cmd_summarize, "logs": cmd_logs,
                "check": cmd_check}[a.cmd](a)
    except Error as e:
        print(f"{NAME}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"{NAME}: {e.filename or ''}: {e.strerror}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
