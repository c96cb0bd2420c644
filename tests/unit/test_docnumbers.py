#!/usr/bin/python3
"""The numbers README.md and docs/*.md quote come from the committed
results, and this test fails when they drift apart.

Each entry of CHECKS names a document, a pattern that finds one quoted
number in it (group 1; the document's whitespace is collapsed to single
spaces first, so a quote may wrap), and how to compute that number from
the files under results/. A quoted number matches when it is the computed
value rounded to the quote's own precision ("168" for 167.69, "0.58" for
0.5802). A pattern that no longer matches exactly once fails too: a
rewritten sentence must bring its entry along. Regenerating results/ and
not the docs (or the reverse) fails here.
Run: python3 -m tests.unit.test_docnumbers"""

import collections
import csv
import functools
import os
import re
import sys
import unittest

from tests.unit import counted

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RES = "results/qemu-virt"


@functools.lru_cache(maxsize=None)
def rows(name):
    with open(os.path.join(ROOT, RES, name), newline="") as f:
        return list(csv.DictReader(f))


def cell(name, col, **where):
    """Column col of the one row of results/qemu-virt/<name> whose columns
    have the values of `where` (folio none unless given), as a number."""
    where = {k: str(v) for k, v in where.items()}
    if "folio" not in where and name != "anatomy":
        where["folio"] = "none"
    found = [r for r in rows(name) if all((r.get(k) or "none" if k == "folio" else r.get(k))
                                          == v for k, v in where.items())]
    if len(found) != 1:
        raise AssertionError(f"{RES}/{name}: {len(found)} rows with {where}")
    return float(found[0][col])


def p50(name, pattern, access, pages, **kw):
    return cell(name, "p50", pattern=pattern, access=access, pages=pages, **kw)


def anatomy(kind, kernel, stage=None):
    """Instructions of one traced fault (anatomy-<kind>.csv) in one stage,
    or all of them."""
    return float(sum(int(r["instructions"]) for r in rows(f"anatomy-{kind}.csv")
                     if r["kernel"] == kernel and (stage is None or r["stage"] == stage)))


def extra(kind, stage=None):
    """What Linux's traced fault spends beyond faultline's (in one stage)."""
    return anatomy(kind, "linux", stage) - anatomy(kind, "faultline", stage)


def stage_sum(name, pattern, access, pages):
    r = [x for x in rows(name) if x["pattern"] == pattern and x["access"] == access
         and x["pages"] == str(pages) and (x.get("folio") or "none") == "none"][0]
    return float(sum(int(v or 0) for k, v in r.items() if re.match(r"stage_.*_p50$", k)))


def pagesize(side, granule, folio, access, col="fault_p50"):
    return cell(f"{side}-pagesize-small.csv", col, granule=granule, folio=folio,
                pattern="seq", access=access)


D, LX = "default.csv", "linux-default.csv"
SHIPPED, MOFF = "linux-default-shipped.csv", "linux-default-mitigations-off.csv"
N = r"([\d,]+(?:\.\d+)?)"      # one quoted number
HEAD = (("first write to an anonymous page", "write"),
        ("first read (maps the zero page)", "read"),
        ("write after a read (replaces the zero page)", "read-then-write"))


def ratio(a, b):
    return lambda: a() / b()


def headline_checks():
    out = []
    for what, acc in HEAD:
        fl = functools.partial(p50, D, "seq", acc, 4096)
        lx = functools.partial(p50, LX, "seq", acc, 4096)
        row = r"\| " + re.escape(what) + r" \| "
        out += [("README.md", row + N + r" \|", fl),
                ("README.md", row + r"[\d,]+ \| " + N + r" \|", lx),
                ("README.md", row + r"[\d,]+ \| [\d,]+ \| " + N + r" \|", ratio(lx, fl))]
        # docs/compare.md: the terminal's table (4096 pages) and "What to expect"
        term = re.escape(what) + r" 4096 "
        out += [("docs/compare.md", term + N + " ", fl)]
        for i, name in enumerate((SHIPPED, LX, MOFF)):
            lxi = functools.partial(p50, name, "seq", acc, 4096)
            out += [("docs/compare.md", term + r"[\d,]+ " + r"[\d,]+ \([\d.]+x\) " * i
                     + N + r" \(", lxi),
                    ("docs/compare.md", term + r"[\d,]+ " + r"[\d,]+ \([\d.]+x\) " * i
                     + r"[\d,]+ \(" + N + r"x\)", ratio(lxi, fl))]
    short = {"write": "first write to an anonymous page", "read": "first read (zero page)",
             "read-then-write": "write after a read"}
    for acc, what in short.items():
        cols = [functools.partial(p50, n, "seq", acc, 4096) for n in (D, SHIPPED, LX, MOFF)]
        for i, f in enumerate(cols):
            out.append(("docs/compare.md", r"\| " + re.escape(what) + r" \| "
                        + r"[\d,]+ \| " * i + N + r" \|", f))
    return out


