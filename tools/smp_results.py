#!/usr/bin/python3
"""faultline's SMP suite on the host (suite=smp, issue 19): table, plot, guard.

    python3 -m tools.smp_results table SMP.csv          p50 per core at each CPU count
    python3 -m tools.smp_results plot SMP.csv -o SVG    the slowest core's p50
        against the CPU count, a line per case (placement, access, folio)
    python3 -m tools.smp_results guard SMP.csv [--percent 5] [--cpus 4]
        fail unless, under icount with the peers halted in WFI, every core's
        p50 at --cpus cores is within --percent % of the one-core p50 of
        the same case, for the disjoint, partitioned and interleaved
        placements (the goal of issue 19), each of which must be there

SMP.csv is the "smp" block of run=bench suite=smp (docs/contract.md, "SMP
columns"): the summary columns, then cpus, core, placement, peers, warmup,
warmup_pages, fault_lost, fault_retry, table_lost. Python 3 standard library
(gnuplot for the plot).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from tools.compare_smp import read_rows

GUARDED = ("disjoint", "partitioned", "interleaved")
REQUIRED = ("mode", "unit", "pattern", "access", "folio", "samples", "faults", "p50",
            "cpus", "core", "placement", "peers")


class Error(Exception):
    pass


def load(path):
    """The rows of an SMP summary, cpus, core, faults, samples and p50 as ints."""
    rows = read_rows(path, Error)
    missing = [c for c in REQUIRED if c not in rows[0]]
    if missing:
        raise Error(f"{path}: no column {', '.join(missing)} (not a suite=smp summary)")
    for i, r in enumerate(rows, 2):
        try:
            for c in ("cpus", "core", "faults", "samples", "p50"):
                r[c] = int(r[c])
        except ValueError as e:
            raise Error(f"{path}:{i}: {e}")
    return rows


def case(r):
    """A case across CPU counts and cores: pattern, access, folio, placement."""
    return (r["placement"], r["access"], r.get("folio") or "none", r["pattern"])


def by_case(rows):
    out = {}
    for r in rows:
        out.setdefault(case(r), {}).setdefault(r["cpus"], []).append(r)
    return out


def cell(rs):
    """The cores' p50s at one CPU count: one value, or min-max; cores that
    took no fault in their windows are counted aside."""
    p = sorted(r["p50"] for r in rs if r["faults"])
    idle = sum(1 for r in rs if not r["faults"])
    note = f" ({idle} no fault)" if idle else ""
    if not p:
        return "no fault"
    return (f"{p[0]:,}" if p[0] == p[-1] else f"{p[0]:,}-{p[-1]:,}") + note


def table(rows):
    """A text table: a line per case, a column per CPU count."""
    cases = by_case(rows)
    cpus = sorted({r["cpus"] for r in rows})
    head = ["placement", "access", "folio"] + [f"{n} CPU{'s' if n > 1 else ''}" for n in cpus] \
        + ["lost", "retry"]
    out = [head]
    for key in cases:
        placement, access, folio, _ = key
        lost = sum(int(r.get("fault_lost") or 0) for rs in cases[key].values() for r in rs)
        retry = sum(int(r.get("fault_retry") or 0) for rs in cases[key].values() for r in rs)
        out.append([placement, access, folio] +
                   [cell(cases[key].get(n, [])) if n in cases[key] else "-" for n in cpus] +
                   [f"{lost:,}", f"{retry:,}"])
    width = [max(len(r[i]) for r in out) for i in range(len(head))]
    first = rows[0]
    lines = [f"{first['board']} {first['cpu']} {first['mode']}: p50 per fault per core "
             f"({first['unit']}), peers {first['peers']}; lost/retry: every core and CPU "
             "count, warm-up included"]
    for r in out:
        lines.append("  ".join(v.ljust(w) for v, w in zip(r, width)).rstrip())
    return "\n".join(lines) + "\n"


def guard(rows, percent=5, cpus=4):
    """(bad, seen): why rows miss the goal ([] if none), and the lines of
    numbers checked ("disjoint write none: 1 CPU 305, 4 CPUs 305 305 305 305")."""
    bad, seen = [], []
    for r in rows:
        if r["placement"] in GUARDED and r["cpus"] > 1:
            if r["mode"] != "icount" or r["unit"] != "instructions":
                bad.append(f"{' '.join(case(r)[:3])} cpus={r['cpus']} core={r['core']}: "
                           f"mode {r['mode']}, unit {r['unit']}: not instructions under icount")
            if r["peers"] != "wfi":
                bad.append(f"{' '.join(case(r)[:3])} cpus={r['cpus']} core={r['core']}: "
                           f"peers {r['peers']}: a window is exact only with the peers in WFI")
    cases = by_case(rows)
    for placement in GUARDED:
        if not any(k[0] == placement for k in cases):
            bad.append(f"no {placement} case")
    for key, by in cases.items():
        if key[0] not in GUARDED:
            continue
        name = " ".join(key[:3])
        one = by.get(1, [])
        many = sorted(by.get(cpus, []), key=lambda r: r["core"])
        if len(one) != 1 or not one[0]["faults"]:
            bad.append(f"{name}: no one-core row that faulted")
            continue
        if sorted(r["core"] for r in many) != list(range(cpus)):
            bad.append(f"{name}: cores {[r['core'] for r in many]} at {cpus} CPUs, "
                       f"want 0..{cpus - 1}")
            continue
        base = one[0]["p50"]
        seen.append(f"{name}: 1 CPU {base:,}, {cpus} CPUs " +
                    " ".join(f"{r['p50']:,}" for r in many))
        for r in many:
            if r["faults"] != r["samples"]:
                bad.append(f"{name} core {r['core']}: {r['faults']} faults in "
                           f"{r['samples']} windows")
            if abs(r["p50"] - base) * 100 > base * percent:
                bad.append(f"{name} core {r['core']} at {cpus} CPUs: p50 {r['p50']:,} "
                           f"against {base:,} at 1 CPU "
                           f"({(r['p50'] - base) * 100 / base:+.1f} %, limit {percent} %)")
    return bad, seen


def plot(rows, out, gnuplot="gnuplot"):
    """Draw out (SVG): the slowest core's p50 against the CPU count, a line
    per case that faulted."""
    cases = by_case(rows)
    tmp = tempfile.mkdtemp(prefix="faultline-smp-plot-")
    try:
        n = 0
        with open(os.path.join(tmp, "smp.dat"), "w") as f:
            for key, by in cases.items():
                pts = [(c, max(r["p50"] for r in rs if r["faults"]))
                       for c, rs in sorted(by.items()) if any(r["faults"] for r in rs)]
                if not pts:
                    continue
                placement, access, folio, _ = key
                f.write(f'"{placement} {access}' + ("" if folio == "none" else f" folio={folio}")
                        + '"\n')
                for c, p in pts:
                    f.write(f"{c} {p}\n")
                f.write("\n\n")
                n += 1
        if not n:
            raise Error("no case faulted: nothing to draw")
        first = rows[0]
        title = (f"{first['board']} {first['cpu']} {first['mode']} suite=smp: "
                 f"p50 per fault of the slowest core, peers {first['peers']}")
        gp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plot.gp")
        subprocess.run([gnuplot, "-e", f"dir='{tmp}'; unit='{first['unit']}'; "
                        f"title_prefix='{title}'; smp_out='{out}'; have_smp={n}", gp],
                       check=True, timeout=120)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("table")
    t.add_argument("csv")
    pl = sub.add_parser("plot")
    pl.add_argument("csv")
    pl.add_argument("-o", dest="out", required=True)
    g = sub.add_parser("guard")
    g.add_argument("csv")
    g.add_argument("--percent", type=int, default=5)
    g.add_argument("--cpus", type=int, default=4)
    a = p.parse_args(argv)
    try:
        rows = load(a.csv)
        if a.cmd == "table":
            sys.stdout.write(table(rows))
        elif a.cmd == "plot":
            print(f"wrote {plot(rows, a.out)}")
        else:
            bad, seen = guard(rows, a.percent, a.cpus)
            for s in seen:
                print(f"smp guard: {s}")
            for b in bad:
                print(f"smp guard: FAIL {b}", file=sys.stderr)
            if not bad:
                print(f"smp guard: {len(seen)} cases: every core at {a.cpus} CPUs within "
                      f"{a.percent} % of one core")
            return 1 if bad else 0
    except (Error, OSError, subprocess.SubprocessError) as e:
        print(f"smp_results: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
