/*
 * libFuzzer target for mm/ on several fake CPUs: the input chooses each
 * fake CPU's operations (read, write and execute accesses, munmap,
 * mprotect, mmap(MAP_FIXED), brk) and the interleaving: the fake CPUs run
 * under the interleaving scheduler (arch/fake/sched.c, <arch/sched.h>),
 * which picks the CPU of every next step from the input's tail. The same
 * operations then run on one CPU, serially, and the outcomes must agree.
 *
 * After the run: mm_check, the page count balances (free pages + resident
 * data pages + table pages + the VMA pool's pages = what was free before
 * the first operation), no entry broke break-before-make and no CPU's TLB
 * holds a translation the tables no longer have (fake_tlb_stale). The run is made twice: the same
 * interleaving (the scheduler's hash of its (cpu, step) sequence) and the
 * same outcome, or the input does not replay.
 *
 * The outcome (struct outcome): every operation's result, the VMAs, the
 * break, and every page of the windows (unmapped, the zero page, or a
 * private page with its attributes and the byte each CPU writes at its own
 * offset), and the pages in use.
 *
 *   commuting inputs (header bit 0 clear): each CPU works in its own
 *   private area (all operations), writes only the shared pages it owns
 *   (page % ncpus == cpu), reads any shared page, and only CPU 0 uses the
 *   heap and brk: the operations of different CPUs commute, so the outcome
 *   must equal that of running CPU 0's, then CPU 1's, ... operations on
 *   one CPU. Up to 8 operations per CPU, 2 to 4 CPUs.
 *
 *   An access is two steps, as on a core: the fault, then the access run
 *   again. A fault can take effect and the access still fail (-EFAULT),
 *   another CPU's munmap or mprotect having come between: so an access
 *   that failed may also be modelled as its fault alone (every subset of
 *   the failed accesses is tried when no plain serial order matches).
 *
 *   racing inputs (header bit 0 set): every CPU works on the same 4 shared
 *   pages and the heap (same-page faults, a fault racing a munmap or an
 *   mprotect of its page, two writes to one zero-page mapping, brk racing
 *   heap faults); the outcome must equal that of one of the serial orders
 *   (each merge of the CPUs' programs, run on one CPU: at most 90), as
 *   Linux's semantics ask: a fault racing a munmap completed first or found
 *   no VMA; two writers of one zero page allocated exactly one page between
 *   them, with both bytes in it. 2 CPUs x 3 operations, 3 x 2 or 4 x 1.
 *
 * Input: byte 0: bit 0 racing, bits [2:1] CPUs (2 + value % 3), bits [5:3]
 * operations per CPU, bit 6 large folios (racing inputs: a first write
 * may map 2 or 4 pages, mm_set_folios), bit 7 unused; then 3 bytes per operation, CPU 0's first:
 *   op: bits [2:0] kind (read, write, exec, munmap, mprotect, mmap, brk,
 *       write), [4:3] area (shared, private, heap, private), [6:5] prot
 *   a:  the page (modulo the area's size); brk: the heap's new size
 *   b:  the length (1 + b % 4 pages, racing 1 + b % 2); write: the value
 * and the rest is the interleaving (<arch/sched.h>'s encoding).
 *
 * Built with -DFUZZ_INTERLEAVE_BIG_LOCK (fuzz_interleave_locked), each
 * operation runs under one fake spinlock: the CPUs still interleave (the
 * lock's waits, the steps between operations) but mm/ sees one operation
 * at a time, so every outcome must pass. That checks the harness itself
 * (the scheduler, replay, the serial orders, what commutes) while mm/ is
 * not SMP-safe, and is in the fuzz tier.
 *
 * FUZZ_INTERLEAVE_VERBOSE=1 in the environment prints each input's
 * operations, results and interleaving statistics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arch/fake.h>
#include <arch/atomic.h>
#include <arch/sched.h>
#include <arch/spinlock.h>
#include "lib/errno.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/percpu.h"
#include "mm/pgtable.h"

#define P PAGE_SIZE
#define WIN_VA 0x200000000000ull   /* the shared and private areas */
#define SHARED 8                   /* shared pages [0, 8) (racing: [0, 4)) */
#define RACE_SHARED 4
#define PRIV0 16                   /* CPU c's private pages: [PRIV0 + PSTRIDE c, + PRIV) */
#define PSTRIDE 12
#define PRIV 8
#define WIN_PAGES (PRIV0 + PSTRIDE * NR_CPUS)
#define HEAP 16                    /* heap pages the operations reach */
#define HEAP0 4                    /* the heap's size before the run */
#define RACE_HEAP 8
#define MAXOPS 8
#define MAXVMAS 48
#define RAM_PAGES 512
#define MAX_STEPS 400000

