#!/usr/bin/python3
"""faultline's SMP suite on the host (suite=smp, issue 19): table, plot, guard.

    python3 -m tools.smp_results table SMP.csv          p50 per core at each CPU count
    python3 -m tools.smp_results plot SMP.csv -o SVG    the slowest core's p50
        against the CPU count, a line per case (placement, access, folio)
    python3 -m tools.smp_results shootdown-plot SMP.csv -o SVG   the
        initiator's p50 per munmap or mprotect against the pages, a line
        per call and core count
    python3 -m tools.smp_results guard SMP.csv [--percent 5] [--cpus 4]
        fail unless, under icount with the peers halted in WFI, every core's
        p50 at --cpus cores is within --percent % of the one-core p50 of
        the same case, for the disjoint, partitioned and interleaved
        placements (the goal of issue 19), each of which must be there;
        and, when the file has shootdown rows, unless every munmap and
        mprotect issued one DSB ISH, one TLBI per page below the threshold
        (a table's worth of entries) and one TLBI VMALLE1IS from it, one
        TLBI for a block, at the same cost whatever the core count

SMP.csv is the "smp" block of run=bench suite=smp (docs/contract.md, "SMP
columns"): the summary columns, then cpus, core, placement, peers, warmup,
warmup_pages, fault_lost, fault_retry, table_lost, tlbi, dsb_ish,
tlb_flush_all (the last three on shootdown rows). Python 3 standard library
(gnuplot for the plot).
"""

import argparse
import subprocess
import sys

from tools.compare_smp import draw, read_rows

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


# The threshold from which a range flush is one TLBI VMALLE1IS: a table's
# worth of entries (PGT_FLUSH_MAX_OPS), by granule.
FLUSH_MAX = {"4k": 512, "16k": 2048, "64k": 8192}


def shootdowns(rows):
    """The shootdown rows (placement shootdown), tlbi, dsb_ish, tlb_flush_all and pages as ints."""
    out = []
    for r in rows:
        if r["placement"] != "shootdown":
            continue
        try:
            for c in ("tlbi", "dsb_ish", "tlb_flush_all", "pages"):
                r[c] = int(r.get(c) or "")
        except ValueError:
            raise Error(f"shootdown row {r['access']} {r.get('pages')}: no tlbi, dsb_ish, "
                        "tlb_flush_all (not faultline's shootdown rows)")
        out.append(r)
    return out


def shoot_name(r):
    """"munmap 16 pages", "mprotect block (2m)"."""
    folio = r.get("folio") or "none"
    pages = f"{r['pages']} page" + ("" if r["pages"] == 1 else "s")
    return f"{r['access']} " + (f"block ({folio})" if folio != "none" else pages)


def shoot_table(rows):
    """The shootdown rows as text: p50 per call per core count, and the TLB maintenance."""
    shoots = shootdowns(rows)
    if not shoots:
        return ""
    cpus = sorted({r["cpus"] for r in shoots})
    by = {}
    for r in shoots:
        by.setdefault(shoot_name(r), {})[r["cpus"]] = r
    head = ["call"] + [f"{n} CPU{'s' if n > 1 else ''}" for n in cpus] + \
        ["TLBI", "DSB ISH", "flush all"]
    out = [head]
    for name, rs in by.items():
        any_r = next(iter(rs.values()))
        out.append([name] + [f"{rs[n]['p50']:,}" if n in rs else "-" for n in cpus] +
                   [str(any_r["tlbi"]), str(any_r["dsb_ish"]), str(any_r["tlb_flush_all"])])
    width = [max(len(r[i]) for r in out) for i in range(len(head))]
    lines = [f"shootdown: p50 per call on core 0 ({shoots[0]['unit']}) while the other "
             "cores hold the translations; TLB maintenance per call"]
    for r in out:
        lines.append("  ".join(v.ljust(w) for v, w in zip(r, width)).rstrip())
    return "\n".join(lines) + "\n"


