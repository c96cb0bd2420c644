/*
 * suite=smp, placement shootdown (issue 19): what one core's munmap or
 * mprotect costs while k - 1 other cores hold the translations it removes.
 *
 * Per case (munmap or mprotect to read-only, of 1, 16, 64 or PGT_PTES
 * pages, or of one block mapped by a THP fault) at 1, 2 and 4 cores, in
 * one smp_run of every online CPU, SHOOT_REPS + 1 repetitions (the first a
 * warm-up) of:
 *   1. CPU 0 maps the pages (a VMA of exactly their size, a block aligned
 *      for the block case) and writes each, so it allocates every page;
 *   2. cores 1 .. k-1 write every page (no fault: each now holds the
 *      translations in its TLB, as the Linux program's holders do);
 *   3. every CPU but 0 parks (smp_park.h; peers=wfi: under QEMU -icount the
 *      window is then CPU 0's instructions only, even across the TLBI
 *      broadcast, which ends CPU 0's slice); CPU 0 times the call, then
 *      counts the TLB maintenance it issued (struct pgt_tlb_stats: range
 *      flushes, each one DSB ISH; TLBIs; whole-TLB fallbacks), unmaps
 *      what mprotect left, and wakes the peers (an SGI each).
 * On AArch64 the invalidation is broadcast in hardware (TLBI ...IS): no
 * IPI, no wait for the holders, so the cost should not grow with k.
 */
#include "arch/aarch64/smp.h"
#include "bench/kernel/smp_park.h"
#include "bench/kernel/smp_shootdown.h"
#include "bench/stats.h"
#include "bench/env.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/geometry.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include <arch/atomic.h>

/* The sizes, in pages; 0 stands for one block (BLOCK_SIZE, a THP fault). */
static const uint64_t shoot_pages[] = { 1, 16, 64, PGT_PTES, 0 };
static const unsigned shoot_cpus[] = { 1, 2, 4 };

/* What every CPU of one case's smp_run reads and writes. */
static struct {
	unsigned k, online;
	bool protect;
	uint64_t pages;          /* base pages the call covers */
	bool block;
	uint8_t *base;
	uint64_t go;             /* repetitions CPU 0 has finished */
	int err;
	uint64_t overhead;
	uint64_t lat[SHOOT_REPS];
	size_t n;
	struct pgt_tlb_stats tlb; /* CPU 0's, over the timed calls */
} sd;

static struct shoot_row rows[2 * ARRAY_SIZE(shoot_pages) * ARRAY_SIZE(shoot_cpus)];
static size_t nrows;

/* map: CPU 0 maps and writes the case's pages; sd.base, or NULL and sd.err. */
static void map(void)
{
	uint64_t bytes = sd.pages * PAGE_SIZE;
	vaddr_t va = 0;
	int err;

	if (sd.block) { /* a block-aligned hole, then a VMA of exactly the block in it */
		err = do_mmap(current_mm, 0, 2 * BLOCK_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			      &va);
		if (!err)
			err = do_munmap(current_mm, va, 2 * BLOCK_SIZE);
		va = ALIGN_UP(va, BLOCK_SIZE);
		if (!err)
			err = do_mmap(current_mm, va, bytes, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, &va);
	} else {
		err = do_mmap(current_mm, 0, bytes, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, &va);
	}
	sd.base = err ? NULL : (uint8_t *)va;
	if (err) {
		sd.err = err;
		return;
	}
	for (uint64_t i = 0; i < sd.pages; i++)
		((volatile uint8_t *)sd.base)[i * PAGE_SIZE] = 1;
}

/* shoot: CPU 0's timed call of repetition rep, its TLB counts, and the clean-up. */
static void shoot(uint64_t rep)
{
	struct pgtable *pgt = current_mm->pgt;
	struct pgt_tlb_stats before = pgt->tables[0].tlb, after;
	uint64_t bytes = sd.pages * PAGE_SIZE, t0, t1;
	int err;

	smp_park_settle(sd.online, 0);
	t0 = env_counter();
	err = sd.protect ? do_mprotect(current_mm, (vaddr_t)sd.base, bytes, PROT_READ)
			 : do_munmap(current_mm, (vaddr_t)sd.base, bytes);
	t1 = env_counter();
	after = pgt->tables[0].tlb;
	if (sd.protect && !err)
		err = do_munmap(current_mm, (vaddr_t)sd.base, bytes);
	if (err && !sd.err)
		sd.err = err;
	if (rep == 0 || err) /* the warm-up */
		return;
	sd.lat[sd.n++] = t1 - t0 > sd.overhead ? t1 - t0 - sd.overhead : 0;
	sd.tlb.flushes += after.flushes - before.flushes;
	sd.tlb.tlbis += after.tlbis - before.tlbis;
	sd.tlb.flush_all += after.flush_all - before.flush_all;
}

