/*
 * mm/ on NR_CPUS fake CPUs running free (real threads, no interleaving
 * scheduler), under ThreadSanitizer (clang -fsanitize=thread:
 * tests/unit/rules.mk): any two CPUs touching the same data without an
 * order between them is a report, and a report fails the binary (exit
 * code 66). Each CPU runs OPS operations from its own pseudo-random
 * sequence on one mm:
 *
 *   shared   16 pages every CPU reads and writes (same-page races: zero-page
 *            reads against writes, two writers of one zero page, faults on
 *            one new table); CPU 1 also flips pages between read-only and
 *            read-write (mprotect racing the others' faults). Nobody
 *            unmaps them, so a CPU's last write to a page must still be
 *            there at its own offset at the end.
 *   private  each CPU's 16 pages: reads, writes, munmap, mprotect and
 *            mmap(MAP_FIXED) by their owner only, next to the others' in
 *            the same last-level table; the owner keeps a model of its
 *            pages (mapped or not, protection, its bytes) and every access
 *            and the end state must agree with it.
 *   heap     CPU 0's: brk grows and shrinks it, CPU 0 faults in it.
 *
 * After the threads: mm_check, and the pages balance (free + resident +
 * table pages + the VMA pool's = free before the threads), then each
 * model against the tables.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arch/fake.h>
#include "lib/errno.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/percpu.h"
#include "mm/pgtable.h"
#include <arch/atomic.h>

#define OPS 1500
#define P PAGE_SIZE
#define WIN_VA 0x200000000000ull
#define SHARED 16
#define PRIV 16
#define PRIV0 (SHARED + 4)              /* a gap of 4 pages between areas */
#define PSTRIDE (PRIV + 4)
#define HEAP 32
#define RAM_PAGES 1024
#define TRIES 100000              /* re-faults while another CPU changes the entry */

static struct pgtable pgt;
static struct mm_struct mm;
static size_t balance0;

enum kind { K_READ, K_WRITE, K_MUNMAP, K_MPROTECT, K_MMAP, K_BRK, NR_KINDS };

/* What each CPU saw go wrong (checked on the main thread). */
struct cpu_result {
	unsigned errors;       /* accesses or calls that disagreed with the model */
	char first[160];       /* the first of them */
	uint8_t shared_last[SHARED]; /* the last byte it wrote to each shared page */
	struct {               /* its private pages */
		bool mapped;
		unsigned prot;
		uint8_t val;       /* at its offset (0: untouched) */
	} priv[PRIV];
	unsigned ops[NR_KINDS]; /* how many of each kind it ran */
};
static struct cpu_result res[NR_CPUS];

static vaddr_t shared_va(unsigned i)
{
	return WIN_VA + (vaddr_t)i * P;
}

static vaddr_t priv_va(unsigned cpu, unsigned i)
{
	return WIN_VA + (vaddr_t)(PRIV0 + PSTRIDE * cpu + i) * P;
}

/* Where CPU cpu writes its byte in a page. */
static size_t off(unsigned cpu)
{
	return 64 + (size_t)cpu * 1031 % (P - 128);
}

static void bad(struct cpu_result *r, const char *what, vaddr_t va, long got, long want)
{
	if (!r->errors++)
		snprintf(r->first, sizeof(r->first), "%s at %#llx: %ld, expected %ld", what,
			 (unsigned long long)va, got, want);
}

/*
 * An access as a CPU makes it: translate through this CPU's TLB, on a
 * fault call the handler and try again; a write stores val at the CPU's
 * offset, a read returns the byte there in *val. A fault that returned 0
 * while the access still faults met another CPU's change under way: the
 * access waits (arch_wait_event: a yield here) and tries again. 0, the
 * handler's error, or -EBUSY if it still faults after TRIES tries.
 */
static int access_va(vaddr_t va, unsigned acc, uint8_t *val)
{
	for (int tries = 0; tries < TRIES; tries++) {
		paddr_t pa;
		unsigned f = fake_translate(&pgt, va, acc, &pa);
		int err;

		if (!f) {
			uint8_t *b = (uint8_t *)arch_phys_to_virt(pa & PAGE_MASK) + off(arch_cpu_id());

			if (acc == FAULT_WRITE)
				__atomic_store_n(b, *val, __ATOMIC_RELAXED);
			else if (val)
				*val = __atomic_load_n(b, __ATOMIC_RELAXED);
			return 0;
		}
		if (tries)
			arch_wait_event();
		err = do_page_fault(&mm, va, f);
		if (err)
			return err;
	}
	return -EBUSY;
}

