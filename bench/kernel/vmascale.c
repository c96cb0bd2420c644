/*
 * find_vma scaling (see bench/kernel/vmascale.h). The mm is private, over a
 * translation table that is never live: lookups need no page mapped. VMAs
 * are one page each with a one-page hole between them, so none merge.
 */
#include "bench/env.h"
#include "bench/kernel/vmascale.h"
#include "lib/errno.h"
#include "mm/mm.h"
#include "mm/pgtable.h"

#define VMA_BASE VMASCALE_BASE
#define VMA_STEP VMASCALE_STEP

static uint64_t samples[VMASCALE_SAMPLES];
static volatile vaddr_t sink;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static vaddr_t vma_addr(uint64_t i)
{
	return VMA_BASE + i * VMA_STEP + PAGE_SIZE / 2;
}

static uint64_t net(uint64_t t0, uint64_t t1, uint64_t overhead)
{
	return t1 - t0 > overhead ? t1 - t0 - overhead : 0;
}

static void measure(struct mm_struct *mm, uint64_t nvma, int how,
		    uint64_t overhead, uint64_t *rs, struct vma_row *row)
{
	uint64_t n = VMASCALE_SAMPLES;

	if (how == 2 && nvma > 1000)
		n = VMASCALE_LIST_SAMPLES_BIG;
	mm->vmacache_on = how == 0;
	vaddr_t hit = vma_addr(rnd(rs) % nvma);
	(void)find_vma(mm, hit); /* fill the cache */

	for (uint64_t i = 0; i < n; i++) {
		vaddr_t a = how == 0 ? hit : vma_addr(rnd(rs) % nvma);
		struct vm_area_struct *v;
		uint64_t t0, t1;

		if (how == 2) {
			t0 = env_counter();
			for (v = mm->mmap; v && v->vm_end <= a; v = v->vm_next)
				;
			t1 = env_counter();
		} else {
			t0 = env_counter();
			v = find_vma(mm, a);
			t1 = env_counter();
		}
		sink = v ? v->vm_start : 0;
		samples[i] = net(t0, t1, overhead);
	}
	mm->vmacache_on = true;
	row->pattern = how == 0 ? "find_vma-cache" :
		       how == 1 ? "find_vma-tree" : "find_vma-list";
	row->nvma = nvma;
	row->samples = n;
	stats_compute(samples, n, &row->lat);
}

int bench_vmascale(const uint64_t *counts, size_t n, uint64_t overhead,
		   uint64_t seed, vma_row_fn fn, void *ctx)
{
	static struct mm_struct mm;
	struct pgtable pgt;
	uint64_t have = 0, rs = seed | 1;
	int err;

	for (size_t i = 0; i < n; i++)
		if (counts[i] == 0 || counts[i] > VMASCALE_MAX || (i > 0 && counts[i] <= counts[i - 1]))
			return -EINVAL;
	err = pgt_init(&pgt);
	if (err)
		return err;
	err = mm_init(&mm, &pgt);
	if (err) {
		pgt_destroy(&pgt);
		return err;
	}
	for (size_t i = 0; i < n && !err; i++) {
		for (; have < counts[i] && !err; have++) {
			vaddr_t out;
			err = do_mmap(&mm, VMA_BASE + have * VMA_STEP, PAGE_SIZE,
				      PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				      &out);
		}
		for (int how = 0; how < 3 && !err; how++) {
			struct vma_row row;
			measure(&mm, have, how, overhead, &rs, &row);
			fn(&row, ctx);
		}
	}
	mm_destroy(&mm);
	pgt_destroy(&pgt);
	return err;
}
