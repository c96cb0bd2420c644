/*
 * Address spaces and their areas, after Linux's mm_struct and
 * vm_area_struct. One mm describes the VMA window of the single address
 * space; the kernel's identity map of RAM lives low in the same tables and
 * is not the mm's business.
 *
 * The VA layout (48-bit, 4 KiB pages; TTBR0 half):
 *
 *   0x0000_0000_0000 +----------------------------+
 *                    | kernel: identity-mapped RAM|
 *   0x1000_0000_0000 +----------------------------+ TASK_UNMAPPED_BASE
 *                    | heap: [start_brk, brk) ->  |   = MM_HEAP_BASE
 *   0x1100_0000_0000 +----------------------------+ MM_MMAP_MIN
 *                    |        <- mmap (top-down)  |
 *   0x8000_0000_0000 +----------------------------+ TASK_SIZE = mmap_base
 *
 * The heap may grow up to brk_limit bytes (at most MM_HEAP_MAX); mmap
 * without MAP_FIXED places areas top-down from mmap_base and never below
 * MM_MMAP_MIN, so it cannot take the heap's room. MAP_FIXED may use any
 * page of [TASK_UNMAPPED_BASE, TASK_SIZE).
 *
 * Invariants (mm_check verifies them all, with pgt_check's on the tables): VMAs are page aligned, non-empty,
 * inside the window, disjoint; the list (mmap, vm_next/vm_prev) and the tree
 * (mm_rb, keyed by vm_start) hold the same VMAs in the same order;
 * map_count counts them; two VMAs that touch have different vm_flags (equal
 * neighbours are always merged); a writable VMA is readable; no VMA is
 * writable and executable.
 */
#ifndef MM_MM_H
#define MM_MM_H

#include "lib/assert.h"
#include "lib/types.h"
#include "mm/geometry.h"
#include "mm/objpool.h"
#include "mm/rbtree.h"
#include <arch/percpu.h>
#include <arch/spinlock.h>

struct pgtable;

#define TASK_UNMAPPED_BASE 0x100000000000ull
#define TASK_SIZE 0x800000000000ull
#define MM_HEAP_BASE TASK_UNMAPPED_BASE
#define MM_HEAP_MAX 0x10000000000ull /* 1 TiB */
#define MM_MMAP_MIN (MM_HEAP_BASE + MM_HEAP_MAX)

/*
 * vm_flags. The access bits equal FAULT_READ/WRITE/EXEC (mm/fault.h) and
 * MM_READ/WRITE/EXEC (mm/arch.h), so the fault path checks and maps with a
 * mask, no translation.
 */
#define VM_READ BIT(0)
#define VM_WRITE BIT(1)
#define VM_EXEC BIT(2)
#define VM_ACCESS (VM_READ | VM_WRITE | VM_EXEC)
#define VM_HEAP BIT(8) /* made by brk: the heap, grows up */
/* Bit 7 stays free: it is FAULT_OTHER, which no VMA allows. */

struct mm_struct;

struct vm_area_struct {
	struct mm_struct *vm_mm;
	vaddr_t vm_start;               /* first byte */
	vaddr_t vm_end;                 /* first byte after */
	struct vm_area_struct *vm_next; /* address order; NULL at the end */
	struct vm_area_struct *vm_prev;
	struct rb_node vm_rb;           /* in mm->mm_rb, keyed by vm_start */
	unsigned long vm_flags;
};

/*
 * An mm's per-CPU state: X(name, comment) for each counter of events on
 * the fault path; each CPU has its own struct mm_pcpu in the mm, 256 bytes
 * so that finding it is one shift and add from the CPU's index.
 */
