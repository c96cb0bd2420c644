/*
 * The floor microbenchmarks (kernel only):
 *
 *   exception  an SVC taken to a vector table whose synchronous slot for
 *              kernel code is a lone ERET (ELR_EL1 already points after the
 *              SVC: Arm ARM D1.10.1, preferred return address of an SVC),
 *              installed in VBAR_EL1 only around the samples: the bare
 *              cost of taking and returning from an exception, no register
 *              saved. Every other slot branches to the same slot of the
 *              kernel's vectors (vectors.S), so an SError (or IRQ, FIQ, an
 *              exception on SP_EL1) in that window is reported as anywhere
 *              else, not swallowed by an ERET.
 *   zero       arch_zero_page(), the fault path's own routine, on cold pages
 *              as a fault meets them: a ring of pages twice the size of the
 *              largest cache the core reports (CLIDR_EL1/CCSIDR_EL1; 4 MiB
 *              if it reports none), zeroed in turn, so each page was last
 *              touched a ring ago and has left the caches since (one
 *              untimed lap first). Under ICOUNT the count is the same as
 *              on a hot page; on silicon the floor includes the misses.
 *   pte        arch_pte_write() of a level-3 page descriptor into a table
 *              of a private (never live) translation table: the store and
 *              its DSB, as the fault path installs an entry.
 */
#include "arch/aarch64/cpuid.h"
#include "arch/aarch64/sysreg.h"
#include "bench/env.h"
#include "bench/kernel/floors.h"
#include "lib/errno.h"
#include "mm/arch.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"

/* 16 vector slots of 0x80 bytes, 2 KiB aligned (Arm ARM D1.3.2): slot 0
 * (synchronous, current EL with SP_EL0: the SVC) returns at once, slots
 * 1-15 go to the kernel's. */
__asm__(".pushsection .text.bench_floor_vectors, \"ax\", %progbits\n"
	".balign 2048\n"
	".globl bench_floor_vectors\n"
	"bench_floor_vectors:\n"
	"eret\n"
	".balign 128\n"
	".irp n, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n"
	"b exception_vectors + \\n * 0x80\n"
	".balign 128\n"
	".endr\n"
	".popsection\n");
extern char bench_floor_vectors[];

#define FLOOR_VA 0x100000000000ull /* any page: the table is never live */

static uint64_t samples[FLOOR_SAMPLES];

static uint64_t net(uint64_t t0, uint64_t t1, uint64_t overhead)
{
	return t1 - t0 > overhead ? t1 - t0 - overhead : 0;
}

static void floor_exception(uint64_t overhead, struct stats *s)
{
	uint64_t old = read_sysreg(vbar_el1);

	write_sysreg(vbar_el1, (uint64_t)bench_floor_vectors);
	isb();
	for (int i = 0; i < FLOOR_SAMPLES; i++) {
		uint64_t t0 = env_counter();
		__asm__ volatile("svc #0" ::: "memory");
		uint64_t t1 = env_counter();
		samples[i] = net(t0, t1, overhead);
	}
	write_sysreg(vbar_el1, old);
	isb();
	stats_compute(samples, FLOOR_SAMPLES, s);
}

/* The cold-zeroing ring's size: twice the largest cache (4 MiB when the
 * core reports none), at most ZERO_RING_MAX_PAGES pages. */
#define ZERO_RING_FALLBACK (4ull << 20)
#define ZERO_RING_MAX_PAGES 4096

static paddr_t ring[ZERO_RING_MAX_PAGES];

size_t bench_zero_ring_pages(void)
{
	uint64_t cache = cpu_cache_bytes();
	uint64_t bytes = 2 * (cache ? cache : ZERO_RING_FALLBACK / 2);
	size_t n = (size_t)MAX((bytes + PAGE_SIZE - 1) / PAGE_SIZE, 2);

	return MIN(n, (size_t)ZERO_RING_MAX_PAGES);
}

/* One timed zeroing (out of line: the same few instructions between the
 * counter reads whatever the caller's loop keeps in registers). */
static __attribute__((noinline)) uint64_t time_zero(void *p, uint64_t overhead)
{
	uint64_t t0 = env_counter();
	arch_zero_page(p);
	uint64_t t1 = env_counter();

	return net(t0, t1, overhead);
}

static int floor_zero(uint64_t overhead, struct stats *s)
{
	size_t n = bench_zero_ring_pages(), got;
	int err = 0;

	for (got = 0; got < n; got++)
		if (!(ring[got] = page_alloc()))
			break;
	if (got < n) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) /* the untimed lap */
		arch_zero_page(arch_phys_to_virt(ring[i]));
	for (int i = 0; i < FLOOR_SAMPLES; i++) /* n - 1 others zeroed since */
		samples[i] = time_zero(arch_phys_to_virt(ring[(size_t)i % n]), overhead);
	stats_compute(samples, FLOOR_SAMPLES, s);
out:
	while (got)
		page_free(ring[--got]);
	return err;
}

static int floor_pte(uint64_t overhead, struct stats *s)
{
	struct pgtable pgt;
	int err = pgt_init(&pgt);

	if (err)
		return err;
	pte_t *slot = pgt_walk_alloc(&pgt, FLOOR_VA, &err);
	paddr_t pa = page_alloc();
	if (slot && pa) {
		pte_t e = arch_pte_leaf(pa, MM_READ | MM_WRITE, 3);
		for (int i = 0; i < FLOOR_SAMPLES; i++) {
			uint64_t t0 = env_counter();
			arch_pte_write(slot, e);
			uint64_t t1 = env_counter();
			arch_pte_write(slot, 0);
			samples[i] = net(t0, t1, overhead);
		}
		stats_compute(samples, FLOOR_SAMPLES, s);
	}
	if (pa)
		page_free(pa);
	pgt_destroy(&pgt);
	return slot && pa ? 0 : -ENOMEM;
}

int bench_floors(uint64_t overhead, struct bench_floors *f)
{
	int err;

	floor_exception(overhead, &f->exception);
	err = floor_zero(overhead, &f->zero);
	if (!err)
		err = floor_pte(overhead, &f->pte);
	return err;
}

uint64_t bench_floor_sum(const struct bench_floors *f)
{
	return f->exception.p50 + f->zero.p50 + f->pte.p50;
}