enum kind { K_READ, K_WRITE, K_EXEC, K_MUNMAP, K_MPROTECT, K_MMAP, K_BRK, K_WRITE2 };
enum area { A_SHARED, A_PRIV, A_HEAP };

struct op {
	enum kind kind;
	enum area area;
	unsigned prot;
	unsigned page, len;       /* in the area */
	uint8_t val;
};

static struct op prog[NR_CPUS][MAXOPS];
static unsigned ncpus, nops;
static bool racing;
static unsigned folios;            /* mm_set_folios' orders */
static const uint8_t *sched_in;
static size_t sched_len;
static bool verbose;

static const unsigned prots[4] = {
	PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
};

/* What a run ends with: compared between the runs. */
struct outcome {
	int ret[NR_CPUS][MAXOPS];
	uint64_t brk_pages;
	unsigned nvma;
	struct {
		vaddr_t start, end;
		unsigned long flags;
	} vma[MAXVMAS];
	struct {
		uint8_t state;            /* 0 unmapped, 1 zero page, 2 private */
		uint8_t attrs;
		uint8_t bytes[NR_CPUS];   /* at each CPU's offset */
	} page[WIN_PAGES + HEAP];
	size_t used;                  /* pages not free */
};

static struct pgtable pgt;
static struct mm_struct mm;
static size_t balance0;           /* free + pool pages before the run */