#define MM_COUNTERS(X)                                                         \
	X(nr_fault_zero)     /* read fault: zero page mapped */                \
	X(nr_fault_anon)     /* write fault: fresh page mapped */              \
	X(nr_fault_folio)    /* write fault: fresh large folio mapped */       \
	X(nr_folio_pages)    /* pages those folios mapped */                   \
	X(nr_folio_fallback) /* a folio size was free in the VMA and the       \
				tables but not in the allocator */             \
	X(nr_fault_thp)      /* write fault: fresh zeroed block mapped */      \
	X(nr_thp_pages)      /* pages those blocks mapped */                   \
	X(nr_fault_thp_zero) /* read fault: huge zero page mapped */           \
	X(nr_thp_zero_split) /* write to the huge zero page: split into        \
				zero-page entries, then the page path */       \
	X(nr_thp_fallback)   /* a block was free in the VMA and the tables     \
				but no aligned run (or huge zero page) */      \
	X(nr_fault_cow)      /* write to the zero page: replaced */            \
	X(nr_fault_wp)       /* write to a read-only private page of a         \
				writable VMA (after mprotect): made RW */      \
	X(nr_fault_af)       /* access flag set */                             \
	X(nr_fault_spurious) /* entry already allowed it: TLB flushed */       \
	X(nr_fault_segv)     /* no VMA, or the VMA forbids the access */       \
	X(nr_fault_oom)      /* no page for data or tables */                  \
	X(nr_fault_lost)     /* another CPU changed the entry first: this      \
				fault's page (if any) given back, the access   \
				retried (SMP; a spurious fault in Linux) */    \
	X(nr_fault_retry)    /* a writer held the mm: waited, looked again */  \
	X(nr_table_lost)     /* a table another CPU linked first: ours freed */\
	X(nr_pages_freed)    /* data pages given back (munmap, brk) */

#define MM_PCPU_SIZE 256

struct __attribute__((aligned(64))) mm_pcpu {
	union {
		struct {
			struct vm_area_struct *pcpu_vmacache; /* last find_vma
								 hit, or NULL */
			uint64_t pcpu_in_fault; /* 1 while this CPU runs a
						   fault of the mm (mm_fault_enter) */
#define MM_COUNTER_FIELD(name) uint64_t pcpu_##name;
			MM_COUNTERS(MM_COUNTER_FIELD)
#undef MM_COUNTER_FIELD
		};
		char size[MM_PCPU_SIZE];
	};
};
static_assert(sizeof(struct mm_pcpu) == MM_PCPU_SIZE, "an mm's per-CPU part");

struct mm_struct {
	/*
	 * The writers' side (mm/mm_lock.h): lock serialises the writers
	 * (mmap, munmap, mprotect, brk), seq is odd while one of them
	 * changes the VMAs or entries. Every fault reads seq; only writers
	 * write either, so they have a cache line of their own.
	 */
	struct {
		arch_spinlock_t lock;
		uint64_t seq;
	} __attribute__((aligned(64))) wr;

	struct vm_area_struct *mmap;    /* lowest VMA (list head) */
	struct rb_root mm_rb;
	bool vmacache_on;               /* benchmarks switch it off (the
					   cache itself is per CPU: pcpu[]) */
	size_t map_count;               /* VMAs */
	struct objpool vma_pool;        /* where this mm's VMAs live */

	vaddr_t start_brk;              /* the heap starts here */
	vaddr_t brk;                    /* current break (not page aligned) */
	uint64_t brk_limit;             /* brk - start_brk stays <= this */
	vaddr_t mmap_base;              /* top of the top-down mmap area */
	vaddr_t free_area_cache;        /* where the next top-down search starts */

	struct pgtable *pgt;            /* shared with the kernel's map */
	paddr_t zero_pa;                /* the zero page, mapped read-only */
	unsigned folio_orders;          /* large folios a write fault may map:
					   bit k = 2^k pages (mm_set_folios) */
	bool thp;                       /* faults map blocks (thp=always) */
	paddr_t huge_zero_pa;           /* the huge zero page (a zeroed block's
					   run, read-only), or 0 until first used */

