"""Attribute each traced instruction to a function, and each function to a stage.

Functions.
- faultline: faultline.elf's DWARF through addr2line -i, inlined functions
  included: an instruction's frames run from the innermost inlined function
  out to the function it was compiled into.
- Linux: the running kernel's text symbols (/proc/kallsyms of the same
  boot): the function is the nearest symbol at or below the PC. No inline
  information (that needs the -dbg package's vmlinux).
- The access instruction itself, a user-space PC on Linux, is "(access)"
  on both kernels, in stage "access".

Stages.
- faultline: from the kernel itself, nothing here. faultline.elf's
  .fault_stages holds the stage names in order (mm/fault.h's FAULT_STAGES)
  and .fault_marks a (pc, stage) entry at every stage boundary (struct
  fault_mark); a trace's PCs less the boot report's base= are ELF addresses.
  A mark means what the stamp at the same place means: the stage ends there.
  So the instructions since the previous mark passed belong to the mark's
  stage; those after the last stage's mark (the return) to TAIL, the part
  the benchmarks' stage columns call eret. An instruction no mark closes is
  an error (marks_attribute's unknown count).
- Linux: tools/anatomy/stages.map assigns each function to one stage of the
  list STAGES. "a|b" splits a function that is both a way in and a way out
  (an exception entry stub): its first stretch is a, the rest b. An
  instruction whose function the map does not know is an error that names
  it.
"""

import bisect
import subprocess

# Linux's stages (stages.map's vocabulary), in display order; faultline's
# come from its ELF and are merged into this order (stage_order).
STAGES = ("access", "entry", "decode", "lookup", "locking", "walk", "alloc",
          "memcg", "accounting", "zero", "map", "tlb", "exit")
STAGE_TITLES = {
    "access": "access instruction", "entry": "exception entry",
    "decode": "decode", "lookup": "VMA lookup", "locking": "locking",
    "walk": "table walk", "alloc": "page allocation",
    "memcg": "memcg charge / LRU / rmap", "accounting": "counters and events",
    "zero": "zeroing", "map": "PTE install", "tlb": "TLB and cache maintenance",
    "exit": "exception exit", "eret": "exception return (ERET)",
}
ACCESS = "(access)"
TAIL = "eret"
KERNEL_BASE = 0xffff000000000000


def read_map(path):
    """{("linux", function): stage} from a stages.map; raises on bad lines
    (faultline lines among them: its stages come from its ELF)."""
    m = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            w = line.split()
            if len(w) == 3 and w[0] in ("faultline", "*"):
                raise SystemExit(f"{path}:{n}: faultline's stages come from faultline.elf's "
                                 ".fault_marks, not from this map")
            if len(w) != 3 or w[0] != "linux":
                raise SystemExit(f"{path}:{n}: expected 'linux function stage'")
            parts = w[2].split("|")
            if len(parts) > 2 or any(x not in STAGES for x in parts):
                raise SystemExit(f"{path}:{n}: unknown stage '{w[2]}'")
            if (w[0], w[1]) in m:
                raise SystemExit(f"{path}:{n}: {w[0]} {w[1]} mapped twice")
            m[(w[0], w[1])] = w[2]
    return m


def elf_sections(elf, names):
    """{name: (address, bytes)} of the named sections of a little-endian
    ELF64 file (Python's struct: no tool needed); raises naming a missing one."""
    import struct
    with open(elf, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise SystemExit(f"anatomy: {elf} is not a little-endian ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    heads = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
             for i in range(shnum)]
    strtab = heads[shstrndx]
    found = {}
    for h in heads:
        start = strtab[4] + h[0]
        name = data[start:data.index(b"\0", start)].decode()
        if name in names:
            found[name] = (h[3], data[h[4]:h[4] + h[5]])
    missing = [n for n in names if n not in found]
    if missing:
        raise SystemExit(f"anatomy: {elf} has no section {', '.join(missing)} "
                         "(the stage names and marks of mm/fault.h)")
    return found


def fault_marks(elf):
    """(stage names in order, {ELF address: [stage, ...]}) from the kernel's
    .fault_stages and .fault_marks (struct fault_mark: int32 offset from
    the entry to the pc, uint32 stage)."""
    import struct
    sec = elf_sections(elf, (".fault_stages", ".fault_marks"))
    names = [x.decode() for x in sec[".fault_stages"][1].split(b"\0")[:-1]]
    addr, raw = sec[".fault_marks"]
    if not names or len(raw) % 8:
        raise SystemExit(f"anatomy: {elf}: empty .fault_stages or a torn .fault_marks")
    marks = {}
    for i in range(0, len(raw), 8):
        off, stage = struct.unpack_from("<iI", raw, i)
        if stage >= len(names):
            raise SystemExit(f"anatomy: {elf}: a mark of stage {stage}, "
                             f"only {len(names)} stages named")
        marks.setdefault(addr + i + off, []).append(stage)
    return names, {pc: sorted(st) for pc, st in marks.items()}


def boot_base(console_log):
    """The load address from the boot report's base= (docs/contract.md)."""
    import re
    with open(console_log, errors="replace") as f:
        for line in f:
            m = re.search(r"faultline: boot .*\bbase=(0x[0-9a-fA-F]+)", line)
            if m:
                return int(m.group(1), 16)
    raise SystemExit(f"anatomy: no boot report with base= in {console_log}")


def marks_attribute(pcs, frames, names, marks, base, access):
    """Rows {(function, stage): instructions} of one faultline trace, cut by
    the kernel's marks (relocated by base), and the number of instructions
    no mark closes (0 for a complete attribution)."""
    rows, pending, last = {}, [], None

    def close(stage):
        for fn in pending:
            rows[(fn, stage)] = rows.get((fn, stage), 0) + 1
        pending.clear()

    for pc in pcs:
        st = marks.get(pc - base)
        if st:
            close(names[st[0]])  # marks at one pc: the earlier stages are empty
            last = st[-1]
        fn = frames[pc][0]
        if pc == access:
            if pending and last == len(names) - 1:
                close(TAIL)
            rows[(fn, "access")] = rows.get((fn, "access"), 0) + 1
            continue
        pending.append(fn)
    return rows, len(pending)


def stage_order(kernel_stages):
    """STAGES with faultline's stages that are not among them each put
    after the stage before it in the kernel's own order."""
    order = list(STAGES)
    prev = "access"
    for s in kernel_stages:
        if s not in order:
            order.insert(order.index(prev) + 1, s)
        prev = s
    return order


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
