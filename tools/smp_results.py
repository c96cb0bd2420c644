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
    python3 -m tools.smp_results check DIR
        fail unless the statistics blocks beside DIR/smp.csv agree with it
        and with themselves (smp-locks.csv, smp-alloc.csv, smp-bringup.csv:
        check_stats below says what is checked)

SMP.csv is the "smp" block of run=bench suite=smp (docs/contract.md, "SMP
columns"): the summary columns, then cpus, core, placement, peers, warmup,
warmup_pages, fault_lost, fault_retry, table_lost, tlbi, dsb_ish,
tlb_flush_all (the last three on shootdown rows). Its churn rows (placement
churn) are windows with another core running (peers churn): the table shows
them apart and the plot leaves them out. Python 3 standard library (gnuplot
for the plot).
"""

import argparse
import os
import subprocess
import sys

from tools.compare_smp import draw, read_rows

GUARDED = ("disjoint", "partitioned", "interleaved")
# The churner's rows of the churn case: calls, not faults (samples = calls).
CHURN_CALLS = ("mmap", "munmap")
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
                r[c] = int(r.get(c) if r.get(c) is not None else "")
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


def counted(r):
    """Whether a row's p50 counts: it faulted, or it is a churner's calls."""
    return r["faults"] or (r["access"] in CHURN_CALLS and r["samples"])


def cell(rs):
    """The cores' p50s at one CPU count: one value, or min-max; cores that
    took no fault in their windows are counted aside."""
    p = sorted(r["p50"] for r in rs if counted(r))
    idle = sum(1 for r in rs if not counted(r))
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
    if any(k[0] == "churn" for k in cases):
        lines.append("churn: the faulting cores' windows with the churner running "
                     "(peers churn: a window holds what it retired meanwhile); "
                     "mmap, munmap: the churner's p50 per call; retry: faults that "
                     "waited for its writer")
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


# The statistics blocks beside smp.csv (docs/contract.md), their columns.
LOCKS = ("mm-writer", "console", "page-run")
LOCK_REQUIRED = ("mode counter unit pattern access folio cpus placement lock timed "
                 "acquisitions contended wait hold").split()
ALLOC_REQUIRED = ("mode pattern access folio cpus placement core hits refills refill_pages "
                  "spills spill_pages frees faults fault_pages fault_lost").split()
BRINGUP_REQUIRED = ("mode method core counter unit cntfrq release_to_entry "
                    "release_to_online instructions_per_tick release_to_entry_instructions "
                    "release_to_online_instructions").split()
# Table pages one fault may take from its CPU's cache: one per level below
# the root (three with 4 KiB pages, fewer at the larger granules).
TABLES_PER_FAULT = 3
WORD_PAGES = 64  # a page cache holds one bitmap word


def read_block(path, required):
    """The rows of a statistics block; Error if a column is missing."""
    rows = read_rows(path, Error)
    missing = [c for c in required if c not in rows[0]]
    if missing:
        raise Error(f"{path}: no column {', '.join(missing)}")
    return rows


def num(r, col, where):
    """Column col of row r as an int (None when empty)."""
    v = r[col]
    if v == "":
        return None
    try:
        return int(v)
    except ValueError:
        raise Error(f"{where}: {col} '{v}' is not a number")


def stats_key(r):
    """The case a row belongs to: pattern, the case's access (a churn case's
    is write, its churner's rows mmap and munmap), folio, cpus, placement."""
    access = "write" if r["placement"] == "churn" else r["access"]
    return (r["pattern"], access, r.get("folio") or "none", int(r["cpus"]), r["placement"])


def writers(key, rows):
    """The mm writer acquisitions a case makes (bench/kernel/smp_bench.c,
    smp_churn.c): a mapping per core (disjoint), per faulting core (churn)
    or one, each mapped and unmapped, one mm_check, and the churner's calls."""
    _, _, _, cpus, placement = key
    maps = {"disjoint": cpus, "churn": cpus - 1}.get(placement, 1)
    calls = sum(r["samples"] for r in rows if r["access"] in CHURN_CALLS)
    return 2 * maps + 1 + calls


def check_stats(smp_rows, locks, alloc, bringup):
    """(bad, seen): how the statistics blocks disagree with smp.csv (rows
    of load()) or with themselves ([] if they do not), and what was checked.

    smp-locks: a row per case and lock; contended <= acquisitions; a timed
    lock held when it was taken; the mm writer lock taken exactly as often
    as the case's code takes it (writers()); the run lock never in a
    base-page case, at least once per fault in a folio case. smp-alloc: a
    row per case and core; a refill or spill moves 1 to 64 pages; a core
    handed out at least the pages its faults mapped and, if it ran no
    writer, at most those and its faults' tables. churn: faulting cores
    0..cpus-2 that faulted in every window, the churner's mmap and munmap
    rows with as many maps as unmaps. smp-bringup: a row per secondary CPU
    1..n-1 (n at least the most CPUs a case ran on), entry before online,
    instructions = ticks x instructions_per_tick under icount. The
    shootdown cases (their own TLB counts in smp.csv) keep no statistics."""
    bad, seen = [], []
    cases = {}
    for r in smp_rows:
        if r["placement"] != "shootdown":  # no statistics rows: not a fault case
            cases.setdefault(stats_key(r), []).append(r)
    faults = {}
    alloc_cores = {}
    for i, r in enumerate(alloc, 2):
        where = f"smp-alloc.csv:{i}"
        key = stats_key(r)
        v = {c: num(r, c, where) for c in ("core", "hits", "refills", "refill_pages", "spills",
                                             "spill_pages", "faults", "fault_pages",
                                             "fault_lost")}
        name = f"{' '.join(map(str, key))} core {v['core']}"
        alloc_cores.setdefault(key, []).append(v["core"])
        faults[key] = faults.get(key, 0) + v["faults"]
        if not v["refills"] <= v["refill_pages"] <= WORD_PAGES * v["refills"]:
            bad.append(f"{name}: {v['refills']} refills brought {v['refill_pages']} pages")
        if not v["spills"] <= v["spill_pages"] <= WORD_PAGES * v["spills"]:
            bad.append(f"{name}: {v['spills']} spills gave back {v['spill_pages']} pages")
        handed = v["hits"] + v["refills"]
        if handed < v["fault_pages"]:
            bad.append(f"{name}: its cache handed out {handed} pages (hits + refills), "
                       f"fewer than the {v['fault_pages']} its faults mapped")
        writer = v["core"] == 0 or (key[4] == "churn" and v["core"] == key[3] - 1)
        most = v["fault_pages"] + v["fault_lost"] + TABLES_PER_FAULT * v["faults"]
        if not writer and handed > most:
            bad.append(f"{name}: its cache handed out {handed} pages (hits + refills), "
                       f"more than its {v['faults']} faults could take ({most})")
    for key, cores in alloc_cores.items():
        if sorted(cores) != list(range(key[3])):
            bad.append(f"smp-alloc {' '.join(map(str, key))}: cores {sorted(cores)}")
    by_lock = {}
    for i, r in enumerate(locks, 2):
        key = stats_key(r)
        if r["lock"] in by_lock.setdefault(key, {}):
            bad.append(f"smp-locks.csv:{i}: a second {r['lock']} row")
        by_lock[key][r["lock"]] = (i, r)
    for key in cases:
        if key not in by_lock or key not in alloc_cores:
            bad.append(f"{' '.join(map(str, key))}: no statistics rows")
    for key, by in by_lock.items():
        name = " ".join(map(str, key))
        if key not in cases:
            bad.append(f"smp-locks {name}: no such case in smp.csv")
            continue
        if sorted(by) != sorted(LOCKS):
            bad.append(f"smp-locks {name}: locks {sorted(by)}")
            continue
        v = {}
        for lock, (i, r) in by.items():
            where = f"smp-locks.csv:{i}"
            acq, cont = num(r, "acquisitions", where), num(r, "contended", where)
            hold = num(r, "hold", where)
            v[lock] = acq
            if cont > acq:
                bad.append(f"{name} {lock}: {cont} contended of {acq} acquisitions")
            if r["timed"] == "all" and acq and not hold:
                bad.append(f"{name} {lock}: {acq} acquisitions held for {hold} ticks")
            if r["timed"] != "all" and hold is not None:
                bad.append(f"{name} {lock}: a hold ({hold}) where only waits are timed")
        want = writers(key, cases[key])
        if v["mm-writer"] != want:
            bad.append(f"{name}: the mm writer lock taken {v['mm-writer']} times, the "
                       f"case's code takes it {want} times")
        if key[2] == "none" and v["page-run"]:
            bad.append(f"{name}: the run lock taken {v['page-run']} times in a "
                       "base-page case")
        if key[2] != "none" and v["page-run"] < faults.get(key, 0):
            bad.append(f"{name}: the run lock taken {v['page-run']} times for "
                       f"{faults.get(key, 0)} folio faults")
        seen.append(f"{name}: mm-writer {v['mm-writer']}, page-run {v['page-run']}, "
                    f"console {v['console']}")
    for key, rs in cases.items():
        if key[4] != "churn":
            continue
        name = " ".join(map(str, key))
        calls = {r["access"]: r for r in rs if r["access"] in CHURN_CALLS}
        fault = sorted(r["core"] for r in rs if r["access"] == "write")
        if fault != list(range(key[3] - 1)):
            bad.append(f"{name}: faulting cores {fault}, want 0..{key[3] - 2}")
        if sorted(calls) != sorted(CHURN_CALLS) or \
                any(r["core"] != key[3] - 1 for r in calls.values()):
            bad.append(f"{name}: no mmap and munmap rows of core {key[3] - 1}")
            continue
        maps, unmaps = calls["mmap"]["samples"], calls["munmap"]["samples"]
        if maps != unmaps or not maps:
            bad.append(f"{name}: the churner mapped {maps} times and unmapped {unmaps}")
        for r in rs:
            if r["peers"] != "churn":
                bad.append(f"{name} core {r['core']}: peers {r['peers']}, want churn")
            if r["access"] == "write" and r["faults"] != r["samples"]:
                bad.append(f"{name} core {r['core']}: {r['faults']} faults in "
                           f"{r['samples']} windows")
        seen.append(f"{name}: {maps} maps, {unmaps} unmaps, retries "
                    + " ".join(str(r.get("fault_retry")) for r in rs if r["access"] == "write"))
    most = max((r["cpus"] for r in smp_rows), default=1)
    cores = sorted(int(r["core"]) for r in bringup)
    if cores != list(range(1, len(cores) + 1)) or len(cores) + 1 < most:
        bad.append(f"smp-bringup: cores {cores}, want 1..n-1 with n >= {most}")
    for i, r in enumerate(bringup, 2):
        where = f"smp-bringup.csv:{i}"
        entry, online = num(r, "release_to_entry", where), num(r, "release_to_online", where)
        if entry is None or online is None or not 0 <= entry <= online or not online:
            bad.append(f"{where}: release_to_entry {entry}, release_to_online {online} ticks")
            continue
        per = num(r, "instructions_per_tick", where)
        if r["mode"] == "icount":
            if not per or num(r, "release_to_entry_instructions", where) != entry * per or \
                    num(r, "release_to_online_instructions", where) != online * per:
                bad.append(f"{where}: instructions are not ticks x {per}")
        elif per is not None:
            bad.append(f"{where}: instructions per tick under {r['mode']}")
        seen.append(f"bring-up cpu {r['core']} ({r['method']}): {entry} ticks to C, "
                    f"{online} to online")
    return bad, seen


def check(dirpath):
    """check_stats of DIR's smp.csv and its statistics blocks."""
    blocks = [read_block(os.path.join(dirpath, f"{name}.csv"), req) for name, req in
              (("smp-locks", LOCK_REQUIRED), ("smp-alloc", ALLOC_REQUIRED),
               ("smp-bringup", BRINGUP_REQUIRED))]
    return check_stats(load(os.path.join(dirpath, "smp.csv")), *blocks)


def plot(rows, out, gnuplot="gnuplot"):
    """Draw out (SVG): the slowest core's p50 against the CPU count, a line
    per case that faulted with its peers halted (churn and shootdown rows
    are not faults so measured); None, nothing drawn, when there is no other."""
    cases = {k: v for k, v in by_case(rows).items() if k[0] not in ("churn", "shootdown")}
    if not cases and rows:
        return None
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
    c = sub.add_parser("check")
    c.add_argument("dir")
    a = p.parse_args(argv)
    try:
        if a.cmd == "check":
            bad, seen = check(a.dir)
            for s in seen:
                print(f"smp check: {s}")
            for b in bad:
                print(f"smp check: FAIL {b}", file=sys.stderr)
            if not bad:
                print(f"smp check: {a.dir}: the statistics blocks agree ({len(seen)} checks)")
            return 1 if bad else 0
        rows = load(a.csv)
        if a.cmd == "table":
            sys.stdout.write(table(rows))
        elif a.cmd == "plot":
            out = plot(rows, a.out)
            print(f"wrote {out}" if out else "nothing to draw: churn or shootdown rows only")
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
