#!/usr/bin/python3
"""Side-by-side table of faultline and Linux on the same benchmark suite.

    python3 -m tools.compare FAULTLINE.csv LINUX.csv [LINUX.csv...] -o TABLE.md [--plot SVG]
    python3 -m tools.compare --check [--linux-counter C] FAULTLINE.csv LINUX.csv... TABLE.md
    python3 -m tools.compare --merge OUT.csv CSV...            (rows of CSVs with one header)
    python3 -m tools.compare --pagesize [--faultline FL.csv] LINUX.csv [-o TABLE.md] [--plot SVG]
    python3 -m tools.compare --pagesize --check TABLE.md [--faultline FL.csv] LINUX.csv
    python3 -m tools.compare --expect COLUMN=VALUE CSV...      (every row has that value)

Both sides use the summary schema of docs/contract.md; each Linux CSV
is one configuration of the kernel (its rows' linux_config names it, its
rows' cmdline is the kernel's command line), and gets its own column set:
p50, p99 and Linux / faultline of the p50s. Cases are matched on
(pattern, access, pages). No ratio where the two sides' faults map
different sizes (a 64 KiB folio against a 4 KiB page: the folio column,
none meaning the granule's page): one fault of each is not the same work,
the table's notes name those cases, and --pagesize compares them per
4 KiB. With -o the table goes to TABLE.md and the
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
give.

--pagesize is the page-size section (make compare-pagesize): rows granule x
folio from the Linux program's extra columns (granule, folio, fault_p50,
pages_per_fault, cost_per_4k, folio_allocs, thp_fault_alloc, table_pages),
faultline's fault cost beside them (--faultline: the same columns from
its own boots; "n/a yet" without), Linux / faultline of the fault p50s,
faultline's 64k granule rows, and a plot of the write fault's cost per
4 KiB mapped against the folio size, a line per granule per kernel.
--merge OUT [--folio=NAME] CSV... sets the folio column of the CSV after
each --folio= (faultline's boots, under Linux's names). Its --check also
verifies that a row with a folio or granule above 4 KiB took fewer write
faults than 4 KiB touches, that a folio-size row allocated folios, and
that a seq write's faults add up to the base pages it touched.
Python 3 standard library (gnuplot for --plot).
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
    if unit == "host-ticks":
        # PMCCNTR under TCG without icount: QEMU's virtual clock, host
        # time on both kernels' side of the same machine.
        return 1.0, "host-ticks"
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


def fault_size(r):
    """What one fault of a row maps, by its folio column: the folio size,
    thp-always, or the granule's page for none (4k without the columns)."""
    folio = r.get("folio") or "none"
    return (r.get("granule") or "4k") if folio == "none" else folio


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
    unlike = []     # (case, faultline's fault size, Linux's): no ratio
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
            if key[1] != "retouch" and fault_size(f) != fault_size(x):
                ratio = "-"
                if (key, fault_size(f), fault_size(x)) not in unlike:
                    unlike.append((key, fault_size(f), fault_size(x)))
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
    if unlike:
        out += ["", "No ratio where one fault maps a different size on each side "
                "(not the same work; `make compare-pagesize` compares them per 4 KiB): "
                + ", ".join(f"{p} {a} {n} (faultline {fs}, Linux {ls})"
                            for (p, a, n), fs, ls in unlike) + "."]
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


# ---- The page-size section: rows granule x folio (make compare-pagesize) ----

PAGESIZE_COLUMNS = ("granule", "folio", "fault_p50", "pages_per_fault",
                    "cost_per_4k", "folio_allocs", "thp_fault_alloc", "table_pages")
GRANULES = ("4k", "16k", "64k")
# The PMD (block) size of each granule, KiB: thp-always's folio.
PMD_KIB = {"4k": 2048, "16k": 32768, "64k": 524288}
# What each granule has on the Linux side (Debian's arm64 kernels).
NO_LINUX_KERNEL = {"64k": "Debian ships no 64 KiB arm64 kernel"}


def size_kib(name):
    """"64k" -> 64, "2m" -> 2048; None for anything else ("none", "thp-always")."""
    if len(name) < 2 or not name[:-1].isdigit() or name[-1] not in "km":
        return None
    return int(name[:-1]) * (1024 if name[-1] == "m" else 1)


