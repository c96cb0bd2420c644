#!/usr/bin/python3
"""Write LAVA job definitions for faultline from the templates in
tools/lava/templates/ (make lava-jobs).

    jobs.py --board B --boot direct|uboot --args "..." --kernel-url URL --out FILE

One job per board and boot chain:

    qemu-virt  direct  device type qemu: tmpfs deploy, boot method qemu,
                       image_arg "-kernel {kernel} -append ..."
    qemu-virt  uboot   device type qemu-uboot (faultline's own, see
                       devices/): TFTP deploy, boot method u-boot
    rpi3, rpi4 uboot   device types bcm2837-rpi-3-b, bcm2711-rpi-4-b: TFTP
                       deploy, boot method u-boot with the job's commands

The test action's monitors turn the console into LAVA results:

    faultline-tests   one case per KTAP line (run=tests)
    faultline-bench   one case per summary CSV row (run=bench), named
                      <pattern>_<access>_<pages>, with the p50 as the
                      measurement and the row's unit as the units
    faultline         the case "done": pass for status=ok, fail for
                      status=fail (a bad command line, a crash report)

The first monitor starts at the boot report, which comes before the
command line is read, so a bad command line still gives the done case. A
hang, or a console that ends before the done line, leaves a monitor
waiting: LAVA's timeout or end of file then fails the job. Console lines
arrive ending in \\r\\r\\n through QEMU's pty, hence \\r*\\n everywhere.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

BOOT_REPORT = "faultline: boot "
# Ends a monitor just before "done status=", leaving it for the done monitor.
BEFORE_DONE = "faultline: (?=done status=)"
KTAP_LINE = r"(?m)^(?P<result>ok|not ok) \d+ (?P<test_case_id>[^\s#]+)[^\r\n]*\r*\n"
# A summary row (docs/contract.md "Summary CSV"): board, cpu, mode, counter, unit,
# pattern, access, pages, samples, faults, pages_allocated, min, p50, ...
# The mode, counter and unit values keep raw-sample rows (board, mode, unit,
# ...) and headers from matching.
F = r"[^,\r\n]*"
SUMMARY_ROW = (r"(?m)^" + F + "," + F + r",(?:icount|tcg|hw),(?:pmccntr|cntvct|inst_retired),"
               r"(?P<units>cycles|instructions|host-ticks|ticks),"
               r"(?P<test_case_id>[^,\r\n]+,[^,\r\n]+,\d+),"
               + (F + ",") * 4 + r"(?P<measurement>-?[0-9]+(?:\.[0-9]+)?),[^\r\n]*\r*\n")
DONE = {"name": "faultline", "start": "(?=done status=)", "end": r"\r*\n",
        "pattern": "(?P<test_case_id>done) status=(?P<result>ok|fail)",
        "fixupdict": {"ok": "pass"}}

DEVICE_TYPES = {"rpi3": "bcm2837-rpi-3-b", "rpi4": "bcm2711-rpi-4-b"}


def cmdline_value(args, key, default):
    """The value of key=... on a kernel command line (the last word wins)."""
    value = default
    for word in args.split():
        k, sep, v = word.partition("=")
        if sep and k == key:
            value = v
    return value


def smp_cpus(args):
    """QEMU virt's -smp for this command line, as configs/qemu-virt.mk
    derives it: cpus=2..8 as given, cpus=all 4, else 1."""
    cpus = cmdline_value(args, "cpus", "1")
    if cpus == "all":
        return 4
    return int(cpus) if cpus in ("2", "3", "4", "5", "6", "7", "8") else 1


def monitors(args):
    """The test action's monitors for a run with this command line."""
    run = cmdline_value(args, "run", "bench")
    if run == "tests":
        first = {"name": "faultline-tests", "pattern": KTAP_LINE,
                 "fixupdict": {"ok": "pass", "not ok": "fail"}}
    elif run == "bench":
        first = {"name": "faultline-bench", "pattern": SUMMARY_ROW}
    else:
        return [dict(DONE)]
    first.update(start=BOOT_REPORT, end=BEFORE_DONE)
    return [first, dict(DONE)]


def render(template, **values):
    """Render one of templates/*.yaml.j2 (jinja2, as LAVA's own templates)."""
    import jinja2
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(HERE, "templates")),
                             trim_blocks=True, lstrip_blocks=True, autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    # JSON strings and objects are YAML flow scalars and mappings.
    env.filters["q"] = lambda v: json.dumps(v)
    return env.get_template(template).render(**values)


def job(board, boot, args, kernel_url, timeout=180, cpu="cortex-a72", memory="512M",
        icount=False, name=None):
    """The YAML text of a job booting kernel_url on board through boot with
    this kernel command line; timeout in seconds for each action. Raises
    ValueError for a board or boot chain LAVA jobs do not cover."""
    if '"' in args or "'" in args:
        raise ValueError("the command line cannot contain quotes "
                         "(it goes into -append \"...\" and setenv bootargs '...')")
    # An empty command line would be -append "" in the job, which LAVA's
    # QEMU command line loses ("-append: requires an argument"): say the
    # kernel's default, run=bench, instead.
    args = " ".join(args.split()) or "run=bench"
    if icount and "mode=" not in args:
        args = (args + " mode=icount").strip()
    values = dict(args=args, kernel_url=kernel_url, timeout=int(timeout),
                  monitors=monitors(args),
                  name=name or f"faultline {board} {boot} {args}".strip())
    if board == "qemu-virt" and boot == "direct":
        extra = ["-semihosting-config enable=on,target=native", "-no-reboot"]
        if icount:
            extra.append("-icount shift=0,sleep=off")
        if smp_cpus(args) > 1:
            extra.append(f"-smp {smp_cpus(args)}")
        return render("qemu-virt-direct.yaml.j2", cpu=cpu, memory=memory,
                      extra_options=extra, **values)
    if board == "qemu-virt" and boot == "uboot":
        return render("qemu-virt-uboot.yaml.j2", **values)
    if board in DEVICE_TYPES and boot == "uboot":
        return render("rpi.yaml.j2", device_type=DEVICE_TYPES[board], **values)
    if board in DEVICE_TYPES:
        raise ValueError(f"{board} jobs boot through U-Boot, as LAVA's {DEVICE_TYPES[board]} "
                         "device type does: use BOOT=uboot")
    raise ValueError(f"no LAVA job for BOARD={board} BOOT={boot} "
                     "(qemu-virt direct|uboot, rpi3 uboot, rpi4 uboot)")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--board", required=True)
    p.add_argument("--boot", default="direct")
    p.add_argument("--args", default="")
    p.add_argument("--kernel-url", required=True,
                   help="where the dispatcher fetches faultline.img (file://, http://)")
    p.add_argument("--timeout", type=int, default=180, help="seconds per action")
    p.add_argument("--cpu", default="cortex-a72")
    p.add_argument("--memory", default="512M")
    p.add_argument("--icount", action="store_true")
    p.add_argument("--name")
    p.add_argument("--out", required=True, help="the job file to write")
    a = p.parse_args(argv)
    try:
        text = job(a.board, a.boot, a.args, a.kernel_url, a.timeout, a.cpu, a.memory,
                   a.icount, a.name)
    except ValueError as e:
        print(f"lava-jobs: {e}", file=sys.stderr)
        return 2
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.write(text)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
