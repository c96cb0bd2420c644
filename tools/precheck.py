#!/usr/bin/python3
"""Checks make runs before any boot, so a run that cannot succeed fails in
a second with the reason instead of after every boot.

    python3 -m tools.precheck compare --mode icount|tcg [--cpu-hz HZ]
        [--linux-counter pmccntr|inst|cntvct] [--faultline CSV]

compare: faultline's CSV (when there is one; else the run make compare
would make) and the Linux program's run can be put side by side: the same
mode (icount or tcg), and units tools/compare.py converts to one. Under
TCG, PMCCNTR_EL0 follows host time on both sides: nothing says how fast a
core ran, so without COMPARE_CPU_HZ there is no common unit.
Exit 0 if they can, 1 with one line naming the reason if not.
"""

import argparse
import csv
import os
import sys

from tools import compare

# CNTFRQ_EL0 of QEMU's virt and raspi machines (62.5 MHz).
QEMU_CNTFRQ = "62500000"


def predicted_unit(mode, counter):
    """The unit a run in this mode writes for this counter (docs/contract.md)."""
    if counter == "cntvct":
        return "ticks"
    return "instructions" if mode == "icount" else "cycles"


def check_compare(mode, cpu_hz=None, linux_counter=None, faultline=None):
    """None if the two sides can be compared, else the reason (one line)."""
    how = ("ICOUNT=1 (the default; counts are instructions)"
           if mode == "tcg" else "ICOUNT=0")
    if faultline and os.path.exists(faultline):
        try:
            with open(faultline, newline="") as f:
                rows = list(csv.DictReader(f))
        except (OSError, csv.Error, UnicodeDecodeError) as e:
            return f"{faultline}: {e}"
        if not rows or "mode" not in rows[0] or "unit" not in rows[0]:
            return f"{faultline}: not a summary CSV (no rows, or no mode and unit columns)"
        modes = sorted({r["mode"] for r in rows})
        if modes != [mode]:
            made = {"icount": "ICOUNT=1", "tcg": "ICOUNT=0"}.get(modes[0], f"mode {modes[0]}")
            return (f"{faultline} was made in mode {', '.join(modes)} and this run is "
                    f"mode {mode}: give {made} as it was made, or another COMPARE_DIR")
        fl = dict(rows[0])
        fl.setdefault("cntfrq", QEMU_CNTFRQ)
        fl_name = faultline
    else:
        fl = {"mode": mode, "unit": predicted_unit(mode, "pmccntr"), "cntfrq": QEMU_CNTFRQ}
        fl_name = "faultline"
    lx = {"mode": mode, "unit": predicted_unit(mode, linux_counter or "pmccntr"),
          "cntfrq": QEMU_CNTFRQ}
    try:
        f_unit = compare.scale(fl, fl_name, cpu_hz)[1]
        l_unit = compare.scale(lx, "Linux", cpu_hz)[1]
    except compare.Error as e:
        why = str(e).replace("with --cpu-hz", "as COMPARE_CPU_HZ=<Hz>")
        return f"mode {mode}: {why}, or run under {how}"
    if f_unit != l_unit:
        return (f"faultline's counts would be in {f_unit}, Linux's in {l_unit}: "
                f"no common unit; run under {how}")
    return None


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("compare", help="can make compare's two sides be compared?")
    c.add_argument("--mode", choices=("icount", "tcg"), required=True)
    c.add_argument("--cpu-hz", type=float, default=None)
    c.add_argument("--linux-counter", choices=("", "pmccntr", "inst", "cntvct"), default="")
    c.add_argument("--faultline", help="faultline's summary CSV, if make bench wrote one")
    a = p.parse_args(argv)
    why = check_compare(a.mode, a.cpu_hz or None, a.linux_counter or None, a.faultline)
    if why:
        print(f"make compare: {why}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
