#!/usr/bin/python3
"""Side-by-side table of faultline and Linux on the same benchmark suite.

    compare.py FAULTLINE.csv LINUX.csv -o TABLE.md   write the table
    compare.py --check FAULTLINE.csv LINUX.csv TABLE.md

Both CSVs use the summary schema of ../shared/CONTRACT.md. Cases are matched
on (pattern, access, pages); the table gives each side's p50 and p99 in one
unit and the ratio Linux / faultline of the p50s.

Counters differ (faultline may count PMU cycles or instructions, the Linux
program reads CNTVCT_EL0 ticks), so both sides are converted first:
  - mode icount (QEMU -icount shift=0): one instruction takes 1 ns of virtual
    time, so ticks x 1e9/cntfrq, QEMU's PMU cycles (a 1 GHz clock of virtual
    time) and instructions are all instructions;
  - otherwise: ticks x 1e9/cntfrq are ns, and cycles x 1e9/HZ with the core
    clock given as --cpu-hz HZ (a pair with cycles and no --cpu-hz is
    refused: nothing in the CSV says how fast the core ran).
--check verifies that the CSVs parse and hold what a real run gives (every
first-touch sample took a fault, re-touches took none, the Linux side read
CNTVCT), and that TABLE.md is exactly what the CSVs give.
Python 3 standard library only.
"""

import argparse
import csv
import os
import sys

REQUIRED = ("board cpu mode counter unit pattern access pages samples faults "
            "pages_allocated min p50 p90 p99 max mean stddev").split()
FIRST_TOUCH = ("read", "write", "read-then-write")


class Error(Exception):
    pass


def load(path):
    """The rows of a summary CSV as dicts keyed by (pattern, access, pages)."""
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
            header = rows[0].keys() if rows else []
    except OSError as e:
        raise Error(f"{path}: {e.strerror}")
    if not rows:
        raise Error(f"{path}: no rows")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise Error(f"{path}: missing columns {', '.join(missing)}")
    cases = {}
    for n, r in enumerate(rows, 2):
        if None in r or None in r.values():
            raise Error(f"{path}:{n}: not as many fields as the header")
        for c in ("pages", "samples", "faults", "pages_allocated", "p50", "p99"):
            try:
                r[c] = int(r[c])
            except ValueError:
                raise Error(f"{path}:{n}: {c} is {r[c]!r}, not a number")
        key = (r["pattern"], r["access"], r["pages"])
        if key in cases:
            raise Error(f"{path}:{n}: case {' '.join(map(str, key))} twice")
        cases[key] = r
    return cases


def scale(row, path, cpu_hz=None):
    """(factor to the common unit, unit name) for a row's counter."""
    unit, mode = row["unit"], row["mode"]
    freq = int(row.get("cntfrq") or 0)
    if unit == "ticks":
        if not freq:
            raise Error(f"{path}: unit ticks without a cntfrq column")
        ns = 1e9 / freq
        return (ns, "instructions") if mode == "icount" else (ns, "ns")
    if mode == "icount" and unit in ("instructions", "cycles"):
        return 1.0, "instructions"
    if unit == "cycles" and cpu_hz:
        return 1e9 / cpu_hz, "ns"
    raise Error(f"{path}: {unit} in mode {mode} cannot be converted to a "
                "common unit; give the core clock with --cpu-hz")