def folio_order(folio):
    """Sort key of a folio name: none, then sizes ascending, then thp-always."""
    k = size_kib(folio)
    return (0, 0) if folio == "none" else (1, k) if k else (2, 0)


def merge(out, paths):
    """Write the rows of the CSVs at paths, which must have one header, to
    out. A "--folio=NAME" before a path sets the folio column of that
    file's rows to NAME (faultline's runs, under Linux's folio names)."""
    header, rows, folio = None, [], None
    for path in paths:
        if path.startswith("--folio="):
            folio = path[len("--folio="):]
            if folio not in ("none", "thp-always") and not size_kib(folio):
                raise Error(f"--folio={folio}: none, thp-always or a size")
            continue
        try:
            with open(path, newline="") as f:
                r = list(csv.reader(f))
        except OSError as e:
            raise Error(f"{path}: {e.strerror}")
        if len(r) < 2:
            raise Error(f"{path}: no rows")
        if header is None:
            header = r[0]
        elif r[0] != header:
            raise Error(f"{path}: not the header of the first CSV")
        if folio is not None:
            if "folio" not in header:
                raise Error(f"{path}: no folio column for --folio={folio}")
            at = header.index("folio")
            for row in r[1:]:
                if len(row) > at:
                    row[at] = folio
            folio = None
        rows += r[1:]
    if folio is not None:
        raise Error(f"--folio={folio}: no CSV after it")
    if header is None:
        raise Error("no CSV to merge")
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def load_pagesize(path):
    """The rows of a page-size CSV as dicts keyed by (granule, folio,
    pattern, access, pages); fault_p50, pages_per_fault and cost_per_4k are
    numbers or None (empty: no sample faulted)."""
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise Error(f"{path}: {e.strerror}")
    if not rows:
        raise Error(f"{path}: no rows")
    missing = [c for c in REQUIRED + ["granule", "folio"] if c not in rows[0]]
    if missing:
        raise Error(f"{path}: missing columns {', '.join(missing)}")
    out = {}
    for n, r in enumerate(rows, 2):
        if None in r or None in r.values():
            raise Error(f"{path}:{n}: not as many fields as the header")
        if r["granule"] not in GRANULES:
            raise Error(f"{path}:{n}: granule {r['granule']!r} (4k, 16k or 64k)")
        if r["folio"] not in ("none", "thp-always") and not size_kib(r["folio"]):
            raise Error(f"{path}:{n}: folio {r['folio']!r} (none, thp-always or a size)")
        for c in ("pages", "samples", "faults", "pages_allocated", "p50", "p99"):
            try:
                r[c] = int(r[c])
            except ValueError:
                raise Error(f"{path}:{n}: {c} is {r[c]!r}, not a number")
        for c in ("fault_p50", "pages_per_fault", "cost_per_4k", "folio_allocs",
                  "thp_fault_alloc", "table_pages"):
            try:
                r[c] = float(r[c]) if r.get(c) else None
            except ValueError:
                raise Error(f"{path}:{n}: {c} is {r[c]!r}, not a number")
        key = (r["granule"], r["folio"], r["pattern"], r["access"], r["pages"])
        if key in out:
            raise Error(f"{path}:{n}: case {' '.join(map(str, key))} twice")
        out[key] = r
    return out


def fault_cost(r):
    """(per-fault p50, 4 KiB pages per fault, cost per 4 KiB) of a row, in
    its own unit; None where no sample faulted. Rows without the page-size
    columns (every fault a 4 KiB fault) give their p50 for both."""
    if not r["faults"]:
        return None
    if r.get("fault_p50") is not None and r.get("pages_per_fault"):
        return r["fault_p50"], r["pages_per_fault"], r["cost_per_4k"]
    ppf = r["samples"] / r["faults"]
    return (r["p50"], ppf, r["p50"] / ppf) if ppf <= 1 else None


