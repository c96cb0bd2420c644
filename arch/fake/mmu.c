/*
 * The fake MMU: translation-table entry writes checked for break-before-
 * make, a small fully associative TLB of leaf translations per fake CPU
 * (the caller's: arch_cpu_id(), mm/percpu.h), TLB maintenance that drops
 * exactly what the hardware operation would, and a table walker that
 * raises the faults the AArch64 MMU would (as mm/fault.h flags).
 *
 * A broadcast operation (TLBI ...IS) drops the entries of every CPU's TLB;
 * a local one (TLBI without IS: arch_tlb_flush_leaf_local) the caller's
 * only. fake_tlb_broadcast_broken makes the broadcasts local, as a missing
 * IS would, so a test can show what the fake then catches: fake_tlb_stale.
 * Every operation is logged (fake_ops) with its kind, operand, scope and
 * barriers.
 */
#define _GNU_SOURCE /* PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>

#include "arch/fake.h"
#include "mm/fault.h"
#include "mm/percpu.h"
#include "mm/pgtable.h"
#include <arch/atomic.h>

struct fake_stats fake_stats;

/*
 * The fake hardware's own state (the TLBs, the break list, the op log, the
 * stats) is also under one host mutex, held only where no interleaving
 * point (fake_step) comes before its release: by the walker and TLB fill,
 * the TLB invalidations, the entry store's check and the log, so fake CPUs
 * on free-running threads do not race on it (ThreadSanitizer), and the
 * interleaving scheduler never switches CPUs while one holds it.
 * Recursive: the operations log through op_log.
 */
static pthread_mutex_t hw_mutex = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static void hw_lock(void)
{
	pthread_mutex_lock(&hw_mutex);
}

static void hw_unlock(void)
{
	pthread_mutex_unlock(&hw_mutex);
}

struct tlb_entry {
	bool valid;
	int level;       /* of the leaf: 1 or 2 (block), 3 (page) */
	unsigned shift;  /* log2 of the bytes it translates: the leaf's size,
			    or a contiguous range's (MM_CONT): the hardware
			    may cache a range as one entry (Arm ARM D8.6.1) */
	vaddr_t va;      /* aligned to 1 << shift */
	paddr_t pa;
	unsigned attrs;
};

/* One CPU's TLB. */
struct fake_tlb {
	struct tlb_entry e[FAKE_TLB_ENTRIES];
	unsigned next;   /* round-robin victim */
};

static struct fake_tlb tlbs[NR_CPUS];
bool fake_tlb_broadcast_broken;

/* The calling fake CPU's TLB. */
static struct fake_tlb *this_tlb(void)
{
	return &tlbs[arch_cpu_id()];
}

/*
 * Entries made invalid since the last TLB flush ("broken"). Writing a valid
 * entry into one of them before a flush skips the middle step of break-
 * before-make. Any flush clears the list: the fake does not know which VA
 * a slot maps, so a flush of the wrong VA is caught by the TLB instead.
 */
#define MAX_BROKEN 1024
static pte_t *broken[MAX_BROKEN];
static size_t nbroken;
static bool broken_overflow; /* too many to track: check nothing until a flush */

struct fake_op fake_ops[FAKE_OPS_MAX];
size_t fake_nops;

void fake_ops_reset(void)
{
	fake_nops = 0;
}

static void op_log(enum fake_op_kind kind, uint64_t operand, bool broadcast,
		   enum fake_barrier bar)
{
	hw_lock();
	if (fake_nops < FAKE_OPS_MAX)
		fake_ops[fake_nops] = (struct fake_op){ .kind = kind, .operand = operand,
							.broadcast = broadcast, .bar = bar };
	fake_nops++;
	hw_unlock();
}

static void dsb(enum fake_barrier bar)
{
	op_log(FAKE_OP_DSB, 0, false, bar);
}

size_t fake_ops_count(enum fake_op_kind kind, enum fake_barrier bar)
{
	size_t n = 0;

	for (size_t i = 0; i < MIN(fake_nops, (size_t)FAKE_OPS_MAX); i++)
		n += fake_ops[i].kind == kind && (bar == FAKE_BAR_NONE || fake_ops[i].bar == bar);
	return n;
}

