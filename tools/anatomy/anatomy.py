#!/usr/bin/python3
"""make anatomy: every instruction of one fault of each kind, on faultline
and on Linux, attributed to functions and stages (docs/anatomy.md).

    anatomy.py run --work DIR --out DIR [--runs N] ...
        boot each kernel once without a debugger (the PMU counts of the
        traced touches) and N times with one (the traces, tools/anatomy/
        trace.py), into DIR/<kernel>/count and DIR/<kernel>/run<i>; then
        report into --out
    anatomy.py report --work DIR --out DIR ...
        from DIR/<kernel>/run1: anatomy-<kind>.csv (kernel, function, stage,
        instructions, share), anatomy-<kind>.md (stage, faultline, Linux,
        difference; then the top functions) and anatomy-<kind>.svg
    anatomy.py check --work DIR ...
        each trace's length is its PMU count plus the constant (1 for a
        fault: the access is traced twice, retires once; 0 for the
        re-touch); every run's traces are identical; faultline's counts
        within 5 % of the committed suite's p50 (a typical fault was
        traced); every function mapped
    anatomy.py stamps --work DIR --csv results/qemu-virt/default.csv
        faultline's traced stage totals next to its stamp-based stage
        medians (seq pattern), as a markdown table

Python 3 standard library; addr2line, nm, gdb-multiarch and gnuplot.
"""

import argparse
import csv
import os
import re
import subprocess
import sys
import time

from . import attribute, trace

KERNELS = ("faultline", "linux")
TITLES = {"faultline": "faultline", "linux": "Linux"}
KIND_TITLES = {"write": "first write to an anonymous page",
               "read": "first read (maps the zero page)",
               "read-then-write": "write after a read (replaces the zero page)",
               "retouch": "re-touch of a mapped page (no fault: the control)"}
# Trace length minus PMU count: the traced access runs twice when it
# faults (the aborted attempt is not counted as retired), once when not.
CONSTANT = {"write": 1, "read": 1, "read-then-write": 1, "retouch": 0}
TOP = 10


def kernel_setup(a, kernel):
    """(tools/qemu.py command, access addresses, symbols_at, attribution)."""
    if kernel == "faultline":
        load = int(subprocess.run([sys.executable, "-m", "tools.qemu", "loadaddr",
                                   a.faultline_img], check=True, capture_output=True,
                                  text=True).stdout.strip(), 0)
        addr = trace.symbol_addresses(a.faultline_elf, ["anatomy_store", "anatomy_load"], load)
        cmd = trace.qemu_run_cmd(sys.executable, a.faultline_img, a.board_args,
                                 "run=anatomy mode=icount")
        return cmd, addr, None, ("faultline", a.faultline_elf, load)
    addr = trace.symbol_addresses(a.linux_prog, ["anatomy_store", "anatomy_load",
                                                 "anatomy_symbols"])
    cmd = trace.qemu_run_cmd(sys.executable, a.linux_image, a.board_args, a.linux_append,
                             ["--qemu-arg=-initrd", f"--qemu-arg={a.linux_initrd}",
                              "--machine-opt", "dtb-randomness=off"])
    return cmd, addr, addr["anatomy_symbols"], ("linux",)


def frames_for(setup_attr, rundir, pcs, access):
    if setup_attr[0] == "faultline":
        _, elf, load = setup_attr
        return attribute.faultline_frames(elf, load, pcs, access)
    return attribute.linux_frames(f"{rundir}/kallsyms.txt", pcs, access)


def cmd_run(a):
    # A line per boot and trace: [k/n], what, seconds since the start.
    t0, n, k = time.monotonic(), len(KERNELS) * (1 + a.runs), 0

    def progress(what):
        nonlocal k
        k += 1
        print(f"anatomy: [{k}/{n}] {what} ({time.monotonic() - t0:.0f} s)", flush=True)
    for kernel in KERNELS:
        cmd, addr, symbols_at, _ = kernel_setup(a, kernel)
        cdir = f"{a.work}/{kernel}/count"
        os.makedirs(cdir, exist_ok=True)
        progress(f"{kernel}: count run")
        r = subprocess.run(cmd + ["--timeout", str(a.timeout), "--log", f"{cdir}/console.log"])
        if r.returncode:
            raise SystemExit(f"anatomy: the {kernel} count run failed ({cdir}/console.log)")
        for i in range(1, a.runs + 1):
            progress(f"{kernel}: tracing, run {i} of {a.runs}")
            trace.capture(cmd, f"{a.work}/{kernel}/run{i}", addr, symbols_at, a.timeout)
    print(f"anatomy: traced in {time.monotonic() - t0:.0f} s", flush=True)
    return cmd_report(a)