def pagesize_table(lx_path, fl_path=None, cpu_hz=None):
    """The Markdown page-size section: per first-touch case, a row per
    granule x folio with Linux's fault cost, the 4 KiB pages a fault
    mapped, the cost per 4 KiB, what Linux counted as allocated, the
    re-touch p50, and faultline's fault cost and cost per 4 KiB ("n/a yet"
    until faultline's rows have granule and folio)."""
    lx = load_pagesize(lx_path)
    fl = load_pagesize(fl_path) if fl_path else {}
    first = next(iter(lx.values()))
    l_scale, unit = scale(first, lx_path, cpu_hz)
    f_scale = None
    if fl:
        ffirst = next(iter(fl.values()))
        for c in ("board", "cpu", "mode"):
            if ffirst[c] != first[c]:
                raise Error(f"the runs differ in {c}: faultline {ffirst[c]}, "
                            f"Linux {first[c]}; compare like with like")
        f_scale, f_unit = scale(ffirst, fl_path, cpu_hz)
        if f_unit != unit:
            raise Error(f"faultline is in {f_unit}, Linux in {unit}")
    for c in ("board", "cpu", "mode", "counter", "unit"):
        if len({r[c] for r in lx.values()}) > 1:
            raise Error(f"{lx_path}: rows with different {c}")

    def num(v, scale_by=1.0, digits=0):
        return "-" if v is None else f"{v * scale_by:,.{digits}f}"

    out = [f"# Page sizes: Linux{' and faultline' if fl else ''}, {first['board']}, "
           f"{first['cpu']}, mode {first['mode']}",
           "",
           f"Per granule x folio size, latency in {unit} (Linux: {first['counter']} "
           f"{first['unit']}, x {l_scale:g}). The patterns touch 4 KiB at a "
           "time whatever the granule; one fault may map more (a larger base "
           "page, a folio):",
           "",
           "- **fault p50**: p50 over the faults that mapped a whole folio "
           "(the longest, as many as folios were allocated), else over all faults;",
           "- **4K/fault**: samples / faults, the 4 KiB pages one fault mapped on average;",
           "- **per 4K**: the faults' cost per 4 KiB mapped: (folio faults x their p50 "
           "+ the other faults x theirs) / samples; for one kind of fault, "
           "fault p50 / 4K/fault;",
           "- **folios**: the folio size's `anon_fault_alloc` "
           "(`/sys/kernel/mm/transparent_hugepage/hugepages-<size>kB/stats/`), "
           "**PMD**: `/proc/vmstat` `thp_fault_alloc`, **tables**: the most "
           "page-table pages (granule pages, `VmPTE`) one repetition added, "
           "all over the measured repetitions;",
           "- **retouch**: p50 of a store to a page written before, same "
           "pattern and size (TLB reach shows on hardware, not under QEMU);",
           "- folio `none`: base pages only (THP off); `thp-always`: the top-level "
           "switch `always` (PMD-size THP only); a size: that mTHP size alone;",
           "- **faultline fault p50**, **faultline per 4K**: the same columns of "
           "faultline's run (built for each granule, `step=4k`, `folio=<size>` or "
           "`thp=always`; its faults classified exactly by the pages each allocated), "
           "**x**: Linux fault p50 / faultline fault p50 (how many times shorter "
           "faultline's fault path is), with faultline's 4K/fault beside it where "
           "the two kernels' faults mapped different amounts on average (the "
           "folios one side could place where the other fell back), and no x "
           "where only one side placed folios at all (a folio fault against "
           "a base-page fault).",
           "",
           f"Source: {os.path.basename(lx_path)}"
           + (f", {os.path.basename(fl_path)}" if fl else "") + ". "
           + "; ".join(f"{g}: {why}" for g, why in NO_LINUX_KERNEL.items())
           + (". faultline's columns are n/a yet: its rows have no granule and "
              "folio columns." if not fl else "."),
           ""]
    cases = sorted({(k[2], k[3], k[4]) for k in lx if k[3] in FIRST_TOUCH},
                   key=lambda c: (c[0], FIRST_TOUCH.index(c[1]), c[2]))
    if not cases:
        raise Error(f"{lx_path}: no first-touch case")
    configs = sorted({(k[0], k[1]) for k in list(lx) + list(fl)
                      if k[0] not in NO_LINUX_KERNEL},
                     key=lambda c: (GRANULES.index(c[0]), folio_order(c[1])))
    for pattern, access, pages in cases:
        out += [f"## {pattern} {access}, {pages} pages of 4 KiB", "",
                "| granule | folio | faults | 4K/fault | Linux fault p50 | Linux per 4K "
                "| folios | PMD | tables | pages allocated | Linux retouch p50 "
                "| faultline fault p50 | faultline per 4K | x |",
                "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
                "| ---: | ---: | ---: | ---: |"]
        for g, f in configs:
            r = lx.get((g, f, pattern, access, pages))
            x = fl.get((g, f, pattern, access, pages)) if fl else None
            if r is None and x is None:
                continue
            if r is None:  # a folio size only faultline ran
                fc = fault_cost(x)
                out.append(f"| {g} | {f} | not run on Linux | | | | | | | | | "
                           + (f"{num(fc[0], f_scale)} | {num(fc[2], f_scale)} | - |"
                              if fc else "- | - | - |"))
                continue
            cost = fault_cost(r)
            re = lx.get((g, f, pattern, "retouch", pages))
            line = (f"| {g} | {f} | {r['faults']} | "
                    + (f"{cost[1]:.2f} | {num(cost[0], l_scale)} | "
                       f"{num(cost[2], l_scale)} |" if cost else "- | - | - |")
                    + f" {num(r['folio_allocs'])} | {num(r['thp_fault_alloc'])} |"
                    f" {num(r['table_pages'])} | {r['pages_allocated']} |"
                    f" {num(re['p50'] * l_scale) if re else '-'} |")
            fc = fault_cost(x) if x else None
            if not fl:
                line += " n/a yet | n/a yet | n/a yet |"
            elif fc:
                x_is = ratio(cost[0] * l_scale if cost else None, fc[0] * f_scale)
                if cost and bool(r.get("folio_allocs")) != bool(x.get("folio_allocs")):
                    # one side's fault p50 is a folio's, the other's a base page's
                    x_is = (f"- (only {'faultline' if x.get('folio_allocs') else 'Linux'}"
                            " placed folios: not the same fault)")
                elif cost and x_is != "-" and f"{cost[1]:.2f}" != f"{fc[1]:.2f}":
                    # not the same faults: say what faultline's mapped
                    x_is += f" (faultline {fc[1]:.2f} 4K/fault)"
                line += f" {num(fc[0], f_scale)} | {num(fc[2], f_scale)} | {x_is} |"
            else:
                line += " - | - | - |"
            out.append(line)
        for g, why in NO_LINUX_KERNEL.items():
            flrows = [k for k in fl if k[0] == g and k[2:] == (pattern, access, pages)]
            if not flrows:
                out.append(f"| {g} | - | {why} | | | | | | | | | n/a yet | n/a yet | n/a yet |"
                           if not fl else f"| {g} | - | {why} | | | | | | | | | - | - | - |")
            for k in sorted(flrows, key=lambda k: folio_order(k[1])):
                fc = fault_cost(fl[k])
                out.append(f"| {g} | {k[1]} | {why} | | | | | | | | | "
                           + (f"{num(fc[0], f_scale)} | {num(fc[2], f_scale)} | - |"
                              if fc else "- | - | - |"))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def ratio(linux, faultline):
    """Linux fault p50 / faultline fault p50 as "12.3x"; "-" if either is missing or 0."""
    if not linux or not faultline:
        return "-"
    return f"{linux / faultline:.1f}x"