/* worker: one CPU's part of a case (smp_run's fn on every online CPU). */
static void worker(void *arg)
{
	unsigned me = arch_cpu_id();

	(void)arg;
	smp_park_cpu();
	for (uint64_t rep = 0; rep <= SHOOT_REPS; rep++) {
		if (me == 0)
			map();
		smp_barrier();
		if (me != 0 && me < sd.k && sd.base)
			for (uint64_t i = 0; i < sd.pages; i++)
				((volatile uint8_t *)sd.base)[i * PAGE_SIZE] = (uint8_t)me;
		smp_barrier();
		if (me != 0) {
			while (arch_load_acquire(&sd.go) <= rep)
				smp_park_halt();
			continue;
		}
		if (sd.base)
			shoot(rep);
		arch_store_release(&sd.go, rep + 1);
		for (unsigned p = 1; p < sd.online; p++)
			smp_park_wake(p);
	}
	smp_barrier();
	smp_park_done();
}

/* run_case: one size x op at k cores; its row kept, or -errno. */
static int run_case(uint64_t pages, bool protect, unsigned k)
{
	size_t before = page_free_count();
	struct shoot_row *r = &rows[nrows];
	int err;

	sd.k = k;
	sd.block = pages == 0;
	sd.pages = pages ? pages : BLOCK_SIZE / PAGE_SIZE;
	sd.protect = protect;
	sd.go = 0;
	sd.err = 0;
	sd.n = 0;
	sd.tlb = (struct pgt_tlb_stats){ 0 };
	mm_set_thp(current_mm, sd.block);
	err = smp_run(sd.online, worker, NULL);
	mm_set_thp(current_mm, false);
	if (!err)
		err = sd.err;
	if (err)
		return err;
	if (page_free_count() != before || mm_check(current_mm))
		return -EIO;
	*r = (struct shoot_row){ .protect = protect, .block = sd.block, .pages = sd.pages,
				 .cpus = k, .samples = sd.n };
	r->flushes = sd.tlb.flushes;
	r->tlbis = sd.tlb.tlbis;
	r->flush_all = sd.tlb.flush_all;
	stats_compute(sd.lat, sd.n, &r->lat);
	nrows++;
	return 0;
}

int smp_shootdown_run(unsigned online, uint64_t overhead,
		      void (*progress)(const char *what, unsigned cpus),
		      void (*failed)(int err, const char *what, unsigned cpus,
				     const char *why))
{
	int ret = 0;

	nrows = 0;
	sd.online = online;
	sd.overhead = overhead;
	for (int protect = 0; protect < 2; protect++) {
		for (size_t s = 0; s < ARRAY_SIZE(shoot_pages); s++) {
			for (size_t c = 0; c < ARRAY_SIZE(shoot_cpus); c++) {
				unsigned k = shoot_cpus[c];
				char what[48];
				int err;

				if (k > online)
					continue;
				uint64_t need = (shoot_pages[s] ? shoot_pages[s] * PAGE_SIZE : BLOCK_SIZE);
				char why[96] = "";

				smp_shoot_name(what, sizeof(what), protect, shoot_pages[s]);
				progress(what, k);
				if (need > env_ram_bytes()) { /* its pages (and their tables) must fit */
					ksnprintf(why, sizeof(why), "needs %llu MiB, does not fit in %llu MiB",
						  (unsigned long long)(need >> 20),
						  (unsigned long long)(env_ram_bytes() >> 20));
					err = -ENOMEM;
				} else {
					err = run_case(shoot_pages[s], protect, k);
				}
				if (err) {
					failed(err, what, k, why[0] ? why : errno_name(err));
					ret = err;
				}
			}
		}
	}
	return ret;
}

size_t smp_shootdown_cases(unsigned online)
{
	size_t n = 0;

	for (size_t c = 0; c < ARRAY_SIZE(shoot_cpus); c++)
		n += shoot_cpus[c] <= online;
	return 2 * ARRAY_SIZE(shoot_pages) * n;
}

void smp_shoot_name(char *buf, size_t len, bool protect, uint64_t pages)
{
	ksnprintf(buf, len, "shootdown %s %s", protect ? "mprotect" : "munmap",
		  pages ? "" : "block");
	if (pages) {
		size_t at = strlen(buf);

		ksnprintf(buf + at, len - at, "%llu page%s", (unsigned long long)pages,
			  pages == 1 ? "" : "s");
	}
}

const struct shoot_row *smp_shootdown_rows(size_t *n)
{
	*n = nrows;
	return rows;
}