def shoot_guard(rows, percent=5):
    """(bad, seen) for the shootdown rows: one DSB ISH per call; TLBIs one
    per page below FLUSH_MAX (one for a block), one from it (a flush of
    everything); a cost at k cores within percent % of one core's."""
    bad, seen = [], []
    shoots = shootdowns(rows)
    by = {}
    for r in shoots:
        name = shoot_name(r)
        by.setdefault(name, {})[r["cpus"]] = r
        limit = FLUSH_MAX.get(r.get("granule") or "4k", 512)
        block = (r.get("folio") or "none") != "none"
        want_all = 0 if block else int(r["pages"] >= limit)
        want_tlbi = 1 if block or want_all else r["pages"]
        if r["dsb_ish"] != 1:
            bad.append(f"shootdown {name} cpus={r['cpus']}: {r['dsb_ish']} DSB ISH per call, want 1")
        if r["tlbi"] != want_tlbi or r["tlb_flush_all"] != want_all:
            bad.append(f"shootdown {name} cpus={r['cpus']}: {r['tlbi']} TLBIs and "
                       f"{r['tlb_flush_all']} flushes of everything per call, want "
                       f"{want_tlbi} and {want_all} (threshold {limit})")
        if r["peers"] not in ("wfi", "none"):
            bad.append(f"shootdown {name} cpus={r['cpus']}: peers {r['peers']}: not exact")
    for name, rs in by.items():
        if 1 not in rs:
            bad.append(f"shootdown {name}: no one-core row")
            continue
        base = rs[1]["p50"]
        seen.append(f"shootdown {name}: " + ", ".join(
            f"{c} CPU{'s' if c > 1 else ''} {rs[c]['p50']:,}" for c in sorted(rs)) +
            f"; {rs[1]['tlbi']} TLBI, {rs[1]['dsb_ish']} DSB ISH")
        for c, r in rs.items():
            if abs(r["p50"] - base) * 100 > base * percent:
                bad.append(f"shootdown {name} at {c} CPUs: p50 {r['p50']:,} against {base:,} "
                           f"at 1 CPU (limit {percent} %)")
    return bad, seen


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
    """A text table: a line per case, a column per CPU count (then the shootdowns')."""
    every = rows
    rows = [r for r in rows if r["placement"] != "shootdown"]
    if not rows:
        return shoot_table(every)
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
    return "\n".join(lines) + "\n" + shoot_table(every)


def guard(rows, percent=5, cpus=4):
    """(bad, seen): why rows miss the goal ([] if none), and the lines of
    numbers checked ("disjoint write none: 1 CPU 305, 4 CPUs 305 305 305 305");
    the shootdown rows' goal too when there are any (shoot_guard)."""
    bad, seen = shoot_guard(rows, percent)
    rows = [r for r in rows if r["placement"] != "shootdown"]
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
    per case that faulted; None when the rows hold shootdowns only."""
    if rows and all(r["placement"] == "shootdown" for r in rows):
        return None
    cases = by_case([r for r in rows if r["placement"] != "shootdown"])
    series = []
    for key, by in cases.items():
        pts = [(c, max(r["p50"] for r in rs if r["faults"]))
               for c, rs in sorted(by.items()) if any(r["faults"] for r in rs)]
        if pts:
            placement, access, folio, _ = key
            series.append((f"{placement} {access}" +
                           ("" if folio == "none" else f" folio={folio}"), pts))
    if not series:
        raise Error("no case faulted: nothing to draw")
    first = rows[0]
    return draw(series, "smp", f"{first['board']} {first['cpu']} {first['mode']} suite=smp: "
                f"p50 per fault of the slowest core, peers {first['peers']}",
                first["unit"], out, gnuplot)


def shoot_plot(rows, out, gnuplot="gnuplot"):
    """Draw out (SVG): the initiator's p50 per call against the pages, a
    line per call (munmap, mprotect) and core count; None without shootdown rows."""
    shoots = [r for r in shootdowns(rows) if (r.get("folio") or "none") == "none"]
    if not shoots:
        return None
    lines = {}
    for r in shoots:
        lines.setdefault((r["access"], r["cpus"]), []).append((r["pages"], r["p50"]))
    first = shoots[0]
    return draw([(f"{access}, {cpus} core{'s' if cpus > 1 else ''}", sorted(pts))
                 for (access, cpus), pts in lines.items()], "shoot",
                f"{first['board']} {first['cpu']} {first['mode']} suite=smp shootdown: "
                "p50 per call on core 0, the other cores holding the pages",
                first["unit"], out, gnuplot)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("table")
    t.add_argument("csv")
    pl = sub.add_parser("plot")
    pl.add_argument("csv")
    pl.add_argument("-o", dest="out", required=True)
    sp = sub.add_parser("shootdown-plot")
    sp.add_argument("csv")
    sp.add_argument("-o", dest="out", required=True)
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
            print(f"wrote {plot(rows, a.out) or 'nothing (shootdowns only)'}")
        elif a.cmd == "shootdown-plot":
            print(f"wrote {shoot_plot(rows, a.out) or 'nothing (no shootdown rows)'}")
        else:
            bad, seen = guard(rows, a.percent, a.cpus)
            for s in seen:
                print(f"smp guard: {s}")
            for b in bad:
                print(f"smp guard: FAIL {b}", file=sys.stderr)
            if not bad:
                print(f"smp guard: {len(seen)} cases: every core at {a.cpus} CPUs within "
                      f"{a.percent} % of one core; every shootdown one DSB ISH")
            return 1 if bad else 0
    except (Error, OSError, subprocess.SubprocessError) as e:
        print(f"smp_results: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