static uint32_t rnd(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static const unsigned prots[4] = {
	PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
};

/* One operation on the shared area. */
static void op_shared(struct cpu_result *r, unsigned cpu, uint32_t x)
{
	unsigned i = x % SHARED;
	uint8_t v = (uint8_t)(1 + (x >> 8) % 255);
	int err;

	if (cpu == 1 && (x >> 16) % 8 == 0) {
		/* Flip between read-only and read-write, under the others' faults. */
		r->ops[K_MPROTECT]++;
		err = do_mprotect(&mm, shared_va(i), P,
				  (x >> 20) & 1 ? PROT_READ : PROT_READ | PROT_WRITE);
		if (err)
			bad(r, "shared mprotect", shared_va(i), err, 0);
		return;
	}
	if ((x >> 16) & 1) {
		r->ops[K_WRITE]++;
		err = access_va(shared_va(i), FAULT_WRITE, &v);
		if (!err)
			r->shared_last[i] = v;
		else if (err != -EFAULT) /* read-only for a while: CPU 1's mprotect */
			bad(r, "shared write", shared_va(i), err, 0);
	} else {
		uint8_t got = 0;

		r->ops[K_READ]++;
		err = access_va(shared_va(i), FAULT_READ, &got);
		if (err)
			bad(r, "shared read", shared_va(i), err, 0);
		else if (got != r->shared_last[i])
			bad(r, "shared read's byte", shared_va(i), got, r->shared_last[i]);
	}
}

/* One operation on the CPU's private area, checked against its model. */
static void op_private(struct cpu_result *r, unsigned cpu, uint32_t x)
{
	unsigned i = x % PRIV, n = 1 + (x >> 5) % 3, kind = (x >> 8) % 8;
	unsigned prot = prots[(x >> 12) & 3];
	vaddr_t va = priv_va(cpu, i), out;
	int err;

	if (i + n > PRIV)
		n = PRIV - i;
	r->ops[kind <= 2 ? K_READ : kind <= 4 ? K_WRITE : kind == 5 ? K_MUNMAP :
	       kind == 6 ? K_MPROTECT : K_MMAP]++;
	switch (kind) {
	case 0: case 1: case 2: { /* read */
		uint8_t got = 0;
		bool ok = r->priv[i].mapped && (r->priv[i].prot & PROT_READ);

		err = access_va(va, FAULT_READ, &got);
		if (err != (ok ? 0 : -EFAULT))
			bad(r, "private read", va, err, ok ? 0 : -EFAULT);
		else if (!err && got != r->priv[i].val)
			bad(r, "private read's byte", va, got, r->priv[i].val);
		break;
	}
	case 3: case 4: { /* write */
		uint8_t v = (uint8_t)(1 + (x >> 14) % 255);
		bool ok = r->priv[i].mapped && (r->priv[i].prot & PROT_WRITE);

		err = access_va(va, FAULT_WRITE, &v);
		if (err != (ok ? 0 : -EFAULT))
			bad(r, "private write", va, err, ok ? 0 : -EFAULT);
		else if (!err)
			r->priv[i].val = v;
		break;
	}
	case 5: /* munmap */
		err = do_munmap(&mm, va, (uint64_t)n * P);
		if (err)
			bad(r, "munmap", va, err, 0);
		for (unsigned k = i; k < i + n; k++)
			r->priv[k].mapped = false, r->priv[k].val = 0;
		break;
	case 6: { /* mprotect: -ENOMEM if part of the range is not mapped */
		bool all = true;

		for (unsigned k = i; k < i + n; k++)
			all &= r->priv[k].mapped;
		err = do_mprotect(&mm, va, (uint64_t)n * P, prot);
		if (err != (all ? 0 : -ENOMEM))
			bad(r, "mprotect", va, err, all ? 0 : -ENOMEM);
		if (!err)
			for (unsigned k = i; k < i + n; k++)
				r->priv[k].prot = prot;
		break;
	}
	default: /* mmap(MAP_FIXED): fresh pages */
		if (!prot)
			prot = PROT_READ | PROT_WRITE;
		err = do_mmap(&mm, va, (uint64_t)n * P, prot,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, &out);
		if (err || out != va)
			bad(r, "mmap", va, err, 0);
		for (unsigned k = i; k < i + n; k++)
			r->priv[k].mapped = true, r->priv[k].prot = prot, r->priv[k].val = 0;
		break;
	}
}

/* One operation on the heap (CPU 0): brk, or an access below the break. */
static void op_heap(struct cpu_result *r, uint32_t x)
{
	unsigned pages = (unsigned)((mm.brk - mm.start_brk + P - 1) / P);

	if (x % 4 == 0) {
		unsigned want = (x >> 4) % (HEAP + 1);
		vaddr_t got = do_brk(&mm, mm.start_brk + (vaddr_t)want * P);

		r->ops[K_BRK]++;
		if (got != mm.start_brk + (vaddr_t)want * P)
			bad(r, "brk", mm.start_brk + (vaddr_t)want * P, (long)got, 0);
	} else if (pages) {
		uint8_t v = (uint8_t)(x >> 12);
		vaddr_t va = mm.start_brk + (vaddr_t)((x >> 4) % pages) * P;
		int err = access_va(va, x % 4 == 1 ? FAULT_READ : FAULT_WRITE, &v);

		r->ops[x % 4 == 1 ? K_READ : K_WRITE]++;
		if (err)
			bad(r, "heap access", va, err, 0);
	}
}

static void *cpu_main(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;
	struct cpu_result *r = &res[cpu];
	uint32_t seed = 0x5eed0000u + cpu * 7919u;

	percpu_enter(cpu);
	for (unsigned n = 0; n < OPS; n++) {
		uint32_t x = rnd(&seed);

		switch (rnd(&seed) % (cpu == 0 ? 3 : 2)) {
		case 0: op_shared(r, cpu, x); break;
		case 1: op_private(r, cpu, x); break;
		default: op_heap(r, x); break;
		}
	}
	return NULL;
}

static void env_new(void)
{
	struct mem_range bank;
	vaddr_t out;

	assert_int_equal(fake_ram_init((uint64_t)RAM_PAGES * P, &bank), 0);
	assert_int_equal(page_alloc_init(&bank, 1, NULL, 0), 0);
	assert_int_equal(pgt_init(&pgt), 0);
	assert_int_equal(mm_init(&mm, &pgt), 0);
	assert_int_equal(do_mmap(&mm, shared_va(0), SHARED * P, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, &out), 0);
	memset(res, 0, sizeof(res));
	for (unsigned c = 0; c < NR_CPUS; c++) {
		assert_int_equal(do_mmap(&mm, priv_va(c, 0), PRIV * P, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, &out), 0);
		for (unsigned i = 0; i < PRIV; i++)
			res[c].priv[i].mapped = true, res[c].priv[i].prot = PROT_READ | PROT_WRITE;
	}
	mm.brk_limit = HEAP * P;
	balance0 = page_free_count() + mm.vma_pool.nr_pages;
}

/* page_alloc_drain: the allocator's per-CPU caches back to its bitmaps;
 * weak, so that this builds before the allocator has them (then: none). */
void page_alloc_drain(void) __attribute__((weak));

/* The byte at cpu's offset of the page mapped at va, or -1 if none is mapped. */
static int byte_at(vaddr_t va, unsigned cpu, unsigned *attrs)
{
	paddr_t pa;
	int level;

	if (pgt_lookup(&pgt, va, &pa, attrs, &level))
		return -1;
	if ((pa & PAGE_MASK) == mm.zero_pa)
		return 0;
	return ((uint8_t *)arch_phys_to_virt(pa & PAGE_MASK))[off(cpu)];
}

static void test_mm_smp(void **state)
{
	pthread_t t[NR_CPUS];
	unsigned errors = 0;

	(void)state;
	env_new();
	for (unsigned c = 0; c < NR_CPUS; c++)
		assert_int_equal(pthread_create(&t[c], NULL, cpu_main, (void *)(uintptr_t)c), 0);
	for (unsigned c = 0; c < NR_CPUS; c++)
		assert_int_equal(pthread_join(t[c], NULL), 0);
	percpu_enter(0);

	for (unsigned c = 0; c < NR_CPUS; c++) {
		printf("cpu %u: %u reads, %u writes, %u munmap, %u mprotect, %u mmap, %u brk, "
		       "%u errors%s%s\n", c, res[c].ops[K_READ], res[c].ops[K_WRITE],
		       res[c].ops[K_MUNMAP], res[c].ops[K_MPROTECT], res[c].ops[K_MMAP],
		       res[c].ops[K_BRK], res[c].errors, res[c].errors ? ": first: " : "",
		       res[c].first);
		errors += res[c].errors;
	}
	if (page_alloc_drain)
		page_alloc_drain();
	assert_int_equal(mm_check(&mm), 0);
	assert_int_equal(page_free_count() + mm_resident_pages(&mm) + mm_table_pages(&mm) +
				 mm.vma_pool.nr_pages, balance0);
	for (unsigned c = 0; c < NR_CPUS; c++) {
		for (unsigned i = 0; i < SHARED; i++) {
			unsigned attrs;
			int b = byte_at(shared_va(i), c, &attrs);

			if (res[c].shared_last[i] && b != res[c].shared_last[i])
				fail_msg("cpu %u's last write to shared page %u (%#x) is lost: %d",
					 c, i, res[c].shared_last[i], b);
		}
		for (unsigned i = 0; i < PRIV; i++) {
			unsigned attrs;
			int b = byte_at(priv_va(c, i), c, &attrs);

			if (res[c].priv[i].val && b != res[c].priv[i].val)
				fail_msg("cpu %u's private page %u: byte %d, expected %#x", c, i, b,
					 res[c].priv[i].val);
			if (!res[c].priv[i].mapped && b >= 0)
				fail_msg("cpu %u's private page %u is still mapped after munmap", c, i);
		}
	}
	assert_int_equal(errors, 0);
	mm_destroy(&mm);
	pgt_destroy(&pgt);
	fake_ram_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mm_smp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