def table(fl_path, lx_path, cpu_hz=None):
    """The Markdown text of the comparison."""
    fl, lx = load(fl_path), load(lx_path)
    first_fl, first_lx = next(iter(fl.values())), next(iter(lx.values()))
    for c in ("board", "cpu", "mode"):
        if first_fl[c] != first_lx[c]:
            raise Error(f"the runs differ in {c}: faultline {first_fl[c]}, "
                        f"Linux {first_lx[c]}; compare like with like")
    f_scale, f_unit = scale(first_fl, fl_path, cpu_hz)
    l_scale, l_unit = scale(first_lx, lx_path, cpu_hz)
    if f_unit != l_unit:
        raise Error(f"faultline is in {f_unit}, Linux in {l_unit}")

    def fmt(v):
        return f"{v:,.0f}"

    out = [f"# faultline and Linux: {first_fl['board']}, {first_fl['cpu']}, "
           f"mode {first_fl['mode']}",
           "",
           f"Latency per access in {f_unit} (faultline: {first_fl['counter']} "
           f"{first_fl['unit']}, x {f_scale:g}; Linux: {first_lx['counter']} {first_lx['unit']}, "
           f"x {l_scale:g}). Ratio = Linux p50 / faultline p50.",
           "",
           f"Sources: {os.path.basename(fl_path)}, {os.path.basename(lx_path)}.",
           "",
           "| pattern | access | pages | faultline p50 | Linux p50 | Linux / faultline "
           "| faultline p99 | Linux p99 |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    only_fl = [k for k in fl if k not in lx]
    only_lx = [k for k in lx if k not in fl]
    common = [k for k in fl if k in lx]
    if not common:
        raise Error("the two runs have no case in common")
    for key in common:
        f, x = fl[key], lx[key]
        fp, xp = f["p50"] * f_scale, x["p50"] * l_scale
        ratio = "-" if key[1] == "retouch" or not fp or not xp else f"{xp / fp:.1f}"
        out.append(f"| {key[0]} | {key[1]} | {key[2]} | {fmt(fp)} | {fmt(xp)} "
                   f"| {ratio} | {fmt(f['p99'] * f_scale)} "
                   f"| {fmt(x['p99'] * l_scale)} |")
    own = [k for k in only_fl if k[1] not in FIRST_TOUCH + ("retouch",)]
    only_fl = [k for k in only_fl if k not in own]
    for what, keys in (("Cases only in the faultline run", only_fl),
                       ("Cases only in the Linux run", only_lx),
                       ("faultline's own measurements (no Linux counterpart)", own)):
        if keys:
            out += ["", f"{what}: " +
                    ", ".join(f"{p} {a} {n}" for p, a, n in keys) + "."]
    out += ["", "Re-touch rows are the no-fault baseline (the same store on both "
            f"sides, below Linux's counter step of {l_scale:g} {f_unit}): no ratio."]
    return "\n".join(out) + "\n"


def sane(path, cases, linux):
    """Problems with what a real run of the rows would show."""
    why = []
    for (pattern, access, pages), r in cases.items():
        name = f"{path}: {pattern} {access} {pages}"
        if r["samples"] <= 0:
            why.append(f"{name}: no samples")
        if access in FIRST_TOUCH and r["faults"] < r["samples"]:
            why.append(f"{name}: {r['faults']} faults in {r['samples']} first touches")
        if access == "retouch" and r["faults"] > r["samples"] // 100:
            why.append(f"{name}: {r['faults']} faults in {r['samples']} re-touches")
        if linux and (r["counter"], r["unit"]) != ("cntvct", "ticks"):
            why.append(f"{name}: Linux rows must be cntvct ticks")
    return why


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--check", action="store_true",
                   help="verify the CSVs and that TABLE is what they give")
    p.add_argument("faultline")
    p.add_argument("linux")
    p.add_argument("table", nargs="?")
    p.add_argument("-o", dest="out", help="write the table here (default stdout)")
    p.add_argument("--cpu-hz", type=float,
                   help="core clock, to turn cycles into ns (hardware runs)")
    a = p.parse_args(argv)
    try:
        text = table(a.faultline, a.linux, a.cpu_hz)
        if a.check:
            if not a.table:
                raise Error("--check needs the table file")
            why = sane(a.faultline, load(a.faultline), False)
            why += sane(a.linux, load(a.linux), True)
            try:
                with open(a.table) as f:
                    if f.read() != text:
                        why.append(f"{a.table}: not the table the CSVs give")
            except OSError as e:
                why.append(f"{a.table}: {e.strerror}")
            for w in why:
                print(f"compare.py: {w}", file=sys.stderr)
            if not why:
                print(f"compare: {a.table} matches {a.faultline} and {a.linux}")
            return 1 if why else 0
    except Error as e:
        print(f"compare.py: {e}", file=sys.stderr)
        return 1
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
        print(f"wrote {a.out}")
        sys.stdout.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
