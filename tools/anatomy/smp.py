#!/usr/bin/python3
"""make anatomy-smp: faults on several cores at once, every instruction of
each core's fault windows attributed by the CPU that ran it, and the cache
lines the fault path writes that another core writes too
(docs/anatomy.md, "Several cores").

    smp.py run --work DIR --out DIR [--cpus "2 4"] [--runs N] ...
        for each CPU count: boot faultline with run=anatomy cpus=N (-smp N)
        N times under gdb, into DIR/smp<N>/run<i>: each run's console has
        the PMU counts of its touches, its <kind>.trace the trace; then
        report into --out (from run1). The counts are the traced boot's
        own (a boot without the debugger prints the same: the gate starts
        the phase alike)
    smp.py report --work DIR --out DIR ...
        anatomy-smp-<kind>.csv (a row per CPU count and core: faults,
        instructions, peers' instructions inside its windows, TLBI, DSB,
        DMB, ISB, LSE atomics, acquire/release, exclusives),
        anatomy-smp-lines.csv (every 64-byte line the fault path writes
        that another core writes during the concurrent phase, with the
        writing functions) and anatomy-smp-<kind>.md
    smp.py check --work DIR ...
        the tier's checks: each window's own instructions plus the peers'
        that retired between its counter reads is its PMU count (less one
        constant of the timed code, MAX_TIMED_CONSTANT); every
        core's barrier and TLBI counts per fault are the fault path's
        (EXPECT); each core's most common fault is as long as make
        anatomy's single-core trace of the kind (--single); every
        instruction of a window has a stage; the entry writes one slot per
        page; the runs' windows identical; the shared-line list computed

The trace. trace.py's method on several vCPUs: gdb breaks at
anatomy_smp_begin (CPU 0, the others held at a gate), turns on QEMU's
one-insn-per-tb and `log exec,cpu,nochain`, continues to anatomy_smp_end
and turns it off, once per kind. Under -icount shift=0,sleep=off the vCPUs
run in turn on one thread; every log record names its CPU ("Trace <cpu>:")
and holds the registers before the instruction. The log becomes
<kind>.trace, one line per executed instruction:

    <cpu> <pc> [w<address>:<bytes> | f<address>:<bytes>]

w: a store-class instruction and the bytes it wrote (address from its
operands, objdump's disassembly of faultline.elf, and the registers before
it); f: a conditional store that did not write (a store-exclusive whose
status came back 1, a CAS whose comparison failed).

Python 3 standard library; objdump, addr2line, nm, gdb-multiarch.
"""

import argparse
import bisect
import csv
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

from . import attribute, trace

KINDS = ("write", "read", "read-then-write")
ACCESS = {"write": "anatomy_smp_store", "read": "anatomy_smp_load",
          "read-then-write": "anatomy_smp_store"}
KIND_TITLES = {"write": "first write to an anonymous page",
               "read": "first read (maps the zero page)",
               "read-then-write": "write after a read (replaces the zero page)"}
LINE = 64           # cache line bytes (Cortex-A72, and every Armv8 core we run)
DCZVA_BYTES = 64    # DC ZVA block: QEMU's cortex-a72/a76 DCZID_EL0.BS = 4 words^2
CLASSES = ("tlbi", "dsb", "dmb", "isb", "lse_atomic", "acquire_release", "exclusive")

# PMU count minus a window's retired instructions (its own and the peers'):
# what the timed code's access path retires besides the access, less its
# no-access path (the overhead calibration): one value for every window of
# a kind, 0 in gcc's build of bench/anatomy.c (make anatomy's constant 1 is
# this plus the aborted access); clang lays the paths out differently (2
# for a store, 3 for a load). A few instructions at most.
MAX_TIMED_CONSTANT = 4

# What the fault path must issue per fault, by kind (mm/pgtable.h):
# pgt_install is one compare-and-swap and one DSB ISHST (an invalid entry is
# in no TLB: no TLBI); pgt_replace of a valid entry (the zero page) breaks it
# by compare-and-swap, then ARCH_TLBI_VA_SYNC (DSB ISHST, TLBI VALE1IS,
# DSB ISH, ISB) and arch_pte_write (STR, DSB ISHST). The vectors' fast path
# has no barrier (its ISB is in the stamped copy only), mm_fault_enter/exit
# none (STLR, LDAR, STLR).
EXPECT = {
    "write": {"tlbi": 0, "dsb": 1, "dmb": 0, "isb": 0},
    "read": {"tlbi": 0, "dsb": 1, "dmb": 0, "isb": 0},
    "read-then-write": {"tlbi": 1, "dsb": 3, "dmb": 0, "isb": 1},
}

# --- the QEMU log ------------------------------------------------------------

TRACE_RE = re.compile(r"^Trace (\d+): 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")
REG_RE = re.compile(r"\b(X\d\d|SP|PC)=([0-9a-f]{16})")


def parse_regs(text):
    """{"x0": value, ..., "sp": value} from QEMU's aarch64 register dump."""
    regs = {}
    for name, v in REG_RE.findall(text):
        if name[0] == "X":
            regs["x" + str(int(name[1:]))] = int(v, 16)
        else:
            regs[name.lower()] = int(v, 16)
    return regs


