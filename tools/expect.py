"""Console-expect cases (tests/expect/*.exp): the file format, what a case
changes in the QEMU configuration, and the check of the console against it.
"""

import re
import shlex

from .console import verdict

# Console-expect cases (tests/expect/*.exp).
#
# One directive a line, "#" comments:
#   args: run=none foo=1        kernel command line
#   status: ok|fail             the done line's status (fail: QEMU must exit != 0)
#   expect: REGEX               some console line must match (search)
#   reject: REGEX               no console line may match
#   max: REGEX LIMIT            the first line matching REGEX has group 1 <= LIMIT
#   mem: SIZE / cpu: MODEL / icount: 1 / machine: OPT / entry: kernel|loader
#   dtb: FILE|none              device tree blob (loader entry: passed as is)
#   loader: clean|dirty         loader entry: what the stub leaves (--loader-state)
#   semihosting: on|off         off: power-off by PSCI only (status=fail then
#                               cannot make QEMU exit non-zero: not checked)
#   dtb-addr: ADDRESS           where the loader entry puts it (default: mid-RAM)
#   timeout: SECONDS
#   kernel: PATH                another image than --kernel (e.g. a GRANULE=16k
#                               build, build/qemu-virt-16k/faultline.img)
#   board: QEMU ARGS            instead of --board-args (another machine, e.g.
#                               "-machine raspi3b" with kernel: build/rpi3/...)

def parse_case(path):
    case = {"expect": [], "reject": [], "max": [], "machine": [], "status": "ok"}
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, val = line.partition(":")
            key, val = key.strip(), val.strip()
            if not sep:
                raise SystemExit(f"{path}:{n}: expected 'key: value'")
            if key in ("expect", "reject"):
                case[key].append(re.compile(val))
            elif key == "max":
                regex, _, limit = val.rpartition(" ")
                case["max"].append((re.compile(regex.strip()), int(limit.replace("_", ""))))
            elif key == "machine":
                case["machine"].append(val)
            elif key in ("args", "status", "mem", "cpu", "icount", "entry", "dtb", "timeout",
                         "loader", "semihosting", "dtb-addr", "kernel", "board"):
                case[key] = val
            else:
                raise SystemExit(f"{path}:{n}: unknown directive '{key}'")
    if case["status"] not in ("ok", "fail"):
        raise SystemExit(f"{path}: status must be ok or fail")
    return case


def check_case(case, con, exit_code, timed_out, timeout):
    """Reasons a console-expect case failed ([] if it passed)."""
    why = []
    if timed_out:
        return verdict(con, exit_code, timed_out, False, timeout)[:1]
    if con.done != case["status"]:
        why.append(f"wanted status={case['status']}, got "
                   + (f"status={con.done}" if con.done else "no done line")
                   + (f" ({con.done_reason})" if con.done_reason else ""))
    if case["status"] == "ok" and exit_code != 0:
        why.append(f"QEMU exited with {exit_code}")
    if case["status"] == "fail" and exit_code == 0 and case.get("semihosting", "on") == "on":
        why.append("QEMU exited 0 after a failure")
    for rx in case["expect"]:
        if not any(rx.search(line) for line in con.lines):
            why.append(f"no line matches /{rx.pattern}/")
    for rx in case["reject"]:
        hit = next((line for line in con.lines if rx.search(line)), None)
        if hit is not None:
            why.append(f"line matches /{rx.pattern}/: {hit!r}")
    for rx, limit in case["max"]:
        m = next((m for m in map(rx.search, con.lines) if m), None)
        if m is None:
            why.append(f"no line matches /{rx.pattern}/")
        elif int(m.group(1), 0) > limit:
            why.append(f"{m.group(0)!r}: {int(m.group(1), 0)} > {limit}")
        else:
            case.setdefault("measured", []).append(f"{int(m.group(1), 0)} <= {limit}")
    return why + con.errors



def configure(case, path, cfg, timeout):
    """The QemuConfig and timeout for running case (read from path) on top
    of cfg and the default timeout."""
    if case.get("semihosting", "on") not in ("on", "off"):
        raise SystemExit(f"{path}: semihosting must be on or off")
    loader_state = case.get("loader", cfg.loader_state)
    if loader_state not in ("clean", "dirty"):
        raise SystemExit(f"{path}: loader must be clean or dirty")
    board = shlex.split(case.get("board", cfg.board_args))
    for key, flag in (("mem", "-m"), ("cpu", "-cpu")):
        if key in case:
            if flag in board:
                board[board.index(flag) + 1] = case[key]
            else:
                board += [flag, case[key]]
    cfg = cfg.replace(
        append=case.get("args", ""),
        icount=cfg.icount or case.get("icount") == "1",
        machine_opt=cfg.machine_opt + case["machine"],
        entry=case.get("entry", cfg.entry),
        dtb=case.get("dtb", cfg.dtb),
        kernel=case.get("kernel", cfg.kernel),
        loader_state=loader_state,
        semihosting=cfg.semihosting and case.get("semihosting", "on") == "on",
        dtb_addr=int(case["dtb-addr"], 0) if "dtb-addr" in case else cfg.dtb_addr,
        board_args=shlex.join(board))
    return cfg, float(case.get("timeout", timeout))