void fake_stats_reset(void)
{
	fake_stats = (struct fake_stats){ 0 };
	fake_ops_reset();
}

static bool is_broken(const pte_t *slot)
{
	for (size_t i = 0; i < nbroken; i++)
		if (broken[i] == slot)
			return true;
	return false;
}

static void pte_store(pte_t *slot, pte_t v)
{
	pte_t old;

	hw_lock();
	old = __atomic_load_n(slot, __ATOMIC_RELAXED);
	fake_stats.pte_writes++;
	if (arch_pte_valid(old) && arch_pte_valid(v) && old != v)
		fake_stats.bbm_violations++;
	else if (!arch_pte_valid(old) && arch_pte_valid(v) && is_broken(slot))
		fake_stats.bbm_violations++;
	if (arch_pte_valid(old) && !arch_pte_valid(v)) {
		if (nbroken < MAX_BROKEN)
			broken[nbroken++] = slot;
		else
			broken_overflow = true;
	}
	__atomic_store_n(slot, v, __ATOMIC_RELEASE);
	hw_unlock();
}

void arch_pte_set(pte_t *slot, pte_t v)
{
	fake_step(); /* an interleaving point (<arch/sched.h>) */
	hw_lock();
	pte_store(slot, v);
	op_log(FAKE_OP_STORE, v, false, FAKE_BAR_NONE);
	hw_unlock();
}

/*
 * The compare-and-swap of an entry: the store checked as arch_pte_set's
 * when it happens. The compare and the store are one step under the fake
 * hardware's mutex (no interleaving point between them).
 */
bool arch_pte_cmpxchg(pte_t *slot, pte_t *old, pte_t v)
{
	bool swapped;
	pte_t cur;

	fake_step();
	hw_lock();
	cur = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	swapped = cur == *old;
	*old = cur;
	if (swapped) {
		pte_store(slot, v);
		op_log(FAKE_OP_STORE, v, false, FAKE_BAR_NONE);
	}
	hw_unlock();
	return swapped;
}

void arch_pte_publish(void)
{
	dsb(FAKE_BAR_ISHST);
}

void arch_pte_write(pte_t *slot, pte_t v)
{
	arch_pte_set(slot, v);
	dsb(FAKE_BAR_ISHST);
}

void arch_pte_write_table(pte_t *slot, pte_t v)
{
	op_log(FAKE_OP_DMB, 0, false, FAKE_BAR_ISHST);
	arch_pte_set(slot, v);
	dsb(FAKE_BAR_ISHST);
}

void arch_pte_sync(void)
{
	hw_lock();
	fake_stats.syncs++;
	dsb(FAKE_BAR_ISHST);
	op_log(FAKE_OP_ISB, 0, false, FAKE_BAR_NONE);
	hw_unlock();
}

void arch_sync_exec(paddr_t pa, size_t len)
{
	hw_lock();
	op_log(FAKE_OP_SYNC_EXEC, pa, false, FAKE_BAR_NONE);
	if (fake_nops <= FAKE_OPS_MAX)
		fake_ops[fake_nops - 1].size = len;
	hw_unlock();
}

static void breaks_flushed(void)
{
	nbroken = 0;
	broken_overflow = false;
}

static struct tlb_entry *tlb_find(struct fake_tlb *tlb, vaddr_t va)
{
	for (unsigned i = 0; i < FAKE_TLB_ENTRIES; i++) {
		struct tlb_entry *t = &tlb->e[i];

		if (t->valid && va - t->va < BIT(t->shift))
			return t;
	}
	return NULL;
}

/* Drop from one CPU's TLB every entry whose leaf contains va. */
static void tlb_drop_va(struct fake_tlb *tlb, vaddr_t va)
{
	struct tlb_entry *t;

	while ((t = tlb_find(tlb, va)))
		t->valid = false;
}

static void tlb_drop_all(struct fake_tlb *tlb)
{
	for (unsigned i = 0; i < FAKE_TLB_ENTRIES; i++)
		tlb->e[i].valid = false;
}