#define CHECK(c)                                                                   \
	do {                                                                       \
		if (!(c)) {                                                        \
			fprintf(stderr, "fuzz_interleave: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #c);                           \
			mm_dump(&mm);                                              \
			abort();                                                   \
		}                                                                  \
	} while (0)

/* Where CPU `label` writes its byte in a page (different for each CPU). */
static size_t off(unsigned label)
{
	return 64 + (size_t)label * 1031 % (P - 128);
}

/* The VA of page i of an area (CPU cpu's private area for A_PRIV). */
static vaddr_t area_va(enum area a, unsigned cpu, unsigned i)
{
	switch (a) {
	case A_SHARED:
		return WIN_VA + (vaddr_t)i * P;
	case A_PRIV:
		return WIN_VA + (vaddr_t)(PRIV0 + PSTRIDE * cpu + i) * P;
	default:
		return MM_HEAP_BASE + (vaddr_t)i * P;
	}
}

/* A fresh mm: fake RAM, allocator, tables; the shared and private areas
 * mapped read-write, the heap HEAP0 pages. */
static void env_new(void)
{
	struct mem_range bank;
	vaddr_t out;

	if (fake_ram_init((uint64_t)RAM_PAGES * P, &bank) || page_alloc_init(&bank, 1, NULL, 0) ||
	    pgt_init(&pgt) || mm_init(&mm, &pgt))
		abort();
	CHECK(do_mmap(&mm, area_va(A_SHARED, 0, 0), SHARED * P, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, &out) == 0);
	for (unsigned c = 0; c < ncpus; c++)
		CHECK(do_mmap(&mm, area_va(A_PRIV, c, 0), PRIV * P, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, &out) == 0);
	CHECK(mm_set_folios(&mm, folios) == 0);
	mm.brk_limit = HEAP * P;
	CHECK(do_brk(&mm, mm.start_brk + HEAP0 * P) == mm.start_brk + HEAP0 * P);
	balance0 = page_free_count() + mm.vma_pool.nr_pages;
}

static void env_free(void)
{
	mm_destroy(&mm);
	pgt_destroy(&pgt);
	fake_ram_free();
}

/*
 * An access as a CPU makes it: translate (the caller's TLB, then a walk),
 * on a fault call the handler and try again; a write stores val at
 * label's offset. No interleaving point between the translation and the
 * store (a store the MMU translated completes before a TLBI's DSB). A
 * fault that returned 0 while the access still faults met another CPU's
 * change under way (a claimed entry): while another CPU runs, the access
 * waits for it (arch_wait_event) and tries again, as a core re-executing
 * the access would. 0, or the handler's error; -EBUSY if the access
 * still faults after 8 tries with no other CPU running.
 */
static int access_va(vaddr_t va, unsigned acc, unsigned label, uint8_t val)
{
	for (int tries = 0, faults = 0; tries < 8;) {
		paddr_t pa;
		unsigned f;
		int err;

		fake_step();
		f = fake_translate(&pgt, va, acc, &pa);
		if (!f) {
			if (acc == FAULT_WRITE)
				((uint8_t *)arch_phys_to_virt(pa & PAGE_MASK))[off(label)] = val;
			return 0;
		}
		if (faults++) { /* the last fault's fix is not there (yet) */
			if (fake_sched_others())
				arch_wait_event();
			else
				tries++;
		}
		err = do_page_fault(&mm, va, f);
		if (err)
			return err;
	}
	return -EBUSY;
}

/* Run CPU label's operation o (on whichever CPU calls): its result. */
static int run_op(unsigned label, const struct op *o)
{
	vaddr_t va = area_va(o->area, label, o->page), out;

	switch (o->kind) {
	case K_READ:
		return access_va(va, FAULT_READ, label, 0);
	case K_WRITE:
	case K_WRITE2:
		return access_va(va, FAULT_WRITE, label, o->val);
	case K_EXEC:
		return access_va(va, FAULT_EXEC, label, 0);
	case K_MUNMAP:
		return do_munmap(&mm, va, (uint64_t)o->len * P);
	case K_MPROTECT:
		return do_mprotect(&mm, va, (uint64_t)o->len * P, o->prot);
	case K_MMAP:
		if (do_mmap(&mm, va, (uint64_t)o->len * P, o->prot ? o->prot : PROT_READ,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, &out))
			return -ENOMEM;
		return out == va ? 0 : -EINVAL;
	case K_BRK:
		return (int)((do_brk(&mm, mm.start_brk + (vaddr_t)o->page * P) - mm.start_brk) / P);
	}
	return -EINVAL;
}

/* The state of the mm now (the results are the caller's). */
static void observe(struct outcome *out)
{
	const struct vm_area_struct *v;

	out->brk_pages = (mm.brk - mm.start_brk + P - 1) / P;
	out->nvma = 0;
	for (v = mm.mmap; v; v = v->vm_next) {
		CHECK(out->nvma < MAXVMAS);
		out->vma[out->nvma].start = v->vm_start;
		out->vma[out->nvma].end = v->vm_end;
		out->vma[out->nvma].flags = v->vm_flags;
		out->nvma++;
	}
	for (unsigned i = 0; i < WIN_PAGES + HEAP; i++) {
		vaddr_t va = i < WIN_PAGES ? WIN_VA + (vaddr_t)i * P
					   : MM_HEAP_BASE + (vaddr_t)(i - WIN_PAGES) * P;
		paddr_t pa;
		unsigned attrs;
		int level;

		if (pgt_lookup(&pgt, va, &pa, &attrs, &level))
			continue;
		CHECK(level == PGT_LAST_LEVEL);
		out->page[i].attrs = (uint8_t)(attrs & ~MM_CONT);
		if ((pa & PAGE_MASK) == mm.zero_pa) {
			out->page[i].state = 1;
			continue;
		}
		out->page[i].state = 2;
		for (unsigned c = 0; c < NR_CPUS; c++)
			out->page[i].bytes[c] = ((uint8_t *)arch_phys_to_virt(pa & PAGE_MASK))[off(c)];
	}
	out->used = page_total_count() - page_free_count();
}

/* page_alloc_drain: the allocator's per-CPU caches back to its bitmaps;
 * weak, so that this builds before the allocator has them (then: none). */
void page_alloc_drain(void) __attribute__((weak));

/* After a run: the mm is consistent and every page is accounted for. */
static void check_mm(void)
{
	if (page_alloc_drain)
		page_alloc_drain();
	CHECK(mm_check(&mm) == 0);
	CHECK(page_free_count() + mm_resident_pages(&mm) + mm_table_pages(&mm) +
		      mm.vma_pool.nr_pages == balance0);
	CHECK(fake_stats.bbm_violations == 0);
	for (unsigned c = 0; c < NR_CPUS; c++)
		CHECK(fake_tlb_stale(&pgt, c) == 0); /* every CPU was told of every change */
}

/* ---- the serial runs: one CPU, one order */

/*
 * split: bit (cpu * MAXOPS + i) set: that access ran as its fault only
 * (the fault took effect, and the access's retry found the page taken away
 * or its permission gone by a later operation: -EFAULT). An access is two
 * steps on a real core too: the fault, then the access executed again.
 */
static uint32_t split;

/* An access's first step alone: its fault, if it faults; then -EFAULT. */
static int fault_only(unsigned label, const struct op *o)
{
	vaddr_t va = area_va(o->area, label, o->page);
	unsigned acc = o->kind == K_READ ? FAULT_READ : o->kind == K_EXEC ? FAULT_EXEC : FAULT_WRITE;
	unsigned f = fake_translate(&pgt, va, acc, NULL);

	if (f)
		(void)do_page_fault(&mm, va, f);
	return -EFAULT;
}

static bool is_access(const struct op *o)
{
	return o->kind == K_READ || o->kind == K_WRITE || o->kind == K_WRITE2 || o->kind == K_EXEC;
}

static void serial(const unsigned *order, unsigned n, struct outcome *out)
{
	unsigned next[NR_CPUS] = { 0 };

	memset(out, 0, sizeof(*out));
	env_new();
	for (unsigned k = 0; k < n; k++) {
		unsigned c = order[k], i = next[c]++;

		out->ret[c][i] = split >> (c * MAXOPS + i) & 1 ? fault_only(c, &prog[c][i])
							      : run_op(c, &prog[c][i]);
	}
	check_mm();
	observe(out);
	env_free();
}

#define MAX_ORDERS 90
static struct outcome serial_out[MAX_ORDERS];
static unsigned nserial;
static const struct outcome *want; /* set: compare each order's outcome to it */
static bool matched;

/* Every merge of the CPUs' programs (racing inputs): their outcomes kept,
 * or (want set) compared until one matches. */
static void merges(unsigned *order, unsigned k, unsigned *left)
{
	bool any = false;

	for (unsigned c = 0; c < ncpus && !matched; c++) {
		if (!left[c])
			continue;
		any = true;
		order[k] = c;
		left[c]--;
		merges(order, k + 1, left);
		left[c]++;
	}
	if (any || matched)
		return;
	if (want) {
		struct outcome o;

		serial(order, k, &o);
		matched = memcmp(&o, want, sizeof(o)) == 0;
		return;
	}
	CHECK(nserial < MAX_ORDERS);
	serial(order, k, &serial_out[nserial++]);
}

/*
 * Whether the outcome is a serial order's when some of the accesses that
 * failed (-EFAULT) had their fault take effect first (every non-empty
 * subset of them, every order).
 */
static bool split_match(const struct outcome *o)
{
	unsigned order[NR_CPUS * MAXOPS], left[NR_CPUS];
	uint32_t failed = 0;

	for (unsigned c = 0; c < ncpus; c++)
		for (unsigned i = 0; i < nops; i++)
			if (is_access(&prog[c][i]) && o->ret[c][i] == -EFAULT)
				failed |= 1u << (c * MAXOPS + i);
	want = o;
	matched = false;
	for (split = failed; split && !matched; split = (split - 1) & failed) {
		if (racing) {
			for (unsigned c = 0; c < ncpus; c++)
				left[c] = nops;
			merges(order, 0, left);
		} else {
			struct outcome s;

			for (unsigned k = 0; k < ncpus * nops; k++)
				order[k] = k / nops;
			serial(order, ncpus * nops, &s);
			matched = memcmp(&s, o, sizeof(s)) == 0;
		}
	}
	split = 0;
	want = NULL;
	if (!matched)
		return false;
	matched = false; /* the next input's merges keep their outcomes again */
	return true;
}

/* ---- the concurrent run */

static struct outcome conc;

#ifdef FUZZ_INTERLEAVE_BIG_LOCK
/* fuzz_interleave_locked: each operation under one lock (the harness's own check). */
static arch_spinlock_t big_lock = ARCH_SPINLOCK_UNLOCKED;
#endif

static void cpu_prog(unsigned cpu, void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < nops; i++) {
#ifdef FUZZ_INTERLEAVE_BIG_LOCK
		arch_spin_lock(&big_lock);
#endif
		conc.ret[cpu][i] = run_op(cpu, &prog[cpu][i]);
#ifdef FUZZ_INTERLEAVE_BIG_LOCK
		arch_spin_unlock(&big_lock);
#endif
	}
}

static void concurrent(struct outcome *out, uint64_t *hash, struct fake_sched *s)
{
	memset(&conc, 0, sizeof(conc));
	env_new();
	memset(s, 0, sizeof(*s));
	s->ncpus = ncpus;
	s->input = sched_in;
	s->len = sched_len;
	s->max_steps = MAX_STEPS;
	CHECK(fake_sched_run(s, cpu_prog, NULL) == 0);
	percpu_enter(0);
	check_mm();
	observe(&conc);
	memcpy(out, &conc, sizeof(conc));
	*hash = s->hash;
	env_free();
}

/* ---- decoding */

/* CPU c's operation from its 3 bytes, made to commute unless racing. */
static struct op decode(unsigned c, const uint8_t *b)
{
	struct op o = {
		.kind = (enum kind)(b[0] & 7),
		.area = (enum area)(((b[0] >> 3) & 3) == 3 ? A_PRIV : (b[0] >> 3) & 3),
		.prot = prots[(b[0] >> 5) & 3],
		.page = b[1],
		.len = 1 + b[2] % 4,
		.val = (uint8_t)(b[2] | 1), /* never 0: a written byte shows */
	};

	if (racing) {
		if (o.area == A_PRIV)
			o.area = A_SHARED;
		o.len = 1 + b[2] % 2;
		if (o.kind == K_BRK)
			o.page %= RACE_HEAP + 1;
		else
			o.page %= o.area == A_SHARED ? RACE_SHARED : RACE_HEAP;
		if (o.area == A_SHARED && o.page + o.len > RACE_SHARED)
			o.len = RACE_SHARED - o.page;
		return o;
	}
	if (o.area == A_HEAP && c != 0)
		o.area = A_PRIV;                 /* the heap is CPU 0's */
	if (o.kind == K_BRK && c != 0)
		o.kind = K_READ;
	if (o.kind == K_BRK) {
		o.area = A_HEAP;
		o.page %= HEAP + 1;
		return o;
	}
	if (o.area == A_SHARED) {
		o.page %= SHARED;
		if (o.kind >= K_MUNMAP)
			o.kind = K_READ;         /* the shared area's VMA stays */
		if ((o.kind == K_WRITE || o.kind == K_WRITE2) && o.page % ncpus != c)
			o.page = o.page - o.page % ncpus + c < SHARED ? o.page - o.page % ncpus + c
								    : c;
		return o;
	}
	if (o.area == A_HEAP) {
		o.page %= HEAP;
		if (o.kind >= K_MUNMAP)
			o.kind = K_WRITE;        /* the heap changes by brk only */
		return o;
	}
	o.page %= PRIV;
	if (o.page + o.len > PRIV)
		o.len = PRIV - o.page;
	return o;
}

static void print_prog(void)
{
	static const char *const kinds[] = { "read", "write", "exec", "munmap",
					     "mprotect", "mmap", "brk", "write" };
	static const char *const areas[] = { "shared", "private", "heap" };

	fprintf(stderr, "%s, %u CPUs x %u operations, folios %#x, %zu schedule bytes\n",
		racing ? "racing" : "commuting", ncpus, nops, folios, sched_len);
	for (unsigned c = 0; c < ncpus; c++)
		for (unsigned i = 0; i < nops; i++) {
			const struct op *o = &prog[c][i];

			fprintf(stderr, "  cpu %u: %s %s page %u len %u prot %#x val %#x\n", c,
				kinds[o->kind], areas[o->area], o->page, o->len, o->prot, o->val);
		}
}

static void print_outcome(const char *what, const struct outcome *o)
{
	fprintf(stderr, "%s: brk %llu pages, %u VMAs, %zu pages used; results:", what,
		(unsigned long long)o->brk_pages, o->nvma, o->used);
	for (unsigned c = 0; c < ncpus; c++)
		for (unsigned i = 0; i < nops; i++)
			fprintf(stderr, " %d", o->ret[c][i]);
	fprintf(stderr, "\n  pages:");
	for (unsigned i = 0; i < WIN_PAGES + HEAP; i++)
		if (o->page[i].state)
			fprintf(stderr, " %u:%s%x[%02x%02x%02x%02x]", i,
				o->page[i].state == 1 ? "z" : "p", o->page[i].attrs,
				o->page[i].bytes[0], o->page[i].bytes[1], o->page[i].bytes[2],
				o->page[i].bytes[3]);
	fprintf(stderr, "\n");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned race_ops[NR_CPUS + 1] = { 0, 0, 3, 2, 1 };
	unsigned order[NR_CPUS * MAXOPS], left[NR_CPUS];
	struct outcome first, again;
	struct fake_sched s1, s2;
	uint64_t h1, h2;
	bool found = false;

	if (size < 1)
		return 0;
	verbose = getenv("FUZZ_INTERLEAVE_VERBOSE") != NULL;
	racing = data[0] & 1;
	ncpus = 2 + ((data[0] >> 1) & 3) % (NR_CPUS - 1);
	nops = 1 + ((data[0] >> 3) & 7) % (racing ? race_ops[ncpus] : MAXOPS);
	/* Racing inputs only: a folio covers the untouched pages around a
	   write, so writes to neighbouring pages stop commuting. */
	folios = racing && (data[0] & 0x40) ? BIT(1) | BIT(2) : 0;
	if (size < 1 + 3 * (size_t)ncpus * nops)
		return 0;
	for (unsigned c = 0; c < ncpus; c++)
		for (unsigned i = 0; i < nops; i++)
			prog[c][i] = decode(c, data + 1 + 3 * (c * nops + i));
	sched_in = data + 1 + 3 * ncpus * nops;
	sched_len = size - (1 + 3 * ncpus * nops);
	if (verbose)
		print_prog();

	/* One CPU: every order (racing) or CPU 0's operations first (commuting). */
	nserial = 0;
	matched = false;
	if (racing) {
		for (unsigned c = 0; c < ncpus; c++)
			left[c] = nops;
		merges(order, 0, left);
	} else {
		for (unsigned k = 0; k < ncpus * nops; k++)
			order[k] = k / nops;
		serial(order, ncpus * nops, &serial_out[nserial++]);
	}

	/* The fake CPUs, twice: the same interleaving, the same outcome. */
	concurrent(&first, &h1, &s1);
	concurrent(&again, &h2, &s2);
	if (verbose)
		fprintf(stderr, "interleaving: %llu steps, %llu switches, %llu waits, %llu "
			"decisions, hash %016llx\n", (unsigned long long)s1.steps,
			(unsigned long long)s1.switches, (unsigned long long)s1.waits,
			(unsigned long long)s1.decisions, (unsigned long long)h1);
	CHECK(h1 == h2 && s1.steps == s2.steps);
	CHECK(memcmp(&first, &again, sizeof(first)) == 0);

	for (unsigned k = 0; k < nserial && !found; k++)
		found = memcmp(&first, &serial_out[k], sizeof(first)) == 0;
	if (!found)
		found = split_match(&first);
	if (!found || verbose) {
		print_outcome("fake CPUs", &first);
		for (unsigned k = 0; k < nserial && (!found || k < 3); k++)
			print_outcome(racing ? "a serial order" : "serially", &serial_out[k]);
	}
	if (!found) {
		print_prog();
		fprintf(stderr, "fuzz_interleave: the fake CPUs' outcome is no serial order's "
			"(%u compared)\n", nserial);
		abort();
	}
	return 0;
}
