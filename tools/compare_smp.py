#!/usr/bin/python3
"""Tables of the SMP cases (issue 19): per core, per CPU count, Linux beside faultline.

    python3 -m tools.compare_smp SMP.csv [--faultline FL.csv] [-o TABLE.md] [--plot SVG]
    python3 -m tools.compare_smp --check SMP.csv [--faultline FL.csv] [--min-runs N] [TABLE.md]
    python3 -m tools.compare_smp --same A.csv B.csv     (two runs: the same p50s?)

SMP.csv is what `make compare-smp` writes, one of two shapes (docs/contract.md):

  linux-smp.csv (icount): the summary columns, then `cpus`, `core`,
    `placement` (and the Linux program's `tasks`, `peers`): one row per
    case x CPU count x core, p50 per fault (shootdown: per munmap or
    madvise) in instructions, measured with the other cores parked.
  linux-smp-rate.csv (parallel TCG): faults/s per core (`core` a number)
    and in total (`core=all`), median, min and max over `runs` runs, in
    emulated host time.

A faultline CSV of the icount shape (--faultline, make bench-smp's
smp.csv) is put beside Linux's: cases match on (placement, access, thp)
and, for shootdowns, pages (the k unmapped). Its `tasks` column may be
missing (faultline has no processes).

--check verifies what a real run gives: icount rows count instructions
with the peers parked, every core 0..cpus-1 of a page-fault case is
there (the shootdown's initiator, core 0; faultline's churn case: the
faulting cores 0..cpus-2, its churner's mmap and munmap rows core
cpus-1), with thp=never every first write faulted (faults = samples), a shootdown took no fault and ran with
the kernel's CRNG ready (`crng` not `unseeded`: docs/compare.md); rate rows
have at least --min-runs runs (default 10), min <= median <= max and a
total row per case and CPU count; and TABLE.md, when given, is exactly
what the CSVs give. --same exits 1 unless every (case, cpus, core) p50 of
A is B's: the repeatability check of docs/compare.md.
Python 3 standard library only.
"""

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile

ICOUNT_REQUIRED = ("mode unit pattern access pages samples faults p50 min max "
                   "thp cpus core placement").split()
RATE_REQUIRED = ("mode unit pattern access pages cpus core placement tasks thp "
                 "runs faults_per_s faults_per_s_min faults_per_s_max spread").split()
PLACEMENTS = ("disjoint", "partitioned", "interleaved", "same", "shootdown", "churn")
# faultline's churn case: the churner's rows are its calls, not faults.
CHURN_CALLS = ("mmap", "munmap")


class Error(Exception):
    pass


def read_rows(path, error=None):
    """The rows of a CSV file as dicts; error (default Error) names a file
    that cannot be read or holds no rows."""
    error = error or Error
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise error(f"{path}: {e.strerror}")
    if not rows:
        raise error(f"{path}: no rows")
    return rows


def load(path):
    """The rows of an SMP CSV and its shape, "icount" or "rate"."""
    rows = read_rows(path)
    shape = "rate" if "faults_per_s" in rows[0] else "icount"
    need = RATE_REQUIRED if shape == "rate" else ICOUNT_REQUIRED
    missing = [c for c in need if c not in rows[0]]
    if missing:
        raise Error(f"{path}: no column {', '.join(missing)} (not an SMP CSV)")
    for i, r in enumerate(rows, 2):
        try:
            r["cpus"] = int(r["cpus"])
            if shape == "icount":
                r["core"] = int(r["core"])
                for c in ("pages", "samples", "faults", "p50", "min", "max"):
                    r[c] = int(r[c])
            else:
                r["core"] = "all" if r["core"] == "all" else int(r["core"])
                for c in ("pages", "runs", "faults_per_s", "faults_per_s_min",
                          "faults_per_s_max"):
                    r[c] = int(r[c])
                r["spread"] = float(r["spread"])
        except ValueError as e:
            raise Error(f"{path}:{i}: {e}")
        if r["placement"] not in PLACEMENTS:
            raise Error(f"{path}:{i}: placement '{r['placement']}' "
                        f"(one of {', '.join(PLACEMENTS)})")
        r.setdefault("tasks", "")
        r["tasks"] = r.get("tasks") or "threads"
    return rows, shape


