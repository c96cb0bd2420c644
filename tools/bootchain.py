#!/usr/bin/python3
"""Boot faultline through U-Boot under QEMU: a front for tools/qemu.py.

    python3 -m tools.bootchain CHAIN-OPTIONS run [tools.qemu run options]
    python3 -m tools.bootchain CHAIN-OPTIONS OTHER-COMMAND ...   (to tools.qemu as is)

Chain options:
    --chain virt|rpi      which U-Boot set-up (below)
    --uboot FILE          U-Boot's u-boot.bin
    --script FILE         boot script source (boot/uboot/virt.cmd, rpi.cmd)
    --image-name NAME     the image's name on the disk (faultline.img, kernel8.img)
    --no-image            leave the image off the disk (see "Missing image")

For `run`, a fresh disk image (tools/mkdisk.sh: MBR, one FAT partition)
gets the kernel (--kernel) under its image name and boot.scr, compiled with
mkimage from the script with the command line (--append) in place of
@ARGS@. QEMU starts U-Boot, whose distro boot finds boot.scr on the disk:

    virt  -bios u-boot.bin; the disk on virtio-blk; no network device, so
          nothing can be tried over the network
    rpi   -kernel u-boot.bin (loaded at 0x80000, where the firmware puts
          kernel8.img); the disk as the SD card; the board arguments' -dtb
          is the tree U-Boot runs on and hands to the kernel

The console is judged by tools/console.py's rules (done line, exit status, KTAP).

Missing image: with --no-image the boot script must print
"boot.scr: <image> not found on ..." and stop U-Boot (poweroff, or reset
that -no-reboot turns into an exit). The run passes only if that line
appears, no done line does, and QEMU exits on its own before the timeout.
"""

import argparse
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time

from . import qemu
from .config import QemuConfig
from .console import Console, report, verdict

HERE = os.path.dirname(os.path.abspath(__file__))
MISSING_RE = re.compile(r"^boot\.scr: (\S+) not found on ")


def chain_options(p):
    p.add_argument("--chain", choices=("virt", "rpi"), required=True)
    p.add_argument("--uboot", required=True, help="U-Boot's u-boot.bin")
    p.add_argument("--script", required=True, help="boot script source (@ARGS@)")
    p.add_argument("--image-name", default="faultline.img")
    p.add_argument("--no-image", action="store_true",
                   help="leave the image off the disk: U-Boot must stop with a message")


def make_disk(c, kernel, append, tmp):
    """The disk image for one run: the kernel and boot.scr on FAT."""
    if '"' in append or "\n" in append:
        raise SystemExit("bootchain.py: the command line cannot hold '\"' or a newline "
                         "(it goes into a U-Boot script string)")
    with open(c.script) as f:
        src = f.read().replace("@ARGS@", append)
    cmd_file = os.path.join(tmp, "boot.cmd")
    scr = os.path.join(tmp, "boot.scr")
    with open(cmd_file, "w") as f:
        f.write(src)
    subprocess.run(["mkimage", "-A", "arm64", "-O", "linux", "-T", "script", "-C", "none",
                    "-n", "faultline", "-d", cmd_file, scr],
                   check=True, timeout=30, stdout=subprocess.DEVNULL)
    files = [scr]
    if not c.no_image:
        img = os.path.join(tmp, c.image_name)
        os.symlink(os.path.abspath(kernel), img)
        files.append(img)
    disk = os.path.join(tmp, "disk.img")
    subprocess.run([os.path.join(HERE, "mkdisk.sh"), disk] + files, check=True, timeout=60)
    return disk


def chain_command(c, a, tmp):
    """The QEMU command line: tools/qemu.py's for the QemuConfig a, with
    U-Boot and the disk."""
    disk = make_disk(c, a.kernel, a.append, tmp)
    if c.chain == "rpi":
        a = a.replace(entry="kernel", kernel=c.uboot, append="")
        return qemu.qemu_command(a, tmp) + [
            "-drive", f"if=sd,format=raw,file={disk}"]
    # virt: U-Boot is the firmware, and no -kernel may be given, or QEMU
    # would hand the image to U-Boot's fw_cfg boot target, which runs before
    # the disk is looked at.
    a = a.replace(entry="firmware")
    return qemu.qemu_command(a, tmp) + ["-bios", c.uboot, "-nic", "none",
                  "-drive", f"if=none,format=raw,id=boot,file={disk}",
                  "-device", "virtio-blk-device,drive=boot"]


def boot_command(chain_args, a, tmp):
    """The QEMU command line for the QemuConfig `a` booted through the
    chain the chain options in the list chain_args describe (for callers
    that run QEMU themselves, such as tools/results.py)."""
    p = argparse.ArgumentParser(prog="bootchain")
    chain_options(p)
    return chain_command(p.parse_args(chain_args), a, tmp)


def missing_verdict(con, code, timed_out, timeout):
    """Reasons a --no-image run failed ([] if U-Boot stopped as it should)."""
    if timed_out:
        return [f"timeout after {timeout:g} s: U-Boot did not stop "
                f"(last console line: {con.last_line()!r})"]
    why = []
    if not any(MISSING_RE.match(line) for line in con.lines):
        why.append("no 'boot.scr: ... not found' line "
                   f"(last console line: {con.last_line()!r})")
    if con.done is not None:
        why.append(f"a kernel ran: 'done status={con.done}'")
    return why


def cmd_run(c, a):
    label = a.name or f"uboot-{c.chain}"
    with tempfile.TemporaryDirectory(prefix="faultline-uboot-") as tmp:
        cmd = chain_command(c, QemuConfig.from_args(a), tmp)
        if a.dry_run:
            print(shlex.join(cmd))
            return 0
        con = Console(a.csv_dir)
        t0 = time.monotonic()
        code, timed_out = qemu.run_qemu(cmd, con, a.timeout, a.log,
                                        echo=a.interactive or not a.log,
                                        interactive=a.interactive)
    elapsed = time.monotonic() - t0
    if not c.no_image:
        why = verdict(con, code, timed_out, a.tests, a.timeout)
        report(label, con, why, elapsed, a.tests)
        return 1 if why else 0
    why = missing_verdict(con, code, timed_out, a.timeout)
    if why:
        report(label, con, why, elapsed, False)
        return 1
    stop = next(line for line in con.lines if MISSING_RE.match(line))
    print(f"PASS {label}: U-Boot stopped: {stop!r} ({elapsed:.1f} s)")
    return 0


COMMANDS = ("run", "expect", "extract", "check", "loadaddr")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    # Chain options come before the qemu.py command, its options after.
    split = next((i for i, w in enumerate(argv) if w in COMMANDS), None)
    if split is None:
        raise SystemExit(f"bootchain.py: no command ({', '.join(COMMANDS)})")
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    chain_options(p)
    c = p.parse_args(argv[:split])
    command, rest = argv[split], argv[split + 1:]
    if command != "run":
        return qemu.main([command] + rest)
    r = argparse.ArgumentParser(prog="bootchain.py run")
    qemu.add_run_options(r)
    r.add_argument("--tests", action="store_true", help="judge KTAP output too (run=tests)")
    a = r.parse_args(rest)
    if a.entry != "kernel" or a.dtb:
        raise SystemExit("bootchain.py: --entry and --dtb do not apply to a U-Boot boot "
                         "(the board arguments' -dtb is U-Boot's tree)")
    return cmd_run(c, a)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, qemu.on_sigterm)  # QEMU is killed on the way out
    sys.exit(main())
