#!/usr/bin/python3
"""Side-by-side table of faultline and Linux on the same benchmark suite.

    compare.py FAULTLINE.csv LINUX.csv [LINUX.csv...] -o TABLE.md [--plot SVG]
    compare.py --check [--linux-counter C] FAULTLINE.csv LINUX.csv... TABLE.md

Both sides use the summary schema of ../shared/CONTRACT.md; each Linux CSV
is one configuration of the kernel (its rows' linux_config names it, its
rows' cmdline is the kernel's command line), and gets its own column set:
p50, p99 and Linux / faultline of the p50s. Cases are matched on
(pattern, access, pages). With -o the table goes to TABLE.md and the
headline faults (seq write, read, read-then-write) to the terminal; --plot
draws each fault case's p50 as a bar with a whisker up to the p99.

Counters may differ, so every side is converted to one unit first:
  - mode icount (QEMU -icount shift=0): one instruction takes 1 ns of virtual
    time, so PMU cycles (QEMU's cycle counter is a 1 GHz clock of virtual
    time) and instructions are instructions as they are, and CNTVCT ticks
    x 1e9/cntfrq (16 at 62.5 MHz) are instructions too, to 16;
  - otherwise: ticks x 1e9/cntfrq are ns, and cycles x 1e9/HZ with the core
    clock given as --cpu-hz HZ (a pair with cycles and no --cpu-hz is
    refused: nothing in the CSV says how fast the core ran).
--check verifies that the CSVs parse and hold what a real run gives (every
first-touch sample took a fault, re-touches took none, the Linux rows read
a counter the program reads, at resolution 1.00 for a PMU count under
icount, with the configuration and command line recorded; with
--linux-counter, that counter), and that TABLE.md is exactly what the CSVs
give. Python 3 standard library (gnuplot for --plot).
"""

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile

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


def config_name(cases, path):
    """The Linux configuration's name: its rows' linux_config, else the file's."""
    row = next(iter(cases.values()))
    if row.get("linux_config"):
        return row["linux_config"]
    base = os.path.basename(path)
    return base[:-4] if base.endswith(".csv") else base


# The headline faults: (access, what the README calls it).
HEADLINE = (("write", "first write to an anonymous page"),
            ("read", "first read (maps the zero page)"),
            ("read-then-write", "write after a read (replaces the zero page)"))


def headline(cases):
    """The headline rows of a summary, {access: row}: the seq pattern, at the
    page count of its largest read case (the default suite's 4096 pages),
    else at the largest page count the access has."""
    seq = [r for k, r in cases.items() if k[0] == "seq"]
    reads = [r["pages"] for r in seq if r["access"] == "read"]
    want = max(reads) if reads else None
    out = {}
    for access, _ in HEADLINE:
        rows = [r for r in seq if r["access"] == access]
        if not rows:
            continue
        same = [r for r in rows if r["pages"] == want]
        out[access] = same[0] if same else max(rows, key=lambda r: r["pages"])
    return out


def fmt(v):
    return f"{v:,.0f}"