CHECKS = headline_checks() + [
    # README.md, below the table
    ("README.md", r"Of the write fault's " + N + " instructions",
     lambda: p50(D, "seq", "write", 4096)),
    ("README.md", r"instructions, " + N + r" zero the page",
     lambda: anatomy("write", "faultline", "zero")),
    ("README.md", r"as shipped a write fault takes " + N + " instructions",
     lambda: p50(SHIPPED, "seq", "write", 4096)),
    ("README.md", r"with `nokaslr mitigations=off` " + N, lambda: p50(MOFF, "seq", "write", 4096)),
    ("README.md", r"of the write fault's " + N + " extra", lambda: extra("write")),
    ("README.md", r"page allocation takes " + N, lambda: extra("write", "alloc")),
    ("README.md", r"counters and events " + N, lambda: extra("write", "accounting")),
    ("README.md", r"memcg charge, LRU and rmap " + N, lambda: extra("write", "memcg")),
    ("README.md", r"rmap [\d,]+, decode " + N, lambda: extra("write", "decode")),
    ("README.md", r"the table walk " + N, lambda: extra("write", "walk")),
    ("README.md", r"under RCU\) " + N, lambda: extra("write", "lookup")),
    ("README.md", r"the PTE install " + N, lambda: extra("write", "map")),
    ("README.md", r"a zero-page read's " + N + " extra", lambda: extra("read")),
    ("README.md", r"extra are decode " + N, lambda: extra("read", "decode")),
    ("README.md", r"extra are decode [\d,]+, walk " + N, lambda: extra("read", "walk")),
    ("README.md", r", lookup " + N + ", locking", lambda: extra("read", "lookup")),
    ("README.md", r"locking " + N + " and exception entry", lambda: extra("read", "locking")),
    ("README.md", r"and exception entry " + N, lambda: extra("read", "entry")),
    # README.md, page sizes (make compare-pagesize, make bench-granules)
    ("README.md", r"costs faultline " + N + " instructions per fault",
     lambda: pagesize("faultline", "4k", "64k", "write")),
    ("README.md", r"per fault, " + N + r" per 4 KiB mapped",
     lambda: pagesize("faultline", "4k", "64k", "write", "cost_per_4k")),
    ("README.md", r"mapped \(" + N + r" of the base page\)",
     lambda: pagesize("faultline", "4k", "64k", "write", "cost_per_4k")
     / p50(D, "seq", "write", 4096)),
    ("README.md", r"Linux's mTHP " + N, lambda: pagesize("linux", "4k", "64k", "write")),
    ("README.md", r"Linux's mTHP [\d,]+ and " + N,
     lambda: pagesize("linux", "4k", "64k", "write", "cost_per_4k")),
    ("README.md", r"2 MiB THP block " + N, lambda: pagesize("faultline", "4k", "2m", "write")),
    ("README.md", r"against Linux's " + N + r"; reading",
     lambda: pagesize("linux", "4k", "2m", "write")),
    ("README.md", r"huge zero page " + N, lambda: pagesize("faultline", "4k", "2m", "read")),
    ("README.md", r"huge zero page [\d,]+ against " + N,
     lambda: pagesize("linux", "4k", "2m", "read")),
    ("README.md", r"a base-page write costs " + N,
     lambda: pagesize("faultline", "16k", "none", "write")),
    ("README.md", r"a base-page write costs [\d,]+ and " + N,
     lambda: pagesize("faultline", "64k", "none", "write")),
    ("README.md", r"Linux's 16K kernel: " + N, lambda: pagesize("linux", "16k", "none", "write")),
    # docs/compare.md, around "What to expect"
    ("docs/compare.md", r"a write is 28 instructions cheaper \(" + N + " with",
     lambda: p50(LX, "seq", "write", 256)),
    ("docs/compare.md", r"a write is " + N + r" instructions cheaper",
     lambda: p50(LX, "seq", "write", 4096) - p50(LX, "seq", "write", 256)),
    ("docs/compare.md", r"a new page table per fault\) costs " + N,
     lambda: p50(LX, "stride-512", "write", 256)),
    ("docs/compare.md", r"p99 of a write: " + N,
     lambda: cell(LX, "p99", pattern="seq", access="write", pages=4096)),
    # docs/bench.md: the small suite under ICOUNT=1
    ("docs/bench.md", r"either counter \(seq write " + N, lambda: p50("small.csv", "seq", "write", 256)),
    ("docs/bench.md", r"either counter \(seq write [\d,]+, seq read " + N,
     lambda: p50("small.csv", "seq", "read", 256)),
    ("docs/bench.md", r"stride-512 write " + N + ", find_vma",
     lambda: p50("small.csv", "stride-512", "write", 64)),
    ("docs/bench.md", r"find_vma-list with 1000 VMAs " + N,
     lambda: p50("small.csv", "find_vma-list", "lookup", 1000)),
    # docs/anatomy.md: the stamps' cost, and the traced Linux write
    ("docs/anatomy.md", r"\| write \| " + N + r" \| \d+(?: / \d+){8} \|", lambda: anatomy("write", "faultline")),
    ("docs/anatomy.md", r"\| write \| [\d,]+ \| \d+(?: / \d+){8} \| " + N,
     lambda: stage_sum(D, "seq", "write", 4096)),
    ("docs/anatomy.md", r"\| write \| [\d,]+ \| \d+(?: / \d+){8} \| [\d,]+ \| " + N,
     lambda: cell(D, "staged_p50", pattern="seq", access="write", pages=4096)),
    ("docs/anatomy.md", r"\| write \| [\d,]+ \| \d+(?: / \d+){8} \| [\d,]+ \| [\d,]+ \| " + N,
     lambda: p50(D, "seq", "write", 4096)),
    ("docs/anatomy.md", r"\| read-then-write \| [\d,]+ \| \d+(?: / \d+){8} \| " + N,
     lambda: stage_sum(D, "seq", "read-then-write", 4096)),
    ("docs/anatomy.md", r"Linux's traced write is " + N, lambda: anatomy("write", "linux")),
    ("docs/anatomy.md", r"Linux's traced write is " + N + r", the suite's p50 at 1 to 256",
     lambda: p50(LX, "seq", "write", 256)),
    ("docs/anatomy.md", r"against " + N + r" at 4096 pages", lambda: p50(LX, "seq", "write", 4096)),
]


