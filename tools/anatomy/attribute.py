"""Attribute each traced instruction to a function, and each function to a stage.

Functions.
- faultline: faultline.elf's DWARF through addr2line -i, inlined functions
  included: an instruction's frames run from the innermost inlined function
  out to the function it was compiled into.
- Linux: the running kernel's text symbols (/proc/kallsyms of the same
  boot): the function is the nearest symbol at or below the PC. No inline
  information (that needs the -dbg package's vmlinux).
- The access instruction itself, a user-space PC on Linux, is "(access)"
  on both kernels.

Stages: tools/anatomy/stages.map assigns each function of each kernel to
one stage of the shared list STAGES. A faultline line may say "-" instead
of a stage: the instruction then takes the stage of the next frame out (an
inlined helper counts where it is inlined). "a|b" splits a function that is
both a way in and a way out (an exception entry stub): its first stretch is
a, the rest b. An instruction whose function the map does not know is an
error that names it.
"""

import bisect
import subprocess

STAGES = ("access", "entry", "decode", "lookup", "locking", "walk", "alloc",
          "memcg", "accounting", "zero", "map", "tlb", "exit")
STAGE_TITLES = {
    "access": "access instruction", "entry": "exception entry",
    "decode": "decode", "lookup": "VMA lookup", "locking": "locking",
    "walk": "table walk", "alloc": "page allocation",
    "memcg": "memcg charge / LRU / rmap", "accounting": "counters and events",
    "zero": "zeroing", "map": "PTE install", "tlb": "TLB and cache maintenance",
    "exit": "exception exit",
}
ACCESS = "(access)"
KERNEL_BASE = 0xffff000000000000


def read_map(path):
    """{(kernel, function): stage} from a stages.map; raises on bad lines."""
    m = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            w = line.split()
            if len(w) != 3 or w[0] not in ("faultline", "linux", "*"):
                raise SystemExit(f"{path}:{n}: expected 'kernel function stage'")
            parts = w[2].split("|")
            if (len(parts) > 2 or any(x not in STAGES for x in parts)) and \
                    not (w[2] == "-" and w[0] == "faultline"):
                raise SystemExit(f"{path}:{n}: unknown stage '{w[2]}'")
            kernels = ("faultline", "linux") if w[0] == "*" else (w[0],)
            for k in kernels:
                if (k, w[1]) in m:
                    raise SystemExit(f"{path}:{n}: {k} {w[1]} mapped twice")
                m[(k, w[1])] = w[2]
    return m


def elf_symbols(elf):
    """(sorted addresses, names) of elf's symbols, mapping symbols ($x, $d) left out."""
    out = subprocess.run(["aarch64-linux-gnu-nm", "-n", elf], check=True,
                         capture_output=True, text=True).stdout
    syms = []
    for line in out.splitlines():
        w = line.split()
        if len(w) == 3 and not w[2].startswith("$") and w[1] in "tTwW":
            syms.append((int(w[0], 16), w[2]))
    return [a for a, _ in syms], [n for _, n in syms]


def faultline_frames(elf, load, pcs, access):
    """{pc: [function, ...]} innermost inlined function first. Code without
    DWARF functions (assembly) takes the ELF symbol at or below it."""
    uniq = sorted(set(pcs) - {access})
    frames = {access: [ACCESS]}
    if not uniq:
        return frames
    out = subprocess.run(["aarch64-linux-gnu-addr2line", "-a", "-i", "-f", "-e", elf] +
                         [f"{pc - load:#x}" for pc in uniq],
                         check=True, capture_output=True, text=True).stdout
    cur = None
    lines = out.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("0x"):
            cur = int(lines[i], 16) + load
            frames[cur] = []
            i += 1
            continue
        frames[cur].append(lines[i])
        i += 2  # function, then file:line
    addrs, names = elf_symbols(elf)
    for pc, chain in frames.items():
        if chain[0].startswith("$") or chain[0] == "??":
            k = bisect.bisect_right(addrs, pc - load) - 1
            chain[:] = [names[k] if k >= 0 else f"?{pc:#x}"]
    return frames


class Kallsyms:
    """The text symbols of one boot: function of a kernel PC."""

    def __init__(self, path):
        syms = []
        with open(path, errors="replace") as f:
            for line in f:
                w = line.split()
                if len(w) >= 3:
                    syms.append((int(w[0], 16), w[2]))
        syms.sort()
        self.addr = [a for a, _ in syms]
        self.name = [n for _, n in syms]

    def function(self, pc):
        i = bisect.bisect_right(self.addr, pc) - 1
        return self.name[i] if i >= 0 else f"?{pc:#x}"


def linux_frames(kallsyms, pcs, access):
    syms = Kallsyms(kallsyms)
    frames = {}
    for pc in set(pcs):
        if pc == access:
            frames[pc] = [ACCESS]
        elif pc < KERNEL_BASE:
            frames[pc] = [f"user@{pc:#x}"]
        else:
            frames[pc] = [syms.function(pc)]
    return frames


def stage_of(kernel, chain, smap):
    """(function, stage spec) of one instruction; spec None if unmapped.
    The spec may be "a|b" (see attribute())."""
    for fn in chain:
        st = smap.get((kernel, fn))
        if st is None:
            return chain[0], None
        if st != "-":
            return chain[0], st
    return chain[0], None


def attribute(kernel, pcs, frames, smap):
    """Rows {(function, stage): instructions} of one trace, and the
    functions the map lacks. A stage "a|b" is a for the function's first
    stretch of consecutive instructions and b once it has been left."""
    rows, missing, left = {}, set(), set()
    prev = None
    for pc in pcs:
        fn, st = stage_of(kernel, frames[pc], smap)
        if prev is not None and fn != prev:
            left.add(prev)
        prev = fn
        if st is None:
            missing.update(f for f in frames[pc] if (kernel, f) not in smap)
            continue
        if "|" in st:
            first, later = st.split("|")
            st = later if fn in left else first
        rows[(fn, st)] = rows.get((fn, st), 0) + 1
    return rows, sorted(missing)