def read_records(path, want_regs):
    """The records of a QEMU `exec,cpu` log: yields (cpu, pc, regs) in
    order, regs parsed only where want_regs(cpu, pc) says (else None)."""
    cur, need, text = None, False, []
    with open(path, errors="replace") as f:
        for line in f:
            m = TRACE_RE.match(line)
            if m:
                if cur is not None:
                    yield cur[0], cur[1], parse_regs("".join(text)) if need else None
                cur = (int(m.group(1)), int(m.group(2), 16))
                need = want_regs(*cur)
                text = []
            elif need:
                text.append(line)
    if cur is not None:
        yield cur[0], cur[1], parse_regs("".join(text)) if need else None


# --- the instructions --------------------------------------------------------

def disassemble(elf):
    """{ELF address: (mnemonic, operands)} of faultline.elf's code (objdump)."""
    out = subprocess.run(["aarch64-linux-gnu-objdump", "-d", "--no-show-raw-insn", elf],
                         check=True, capture_output=True, text=True).stdout
    insns = {}
    for line in out.splitlines():
        w = line.split("\t")
        if len(w) >= 2 and w[0].strip().endswith(":"):
            try:
                a = int(w[0].strip()[:-1], 16)
            except ValueError:
                continue
            ops = w[2].split("//")[0].strip() if len(w) > 2 else ""
            insns[a] = (w[1].strip(), ops)
    return insns


LSE_RE = re.compile(r"^(casp?|swp|ld(add|clr|eor|set|smax|smin|umax|umin)|"
                    r"st(add|clr|eor|set|smax|smin|umax|umin))(a|l|al)?(b|h)?$")
ACQREL_RE = re.compile(r"^(ldar|ldapr|ldlar|stlr|stllr|ldapur\w*|stlur)(b|h)?$")
EXCL_RE = re.compile(r"^(ld|st)(a|l)?x(r|p)(b|h)?$")


def classes(mnemonic):
    """The counted classes (CLASSES) an instruction of this mnemonic belongs to."""
    m = mnemonic
    c = set()
    if m in ("tlbi", "dsb", "dmb", "isb"):
        c.add(m)
    if LSE_RE.match(m):
        c.add("lse_atomic")
    if ACQREL_RE.match(m):
        c.add("acquire_release")
    if EXCL_RE.match(m):
        c.add("exclusive")
    return c


STORE_PLAIN = re.compile(r"^(str|stur|stp|stnp|sttr)(b|h)?$")
STORE_REL = re.compile(r"^(stlr|stllr|stlur)(b|h)?$")
STORE_EXCL = re.compile(r"^st(l)?x(r|p)(b|h)?$")
REG = r"(?:[xw](?:[12]?\d|3[01]|zr)|w?sp)"
MEM_RE = re.compile(rf"\[({REG})(?:, #(-?(?:0x)?[0-9a-f]+)|, ({REG})(?:, (lsl|[su]xt[wx])"
                    rf"(?: #(\d+))?)?)?\](!)?(?:, #(-?(?:0x)?[0-9a-f]+))?$")


def reg_value(regs, name):
    """A register's value: xN, wN (low 32 bits), sp, xzr/wzr."""
    if name in ("xzr", "wzr"):
        return 0
    if name == "sp" or name == "wsp":
        return regs["sp"]
    v = regs["x" + name[1:]]
    return v & 0xffffffff if name[0] == "w" else v


def reg_bytes(name):
    return 4 if name[0] == "w" else 8


def store_spec(mnemonic, operands):
    """How a store-class instruction writes, or None for any other:
    (data bytes, address operand text, condition), the condition None
    (always writes), ("status", wN) (a store-exclusive: wrote iff wN is 0
    after it) or ("cas", xS) (wrote iff xS is unchanged after it)."""
    m = mnemonic
    ops = [o.strip() for o in operands.split(",")]
    bracket = operands.find("[")
    regs_before = [o.strip() for o in operands[:bracket].split(",") if o.strip()] \
        if bracket >= 0 else []
    size_suffix = {"b": 1, "h": 2}.get(m[-1])
    if m == "dc" and ops and ops[0] == "zva":
        return (DCZVA_BYTES, ops[1], None)
    if bracket < 0:
        return None
    mem = operands[bracket:]
    if STORE_PLAIN.match(m) or STORE_REL.match(m):
        n = len(regs_before) if m.startswith("stp") or m.startswith("stnp") else 1
        return ((size_suffix or reg_bytes(regs_before[0])) * n, mem, None)
    e = STORE_EXCL.match(m)
    if e:
        n = 2 if e.group(2) == "p" else 1
        return ((size_suffix or reg_bytes(regs_before[1])) * n, mem, ("status", regs_before[0]))
    lse = LSE_RE.match(m)
    if lse:
        if m.startswith("casp"):
            return (2 * reg_bytes(regs_before[0]), mem, None)
        size = size_suffix or reg_bytes(regs_before[0])
        if m.startswith("cas"):
            return (size, mem, ("cas", regs_before[0]))
        return (size, mem, None)
    return None