# Statements that the committed results make false: (document, pattern,
# the results' side). A match while the results say otherwise fails.
STALE = [
    ("docs/bench.md", r"`folio` is not committed",
     lambda: os.path.exists(os.path.join(ROOT, RES, "folio.csv"))),
    ("docs/anatomy.md", r"Linux's traced write is [^.]*CNTVCT",
     lambda: {r["counter"] for r in rows(LX)} == {"pmccntr"}),
    ("docs/compare.md", r"\(`SUITE=small ICOUNT=1`",     # the terminal's table: default
     lambda: not os.path.exists(os.path.join(ROOT, RES, "linux-small.csv"))),
]


@functools.lru_cache(maxsize=None)
def text(doc):
    with open(os.path.join(ROOT, doc)) as f:
        return " ".join(f.read().split())


def agrees(quoted, value):
    """Whether a quoted number is value at the quote's precision."""
    digits = len(quoted.split(".")[1]) if "." in quoted else 0
    return abs(float(quoted.replace(",", "")) - value) <= 0.5 * 10 ** -digits + 1e-9


class DocNumbersTest(unittest.TestCase):
    def test_quoted_numbers_are_the_committed_results(self):
        self.assertGreater(len(CHECKS), 50)
        for doc, pattern, value in CHECKS:
            with self.subTest(doc=doc, quote=pattern):
                found = re.findall(pattern, text(doc))
                self.assertEqual(len(found), 1, f"{doc}: /{pattern}/ found {len(found)} "
                                 "times (the sentence changed: update tests/unit/"
                                 "test_docnumbers.py)")
                want = value()
                self.assertTrue(agrees(found[0], want),
                                f"{doc} quotes {found[0]} where results/ give {want:g} "
                                f"(/{pattern}/)")

    def test_no_stale_statement(self):
        for doc, pattern, results_say_otherwise in STALE:
            with self.subTest(doc=doc, quote=pattern):
                self.assertFalse(re.search(pattern, text(doc)) and results_say_otherwise(),
                                 f"{doc}: /{pattern}/ is no longer what results/ hold")

    def test_agrees(self):
        self.assertTrue(agrees("168", 167.69))
        self.assertTrue(agrees("0.58", 0.5802))
        self.assertTrue(agrees("2,805", 2805))
        self.assertFalse(agrees("286", 289))
        self.assertFalse(agrees("9.8", 9.7))

    def test_drift_is_caught(self):
        """A doc that quotes 3 fewer than the results say fails."""
        now = p50(D, "seq", "write", 4096)
        row = "| first write to an anonymous page | {:,} |"
        doc = text("docs/compare.md")
        self.assertIn(row.format(int(now)), doc)
        old = doc.replace(row.format(int(now)), row.format(int(now) - 3))
        quoted = re.findall(r"\| first write to an anonymous page \| " + N + r" \|", old)
        self.assertFalse(agrees(quoted[0], now))


if __name__ == "__main__":
    sys.exit(counted.main(__name__))