	/* This mm's per-CPU part: counters and lookup cache (below). */
	struct mm_pcpu pcpu[NR_CPUS];
};

/*
 * The counters and the VMA cache are per CPU (as Linux's vm events and
 * percpu_counter are): a CPU increments its own copy, a reader sums them.
 * The names the fault path uses, mm->nr_<event> and mm->vmacache, stand
 * for the calling CPU's copy (the macros after struct mm_pcpu), so an
 * increment is `mm->nr_fault_anon++` as before, one index from
 * arch_cpu_id() away; mm_counter(mm, nr_<event>) is the sum over CPUs,
 * what a report reads. (With one CPU running, as now, the two agree.)
 */
#define MM_THIS_CPU(field) pcpu[arch_cpu_id()].pcpu_##field
#define nr_fault_zero MM_THIS_CPU(nr_fault_zero)
#define nr_fault_anon MM_THIS_CPU(nr_fault_anon)
#define nr_fault_folio MM_THIS_CPU(nr_fault_folio)
#define nr_folio_pages MM_THIS_CPU(nr_folio_pages)
#define nr_folio_fallback MM_THIS_CPU(nr_folio_fallback)
#define nr_fault_thp MM_THIS_CPU(nr_fault_thp)
#define nr_thp_pages MM_THIS_CPU(nr_thp_pages)
#define nr_fault_thp_zero MM_THIS_CPU(nr_fault_thp_zero)
#define nr_thp_zero_split MM_THIS_CPU(nr_thp_zero_split)
#define nr_thp_fallback MM_THIS_CPU(nr_thp_fallback)
#define nr_fault_cow MM_THIS_CPU(nr_fault_cow)
#define nr_fault_wp MM_THIS_CPU(nr_fault_wp)
#define nr_fault_af MM_THIS_CPU(nr_fault_af)
#define nr_fault_spurious MM_THIS_CPU(nr_fault_spurious)
#define nr_fault_segv MM_THIS_CPU(nr_fault_segv)
#define nr_fault_oom MM_THIS_CPU(nr_fault_oom)
#define nr_fault_lost MM_THIS_CPU(nr_fault_lost)
#define nr_fault_retry MM_THIS_CPU(nr_fault_retry)
#define nr_table_lost MM_THIS_CPU(nr_table_lost)
#define nr_pages_freed MM_THIS_CPU(nr_pages_freed)
#define vmacache MM_THIS_CPU(vmacache)

/* mm_counter: counter `name` (nr_fault_anon, ...) of mm, summed over the CPUs. */
#define mm_counter(mm, name) mm_counter_sum(mm, offsetof(struct mm_pcpu, pcpu_##name))

static inline uint64_t mm_counter_sum(const struct mm_struct *mm, size_t offset)
{
	uint64_t sum = 0;

	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		sum += *(const uint64_t *)((const char *)&mm->pcpu[cpu] + offset);
	return sum;
}

/* mm_vmacache_forget: no CPU's cache holds vma any more (NULL: any VMA). */
static inline void mm_vmacache_forget(struct mm_struct *mm, const struct vm_area_struct *vma)
{
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		if (!vma || mm->pcpu[cpu].pcpu_vmacache == vma)
			mm->pcpu[cpu].pcpu_vmacache = NULL;
}

/*
 * mm_resident_pages: data pages mapped now (the zero page excluded). Every
 * data page comes from an anonymous or a replacement fault, so the fault
 * path needs no counter of its own for this.
 */
static inline size_t mm_resident_pages(const struct mm_struct *mm)
{
	return mm_counter(mm, nr_fault_anon) + mm_counter(mm, nr_fault_cow) +
	       mm_counter(mm, nr_folio_pages) + mm_counter(mm, nr_thp_pages) -
	       mm_counter(mm, nr_pages_freed);
}