/* The TLBs an operation reaches: every CPU's for a broadcast (the caller's
 * only while fake_tlb_broadcast_broken), the caller's for a local one. */
static bool reaches(unsigned cpu, bool broadcast)
{
	return cpu == arch_cpu_id() || (broadcast && !fake_tlb_broadcast_broken);
}

/* One TLBI by VA: every entry whose leaf contains va goes. */
static void tlbi_va(vaddr_t va, enum fake_op_kind kind, bool broadcast)
{
	fake_stats.tlbi_ops++;
	op_log(kind, va, broadcast, FAKE_BAR_NONE);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		if (reaches(cpu, broadcast))
			tlb_drop_va(&tlbs[cpu], va);
}

/* The barriers around a TLBI sequence: DSB ISHST before, DSB ISH + ISB after. */
static void tlbi_begin(bool broadcast)
{
	dsb(broadcast ? FAKE_BAR_ISHST : FAKE_BAR_NSHST);
}

static void tlbi_end(bool broadcast)
{
	dsb(broadcast ? FAKE_BAR_ISH : FAKE_BAR_NSH);
	op_log(FAKE_OP_ISB, 0, false, FAKE_BAR_NONE);
	breaks_flushed();
}

void fake_tlb_reset(void)
{
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		tlb_drop_all(&tlbs[cpu]);
		tlbs[cpu].next = 0;
	}
	breaks_flushed();
}

bool fake_tlb_cached(vaddr_t va)
{
	return tlb_find(this_tlb(), va) != NULL;
}

unsigned fake_tlb_count(vaddr_t va, vaddr_t end)
{
	const struct fake_tlb *tlb = this_tlb();
	unsigned n = 0;

	for (unsigned i = 0; i < FAKE_TLB_ENTRIES; i++)
		n += tlb->e[i].valid && tlb->e[i].va < end &&
		     va < tlb->e[i].va + BIT(tlb->e[i].shift);
	return n;
}

void arch_tlb_flush_page(vaddr_t va)
{
	hw_lock();
	fake_stats.flush_page++;
	tlbi_begin(true);
	tlbi_va(va, FAKE_OP_TLBI_VA, true);
	tlbi_end(true);
	hw_unlock();
}

void arch_tlb_flush_leaf(vaddr_t va)
{
	hw_lock();
	fake_stats.flush_leaf++;
	tlbi_begin(true);
	tlbi_va(va, FAKE_OP_TLBI_VAL, true);
	tlbi_end(true);
	hw_unlock();
}

/* A local invalidation: the caller's TLB only (TLBI VALE1, DSB NSH). */
void arch_tlb_flush_leaf_local(vaddr_t va)
{
	hw_lock();
	fake_stats.flush_leaf++;
	tlbi_begin(false);
	tlbi_va(va, FAKE_OP_TLBI_VAL, false);
	tlbi_end(false);
	hw_unlock();
}

void arch_tlb_flush_all(void)
{
	hw_lock();
	fake_stats.flush_all++;
	tlbi_begin(true);
	op_log(FAKE_OP_TLBI_ALL, 0, true, FAKE_BAR_NONE);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		if (reaches(cpu, true))
			tlb_drop_all(&tlbs[cpu]);
	tlbi_end(true);
	hw_unlock();
}

void arch_tlb_flush_leaves(vaddr_t va, vaddr_t end, unsigned shift, bool walks)
{
	vaddr_t step = BIT(shift);

	hw_lock();
	fake_stats.flush_range++;
	tlbi_begin(true);
	for (va = ALIGN_DOWN(va, step); va < end; va += step)
		tlbi_va(va, walks ? FAKE_OP_TLBI_VA : FAKE_OP_TLBI_VAL, true);
	tlbi_end(true);
	hw_unlock();
}