def case_key(r):
    """What one case is, across CPU counts and cores."""
    return (r["pattern"], r["access"], r["placement"], r["tasks"], r["thp"],
            r["pages"] if r["placement"] == "shootdown" else "", r.get("folio") or "none")


def match_key(r):
    """What a faultline row must share with a Linux row to stand beside it
    (folio: faultline's suite=smp also runs a folio size Linux rows lack)."""
    return (r["placement"], r["access"], r["thp"], r.get("folio") or "none",
            r["pages"] if r["placement"] == "shootdown" else "")


def fmt(v):
    return f"{v:,}"


def cell(rows):
    """The p50s of one case at one CPU count: one value, or the cores' range;
    cores that took no fault (another core's block mapped their pages) are
    named, not counted."""
    faulted = [r for r in rows if r["faults"] or r["placement"] == "shootdown"]
    idle = len(rows) - len(faulted)
    p = sorted(r["p50"] for r in faulted)
    note = f" ({idle} core{'s' if idle > 1 else ''}: no fault)" if idle else ""
    if not p:
        return "no fault" if rows else ""
    return (fmt(p[0]) if p[0] == p[-1] else f"{fmt(p[0])}-{fmt(p[-1])}") + note


def growth(by_cpus):
    """The highest core's p50 at the most CPUs against one CPU's, in percent."""
    if 1 not in by_cpus or len(by_cpus) < 2:
        return ""
    base = max((r["p50"] for r in by_cpus[1]), default=0)
    top = max((r["p50"] for r in by_cpus[max(by_cpus)]), default=0)
    if not base:
        return ""
    return f"{(top - base) * 100 / base:+.1f} %"


def group(rows, key):
    out = {}
    for r in rows:
        out.setdefault(key(r), {}).setdefault(r["cpus"], []).append(r)
    return out


def icount_table(lx_rows, fl_rows=None):
    """The icount table: a line per case and kernel, a column per CPU count."""
    cpus = sorted({r["cpus"] for r in lx_rows} | {r["cpus"] for r in fl_rows or []})
    lx = group(lx_rows, case_key)
    fl = group(fl_rows or [], match_key)
    head = ["case", "access", "placement", "tasks", "thp", "pages", "kernel"] + \
        [f"{n} CPU{'s' if n > 1 else ''}" for n in cpus] + [f"{cpus[-1]} vs 1 CPU"]
    lines = ["p50 per fault (shootdown: per call) in instructions, per core; "
             "a range where the cores differ. Under icount, the other cores "
             "parked while each core measures.", "",
             "| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for key in sorted(lx, key=lambda k: (PLACEMENTS.index(k[2]), k[0], k[1], k[3],
                                          k[4] != "never", k[5] or 0)):
        pattern, access, placement, tasks, thp, pages, _ = key
        first = next(iter(lx[key].values()))[0]
        kernels = [("Linux", lx[key])]
        fk = match_key(first)
        if fl_rows is not None:
            kernels.append(("faultline", fl.get(fk, {})))
        for name, by in kernels:
            cells = [cell(by.get(n, [])) or "-" for n in cpus]
            lines.append("| " + " | ".join(
                [pattern, access, placement, tasks, thp, fmt(first["pages"]), name] +
                cells + [growth(by) or "-"]) + " |")
    return "\n".join(lines) + "\n"


