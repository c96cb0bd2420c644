"""The QEMU configuration of one boot, and facts read from board arguments.

A QemuConfig says how to start QEMU (tools/qemu.py builds the argv from it);
the command lines of tools/qemu.py, tools/bootchain.py and tools/results.py
all fill one in. The board arguments are configs/<board>.mk's
QEMU_BOARD_ARGS, one shell-quoted string.
"""

import dataclasses
import re
from dataclasses import dataclass, field


@dataclass
class QemuConfig:
    """Everything QEMU's command line depends on."""
    kernel: str                     # the image: -kernel, the loader, or on the disk
    board_args: str                 # QEMU_BOARD_ARGS (shell-quoted)
    qemu: str = "qemu-system-aarch64"
    machine_opt: list = field(default_factory=list)   # more -machine options
    ram_base: int = 0x40000000      # the board's RAM base (loader entry)
    entry: str = "kernel"           # kernel | loader | firmware
    loader_state: str = "clean"     # loader entry: clean | dirty stub
    semihosting: bool = True        # off: power-off by PSCI only
    dtb: str = None                 # device tree blob; "none": no tree at all
    dtb_addr: int = None            # loader entry: where the tree goes
    append: str = ""                # the kernel command line
    icount: bool = False            # -icount shift=0,sleep=off
    interactive: bool = False       # console on the terminal, stdin to the guest
    gdb: bool = False               # halt at reset with a gdbstub on :1234
    qemu_arg: list = field(default_factory=list)      # more QEMU arguments

    @classmethod
    def from_args(cls, a):
        """The configuration in parsed command-line options a (fields a
        lacks keep their defaults)."""
        return cls(**{f.name: getattr(a, f.name) for f in dataclasses.fields(cls)
                      if hasattr(a, f.name)})

    def replace(self, **changes):
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def add_machine_opts(board_args, opts):
    """Append comma options (virtualization=on, ...) to the -machine/-M
    argument of board_args, or add one -machine option per item."""
    args = list(board_args)
    for i, a in enumerate(args[:-1]):
        if a in ("-machine", "-M"):
            args[i + 1] = ",".join([args[i + 1]] + opts) if opts else args[i + 1]
            return args
    for o in opts:
        args += ["-machine", o]
    return args


def mem_bytes(board_args):
    """RAM size of the -m argument (QEMU suffixes K M G T; default MiB)."""
    for i, a in enumerate(board_args[:-1]):
        if a == "-m":
            v = board_args[i + 1].split(",")[0].removeprefix("size=")
            m = re.match(r"^(\d+)([KMGT]?)i?B?$", v, re.I)
            if m:
                unit = "KMGT".find(m.group(2).upper()) + 1 if m.group(2) else 2
                return int(m.group(1)) << (10 * unit)
    return 128 << 20



def smp_cpus(board_args):
    """The number of CPUs -smp asks for (1 without it)."""
    for i, a in enumerate(board_args[:-1]):
        if a == "-smp":
            for part in board_args[i + 1].split(","):
                v = part.removeprefix("cpus=")
                if v.isdigit():
                    return int(v)
    return 1