def effective_address(mem, regs):
    """The address an operand like [x1, #8]!, [sp], #16 or [x2, w3, sxtw #2]
    names, from the registers before the instruction (post-index: the base)."""
    if not mem.startswith("["):  # DC ZVA's Xt: the block holding it
        return reg_value(regs, mem) & ~(DCZVA_BYTES - 1)
    mm = MEM_RE.match(mem)
    if not mm:
        raise ValueError(f"anatomy: cannot decode the address operand {mem!r}")
    base, imm, idx, ext, amount, _pre, _post = mm.groups()
    a = reg_value(regs, base)
    if imm is not None:
        a += int(imm, 0)
    elif idx is not None:
        v = reg_value(regs, idx)
        if ext in ("sxtw",) or (ext == "sxtx"):
            bits = 32 if ext == "sxtw" else 64
            v &= (1 << bits) - 1
            if v >> (bits - 1):
                v -= 1 << bits
        elif ext == "uxtw":
            v &= 0xffffffff
        a += v << int(amount or 0)
    return a & 0xffffffffffffffff


def convert_log(log, out, insns, load):
    """A QEMU exec,cpu log into a .trace file (the module's docstring);
    returns the number of records."""
    specs = {}
    for a, (m, ops) in insns.items():
        s = store_spec(m, ops)
        if s:
            specs[a + load] = s
    pending = {}  # cpu -> (line index, address, bytes, condition, value before)
    lines = []

    def want(cpu, pc):
        return pc in specs or cpu in pending

    for cpu, pc, regs in read_records(log, want):
        if cpu in pending:  # the record after a conditional store
            i, addr, size, (what, reg), before = pending.pop(cpu)
            after = reg_value(regs, reg)
            wrote = after == 0 if what == "status" else after == before
            lines[i] += f" {'w' if wrote else 'f'}{addr:x}:{size}"
        text = f"{cpu} {pc:x}"
        s = specs.get(pc)
        if s:
            size, mem, cond = s
            addr = effective_address(mem, regs)
            if cond is None:
                text += f" w{addr:x}:{size}"
            else:
                pending[cpu] = (len(lines), addr, size, cond,
                                reg_value(regs, cond[1]) if cond[0] == "cas" else None)
        lines.append(text)
    for cpu, (i, addr, size, _, _) in pending.items():  # never ran again: assume it wrote
        lines[i] += f" w{addr:x}:{size}"
    # The phase is CPU 0's records, from anatomy_smp_begin to anatomy_smp_end,
    # and the others' in between. Before CPU 0's first, the others can
    # only be waiting at the gate (how long depends on which vCPU QEMU
    # resumes first after the breakpoint); after CPU 0's last, they run
    # past the end until QEMU has stopped the machine for the breakpoint,
    # as far as the host's timing lets them: both are left out.
    zero = [i for i, t in enumerate(lines) if t.startswith("0 ")]
    lines = lines[zero[0]:zero[-1] + 1] if zero else []
    with open(out, "w") as f:
        f.write("\n".join(lines) + ("\n" if lines else ""))
    return len(lines)


# --- the trace ---------------------------------------------------------------

class Rec:
    __slots__ = ("cpu", "pc", "write", "failed")

    def __init__(self, cpu, pc, write=None, failed=None):
        self.cpu, self.pc, self.write, self.failed = cpu, pc, write, failed


def read_trace_lines(lines, where="trace"):
    """The records of a .trace file's lines, in order."""
    recs = []
    for n, line in enumerate(lines, 1):
        w = line.split()
        if not w:
            continue
        r = Rec(int(w[0]), int(w[1], 16))
        for x in w[2:]:
            a, s = x[1:].split(":")
            if x[0] == "w":
                r.write = (int(a, 16), int(s))
            elif x[0] == "f":
                r.failed = (int(a, 16), int(s))
            else:
                raise SystemExit(f"anatomy: {where}:{n}: bad field {x!r}")
        recs.append(r)
    return recs


def read_trace(path):
    """The records of a .trace file, in order."""
    with open(path) as f:
        return read_trace_lines(f, path)


class Window:
    """One timed touch of one core: its records from the first execution of
    the access up to (not including) the instruction after it, and the
    peers' records between the counter reads around it."""

    def __init__(self, cpu, index):
        self.cpu, self.index = cpu, index
        self.own = []             # global record indices, this CPU's
        self.peers = []           # global record indices, other CPUs', inside
        self.pmu_peers = []       # other CPUs' between the two counter reads
        self.aborted = 0          # own instructions that did not retire
        self.pmu_peers_retired = 0  # of pmu_peers, those that retired

    @property
    def faulted(self):
        return len(self.own) > 1


def aborted_records(recs, vectors):
    """The indices of the records that did not retire: those the next
    record of their CPU shows took an exception (its PC one of the vector
    table's 16 entries, `vectors`), the aborted attempt of a faulting
    access, which icount does not count. (An interrupt would be taken after
    an instruction that retired: none is taken in the traced phases, whose
    CPUs run with interrupts masked; nor is an SVC or HVC executed.)"""
    out, last = set(), {}
    for i, r in enumerate(recs):
        j = last.get(r.cpu)
        if j is not None and r.pc in vectors:
            out.add(j)
        last[r.cpu] = i
    return out