def load_rows(a):
    """{kind: {kernel: {(function, stage): n}}} and the stages in display
    order; exits naming unmapped Linux functions, or faultline instructions
    no stage mark closes."""
    smap = attribute.read_map(a.map)
    rows, missing = {}, []
    names, marks = attribute.fault_marks(a.faultline_elf)
    for kernel in KERNELS:
        _, addr, _, setup_attr = kernel_setup(a, kernel)
        rundir = f"{a.work}/{kernel}/run1"
        if kernel == "faultline":  # relocated by the traced boot's own base=
            setup_attr = ("faultline", a.faultline_elf,
                          attribute.boot_base(f"{rundir}/console.log"))
        for kind in trace.KINDS:
            pcs = trace.read_pcs(f"{rundir}/{kind}.pcs")
            access = addr[trace.ACCESS[kind]]
            fr = frames_for(setup_attr, rundir, pcs, access)
            if kernel == "faultline":
                r, unknown = attribute.marks_attribute(pcs, fr, names, marks,
                                                       setup_attr[2], access)
                if unknown:
                    missing.append(f"faultline: {unknown} instructions of the {kind} trace "
                                   "after the last stage mark (.fault_marks)")
            else:
                r, miss = attribute.attribute(kernel, pcs, fr, smap)
                missing += [f"{kernel} {f} (in the {kind} trace)" for f in miss]
            rows.setdefault(kind, {})[kernel] = r
    if missing:
        raise SystemExit("anatomy: instructions without a stage (Linux: functions missing "
                         "from " + a.map + "):\n  " + "\n  ".join(sorted(set(missing))))
    return rows, attribute.stage_order(names + [attribute.TAIL])


def stage_totals(r, order):
    t = {s: 0 for s in order}
    for (_, st), n in r.items():
        t[st] += n
    return t


def write_csv(path, kind_rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["kernel", "function", "stage", "instructions", "share"])
        for kernel in KERNELS:
            r = kind_rows[kernel]
            total = sum(r.values())
            for (fn, st), n in sorted(r.items(), key=lambda x: (-x[1], x[0])):
                w.writerow([kernel, fn, st, n, f"{n / total:.4f}"])


def write_md(path, kind, kind_rows, order=attribute.STAGES):
    fl, lx = (stage_totals(kind_rows[k], order) for k in KERNELS)
    tf, tl = sum(fl.values()), sum(lx.values())
    out = [f"# Anatomy of a fault: {KIND_TITLES[kind]}", "",
           "QEMU virt, cortex-a72, -icount shift=0 (one count is one instruction); "
           "every instruction from the access that faults back to it "
           "(tools/anatomy/, docs/anatomy.md).", "",
           "| stage | faultline | Linux | difference |", "| --- | ---: | ---: | ---: |"]
    for s in order:
        if fl[s] or lx[s]:
            out.append(f"| {title(s)} | {fl[s]:,} | {lx[s]:,} | "
                       f"{lx[s] - fl[s]:+,} |")
    out.append(f"| **total** | **{tf:,}** | **{tl:,}** | **{tl - tf:+,}** |")
    for kernel in KERNELS:
        r = kind_rows[kernel]
        out += ["", f"{TITLES[kernel]}: the {TOP} costliest functions", "",
                "| function | stage | instructions | share |", "| --- | --- | ---: | ---: |"]
        for (fn, st), n in sorted(r.items(), key=lambda x: (-x[1], x[0]))[:TOP]:
            total = sum(r.values())
            out.append(f"| `{fn}` | {st} | {n:,} | {100 * n / total:.1f} % |")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