def rate_table(rows):
    """The parallel-TCG table: faults/s per core and in total, median (min-max)."""
    head = ["case", "placement", "tasks", "thp", "cpus", "per core, median",
            "total, median (min-max)", "spread", "runs"]
    lines = ["faults/s in emulated host time (parallel TCG: the host's speed, "
             "not the core's); median over the runs.", "",
             "| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    by = {}
    for r in rows:
        by.setdefault((r["pattern"], r["placement"], r["tasks"], r["thp"], r["cpus"]),
                      []).append(r)
    for key in sorted(by):
        rs = by[key]
        cores = sorted((r for r in rs if r["core"] != "all"), key=lambda r: r["core"])
        total = [r for r in rs if r["core"] == "all"]
        t = total[0] if total else None
        lines.append("| " + " | ".join(
            [key[0], key[1], key[2], key[3], str(key[4]),
             " / ".join(fmt(r["faults_per_s"]) for r in cores),
             f"{fmt(t['faults_per_s'])} ({fmt(t['faults_per_s_min'])}-"
             f"{fmt(t['faults_per_s_max'])})" if t else "-",
             f"{t['spread']:.2f}x" if t else "-",
             str(t["runs"]) if t else "-"]) + " |")
    return "\n".join(lines) + "\n"


def sane_icount(path, rows, linux=True):
    """Reasons rows are not what a real icount run gives ([] if none)."""
    why = []
    for i, r in enumerate(rows, 2):
        where = f"{path}:{i} ({r['pattern']} {r['access']} cpus={r['cpus']} core={r['core']})"
        if r["mode"] != "icount" or r["unit"] != "instructions":
            why.append(f"{where}: mode {r['mode']}, unit {r['unit']}: "
                       "not instructions under icount")
        if not 0 <= r["core"] < r["cpus"]:
            why.append(f"{where}: core {r['core']} of {r['cpus']} CPUs")
        if linux and r.get("peers") != "parked":
            why.append(f"{where}: peers '{r.get('peers')}': a window is exact only "
                       "with the other cores parked")
        if linux and r.get("crng") == "unseeded" and r["placement"] == "shootdown":
            why.append(f"{where}: crng unseeded: each system call ran ChaCha20 "
                       "(get_random_u16), more or less of them per boot")
        if r["samples"] <= 0:
            why.append(f"{where}: no samples")
        if r["placement"] == "shootdown":
            if r["faults"]:
                why.append(f"{where}: {r['faults']} faults in an unmap")
            if r["p50"] <= 0:
                why.append(f"{where}: p50 {r['p50']}")
        elif r["thp"] == "never" and r["access"] == "write" and r["placement"] != "same":
            if r["faults"] != r["samples"]:
                why.append(f"{where}: {r['faults']} faults for {r['samples']} first "
                           "writes (thp=never: every one faults)")
            if r["p50"] <= 0:
                why.append(f"{where}: p50 {r['p50']}")
    for key, by in group(rows, case_key).items():
        for n, rs in by.items():
            want = {0} if key[2] == "shootdown" else set(range(n))
            if key[2] == "churn":  # faultline: cores 0..n-2 fault, core n-1 churns
                want = {n - 1} if key[1] in CHURN_CALLS else set(range(n - 1))
            have = [r["core"] for r in rs]
            if sorted(have) != sorted(want):
                why.append(f"{path}: {key[0]} {key[1]} thp={key[4]} tasks={key[3]} "
                           f"at {n} CPUs: cores {sorted(have)}, want {sorted(want)}")
    return why


def sane_rate(path, rows, min_runs):
    why = []
    for i, r in enumerate(rows, 2):
        where = f"{path}:{i} ({r['pattern']} cpus={r['cpus']} core={r['core']})"
        if "emulated-host" not in r["unit"]:
            why.append(f"{where}: unit '{r['unit']}': not labelled emulated host time")
        if r["mode"] != "tcg":
            why.append(f"{where}: mode {r['mode']}: faults/s come from parallel TCG")
        if r["runs"] < min_runs:
            why.append(f"{where}: {r['runs']} runs, fewer than {min_runs}")
        if not r["faults_per_s_min"] <= r["faults_per_s"] <= r["faults_per_s_max"]:
            why.append(f"{where}: median {r['faults_per_s']} outside "
                       f"{r['faults_per_s_min']}-{r['faults_per_s_max']}")
        if r["faults_per_s"] <= 0:
            why.append(f"{where}: no faults")
    by = {}
    for r in rows:
        by.setdefault((r["pattern"], r["tasks"], r["thp"], r["cpus"]), []).append(r["core"])
    for key, cores in by.items():
        want = list(range(key[3])) + ["all"]
        if sorted(cores, key=str) != sorted(want, key=str):
            why.append(f"{path}: {key[0]} {key[1]} thp={key[2]} at {key[3]} CPUs: "
                       f"cores {cores}, want {want}")
    return why


def same(a_path, b_path):
    """Lines saying where two icount runs' p50s differ ([] if nowhere)."""
    a, sa = load(a_path)
    b, sb = load(b_path)
    if sa != "icount" or sb != "icount":
        raise Error("--same compares icount runs (p50 in instructions)")
    key = lambda r: case_key(r) + (r["cpus"], r["core"])
    bk = {key(r): r for r in b}
    diff = []
    for r in a:
        o = bk.pop(key(r), None)
        name = f"{r['pattern']} {r['access']} {r['tasks']} thp={r['thp']} pages={r['pages']} " \
               f"cpus={r['cpus']} core={r['core']}"
        if o is None:
            diff.append(f"{name}: only in {a_path}")
        elif o["p50"] != r["p50"]:
            pct = (o["p50"] - r["p50"]) * 100 / r["p50"] if r["p50"] else 0
            diff.append(f"{name}: p50 {fmt(r['p50'])} then {fmt(o['p50'])} ({pct:+.2f} %)")
    for k in bk:
        diff.append(f"{k}: only in {b_path}")
    return diff


def plot_series(lx_rows, fl_rows):
    """The plot's lines: for each first-touch case both kernels run (base
    pages, thp=never on Linux), the slowest core's p50 at each CPU count,
    Linux's threads rows where it has both task kinds."""
    def slowest(by):
        return [(n, max(r["p50"] for r in rs if r["faults"]))
                for n, rs in sorted(by.items()) if any(r["faults"] for r in rs)]
    fl = group(fl_rows, match_key)
    lx = group(lx_rows, case_key)
    threads = {(k[2], k[1]) for k in lx if k[3] == "threads"}
    out = []
    for key, by in sorted(lx.items(), key=lambda kv: (PLACEMENTS.index(kv[0][2]), kv[0][1])):
        pattern, access, placement, tasks, thp, _, folio = key
        if placement not in ("disjoint", "partitioned", "interleaved") or thp != "never" \
                or folio != "none" or (tasks != "threads" and (placement, access) in threads):
            continue
        fby = fl.get(match_key(next(iter(by.values()))[0]), {})
        for name, b in (("Linux", by), ("faultline", fby)):
            pts = slowest(b)
            if pts:
                out.append((f"{name} {placement} {access} ({pattern})", pts))
    return out


def draw(series, mode, title, unit, out, gnuplot="gnuplot"):
    """Draw out (SVG) with tools/plot.gp's `mode` ("smp": against the CPU
    count, "shoot": against the pages): series is [(name, [(x, y), ...])],
    one line each."""
    tmp = tempfile.mkdtemp(prefix=f"faultline-{mode}-plot-")
    try:
        with open(os.path.join(tmp, f"{mode}.dat"), "w") as f:
            for name, pts in series:
                f.write(f'"{name}"\n' + "".join(f"{x} {y}\n" for x, y in pts) + "\n\n")
        gp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plot.gp")
        subprocess.run([gnuplot, "-e", f"dir='{tmp}'; unit='{unit}'; title_prefix='{title}'; "
                        f"{mode}_out='{out}'; have_{mode}={len(series)}", gp],
                       check=True, timeout=120)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def plot(lx_rows, fl_rows, out, gnuplot="gnuplot"):
    """Draw out (SVG): both kernels' per-core p50 against the CPU count, one
    chart (tools/plot.gp's SMP mode, logarithmic: the kernels are ten times
    apart)."""
    series = plot_series(lx_rows, fl_rows)
    if not series:
        raise Error("no case both kernels ran: nothing to draw")
    first = lx_rows[0]
    return draw(series, "smp", f"{first['board']} {first['cpu']} {first['mode']}: p50 per "
                "fault of the slowest core, Linux and faultline, the other cores parked",
                first["unit"], out, gnuplot)


def shoot_series(lx_rows, fl_rows):
    """The shootdown plot's lines: for munmap of base pages (the call both
    kernels run), each kernel's p50 per call against the pages, a line per
    CPU count."""
    out = {}
    for name, rows in (("Linux", lx_rows), ("faultline", fl_rows)):
        for r in rows:
            if r["placement"] != "shootdown" or r["access"] != "munmap" or \
                    (r.get("folio") or "none") != "none" or r.get("thp", "never") != "never":
                continue
            if name == "Linux" and r.get("tasks", "threads") != "threads":
                continue
            key = f"{name} munmap, {r['cpus']} core{'s' if r['cpus'] > 1 else ''}"
            out.setdefault(key, {})[int(r["pages"])] = r["p50"]
    return [(k, sorted(v.items())) for k, v in sorted(out.items())]


def shoot_plot(lx_rows, fl_rows, out, gnuplot="gnuplot"):
    """Draw out (SVG): both kernels' munmap cost against the pages, a line
    per kernel and CPU count; None when the CSVs hold no shootdown both ran."""
    series = shoot_series(lx_rows, fl_rows)
    if not any(k.startswith("Linux") for k, _ in series) or \
            not any(k.startswith("faultline") for k, _ in series):
        return None
    first = lx_rows[0]
    return draw(series, "shoot", f"{first['board']} {first['cpu']} {first['mode']}: munmap "
                "of pages every core holds, p50 per call on core 0, Linux and faultline",
                first["unit"], out, gnuplot)


def render(path, fl_path=None):
    rows, shape = load(path)
    if shape == "rate":
        if fl_path:
            raise Error("--faultline goes with an icount CSV (faultline has no "
                        "parallel-TCG rate CSV yet)")
        return rate_table(rows), shape, rows
    fl = None
    if fl_path:
        fl, fshape = load(fl_path)
        if fshape != "icount":
            raise Error(f"{fl_path}: not an icount SMP CSV")
    return icount_table(rows, fl), shape, rows


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--check", action="store_true")
    p.add_argument("--same", action="store_true")
    p.add_argument("--faultline")
    p.add_argument("--min-runs", type=int, default=10)
    p.add_argument("-o", dest="out")
    p.add_argument("--plot", help="with --faultline: both kernels on one chart (SVG), and "
                   "their munmap shootdowns against the pages beside it (-shootdown.svg)")
    p.add_argument("csv", nargs="+")
    a = p.parse_args(argv)
    try:
        if a.same:
            if len(a.csv) != 2:
                raise Error("--same takes two CSVs")
            diff = same(*a.csv)
            for d in diff:
                print(f"compare_smp: {d}", file=sys.stderr)
            if diff:
                print(f"compare_smp: {len(diff)} p50s differ", file=sys.stderr)
                return 1
            print(f"compare_smp: every p50 of {a.csv[0]} is {a.csv[1]}'s "
                  f"({len(load(a.csv[0])[0])} rows)")
            return 0
        path, tab = a.csv[0], a.csv[1] if len(a.csv) > 1 else None
        if len(a.csv) > 2 or (tab and not a.check):
            raise Error("one SMP CSV (and with --check, the table after it)")
        text, shape, rows = render(path, a.faultline)
        if a.check:
            why = sane_rate(path, rows, a.min_runs) if shape == "rate" else \
                sane_icount(path, rows)
            if a.faultline:
                why += sane_icount(a.faultline, load(a.faultline)[0], linux=False)
            if tab:
                try:
                    with open(tab) as f:
                        if f.read() != text:
                            why.append(f"{tab}: not the table {path} gives")
                except OSError as e:
                    why.append(f"{tab}: {e.strerror}")
            for w in why:
                print(f"compare_smp: {w}", file=sys.stderr)
            if why:
                return 1
            print(f"compare_smp: {path}: {len(rows)} rows pass")
            return 0
        if a.out:
            with open(a.out, "w") as f:
                f.write(text)
            print(f"wrote {a.out}")
        if a.plot:
            if not a.faultline:
                raise Error("--plot goes with --faultline")
            fl_rows = load(a.faultline)[0]
            print(f"wrote {plot(rows, fl_rows, a.plot)}")
            shoot = shoot_plot(rows, fl_rows, os.path.splitext(a.plot)[0] + "-shootdown.svg")
            if shoot:
                print(f"wrote {shoot}")
        sys.stdout.write("\n" + text)
    except Error as e:
        print(f"compare_smp: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