def windows(recs, access, counter_reads, vectors):
    """{cpu: [Window, ...]} of a trace. access: the labelled access's PC;
    counter_reads: PCs of the counter reads (MRS PMCCNTR_EL0 or CNTVCT_EL0)
    the timed code brackets each access with; vectors: the PCs of the
    exception vector table's entries. Raises SystemExit if a window never ends."""
    aborted = aborted_records(recs, vectors)
    by_cpu = {}
    for i, r in enumerate(recs):
        by_cpu.setdefault(r.cpu, []).append(i)
    out = {}
    for cpu, idx in sorted(by_cpu.items()):
        ws, k = [], 0
        while k < len(idx):
            if recs[idx[k]].pc != access:
                k += 1
                continue
            w = Window(cpu, len(ws))
            start = k
            while k < len(idx) and recs[idx[k]].pc != access + 4:
                k += 1
            if k == len(idx):
                raise SystemExit(f"anatomy: CPU {cpu}'s window {w.index} does not end "
                                 f"(no {access + 4:#x} after the access)")
            w.own = idx[start:k]
            w.peers = [j for j in range(idx[start], idx[k]) if recs[j].cpu != cpu]
            b = start  # the counter reads around the window, on this CPU
            while b > 0 and recs[idx[b]].pc not in counter_reads:
                b -= 1
            e = k
            while e < len(idx) - 1 and recs[idx[e]].pc not in counter_reads:
                e += 1
            w.pmu_peers = [j for j in range(idx[b], idx[e]) if recs[j].cpu != cpu]
            w.aborted = sum(1 for j in w.own if j in aborted)
            w.pmu_peers_retired = sum(1 for j in w.pmu_peers if j not in aborted)
            ws.append(w)
        out[cpu] = ws
    return out


def class_counts(recs, js, insns, load):
    c = {k: 0 for k in CLASSES}
    for j in js:
        m, ops = insns.get(recs[j].pc - load, ("?", ""))
        for k in classes(m):
            c[k] += 1
    return c


# --- cache lines ---------------------------------------------------------------

