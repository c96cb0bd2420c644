"""Host tests of the several-core anatomy (tools/anatomy/smp.py): the QEMU
log with registers into a trace with store addresses, the windows of each
CPU with peers running inside them, and the shared cache lines, on tiny
synthetic logs and traces (python3 -m unittest tools/anatomy/test_smp.py)."""

import os
import tempfile
import unittest

from . import smp

LOAD = 0x40200000


def regs_dump(pc, regs):
    """QEMU's aarch64 register dump (-d cpu) for these registers (others 0)."""
    x = [regs.get(f"x{i}", 0) for i in range(31)]
    out = f" PC={pc:016x} "
    cells = [f"X{i:02d}={v:016x}" for i, v in enumerate(x)]
    out += " ".join(cells[:2]) + "\n"
    for i in range(2, 29, 3):
        out += " ".join(cells[i:i + 3]) + "\n"
    out += f"X29={x[29]:016x} X30={x[30]:016x}  SP={regs.get('sp', 0):016x}\n"
    return out + "PSTATE=600002c4 -ZC- EL1t\n"


def qemu_log(records):
    """A QEMU exec,cpu log of (cpu, pc, regs) records."""
    text = ""
    for n, (cpu, pc, regs) in enumerate(records):
        text += (f"Trace {cpu}: 0x7f{n:010x} [00004000/{pc:016x}/00000121/ff062201] \n" +
                 regs_dump(pc, regs))
    return text


def tmpfile(text, suffix=""):
    f = tempfile.NamedTemporaryFile("w", delete=False, suffix=suffix)
    f.write(text)
    f.close()
    return f.name


class Log(unittest.TestCase):
    def test_records_and_registers(self):
        p = tmpfile(qemu_log([(0, LOAD, {"x1": 5, "sp": 0x1000}), (1, LOAD + 4, {"x30": 7})]))
        self.addCleanup(os.unlink, p)
        recs = list(smp.read_records(p, lambda cpu, pc: True))
        self.assertEqual([(c, pc) for c, pc, _ in recs], [(0, LOAD), (1, LOAD + 4)])
        self.assertEqual(recs[0][2]["x1"], 5)
        self.assertEqual(recs[0][2]["sp"], 0x1000)
        self.assertEqual(recs[1][2]["x30"], 7)
        # registers are parsed only where asked
        self.assertIsNone(list(smp.read_records(p, lambda cpu, pc: False))[0][2])


class Classes(unittest.TestCase):
    def test_each_class(self):
        for m, want in (("tlbi", {"tlbi"}), ("dsb", {"dsb"}), ("dmb", {"dmb"}),
                        ("isb", {"isb"}), ("casal", {"lse_atomic"}),
                        ("swpal", {"lse_atomic"}), ("ldaddal", {"lse_atomic"}),
                        ("stsetl", {"lse_atomic"}), ("ldar", {"acquire_release"}),
                        ("stlrh", {"acquire_release"}), ("ldaxr", {"exclusive"}),
                        ("stlxr", {"exclusive"}), ("ldxp", {"exclusive"}),
                        ("stxrb", {"exclusive"}), ("str", set()), ("ldr", set()),
                        ("ldp", set()), ("add", set())):
            self.assertEqual(smp.classes(m), want, m)


class Addresses(unittest.TestCase):
    regs = {"x0": 0x1000, "x1": 0x2000, "x2": 3, "x3": 0xfffffffe, "sp": 0x8000}

    def addr(self, m, ops):
        size, mem, cond = smp.store_spec(m, ops)
        return smp.effective_address(mem, self.regs), size, cond

    def test_forms(self):
        cases = [
            ("str", "xzr, [x0]", (0x1000, 8, None)),
            ("str", "x1, [x0, #8]", (0x1008, 8, None)),
            ("stur", "w1, [x0, #-4]", (0xffc, 4, None)),
            ("stp", "x29, x30, [sp, #-32]!", (0x7fe0, 16, None)),   # pre-index
            ("str", "x1, [x0], #16", (0x1000, 8, None)),            # post-index
            ("str", "x1, [x0, x2, lsl #3]", (0x1018, 8, None)),
            ("strb", "w1, [x0, x2]", (0x1003, 1, None)),
            ("str", "w1, [x0, w3, sxtw #2]", (0x1000 - 8, 4, None)),  # w3 = -2
            ("strh", "wzr, [sp, #6]", (0x8006, 2, None)),
            ("stlr", "x1, [x0]", (0x1000, 8, None)),
            ("stlxr", "w5, x1, [x0]", (0x1000, 8, ("status", "w5"))),
            ("casal", "x2, x1, [x0]", (0x1000, 8, ("cas", "x2"))),
            ("swpal", "x2, x1, [x0]", (0x1000, 8, None)),
            ("stsetl", "x2, [x0]", (0x1000, 8, None)),
            ("dc", "zva, x1", (0x2000, smp.DCZVA_BYTES, None)),
        ]
        for m, ops, want in cases:
            self.assertEqual(self.addr(m, ops), want, f"{m} {ops}")

    def test_loads_are_not_stores(self):
        for m, ops in (("ldr", "x1, [x0]"), ("ldp", "x1, x2, [sp]"), ("ldaxr", "x1, [x0]"),
                       ("dc", "civac, x0"), ("add", "x0, x0, #1")):
            self.assertIsNone(smp.store_spec(m, ops), m)

    def test_undecodable_operand_fails(self):
        with self.assertRaises(ValueError):
            smp.effective_address("[x0, what]", self.regs)