# One colour per stage, the same in every anatomy plot (a plot leaves out
# the stages neither kernel spent anything in, and the others keep theirs).
STAGE_COLOURS = {
    "access": "#7f7f7f", "entry": "#1f77b4", "decode": "#ff7f0e", "lookup": "#2ca02c",
    "locking": "#d62728", "walk": "#9467bd", "alloc": "#8c564b", "memcg": "#e377c2",
    "accounting": "#bcbd22", "zero": "#17becf", "map": "#393b79", "tlb": "#637939",
    "exit": "#843c39", "eret": "#e7969c",
}
# Stages the kernel names that have no colour above, in turn.
SPARE_COLOURS = ("#ad494a", "#8ca252", "#d6616b", "#7b4173", "#a55194", "#6b6ecf")


def title(stage):
    return attribute.STAGE_TITLES.get(stage, stage)


def stage_colours(stages):
    """The colours of these stages, in order, as gnuplot's word list."""
    spare = iter(SPARE_COLOURS * 4)
    return " ".join(STAGE_COLOURS.get(s) or next(spare) for s in stages)


def write_svg(path, kind, kind_rows, workdir, args="-machine virt -cpu cortex-a72",
              order=attribute.STAGES):
    dat = f"{workdir}/anatomy-{kind}.dat"
    used = [s for s in order
            if any(stage_totals(kind_rows[k], order)[s] for k in KERNELS)]
    cpu = re.search(r"-cpu (\S+)", args)
    run = f"qemu-virt {cpu.group(1) if cpu else ''} icount 4k granule".replace("  ", " ")
    with open(dat, "w") as f:
        f.write("kernel " + " ".join(f'"{title(s)}"' for s in used) + "\n")
        for k in KERNELS:
            t = stage_totals(kind_rows[k], order)
            f.write(TITLES[k] + " " + " ".join(str(t[s]) for s in used) + "\n")
    gp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plot.gp")
    subprocess.run(["gnuplot", "-e", f"dat='{dat}'; out='{path}'; ncol={len(used) + 1}; "
                    f"title_text='{KIND_TITLES[kind]} ({run})'; "
                    f"colours='{stage_colours(used)}'", gp], check=True)


def cmd_report(a):
    rows, order = load_rows(a)
    os.makedirs(a.out, exist_ok=True)
    for kind in trace.KINDS:
        write_csv(f"{a.out}/anatomy-{kind}.csv", rows[kind])
        write_md(f"{a.out}/anatomy-{kind}.md", kind, rows[kind], order)
        write_svg(f"{a.out}/anatomy-{kind}.svg", kind, rows[kind], a.work,
                  getattr(a, "board_args", "") or "-cpu cortex-a72", order)
        tot = {k: sum(rows[kind][k].values()) for k in KERNELS}
        print(f"anatomy: {kind:16} faultline {tot['faultline']:6,}  Linux {tot['linux']:6,}"
              f"  -> {a.out}/anatomy-{kind}.csv")
    return 0


def cmd_check(a):
    """The tier's checks; prints one line per check, returns failures."""
    passed = failed = 0

    def verdict(ok, what):
        nonlocal passed, failed
        print(("ok   " if ok else "FAIL ") + what)
        if ok:
            passed += 1
        else:
            failed += 1

    for kernel in KERNELS:
        counts = trace.counts(f"{a.work}/{kernel}/count/console.log")
        runs = sorted(d for d in os.listdir(f"{a.work}/{kernel}") if d.startswith("run"))
        for kind in trace.KINDS:
            pcs = trace.read_pcs(f"{a.work}/{kernel}/run1/{kind}.pcs")
            c = counts.get(kind)
            verdict(c is not None and len(pcs) == c + CONSTANT[kind],
                    f"{kernel} {kind}: trace {len(pcs)} = PMU count {c} + {CONSTANT[kind]}")
            for r in runs[1:]:
                other = trace.read_pcs(f"{a.work}/{kernel}/{r}/{kind}.pcs")
                verdict(other == pcs, f"{kernel} {kind}: {r} trace identical to run1")
        if len(runs) < 2:
            verdict(False, f"{kernel}: two runs needed for the identity check, found {len(runs)}")
    # The traced fault is a typical one: faultline's count within 5 % of the
    # committed suite's p50 for the same kind (not, say, the allocation that
    # moves the page allocator to its next bitmap word).
    if os.path.exists(a.csv):
        counts = trace.counts(f"{a.work}/faultline/count/console.log")
        p50 = {}
        with open(a.csv) as f:
            for r in csv.DictReader(f):
                if r["pattern"] == "seq" and r["access"] in CONSTANT:
                    p50[r["access"]] = int(r["p50"])
        for kind in ("write", "read", "read-then-write"):
            c, ref = counts.get(kind), p50.get(kind)
            verdict(c is not None and ref is not None and abs(c - ref) * 100 <= 5 * ref,
                    f"faultline {kind}: count {c} within 5 % of the suite's p50 {ref} ({a.csv})")
    try:
        load_rows(a)
        verdict(True, "every traced instruction has a stage (faultline: its marks; "
                "Linux: " + a.map + ")")
    except SystemExit as e:
        verdict(False, str(e))
    print(f"anatomy: {passed} passed, {failed} failed")
    if a.count_file:
        with open(a.count_file, "w") as f:
            f.write(f"{passed} {failed}\n")
    return 1 if failed else 0