/*
 * Large folios (Linux 6.8+'s multi-size THP for anonymous memory): the
 * orders a write fault may map, as a mask, bit k for 2^k pages. Orders
 * 1 .. FOLIO_MAX_ORDER: from two pages up to half a block (blocks, the
 * PMD-sized THP, are mapped by mm_set_thp's switch instead).
 */
#define FOLIO_MAX_ORDER (BLOCK_SHIFT - PAGE_SHIFT - 1)
#define FOLIO_ORDERS_ALL (((1u << FOLIO_MAX_ORDER) - 1) << 1)

/* The order of a block's run of pages (9, 11, 13 for 4K, 16K, 64K). */
#define BLOCK_ORDER (BLOCK_SHIFT - PAGE_SHIFT)

/*
 * mm_set_thp: whether a fault in a part of a VMA covering a whole naturally
 * aligned block, with no table under it yet, maps the block (Linux's THP
 * "always"; faultline's default is "never").
 */
void mm_set_thp(struct mm_struct *mm, bool on);

/*
 * mm_drop_huge_zero: give the huge zero page back to the allocator (the
 * next read fault that wants it allocates it again). The caller knows that
 * no block maps it (after unmapping every area that thp faults touched).
 */
void mm_drop_huge_zero(struct mm_struct *mm);

/*
 * mm_split_edges: cut [start, end) (mm/cut.c: pgt_cut_prepare, then
 * pgt_cut_commit): split the leaves its edges cut and unfold the contiguous
 * ranges they cut, so that pgt_unmap and pgt_protect over it need no
 * memory: both edges' table pages or neither, so -ENOMEM leaves every entry
 * as it was (a huge zero block split becomes zero-page entries). 0 or
 * -ENOMEM.
 */
int mm_split_edges(struct mm_struct *mm, vaddr_t start, vaddr_t end);

/* mm_set_folios: enable the folio orders in `orders` (0: base pages only). -EINVAL for others. */
int mm_set_folios(struct mm_struct *mm, unsigned orders);

/*
 * mm_init: an empty mm over pgt (whose tables must not map the VMA window)
 * with its own zero page. 0 or -ENOMEM.
 */
int mm_init(struct mm_struct *mm, struct pgtable *pgt);

/* mm_setup: mm_init, then make mm the one the fault handler serves. */
int mm_setup(struct mm_struct *mm, struct pgtable *pgt);

/* mm_destroy: unmap and free every VMA, page and table page, and the zero page. */
void mm_destroy(struct mm_struct *mm);

/* mm_set_vmacache: switch find_vma's one-entry cache on or off (and empty it). */
void mm_set_vmacache(struct mm_struct *mm, bool on);

/* find_vma: the first VMA with vm_end > addr (it may start above addr), or NULL. */
struct vm_area_struct *find_vma(struct mm_struct *mm, vaddr_t addr);

/*
 * vma_lookup: the VMA containing addr, or NULL. The fault path's lookup:
 * the cached VMA is tested inline (one unsigned compare covers both ends),
 * and only a miss calls find_vma. vma_lookup_pc: the same with this CPU's
 * part of mm already at hand.
 */
static inline struct vm_area_struct *vma_lookup_pc(struct mm_struct *mm, struct mm_pcpu *pc,
						   vaddr_t addr)
{
	struct vm_area_struct *vma = pc->pcpu_vmacache;

	if (likely(vma && addr - vma->vm_start < vma->vm_end - vma->vm_start))
		return vma;
	vma = find_vma(mm, addr);
	return vma && vma->vm_start <= addr ? vma : NULL;
}

static inline struct vm_area_struct *vma_lookup(struct mm_struct *mm, vaddr_t addr)
{
	return vma_lookup_pc(mm, &mm->pcpu[arch_cpu_id()], addr);
}

/* find_vma_prev: find_vma, and the VMA before that address in *pprev (or NULL). */
struct vm_area_struct *find_vma_prev(struct mm_struct *mm, vaddr_t addr,
				     struct vm_area_struct **pprev);