class Convert(unittest.TestCase):
    """A two-CPU log through convert_log: addresses, conditional stores,
    and the phase cut to CPU 0's first and last records."""

    insns = {0x0: ("nop", ""), 0x4: ("str", "x1, [x0, #8]"), 0x8: ("stlxr", "w2, x1, [x0]"),
             0xc: ("cbnz", "w2, 8"), 0x10: ("casal", "x3, x1, [x0]"), 0x14: ("ret", "")}

    def convert(self, records):
        log = tmpfile(qemu_log(records))
        out = log + ".trace"
        self.addCleanup(os.unlink, log)
        self.addCleanup(lambda: os.path.exists(out) and os.unlink(out))
        n = smp.convert_log(log, out, self.insns, LOAD)
        with open(out) as f:
            return n, f.read().split("\n")[:-1]

    def test_trace_lines(self):
        L = LOAD
        n, lines = self.convert([
            (1, L + 0x0, {}),                                   # before CPU 0: cut
            (0, L + 0x0, {}),
            (0, L + 0x4, {"x0": 0x100, "x1": 1}),              # str: always writes
            (1, L + 0x8, {"x0": 0x140, "x2": 9}),              # stlxr ...
            (1, L + 0xc, {"x0": 0x140, "x2": 1}),              # ... failed (status 1)
            (1, L + 0x8, {"x0": 0x140, "x2": 1}),
            (1, L + 0xc, {"x0": 0x140, "x2": 0}),              # ... wrote
            (0, L + 0x10, {"x0": 0x180, "x3": 0}),             # casal, x3 unchanged: wrote
            (0, L + 0x14, {"x0": 0x180, "x3": 0}),
            (0, L + 0x10, {"x0": 0x180, "x3": 0}),             # casal, x3 changed: failed
            (0, L + 0x14, {"x0": 0x180, "x3": 5}),
            (1, L + 0x0, {}),                                   # after CPU 0: cut
        ])
        self.assertEqual(lines, [
            "0 40200000",
            "0 40200004 w108:8",
            "1 40200008 f140:8",
            "1 4020000c",
            "1 40200008 w140:8",
            "1 4020000c",
            "0 40200010 w180:8",
            "0 40200014",
            "0 40200010 f180:8",
            "0 40200014",
        ])
        recs = smp.read_trace_lines(lines)
        self.assertEqual(recs[1].write, (0x108, 8))
        self.assertEqual(recs[2].failed, (0x140, 8))
        self.assertIsNone(recs[2].write)


# A synthetic machine for windows and lines: the labelled access A, a
# counter read before (C0) and after (C1) it, the vector entry V (the
# exception), kernel code K..., and the instruction after the access.
A, C0, C1, V, K = 0x1000, 0x0ff0, 0x1008, 0x8000, 0x9000
VECTORS = {V + 0x80 * n for n in range(16)}


def rec(cpu, pc, write=None):
    return smp.Rec(cpu, pc, write)