def cmd_stamps(a):
    """faultline's traced stage totals beside its stamp-based stage medians."""
    rows, order = load_rows(a)
    stamp_stages = ("entry", "decode", "lookup", "walk", "alloc", "zero", "map", "exit", "eret")
    seq = {}
    with open(a.csv) as f:
        for r in csv.DictReader(f):
            if r["pattern"] == "seq" and r.get("stages") == "on":
                seq[r["access"]] = r
    out = ["| fault | traced total | stage medians with stamps (" +
           ", ".join(stamp_stages) + ") | their sum | stamped p50 | unstamped p50 |",
           "| --- | ---: | --- | ---: | ---: | ---: |"]
    for kind in ("write", "read", "read-then-write"):
        r = seq.get(kind)
        if not r:
            continue
        parts = [int(r[f"stage_{s}_p50"] or 0) for s in stamp_stages]
        traced = sum(rows[kind]["faultline"].values())
        out.append(f"| {kind} | {traced} | {' / '.join(map(str, parts))} | {sum(parts)} | "
                   f"{r['staged_p50']} | {r['p50']} |")
    used = [s for s in order if any(stage_totals(rows[k]["faultline"], order)[s]
                                    for k in ("write", "read", "read-then-write"))]
    out += ["", "| fault | " + " | ".join(title(s) for s in used) +
            " |", "| --- |" + " ---: |" * len(used)]
    for kind in ("write", "read", "read-then-write"):
        t = stage_totals(rows[kind]["faultline"], order)
        out.append(f"| {kind} | " + " | ".join(str(t[s]) for s in used) + " |")
    print("\n".join(out))
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("command", choices=("run", "report", "check", "stamps"))
    p.add_argument("--work", required=True, help="traces and logs (build/...)")
    p.add_argument("--out", help="where the CSVs, tables and plots go")
    p.add_argument("--runs", type=int, default=1, help="traced runs per kernel")
    p.add_argument("--map", default="tools/anatomy/stages.map")
    p.add_argument("--faultline-img", default="build/qemu-virt/faultline.img")
    p.add_argument("--faultline-elf", default="build/qemu-virt/faultline.elf")
    p.add_argument("--linux-image")
    p.add_argument("--linux-initrd", default="build/anatomy/initramfs.cpio.gz")
    p.add_argument("--linux-prog", default="build/anatomy/anatomy-linux")
    p.add_argument("--linux-append", default="")
    p.add_argument("--board-args", default="-machine virt -cpu cortex-a72 -m 512M")
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--count-file", help="check: write '<passed> <failed>' here")
    p.add_argument("--csv", default="results/qemu-virt/default.csv")
    a = p.parse_args(argv)
    if a.command in ("run", "report") and not a.out:
        p.error("--out is needed")
    return {"run": cmd_run, "report": cmd_report, "check": cmd_check,
            "stamps": cmd_stamps}[a.command](a)


if __name__ == "__main__":
    sys.exit(main())