def table(fl_path, lx_paths, cpu_hz=None):
    """The Markdown text of the comparison: faultline, then one column set
    (p50, p99, Linux / faultline) per Linux CSV, in the order given."""
    if isinstance(lx_paths, str):
        lx_paths = [lx_paths]
    fl = load(fl_path)
    lxs = [load(p) for p in lx_paths]
    first_fl = next(iter(fl.values()))
    f_scale, f_unit = scale(first_fl, fl_path, cpu_hz)
    names, scales = [], []
    for path, lx in zip(lx_paths, lxs):
        first_lx = next(iter(lx.values()))
        for c in ("board", "cpu", "mode"):
            if first_fl[c] != first_lx[c]:
                raise Error(f"the runs differ in {c}: faultline {first_fl[c]}, "
                            f"Linux ({path}) {first_lx[c]}; compare like with like")
        l_scale, l_unit = scale(first_lx, path, cpu_hz)
        if f_unit != l_unit:
            raise Error(f"faultline is in {f_unit}, Linux ({path}) in {l_unit}")
        names.append(config_name(lx, path))
        scales.append(l_scale)
    if len(set(names)) != len(names):
        raise Error(f"two Linux runs have the same configuration name: {', '.join(names)}")

    out = [f"# faultline and Linux: {first_fl['board']}, {first_fl['cpu']}, "
           f"mode {first_fl['mode']}",
           "",
           f"Latency per access in {f_unit}, p50 and p99 (faultline: "
           f"{first_fl['counter']} {first_fl['unit']}, x {f_scale:g}). "
           "x = Linux p50 / faultline p50.",
           "",
           f"Sources: {os.path.basename(fl_path)}, "
           + ", ".join(os.path.basename(p) for p in lx_paths) + ".",
           "",
           "Linux configurations (the kernel's command line is each row's `cmdline`):",
           ""]
    for name, path, lx, l_scale in zip(names, lx_paths, lxs, scales):
        r = next(iter(lx.values()))
        res = r.get("resolution") or ""
        step = f", one count = {res} {f_unit}" if res else f", x {l_scale:g}"
        out.append(f"- **{name}**: {r['counter']} {r['unit']}{step}; "
                   f"`{r.get('cmdline') or '(command line not recorded)'}`")
    head = "| pattern | access | pages | faultline p50 | faultline p99 |"
    rule = "| --- | --- | ---: | ---: | ---: |"
    for name in names:
        head += f" {name} p50 | {name} p99 | {name} x |"
        rule += " ---: | ---: | ---: |"
    out += ["", head, rule]
    common = [k for k in fl if any(k in lx for lx in lxs)]
    if not common:
        raise Error("the runs have no case in common")
    for key in common:
        f = fl[key]
        fp = f["p50"] * f_scale
        line = f"| {key[0]} | {key[1]} | {key[2]} | {fmt(fp)} | {fmt(f['p99'] * f_scale)} |"
        for lx, l_scale in zip(lxs, scales):
            x = lx.get(key)
            if x is None:
                line += " - | - | - |"
                continue
            xp = x["p50"] * l_scale
            ratio = "-" if key[1] == "retouch" or not fp or not xp else f"{xp / fp:.1f}"
            line += f" {fmt(xp)} | {fmt(x['p99'] * l_scale)} | {ratio} |"
        out.append(line)
    only_fl = [k for k in fl if k not in common]
    only_lx = sorted({k for lx in lxs for k in lx if k not in fl})
    own = [k for k in only_fl if k[1] not in FIRST_TOUCH + ("retouch",)]
    only_fl = [k for k in only_fl if k not in own]
    for what, keys in (("Cases only in the faultline run", only_fl),
                       ("Cases only in the Linux runs", only_lx),
                       ("faultline's own measurements (no Linux counterpart)", own)):
        if keys:
            out += ["", f"{what}: " +
                    ", ".join(f"{p} {a} {n}" for p, a, n in keys) + "."]
    out += ["", "Re-touch rows are the no-fault baseline (the same store on both "
            "sides): no ratio."]
    return "\n".join(out) + "\n"


def terminal(fl_path, lx_paths, cpu_hz=None):
    """The headline faults as a short plain-text table for the terminal."""
    fl = load(fl_path)
    lxs = [load(p) for p in lx_paths]
    f_scale, f_unit = scale(next(iter(fl.values())), fl_path, cpu_hz)
    l_scales = [scale(next(iter(lx.values())), p, cpu_hz)[0]
                for p, lx in zip(lx_paths, lxs)]
    names = [config_name(lx, p) for p, lx in zip(lx_paths, lxs)]
    hf = headline(fl)
    hls = [headline(lx) for lx in lxs]
    rows = [["fault", "pages", "faultline"] + [f"Linux {n}" for n in names]]
    for access, what in HEADLINE:
        if access not in hf:
            continue
        f = hf[access]
        row = [what, str(f["pages"]), fmt(f["p50"] * f_scale)]
        for hl, ls in zip(hls, l_scales):
            x = hl.get(access)
            row.append(f"{fmt(x['p50'] * ls)} ({x['p50'] * ls / (f['p50'] * f_scale):.1f}x)"
                       if x and f["p50"] else "-")
        rows.append(row)
    return text_table(rows, f"p50 per fault, {f_unit} (Linux: p50 and Linux / faultline)")