def lines_of(addr, size):
    return range(addr // LINE, (addr + size - 1) // LINE + 1)


def shared_lines(recs, wins):
    """{line: {cpu: {"fault": {pc: n}, "other": {pc: n}, "addrs": {address}}}}
    (addrs: where in the line it wrote) of the lines that
    some core's fault windows write and that at least one other core writes
    anywhere in the trace (a conditional store that did not write is not
    a write)."""
    in_window = set()
    for ws in wins.values():
        for w in ws:
            in_window.update(w.own)
    writers = {}
    for i, r in enumerate(recs):
        if not r.write:
            continue
        where = "fault" if i in in_window else "other"
        addr, size = r.write
        for ln in lines_of(addr, size):
            d = writers.setdefault(ln, {}).setdefault(r.cpu, {"fault": {}, "other": {},
                                                             "addrs": set()})
            d[where][r.pc] = d[where].get(r.pc, 0) + 1
            d["addrs"].add(max(addr, ln * LINE))
    return {ln: w for ln, w in writers.items()
            if len(w) > 1 and any(d["fault"] for d in w.values())}


class DataSymbols:
    """The image's data objects (nm -S): name+offset of an address."""

    def __init__(self, elf, load):
        out = subprocess.run(["aarch64-linux-gnu-nm", "-S", "-n", elf], check=True,
                             capture_output=True, text=True).stdout
        self.syms = []
        for line in out.splitlines():
            w = line.split()
            if len(w) == 4 and w[2] in "bBdDrRgGsS":
                self.syms.append((int(w[0], 16) + load, int(w[1], 16), w[3]))
        self.addrs = [s[0] for s in self.syms]

    def name(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        if i >= 0:
            a, size, n = self.syms[i]
            if addr < a + max(size, 1):
                return f"{n}+{addr - a:#x}" if addr != a else n
        return ""


# --- a whole boot ------------------------------------------------------------

def counts(console_log):
    """{(kind, cpus, cpu, touch): count} from the anatomy-smp lines."""
    found = {}
    with open(console_log, errors="replace") as f:
        for line in f:
            m = re.search(r"faultline: anatomy-smp kind=(\S+) cpus=(\d+) cpu=(\d+) "
                          r"touch=(\d+) page=\d+ count=(\d+)", line)
            if m:
                found[(m.group(1), int(m.group(2)), int(m.group(3)),
                       int(m.group(4)))] = int(m.group(5))
    return found


class Elf:
    """What the analysis needs from faultline.elf at one load address."""

    def __init__(self, elf, load):
        self.elf, self.load = elf, load
        self.insns = disassemble(elf)
        syms = trace.symbol_addresses(elf, list(ACCESS.values()) +
                                      ["anatomy_smp_begin", "anatomy_smp_end",
                                       "exception_vectors"], load)
        self.access = {k: syms[ACCESS[k]] for k in KINDS}
        self.begin, self.end = syms["anatomy_smp_begin"], syms["anatomy_smp_end"]
        # the 16 entries (Arm ARM D1.3.2: VBAR_EL1 + 0x80 x n)
        self.vectors = {syms["exception_vectors"] + 0x80 * n for n in range(16)}
        self.counter_reads = {a + load for a, (m, ops) in self.insns.items()
                              if m == "mrs" and ops.endswith(("pmccntr_el0", "cntvct_el0"))}
        self.data = DataSymbols(elf, load)
        self.names, self.marks = attribute.fault_marks(elf)
        self._frames = {}

    def frames(self, pcs):
        """{pc: [function, ... outward]} (addr2line -i)."""
        todo = sorted(set(pcs) - set(self._frames))
        if todo:
            self._frames.update(attribute.faultline_frames(self.elf, self.load, todo, -1))
        return self._frames

    def function(self, pc):
        chain = self.frames([pc])[pc]
        return " < ".join(chain[:3])


def analyse(elf, trace_path, kind):
    """(recs, wins, shared) of one kind's trace."""
    recs = read_trace(trace_path)
    wins = windows(recs, elf.access[kind], elf.counter_reads, elf.vectors)
    return recs, wins, shared_lines(recs, wins)


def core_rows(elf, recs, wins, kind, ncpus, pmu):
    """One dict per core: the CSV row of anatomy-smp-<kind>.csv. pmu: the
    boot's counts, {(kind, cpus, cpu, touch): count}."""
    rows = []
    for cpu in sorted(wins):
        ws = [w for w in wins[cpu] if w.faulted]
        own = [j for w in ws for j in w.own]
        c = class_counts(recs, own, elf.insns, elf.load)
        n = len(ws)
        counted = [pmu.get((kind, ncpus, cpu, w.index)) for w in ws]
        rows.append({
            "cpus": ncpus, "cpu": cpu, "kind": kind, "touches": len(wins[cpu]),
            "faults": n, "instructions": len(own),
            "per_fault": f"{len(own) / n:.1f}" if n else "",
            "min": min((len(w.own) for w in ws), default=0),
            "max": max((len(w.own) for w in ws), default=0),
            "peer_instructions": sum(len(w.peers) for w in ws),
            "counter": sum(counted) if None not in counted else "",
            **c,
        })
    return rows


def stage_rows(elf, recs, wins, kind):
    """{cpu: {stage: instructions}} over the core's faulting windows, cut at
    the kernel's marks as anatomy.py cuts one fault; and the number of
    instructions no mark closes (0 when complete)."""
    out, unknown = {}, 0
    for cpu, ws in wins.items():
        tot = {}
        for w in ws:
            if not w.faulted:
                continue
            pcs = [recs[j].pc for j in w.own]
            fr = elf.frames(pcs)
            fr = dict(fr)
            fr[elf.access[kind]] = [attribute.ACCESS]
            r, u = attribute.marks_attribute(pcs, fr, elf.names, elf.marks, elf.load,
                                             elf.access[kind])
            unknown += u
            for (fn, st), n in r.items():
                tot[st] = tot.get(st, 0) + n
        out[cpu] = tot
    return out, unknown


def line_rows(elf, recs, shared, kind, ncpus):
    """Rows of anatomy-smp-lines.csv: a line x core."""
    rows = []
    for ln in sorted(shared):
        addr = ln * LINE
        obj = "; ".join(sorted({elf.data.name(a) for d in shared[ln].values()
                                for a in d["addrs"]} - {""}))
        for cpu in sorted(shared[ln]):
            d = shared[ln][cpu]
            fns = sorted({elf.function(pc) for pc in d["fault"]})
            other = sorted({elf.function(pc) for pc in d["other"]})
            rows.append({"cpus": ncpus, "kind": kind, "line": f"{addr:#x}", "object": obj,
                         "cpu": cpu, "fault_path_writes": sum(d["fault"].values()),
                         "fault_path_functions": "; ".join(fns),
                         "other_writes": sum(d["other"].values()),
                         "other_functions": "; ".join(other)})
    return rows


CORE_FIELDS = ["cpus", "cpu", "kind", "touches", "faults", "instructions", "per_fault", "min",
               "max", "peer_instructions", "counter"] + list(CLASSES)
LINE_FIELDS = ["cpus", "kind", "line", "object", "cpu", "fault_path_writes",
               "fault_path_functions", "other_writes", "other_functions"]


def write_verdict(function):
    """What one writing function (as Elf.function names it) writes: the
    page-table entry (mm/pgtable.h's pgt_install, pgt_replace: the entry by
    compare-and-swap or store), the allocator's map word (page_alloc.c's
    map_swap_out: the swap of a 64-page word), else None."""
    if re.search(r"\b(pgt_install|pgt_replace|pgt_install_run|pgt_claim_run)\b", function):
        return "page-table entry"
    if re.search(r"\bmap_swap_out\b", function):
        return "allocator map word"
    return None


def line_verdict(rows_of_line):
    """What a shared line is: the page-table entry or the allocator's map
    word when every fault-path write to it is one, else 'other' (the
    object and functions say what)."""
    kinds = {write_verdict(f) for r in rows_of_line
             for f in r["fault_path_functions"].split("; ") if f}
    return kinds.pop() if len(kinds) == 1 and None not in kinds else "other"


def line_groups(lines):
    """The shared lines grouped for the table: {(cpus, what, object, writing
    functions): [lines, cores per line, fault-path writes, writes elsewhere]}."""
    by_line = {}
    for r in lines:
        by_line.setdefault((r["cpus"], r["line"]), []).append(r)
    groups = {}
    for (ncpus, _), rs in by_line.items():
        obj = rs[0]["object"] or "-"
        fns = "; ".join(sorted({f for r in rs for f in r["fault_path_functions"].split("; ")
                                if f}))
        g = groups.setdefault((ncpus, line_verdict(rs), obj, fns), [0, set(), 0, 0])
        g[0] += 1
        g[1].add(len(rs))
        g[2] += sum(r["fault_path_writes"] for r in rs)
        g[3] += sum(r["other_writes"] for r in rs)
    return groups


def write_md(path, kind, cores, stages, lines, order):
    out = [f"# Anatomy of concurrent faults: {KIND_TITLES[kind]}", "",
           "QEMU virt, cortex-a72, -icount shift=0,sleep=off; faultline `run=anatomy cpus=N`: "
           "every core faults its interleaved pages of one region at once (a YIELD after "
           "each touch: the cores take turns fault by fault), and each instruction of a "
           "core's fault windows is that core's by the CPU the trace names "
           "(tools/anatomy/smp.py, docs/anatomy.md \"Several cores\"). Instructions per "
           "fault: from the access that faults back to it, as `make anatomy` counts one; "
           "min and max over the core's faults (the max is a fault whose page cache was "
           "empty: one swap of a 64-page map word). Peers' inside: other cores' "
           "instructions the trace shows between a window's first and last instruction; "
           "counter: the PMU windows' sum, which counts them too.", "",
           "| cpus | core | faults | instructions | per fault | min | max | peers' inside | "
           "counter | TLBI | DSB | DMB | ISB | LSE atomic | acquire/release | exclusive |",
           "|" + " ---: |" * 16]
    for r in cores:
        out.append(f"| {r['cpus']} | {r['cpu']} | {r['faults']} | {r['instructions']:,} | "
                   f"{r['per_fault']} | {r['min']} | {r['max']} | {r['peer_instructions']:,} | "
                   f"{r['counter']:,} | " + " | ".join(str(r[c]) for c in CLASSES) + " |")
    used = [s for s in order if any(st.get(s) for st in stages.values())]
    out += ["", "Instructions per stage, summed over each core's faults (cut at the "
            "kernel's marks, as `make anatomy` cuts one fault):", "",
            "| cpus | core | " + " | ".join(attribute.STAGE_TITLES.get(s, s) for s in used) +
            " |", "| ---: | ---: |" + " ---: |" * len(used)]
    for (ncpus, cpu), st in sorted(stages.items()):
        out.append(f"| {ncpus} | {cpu} | " + " | ".join(f"{st.get(s, 0):,}" for s in used) +
                   " |")
    out += ["", "Cache lines (64 bytes) the fault path writes that another core also writes "
            "during the concurrent phase, grouped by what writes them (every line and core: "
            "anatomy-smp-lines.csv). Fault-path writes: stores, swaps and successful "
            "compare-and-swaps inside the cores' fault windows; elsewhere: the same lines "
            "written outside them.", ""]
    if not lines:
        out.append("None.")
    else:
        out += ["| cpus | what | object | lines | cores per line | fault-path writes | "
                "elsewhere | writing functions (innermost < caller < ...) |",
                "| ---: | --- | --- | ---: | ---: | ---: | ---: | --- |"]
        for (ncpus, what, obj, fns), (n, cores_per, writes, other) in sorted(
                line_groups(lines).items(), key=lambda x: (x[0][0], x[0][1] == "other", x[0])):
            per = "-".join(str(x) for x in sorted({min(cores_per), max(cores_per)}))
            out.append(f"| {ncpus} | {what} | {obj} | {n} | {per} | {writes} | {other} | "
                       f"{fns} |")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def cpu_dirs(work, missing_ok=False):
    """[(ncpus, dir)] of the work directory's smp<N> runs."""
    out = []
    for d in sorted(os.listdir(work)):
        m = re.fullmatch(r"smp(\d+)", d)
        if m:
            out.append((int(m.group(1)), os.path.join(work, d)))
    if not out and not missing_ok:
        raise SystemExit(f"anatomy: no smp<N> runs in {work}")
    return sorted(out)


_ELVES = {}


def load_elf(a, rundir):
    """The Elf of faultline.elf at the load address of the boot in rundir."""
    key = (a.faultline_elf, attribute.boot_base(f"{rundir}/console.log"))
    if key not in _ELVES:
        _ELVES[key] = Elf(*key)
    return _ELVES[key]


def cmd_report(a):
    os.makedirs(a.out, exist_ok=True)
    all_lines = []
    for kind in KINDS:
        cores, stages, lines = [], {}, []
        order = None
        for ncpus, d in cpu_dirs(a.work):
            elf = load_elf(a, f"{d}/run1")
            order = attribute.stage_order(elf.names + [attribute.TAIL])
            recs, wins, shared = analyse(elf, f"{d}/run1/{kind}.trace", kind)
            cores += core_rows(elf, recs, wins, kind, ncpus, counts(f"{d}/run1/console.log"))
            st, unknown = stage_rows(elf, recs, wins, kind)
            if unknown:
                raise SystemExit(f"anatomy: {unknown} instructions of the {kind} trace at "
                                 f"{ncpus} cpus after the last stage mark")
            stages.update({(ncpus, c): v for c, v in st.items()})
            lines += line_rows(elf, recs, shared, kind, ncpus)
        with open(f"{a.out}/anatomy-smp-{kind}.csv", "w", newline="") as f:
            w = csv.DictWriter(f, CORE_FIELDS, lineterminator="\n", extrasaction="ignore")
            w.writeheader()
            w.writerows(cores)
        write_md(f"{a.out}/anatomy-smp-{kind}.md", kind, cores, stages, lines, order)
        all_lines += lines
        for r in cores:
            print(f"anatomy-smp: {kind:16} cpus={r['cpus']} cpu={r['cpu']} faults={r['faults']} "
                  f"instructions={r['instructions']} per fault {r['per_fault']} tlbi={r['tlbi']} "
                  f"dsb={r['dsb']} exclusive={r['exclusive']}")
    with open(f"{a.out}/anatomy-smp-lines.csv", "w", newline="") as f:
        w = csv.DictWriter(f, LINE_FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(all_lines)
    print(f"anatomy-smp: {len({(r['cpus'], r['kind'], r['line']) for r in all_lines})} shared "
          f"(line, kind, cpus) -> {a.out}/anatomy-smp-*.csv, .md")
    return 0


# --- capture -----------------------------------------------------------------

def gdb_script(outdir, port, begin, end):
    """The gdb commands of one run: the concurrent phase of each kind logged."""
    cmds = ["set pagination off", "set confirm off", "set architecture aarch64",
            f"target remote 127.0.0.1:{port}"]
    for kind in KINDS:
        cmds += [f"tbreak *{begin:#x}", "continue",
                 f"monitor logfile {outdir}/{kind}.log",
                 "monitor one-insn-per-tb on", "monitor log exec,cpu,nochain",
                 f"tbreak *{end:#x}", "continue",
                 "monitor log none", "monitor one-insn-per-tb off",
                 f"echo anatomy-traced {kind}\\n"]
    return cmds + ["continue"]


def capture(qemu_cmd, outdir, elf_path, load, timeout):
    """Boot with qemu_cmd, log each kind's concurrent phase and convert it
    into <kind>.trace; raises SystemExit naming what failed."""
    elf = Elf(elf_path, load)
    os.makedirs(outdir, exist_ok=True)
    trace.run_traced(qemu_cmd, outdir, timeout,
                     lambda port: gdb_script(outdir, port, elf.begin, elf.end), KINDS)
    for kind in KINDS:
        n = convert_log(f"{outdir}/{kind}.log", f"{outdir}/{kind}.trace", elf.insns, load)
        if not n:
            raise SystemExit(f"anatomy: the {kind} log is empty ({outdir})")
        os.remove(f"{outdir}/{kind}.log")


def qemu_cmd(a, ncpus):
    board = re.sub(r"\s*-smp\s+\d+", "", a.board_args) + f" -smp {ncpus}"
    return trace.qemu_run_cmd(sys.executable, a.faultline_img, board,
                              f"run=anatomy mode=icount cpus={ncpus}")


def cmd_run(a):
    t0 = time.monotonic()
    load = int(subprocess.run([sys.executable, "-m", "tools.qemu", "loadaddr",
                               a.faultline_img], check=True, capture_output=True,
                              text=True).stdout.strip(), 0)
    if os.path.isdir(a.work):  # a report covers this run's CPU counts only
        for _, d in cpu_dirs(a.work, missing_ok=True):
            shutil.rmtree(d)
    for ncpus in a.cpus:
        d = f"{a.work}/smp{ncpus}"
        cmd = qemu_cmd(a, ncpus)
        for i in range(1, a.runs + 1):
            print(f"anatomy-smp: cpus={ncpus}: tracing, run {i} of {a.runs} "
                  f"({time.monotonic() - t0:.0f} s)", flush=True)
            capture(cmd, f"{d}/run{i}", a.faultline_elf, load, a.timeout)
    print(f"anatomy-smp: traced in {time.monotonic() - t0:.0f} s", flush=True)
    return cmd_report(a)


# --- checks ------------------------------------------------------------------

def entry_writes(elf, recs, wins):
    """(the entry slots the fault windows wrote, the faults, {writes per
    slot}): a store is an entry write when its function is one that
    write_verdict calls the page-table entry."""
    slots, nfault = {}, 0
    for ws in wins.values():
        for w in ws:
            nfault += w.faulted
            for j in w.own:
                r = recs[j]
                if r.write and write_verdict(elf.function(r.pc)) == "page-table entry":
                    slots[r.write[0]] = slots.get(r.write[0], 0) + 1
    return set(slots), nfault, set(slots.values())


def window_digest(recs, wins):
    """What two runs must agree on: per core and window, its own records
    (PC, what it wrote) and the peers' records inside it, in order."""
    return {cpu: [([(recs[j].pc, recs[j].write, recs[j].failed) for j in w.own],
                   [(recs[j].cpu, recs[j].pc, recs[j].write) for j in w.peers])
                  for w in ws]
            for cpu, ws in wins.items()}


def cmd_check(a):
    passed = failed = 0

    def verdict(ok, what):
        nonlocal passed, failed
        print(("ok   " if ok else "FAIL ") + what)
        if ok:
            passed += 1
        else:
            failed += 1

    for ncpus, d in cpu_dirs(a.work):
        pmu = counts(f"{d}/run1/console.log")
        elf = load_elf(a, f"{d}/run1")
        runs = sorted(x for x in os.listdir(d) if re.fullmatch(r"run\d+", x))
        for kind in KINDS:
            recs, wins, shared = analyse(elf, f"{d}/run1/{kind}.trace", kind)
            tag = f"cpus={ncpus} {kind}"
            verdict(sorted(wins) == list(range(ncpus)),
                    f"{tag}: windows on every core ({sorted(wins)})")
            nwin, bad_expect, nfault, diffs = 0, [], 0, {}
            for cpu, ws in sorted(wins.items()):
                for w in ws:
                    nwin += 1
                    c = pmu.get((kind, ncpus, cpu, w.index))
                    own = len(w.own) - w.aborted
                    k = None if c is None else c - own - w.pmu_peers_retired
                    diffs.setdefault(k, []).append(f"cpu {cpu} touch {w.index}")
                    if not w.faulted:
                        continue
                    nfault += 1
                    got = class_counts(recs, w.own, elf.insns, elf.load)
                    diff = {k: got[k] for k, v in EXPECT[kind].items() if got[k] != v}
                    if diff:
                        bad_expect.append(f"cpu {cpu} touch {w.index}: {diff}")
            const = next(iter(diffs)) if len(diffs) == 1 else None
            verdict(nwin and const is not None and 0 <= const <= MAX_TIMED_CONSTANT,
                    f"{tag}: each window's PMU count is its own retired instructions plus the "
                    f"peers' between its counter reads, plus one constant of the timed code "
                    f"({nwin} windows; count - own - peers: " +
                    ", ".join(f"{k} in {len(v)} ({v[0]}...)" for k, v in
                              sorted(diffs.items(), key=lambda x: str(x[0]))) + ")")
            verdict(nfault and not bad_expect,
                    f"{tag}: every fault issues {EXPECT[kind]} ({nfault} faults)"
                    + ("" if not bad_expect else ": " + "; ".join(bad_expect[:4])))
            if a.single:
                # the same fault on one core: make anatomy's faultline trace
                path = f"{a.single}/{kind}.pcs"
                one = len(trace.read_pcs(path)) if os.path.exists(path) else None
                typical = {cpu: statistics.mode(len(w.own) for w in ws if w.faulted)
                           for cpu, ws in wins.items() if any(w.faulted for w in ws)}
                verdict(len(typical) == ncpus and set(typical.values()) == {one},
                        f"{tag}: every core's most common fault is the single-core trace's "
                        f"length {one} ({typical})")
            _, unknown = stage_rows(elf, recs, wins, kind)
            verdict(unknown == 0, f"{tag}: every window instruction has a stage "
                    f"({unknown} after the last mark)")
            lr = line_rows(elf, recs, shared, kind, ncpus)
            verdict(lr and all(r["fault_path_functions"] or r["other_functions"] for r in lr),
                    f"{tag}: shared-line list computed ({len(shared)} lines, every writer named)")
            slots, nfault, per = entry_writes(elf, recs, wins)
            want = 2 if kind == "read-then-write" else 1  # break and make, or one CAS
            first = min(slots, default=0)
            verdict(nfault and len(slots) == nfault and per == {want} and
                    slots == set(range(first, first + 8 * nfault, 8)),
                    f"{tag}: the fault path's entry writes are {want} per fault, one 8-byte "
                    f"slot per page, consecutive (the pages are) ({len(slots)} slots, "
                    f"{nfault} faults, writes per slot {sorted(per)})")
            for r in runs[1:]:
                orecs, owins, _ = analyse(elf, f"{d}/{r}/{kind}.trace", kind)
                same = window_digest(recs, wins) == window_digest(orecs, owins)
                verdict(same, f"{tag}: {r}'s windows identical to run1's (every core's "
                        "instructions, stores and peers' instructions inside)")
    print(f"anatomy-smp: {passed} passed, {failed} failed")
    if a.count_file:
        with open(a.count_file, "w") as f:
            f.write(f"{passed} {failed}\n")
    return 1 if failed else 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("command", choices=("run", "report", "check"))
    p.add_argument("--work", required=True)
    p.add_argument("--out")
    p.add_argument("--cpus", type=lambda s: [int(x) for x in s.split()], default=[2, 4],
                   help='CPU counts, e.g. "2 4"')
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--faultline-img", default="build/qemu-virt/faultline.img")
    p.add_argument("--faultline-elf", default="build/qemu-virt/faultline.elf")
    p.add_argument("--board-args", default="-machine virt -cpu cortex-a72 -m 512M")
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--count-file")
    p.add_argument("--single", help="check: make anatomy's faultline run directory "
                   "(<kind>.pcs), whose single-core faults every core's typical one must equal")
    a = p.parse_args(argv)
    if a.command in ("run", "report") and not a.out:
        p.error("--out is needed")
    return {"run": cmd_run, "report": cmd_report, "check": cmd_check}[a.command](a)


if __name__ == "__main__":
    sys.exit(main())