/*
 * mm_table_pages: the table pages under the VMA window (levels 1-3), by a
 * walk of the tables themselves: exact, and free for the fault path, which
 * counts nothing for them.
 */
size_t mm_table_pages(const struct mm_struct *mm);

/* mm_check: verify every invariant above, the tree, the counters and the
 * page tables under the VMAs. 0, or -EINVAL after printing the violation. */
int mm_check(struct mm_struct *mm);

/* mm_dump: print the VMAs and counters. */
void mm_dump(struct mm_struct *mm);

/* Linux's mmap/mprotect arguments (the same values as <sys/mman.h>). */
#define PROT_NONE 0x0
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define PROT_SEM 0x8                /* refused here (docs/linux.md) */
#define PROT_GROWSDOWN 0x01000000   /* mprotect only; no VMA grows here */
#define PROT_GROWSUP 0x02000000
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000

/*
 * do_mmap: map len bytes (rounded up to pages) of anonymous private memory,
 * flags = MAP_PRIVATE | MAP_ANONYMOUS [| MAP_FIXED | MAP_FIXED_NOREPLACE].
 * Without MAP_FIXED, addr is a hint used if that range is free, else the
 * area goes top-down from mmap_base. MAP_FIXED replaces whatever was there.
 * PROT_WRITE implies PROT_READ, and so does PROT_EXEC (EL1 can read what it
 * can execute). Stores the address in *out. Errors, with nothing changed:
 * -EINVAL (len 0, unknown or missing flags or prot bits, PROT_WRITE with
 * PROT_EXEC, unaligned or outside-window fixed address), -EEXIST
 * (MAP_FIXED_NOREPLACE over a mapping), -ENOMEM (no free range, or no
 * memory for a VMA).
 */
int do_mmap(struct mm_struct *mm, vaddr_t addr, uint64_t len, unsigned prot,
	    unsigned flags, vaddr_t *out);

/*
 * do_munmap: unmap every page of [addr, addr + len), splitting VMAs at the
 * edges, freeing data pages and emptied tables. Holes are fine. Errors, with
 * nothing changed: -EINVAL (len 0, unaligned addr, range outside the
 * window), -ENOMEM (no memory for the VMA a split needs).
 */
int do_munmap(struct mm_struct *mm, vaddr_t addr, uint64_t len);

/*
 * do_mprotect: set the protection of [addr, addr + len) (len rounded up),
 * splitting and merging VMAs; mapped pages lose write/exec at once (with
 * TLB maintenance) and gain write lazily, on their next write fault.
 * PROT_NONE keeps the mapped pages, contents and all, behind entries the MMU
 * faults on (MM_NONE); a later mprotect makes them accessible again.
 * The arguments are checked in Linux 6.12's order (mm/mmap.c lists it), so
 * len 0 returns 0 whatever prot is unless both PROT_GROWS* bits are set.
 * Errors, with nothing changed: -EINVAL (unaligned addr, unknown prot bits,
 * PROT_SEM, PROT_GROWSDOWN or PROT_GROWSUP, PROT_WRITE with PROT_EXEC),
 * -ENOMEM (addr + len wraps, part of the range is not mapped, or no memory
 * for the VMAs splits need).
 */
int do_mprotect(struct mm_struct *mm, vaddr_t addr, uint64_t len, unsigned prot);

/*
 * do_brk: Linux's brk(2). Moves the break to brk: the heap's pages are
 * [start_brk, PAGE_ALIGN(brk)), readable and writable. Growing maps, shrinking
 * unmaps and frees the pages above. Returns the new break, or the unchanged
 * current one when brk is below start_brk, would take the heap past
 * brk_limit, would leave less than one free page below the next mapping,
 * would shrink over pages nothing maps, or memory for a VMA ran out (so
 * do_brk(mm, 0) just reads the break).
 */
vaddr_t do_brk(struct mm_struct *mm, vaddr_t brk);

#endif