def pagesize_points(rows, factor):
    """{granule: [(folio KiB, cost per 4 KiB)]} of write rows: folio none at
    the granule's size, thp-always left out (the PMD size's own row has it)."""
    pts = {}
    for (g, f, pattern, access, pages), r in rows.items():
        if access != "write" or f == "thp-always":
            continue
        cost = fault_cost(r)
        if cost is None:
            continue
        kib = size_kib(g) if f == "none" else size_kib(f)
        pts.setdefault(g, []).append((kib, cost[2] * factor))
    return {g: sorted(v) for g, v in pts.items()}


def pagesize_plot(lx_path, out, fl_path=None, cpu_hz=None, gnuplot="gnuplot"):
    """Draw out (SVG): the write fault's cost per 4 KiB mapped against the
    folio size, one line per granule (and per kernel). Only the first write
    case (pattern, pages) is drawn, so every point is the same pattern."""
    lx = load_pagesize(lx_path)
    first = next(iter(lx.values()))
    l_scale, unit = scale(first, lx_path, cpu_hz)
    writes = sorted({(k[2], k[4]) for k in lx if k[3] == "write"})
    if not writes:
        raise Error(f"{lx_path}: no write case to plot")
    pattern, pages = writes[0]
    pick = lambda rows: {k: r for k, r in rows.items() if (k[2], k[4]) == (pattern, pages)}
    lines = [(f"Linux {g}", p) for g, p in
             sorted(pagesize_points(pick(lx), l_scale).items(),
                    key=lambda i: GRANULES.index(i[0]))]
    if fl_path:
        fl = load_pagesize(fl_path)
        f_scale = scale(next(iter(fl.values())), fl_path, cpu_hz)[0]
        lines += [(f"faultline {g}", p) for g, p in
                  sorted(pagesize_points(pick(fl), f_scale).items(),
                         key=lambda i: GRANULES.index(i[0]))]
    if not lines:
        raise Error(f"{lx_path}: no write fault to plot")
    tmp = tempfile.mkdtemp(prefix="faultline-pagesize-")
    try:
        dat = os.path.join(tmp, "pagesize.dat")
        with open(dat, "w") as f:
            for _, pts in lines:
                f.write("".join(f"{k} {c:.2f}\n" for k, c in pts) + "\n\n")
        plots = ", ".join(f"'{dat}' index {i} with linespoints lw 2 pt 7 title '{t}'"
                          for i, (t, _) in enumerate(lines))
        script = "\n".join([
            "set terminal svg size 800,500 dynamic font 'sans,12' background '#ffffff'",
            f"set output '{out}'",
            f"set title '{first['board']} {first['cpu']} {first['mode']}: write fault "
            f"({pattern}, {pages} x 4 KiB), cost per 4 KiB mapped'",
            "set logscale x 2",
            "set xlabel 'folio size, KiB (base page: the granule)'",
            f"set ylabel '{unit} per 4 KiB'",
            "set yrange [0:*]",
            "set grid",
            "set key top right",
            f"plot {plots}", ""])
        try:
            subprocess.run([gnuplot], input=script, text=True, check=True, timeout=120)
        except (OSError, subprocess.SubprocessError) as e:
            raise Error(f"gnuplot failed: {e}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def pagesize_sane(path, rows):
    """Problems with what a real page-size run would show: per row samples,
    faults at most one per sample on first touch (a folio or a larger
    granule maps several) and none on re-touch; a row whose folio or granule
    is larger than 4 KiB must have mapped more than 4 KiB per write fault,
    and a folio-size row must have allocated folios of that size (when the
    region is at least twice the folio), and every fault of a seq write
    must be a folio or a base page of its region."""
    why = []
    for (g, f, pattern, access, pages), r in rows.items():
        name = f"{path}: {g} {f} {pattern} {access} {pages}"
        if r["samples"] <= 0:
            why.append(f"{name}: no samples")
        if access in FIRST_TOUCH and not 0 < r["faults"] <= r["samples"] + 1:
            why.append(f"{name}: {r['faults']} faults in {r['samples']} first touches")
        if access == "retouch" and r["faults"] > r["samples"] // 100:
            why.append(f"{name}: {r['faults']} faults in {r['samples']} re-touches")
        if access != "write" or r["pattern"] != "seq":
            continue
        # A region of twice the folio holds a naturally aligned folio
        # wherever it lies; a smaller one may hold none (Linux then falls
        # back to smaller sizes, as it should).
        fits = 0 < (size_kib(f) or 0) <= pages * 4 // 2
        if (size_kib(g) > 4 or fits) and r["faults"] >= r["samples"]:
            why.append(f"{name}: {r['faults']} faults in {r['samples']} 4 KiB "
                       "touches: no fault mapped more than 4 KiB")
        if fits and size_kib(f) > size_kib(g) and not r.get("folio_allocs"):
            why.append(f"{name}: no {f} folio allocated (folio_allocs)")
        # Every fault accounted for: a seq write touches every base page of
        # its region once, by folio faults (folio / granule base pages each)
        # and base-page faults; a fault on anything else (the program's own
        # pages) would break the sum.
        gk = size_kib(g)
        fk = PMD_KIB[g] if f == "thp-always" else size_kib(f) or gk
        folios = int(r.get("folio_allocs") or 0) if fk > gk else 0
        want = r["samples"] * 4 // gk
        if (r["samples"] * 4) % gk == 0 and \
                folios * (fk // gk) + r["faults"] - folios != want:
            why.append(f"{name}: {r['faults']} faults, {folios} of them {fk} KiB "
                       f"folios, do not add up to the {want} {g} pages touched")
    return why


def check_done(tab, text, why, sources):
    """The end of --check: why (a list of problems) gains one if the file
    tab is not text; every problem is printed. 0 if there were none."""
    try:
        with open(tab) as f:
            if f.read() != text:
                why.append(f"{tab}: not the table the CSVs give")
    except OSError as e:
        why.append(f"{tab}: {e.strerror}")
    for w in why:
        print(f"compare.py: {w}", file=sys.stderr)
    if not why:
        print(f"compare: {tab} matches {sources}")
    return 1 if why else 0


def pagesize_main(argv):
    p = argparse.ArgumentParser(
        prog="compare.py --pagesize",
        description="the page-size section: rows granule x folio")
    p.add_argument("--pagesize", action="store_true")
    p.add_argument("--check", metavar="TABLE",
                   help="verify the rows and that TABLE is what they give")
    p.add_argument("--faultline", help="faultline's page-size CSV (granule, folio columns)")
    p.add_argument("linux", help="the Linux rows (make compare-pagesize's merged CSV)")
    p.add_argument("-o", dest="out", help="write the table here (default stdout)")
    p.add_argument("--plot", metavar="SVG", help="also draw cost per 4 KiB against folio size")
    p.add_argument("--cpu-hz", type=float, help="core clock, to turn cycles into ns")
    a = p.parse_args(argv)
    try:
        text = pagesize_table(a.linux, a.faultline, a.cpu_hz)
        if a.check:
            why = pagesize_sane(a.linux, load_pagesize(a.linux))
            if a.faultline:
                why += pagesize_sane(a.faultline, load_pagesize(a.faultline))
            return check_done(a.check, text, why, a.linux)
        if a.out:
            with open(a.out, "w") as f:
                f.write(text)
            print(f"wrote {a.out}")
        else:
            sys.stdout.write(text)
        if a.plot:
            pagesize_plot(a.linux, a.plot, a.faultline, a.cpu_hz)
            print(f"wrote {a.plot}")
    except Error as e:
        print(f"compare.py: {e}", file=sys.stderr)
        return 1
    return 0


def expect_main(argv):
    """compare.py --expect COLUMN=VALUE CSV...: every row has that value."""
    if len(argv) < 3 or "=" not in argv[1]:
        print("usage: compare.py --expect COLUMN=VALUE CSV...", file=sys.stderr)
        return 2
    col, want = argv[1].split("=", 1)
    bad = 0
    for path in argv[2:]:
        try:
            with open(path, newline="") as f:
                rows = list(csv.DictReader(f))
        except OSError as e:
            print(f"compare.py: {path}: {e.strerror}", file=sys.stderr)
            return 1
        if not rows:
            print(f"compare.py: {path}: no rows", file=sys.stderr)
            bad += 1
        for n, r in enumerate(rows, 2):
            if r.get(col) != want:
                print(f"compare.py: {path}:{n}: {col} is {r.get(col)!r}, not {want!r}",
                      file=sys.stderr)
                bad += 1
    if not bad:
        print(f"compare: every row of {', '.join(argv[2:])} has {col}={want}")
    return 1 if bad else 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--pagesize"]:
        return pagesize_main(argv)
    if argv[:1] == ["--expect"]:
        return expect_main(argv)
    if argv[:1] == ["--merge"]:
        if len(argv) < 3:
            print("usage: compare.py --merge OUT.csv CSV...", file=sys.stderr)
            return 2
        try:
            merge(argv[1], argv[2:])
        except Error as e:
            print(f"compare.py: {e}", file=sys.stderr)
            return 1
        print(f"wrote {argv[1]}")
        return 0
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
            return check_done(tab, text, why, f"{a.faultline} and {', '.join(linux)}")
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