/* fake_translate's walk and TLB fill, under hw_mutex. */
static unsigned translate(const struct pgtable *pgt, vaddr_t va, unsigned access,
			  paddr_t *pa)
{
	struct tlb_entry *t;
	unsigned attrs;

	assert(access == FAULT_READ || access == FAULT_WRITE || access == FAULT_EXEC);
	if (va >> PGT_VA_BITS)
		return FAULT_TRANSLATION | access; /* outside TTBR0's range: level 0 */

	struct fake_tlb *tlb = this_tlb();

	t = tlb_find(tlb, va);
	if (t) {
		fake_stats.tlb_hits++;
	} else {
		const pte_t *table = pgt->root;
		int level;
		pte_t e = 0;

		fake_stats.tlb_misses++;
		for (level = PGT_ROOT_LEVEL; level <= PGT_LAST_LEVEL; level++) {
			e = table[pgt_index(va, level)];
			if (!arch_pte_valid(e) ||
			    (level == PGT_ROOT_LEVEL && !arch_pte_is_table(e, level)))
				return FAULT_TRANSLATION | access |
				       (unsigned)level << FAULT_LEVEL_SHIFT;
			if (!arch_pte_is_table(e, level))
				break;
			table = arch_phys_to_virt(arch_pte_addr(e, level));
		}
		t = &tlb->e[tlb->next++ % FAKE_TLB_ENTRIES];
		t->valid = true;
		t->level = level;
		t->attrs = arch_pte_attrs(e, level);
		t->shift = t->attrs & MM_CONT ? CONT_PTE_SHIFT : level_shift(level);
		t->va = ALIGN_DOWN(va, BIT(t->shift));
		/* a range's run starts where its first page's does */
		t->pa = arch_pte_addr(e, level) - (ALIGN_DOWN(va, level_size(level)) - t->va);
	}

	attrs = t->attrs;
	if ((access == FAULT_READ && !(attrs & MM_READ)) ||
	    (access == FAULT_WRITE && !(attrs & MM_WRITE)) ||
	    (access == FAULT_EXEC && (!(attrs & MM_EXEC) || (attrs & MM_DEVICE))))
		return FAULT_PERMISSION | access | (unsigned)t->level << FAULT_LEVEL_SHIFT;
	if (pa)
		*pa = t->pa + (va - t->va);
	return 0;
}

unsigned fake_translate(const struct pgtable *pgt, vaddr_t va, unsigned access,
			paddr_t *pa)
{
	unsigned r;

	hw_lock();
	r = translate(pgt, va, access, pa);
	hw_unlock();
	return r;
}

/*
 * A walk of pgt for va as the MMU would do it, with no TLB: the leaf's
 * output address for va and its attributes, or false if there is none.
 */
static bool walk(const struct pgtable *pgt, vaddr_t va, paddr_t *pa, unsigned *attrs)
{
	const pte_t *table = pgt->root;

	for (int level = PGT_ROOT_LEVEL; level <= PGT_LAST_LEVEL; level++) {
		pte_t e = table[pgt_index(va, level)];

		if (!arch_pte_valid(e) || (level == PGT_ROOT_LEVEL && !arch_pte_is_table(e, level)))
			return false;
		if (!arch_pte_is_table(e, level)) {
			*pa = arch_pte_addr(e, level) + (va & (level_size(level) - 1));
			*attrs = arch_pte_attrs(e, level) & ~MM_CONT;
			return true;
		}
		table = arch_phys_to_virt(arch_pte_addr(e, level));
	}
	return false;
}

unsigned fake_tlb_stale(const struct pgtable *pgt, unsigned cpu)
{
	unsigned n = 0;

	assert(cpu < NR_CPUS);
	for (unsigned i = 0; i < FAKE_TLB_ENTRIES; i++) {
		const struct tlb_entry *t = &tlbs[cpu].e[i];
		paddr_t pa;
		unsigned attrs;

		if (!t->valid)
			continue;
		/* Each page the entry covers must still translate the same way. */
		for (vaddr_t off = 0; off < BIT(t->shift); off += PAGE_SIZE) {
			if (!walk(pgt, t->va + off, &pa, &attrs) || pa != t->pa + off ||
			    attrs != (t->attrs & ~MM_CONT)) {
				n++;
				break;
			}
		}
	}
	return n;
}