def text_table(rows, title):
    """rows (the first is the header) as aligned text under a title line."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [title]
    for n, r in enumerate(rows):
        cells = [c.ljust(w) if i == 0 else c.rjust(w)
                 for i, (c, w) in enumerate(zip(r, widths))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def plot(fl_path, lx_paths, out, cpu_hz=None, gnuplot="gnuplot"):
    """Draw out (SVG): per first-touch case, faultline's and each Linux
    configuration's p50 as bars, with whiskers up to the p99."""
    fl = load(fl_path)
    lxs = [load(p) for p in lx_paths]
    f_scale, unit = scale(next(iter(fl.values())), fl_path, cpu_hz)
    l_scales = [scale(next(iter(lx.values())), p, cpu_hz)[0]
                for p, lx in zip(lx_paths, lxs)]
    names = ["faultline"] + [f"Linux {config_name(lx, p)}"
                             for p, lx in zip(lx_paths, lxs)]
    keys = [k for k in fl if k[1] in FIRST_TOUCH and all(k in lx for lx in lxs)]
    if not keys:
        raise Error("no first-touch case in common to plot")
    tmp = tempfile.mkdtemp(prefix="faultline-compare-")
    try:
        dat = os.path.join(tmp, "compare.dat")
        with open(dat, "w") as f:
            f.write("case " + " ".join(f'"{n}" "{n} p99"' for n in names) + "\n")
            for k in keys:
                cols = [(fl[k]["p50"] * f_scale, fl[k]["p99"] * f_scale)]
                cols += [(lx[k]["p50"] * ls, lx[k]["p99"] * ls)
                         for lx, ls in zip(lxs, l_scales)]
                f.write(f'"{k[0]} {k[1]} {k[2]}" '
                        + " ".join(f"{p50:.0f} {p99:.0f}" for p50, p99 in cols) + "\n")
        first = next(iter(fl.values()))
        gp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plot.gp")
        try:
            subprocess.run([gnuplot, "-e",
                            f"dir='{tmp}'; unit='{unit}'; title_prefix='{first['board']} "
                            f"{first['cpu']} {first['mode']}'; compare_out='{out}'; "
                            f"have_compare={len(names)}; rows={len(keys)}; "
                            f"row_px={12 * len(names) + 12}", gp],
                           check=True, timeout=120)
        except (OSError, subprocess.SubprocessError) as e:
            raise Error(f"gnuplot failed: {e}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def sane(path, cases, linux, counter=None):
    """Problems with what a real run of the rows would show. For Linux rows:
    a counter the program reads (cntvct ticks, or a PMU counter in
    instructions under icount), the configuration's name and the kernel's
    command line recorded; with counter given, every row read that counter."""
    why = []
    cmdlines = set()
    for (pattern, access, pages), r in cases.items():
        name = f"{path}: {pattern} {access} {pages}"
        if r["samples"] <= 0:
            why.append(f"{name}: no samples")
        if access in FIRST_TOUCH and r["faults"] < r["samples"]:
            why.append(f"{name}: {r['faults']} faults in {r['samples']} first touches")
        if access == "retouch" and r["faults"] > r["samples"] // 100:
            why.append(f"{name}: {r['faults']} faults in {r['samples']} re-touches")
        if not linux:
            continue
        pair = (r["counter"], r["unit"])
        pmu = r["counter"] in ("pmccntr", "inst_retired")
        if pair != ("cntvct", "ticks") and not (
                pmu and (r["unit"] == "instructions" or
                         (r["mode"] != "icount" and pair == ("pmccntr", "cycles")))):
            why.append(f"{name}: counter {r['counter']} in {r['unit']} is not "
                       "what the Linux program reads")
        if counter and r["counter"] != counter:
            why.append(f"{name}: counter {r['counter']}, not {counter}")
        if r["mode"] == "icount" and pmu and r.get("resolution") != "1.00":
            why.append(f"{name}: a PMU count under icount has resolution "
                       f"{r.get('resolution')!r}, not 1.00")
        if not r.get("cmdline"):
            why.append(f"{name}: no kernel command line (cmdline)")
        if not r.get("linux_config"):
            why.append(f"{name}: no configuration name (linux_config)")
        cmdlines.add(r.get("cmdline"))
    if len(cmdlines) > 1:
        why.append(f"{path}: rows of one run with different command lines")
    return why


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--check", action="store_true",
                   help="verify the CSVs and that TABLE (the last file) is what they give")
    p.add_argument("faultline")
    p.add_argument("linux", nargs="+",
                   help="Linux CSVs, one per configuration (with --check, then TABLE)")
    p.add_argument("-o", dest="out", help="write the table here (default stdout)")
    p.add_argument("--cpu-hz", type=float,
                   help="core clock, to turn cycles into ns (hardware runs)")
    p.add_argument("--linux-counter",
                   help="with --check: every Linux row must have read this counter")
    p.add_argument("--plot", metavar="SVG",
                   help="also draw p50 bars with p99 whiskers per fault case")
    a = p.parse_args(argv)
    linux, tab = a.linux, None
    if a.check:
        if len(linux) < 2:
            print("compare.py: --check needs the table file after the Linux CSVs",
                  file=sys.stderr)
            return 2
        linux, tab = linux[:-1], linux[-1]
    try:
        text = table(a.faultline, linux, a.cpu_hz)
        if a.check:
            why = sane(a.faultline, load(a.faultline), False)
            for path in linux:
                why += sane(path, load(path), True, a.linux_counter)
            try:
                with open(tab) as f:
                    if f.read() != text:
                        why.append(f"{tab}: not the table the CSVs give")
            except OSError as e:
                why.append(f"{tab}: {e.strerror}")
            for w in why:
                print(f"compare.py: {w}", file=sys.stderr)
            if not why:
                print(f"compare: {tab} matches {a.faultline} and {', '.join(linux)}")
            return 1 if why else 0
        if a.out:
            with open(a.out, "w") as f:
                f.write(text)
            print(f"wrote {a.out}")
        if a.plot:
            plot(a.faultline, linux, a.plot, a.cpu_hz)
            print(f"wrote {a.plot}")
        if a.out:
            sys.stdout.write("\n" + terminal(a.faultline, linux, a.cpu_hz))
        else:
            sys.stdout.write(text)
    except Error as e:
        print(f"compare.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