class Windows(unittest.TestCase):
    def trace(self):
        """CPU 0 faults (its window cut by CPU 1's 3 instructions, one of
        them a faulting access of its own), CPU 1 then re-touches (no fault)."""
        return [
            rec(0, C0), rec(0, A),                       # counter read, access (aborted)
            rec(0, V), rec(0, K, (0x40, 8)),             # vector entry, kernel store
            rec(1, C0), rec(1, A), rec(1, V),            # peer: counter, access aborted, vector
            rec(0, K + 4, (0x48, 8)), rec(0, A),         # kernel store, access again (retires)
            rec(0, A + 4), rec(0, C1),                   # after it, counter read
            rec(1, K + 8, (0x1000, 8)), rec(1, A),       # peer's own window continues ...
            rec(1, A + 4), rec(1, C1),
        ]

    def test_windows_by_cpu(self):
        recs = self.trace()
        w = smp.windows(recs, A, {C0, C1}, VECTORS)
        self.assertEqual(sorted(w), [0, 1])
        w0, w1 = w[0][0], w[1][0]
        self.assertEqual([recs[j].pc for j in w0.own], [A, V, K, K + 4, A])
        self.assertEqual(w0.peers, [4, 5, 6])
        self.assertEqual(w0.aborted, 1)
        self.assertTrue(w0.faulted)
        # the PMU window, counter read to counter read: the peer's aborted
        # access does not retire: 2 of its 3 instructions count
        self.assertEqual(w0.pmu_peers, [4, 5, 6])
        self.assertEqual(w0.pmu_peers_retired, 2)
        self.assertEqual([recs[j].pc for j in w1.own], [A, V, K + 8, A])
        self.assertEqual(w1.aborted, 1)

    def test_window_without_end_fails(self):
        with self.assertRaises(SystemExit):
            smp.windows([rec(0, A), rec(0, V)], A, {C0}, VECTORS)

    def test_shared_lines(self):
        recs = self.trace()
        # CPU 1 also writes line 1 (0x40..0x7f), outside its window, and a
        # line nobody's fault path writes; a failed store is no write
        recs += [rec(1, K + 12, (0x7c, 8)), rec(1, K + 16, (0x2000, 8)),
                 rec(0, K + 20, (0x2008, 8))]
        failed = rec(1, K + 24)
        failed.failed = (0x1000 + 64, 8)
        recs.append(failed)
        w = smp.windows(recs, A, {C0, C1}, VECTORS)
        shared = smp.shared_lines(recs, w)
        # 0x7c..0x83 straddles lines 1 and 2; line 1 is CPU 0's fault path's
        self.assertEqual(sorted(shared), [1])
        self.assertEqual(shared[1][0]["fault"], {K: 1, K + 4: 1})
        self.assertEqual(shared[1][1]["other"], {K + 12: 1})
        self.assertEqual(shared[1][1]["fault"], {})
        self.assertEqual(shared[1][1]["addrs"], {0x7c})

    def test_no_sharing_without_a_second_writer(self):
        recs = self.trace()
        w = smp.windows(recs, A, {C0, C1}, VECTORS)
        self.assertEqual(smp.shared_lines(recs, w), {})


class Verdicts(unittest.TestCase):
    def test_labels(self):
        row = lambda f: {"fault_path_functions": f}
        self.assertEqual(smp.line_verdict([row("arch_cmpxchg < arch_pte_cmpxchg < pgt_install"),
                                           row("arch_pte_write < pgt_replace < present_leaf")]),
                         "page-table entry")
        self.assertEqual(smp.line_verdict([row("arch_xchg < map_swap_out < swap_word")]),
                         "allocator map word")
        self.assertEqual(smp.line_verdict([row("arch_write_once < alloc_refill")]), "other")
        # a line written both as an entry and something else is not just an entry
        self.assertEqual(smp.line_verdict([row("pgt_install"), row("count_got")]), "other")


@unittest.skipUnless(os.path.exists("build/qemu-virt/faultline.elf"), "kernel not built")
class Kernel(unittest.TestCase):
    def test_every_store_decodes(self):
        """Every store-class instruction of faultline.elf has an address
        operand the decoder reads (else a trace would stop on it)."""
        insns = smp.disassemble("build/qemu-virt/faultline.elf")
        specs = [(a, m, ops, smp.store_spec(m, ops)) for a, (m, ops) in insns.items()]
        specs = [x for x in specs if x[3]]
        self.assertGreater(len(specs), 100)
        regs = {f"x{i}": 0x1000 for i in range(31)}
        regs["sp"] = 0x8000
        for a, m, ops, (size, mem, cond) in specs:
            self.assertGreater(smp.effective_address(mem, regs), 0, f"{a:#x}: {m} {ops}")
        # and no store mnemonic is left unrecognised
        left = {m for _, (m, ops) in insns.items()
                if m.startswith(("st", "cas", "swp")) and not smp.store_spec(m, ops)}
        self.assertEqual(left, set())


class Console(unittest.TestCase):
    def test_counts(self):
        p = tmpfile("faultline: anatomy kind=write count=302 overhead=15\n"
                    "faultline: anatomy-smp kind=read-then-write cpus=4 cpu=3 touch=7 "
                    "page=59 count=643 overhead=15\n")
        self.addCleanup(os.unlink, p)
        self.assertEqual(smp.counts(p), {("read-then-write", 4, 3, 7): 643})


if __name__ == "__main__":
    unittest.main()
