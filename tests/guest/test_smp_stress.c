/*
 * The SMP stress run (issue 18, "Correctness, shown"): every online CPU
 * faults, unmaps, protects and grows the heap in one address space for a
 * fixed number of operations, then CPU 0 checks the mm (mm_check), that
 * every CPU read back exactly what it wrote, and that the page count
 * balances once everything is unmapped (the ktest harness fails a test that
 * leaks pages).
 *
 * Each CPU owns a private area it alone maps, unmaps and protects, and
 * keeps a shadow of what each of its pages holds; all CPUs share one area
 * whose pages they write at once, each its own word of the page: the
 * same-page races, two or more CPUs taking the write fault of one
 * zero-page mapping, of which exactly one page must survive and no CPU's
 * word be lost. CPU 0 grows the heap meanwhile (brk is a writer of the
 * mm, like mmap). With one CPU online it runs the same operations alone.
 *
 * Secondaries report through per-CPU counters (the ktest checks are
 * CPU 0's): errors, and the first bad address and value seen.
 */
#include "arch/aarch64/smp.h"
#include "lib/printf.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "tests/guest/ktest.h"

#define PRIV_PAGES 64      /* each CPU's own area */
#define SHARED_PAGES 32    /* written by every CPU, one word each */
#define SPAN 4             /* pages one protect or unmap covers */
#define OPS 1500           /* operations per CPU */

/* A word's value: who wrote it, where, and which write it was. */
#define TAG(cpu, page, gen) (0xfa17000000000000ull | (uint64_t)(cpu) << 40 | \
			     (uint64_t)(page) << 20 | (gen))
#define TAG_CPU(v) (((v) >> 40) & 0xff)

struct stress_cpu {
	vaddr_t priv;
	uint64_t shadow[PRIV_PAGES];     /* what word 0 of each page holds */
	uint64_t shared_gen;
	uint64_t rng;
	uint64_t errors, ops;
	vaddr_t bad_va;
	uint64_t bad_got, bad_want;
} __attribute__((aligned(64)));

static struct stress {
	vaddr_t shared;
	struct stress_cpu cpu[NR_CPUS];
} st;

static uint64_t next_rand(struct stress_cpu *c)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return c->rng;
}

static void check(struct stress_cpu *c, vaddr_t va, uint64_t got, uint64_t want)
{
	if (got == want)
		return;
	if (!c->errors++) {
		c->bad_va = va;
		c->bad_got = got;
		c->bad_want = want;
	}
}

static volatile uint64_t *word(vaddr_t page, unsigned i)
{
	return (volatile uint64_t *)(page + i * sizeof(uint64_t));
}

/* The operations of one CPU, on its own area, the shared one and the heap. */
static void stress_cpu(void *arg)
{
	unsigned cpu = (unsigned)arch_cpu_id(), k;
	struct stress_cpu *c = &st.cpu[cpu];
	struct mm_struct *mm = arg;
	vaddr_t va, brk;

	for (uint64_t n = 0; n < OPS; n++, c->ops++) {
		uint64_t r = next_rand(c);

		k = (unsigned)(r >> 8) % PRIV_PAGES;
		va = c->priv + (vaddr_t)k * PAGE_SIZE;
		switch (r % 10) {
		case 0: case 1: case 2: /* write a page of its own, read it back */
			c->shadow[k] = TAG(cpu, k, n);
			*word(va, 0) = c->shadow[k];
			check(c, va, *word(va, 0), c->shadow[k]);
			break;
		case 3: /* read one (the zero page when never written) */
			check(c, va, *word(va, 0), c->shadow[k]);
			break;
		case 4: case 5: { /* the shared area: its own word, and the others' */
			unsigned j = (unsigned)(r >> 20) % SHARED_PAGES;
			vaddr_t s = st.shared + (vaddr_t)j * PAGE_SIZE;
			uint64_t v = TAG(cpu, j, ++c->shared_gen);

			*word(s, cpu * 8) = v; /* a line of its own in the page */
			check(c, s, *word(s, cpu * 8), v);
			for (unsigned o = 0; o < NR_CPUS; o++) {
				uint64_t w = *word(s, o * 8);

				if (w && TAG_CPU(w) != o)
					check(c, s + o * 64, w, TAG(o, j, 0));
			}
			break;
		}
		case 6: /* protect a span read-only, read it, make it writable again */
			k = ALIGN_DOWN(k, SPAN);
			va = c->priv + (vaddr_t)k * PAGE_SIZE;
			check(c, va, (uint64_t)do_mprotect(mm, va, SPAN * PAGE_SIZE, PROT_READ), 0);
			for (unsigned i = 0; i < SPAN; i++)
				check(c, va + i * PAGE_SIZE, *word(va + i * PAGE_SIZE, 0),
				      c->shadow[k + i]);
			check(c, va, (uint64_t)do_mprotect(mm, va, SPAN * PAGE_SIZE,
							   PROT_READ | PROT_WRITE), 0);
			break;
		case 7: { /* unmap a span and map it again: zeros */
			vaddr_t out = 0;

			k = ALIGN_DOWN(k, SPAN);
			va = c->priv + (vaddr_t)k * PAGE_SIZE;
			check(c, va, (uint64_t)do_munmap(mm, va, SPAN * PAGE_SIZE), 0);
			check(c, va, (uint64_t)do_mmap(mm, va, SPAN * PAGE_SIZE,
						       PROT_READ | PROT_WRITE,
						       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, &out), 0);
			for (unsigned i = 0; i < SPAN; i++) {
				c->shadow[k + i] = 0;
				check(c, va + i * PAGE_SIZE, *word(va + i * PAGE_SIZE, 0), 0);
			}
			break;
		}
		default: /* CPU 0 grows the heap by a page and writes there (another
			    CPU's brk could shrink it under a write of this one) */
			if (cpu) {
				c->shadow[k] = TAG(cpu, k, n);
				*word(va, 0) = c->shadow[k];
				check(c, va, *word(va, 0), c->shadow[k]);
				break;
			}
			brk = do_brk(mm, 0);
			if (do_brk(mm, brk + PAGE_SIZE) == brk + PAGE_SIZE) {
				va = ALIGN_DOWN(brk, PAGE_SIZE);
				*word(va, cpu * 8 + 1) = TAG(cpu, 0, n);
				check(c, va, *word(va, cpu * 8 + 1), TAG(cpu, 0, n));
			}
			break;
		}
	}
}

KTEST(smp_stress)
{
	struct mm_struct *mm = current_mm;
	unsigned ncpus = smp_cpus_online();
	vaddr_t brk0 = do_brk(mm, 0), out;
	uint64_t lost0 = mm_counter(mm, nr_fault_lost), retry0 = mm_counter(mm, nr_fault_retry);
	uint64_t errors = 0, ops = 0;
	int err;

	KASSERT_EQ(do_mmap(mm, 0, SHARED_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, &st.shared), 0);
	for (unsigned cpu = 0; cpu < ncpus; cpu++) {
		st.cpu[cpu] = (struct stress_cpu){ .rng = 0x9e3779b97f4a7c15ull * (cpu + 1) };
		KASSERT_EQ(do_mmap(mm, 0, PRIV_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, &out), 0);
		st.cpu[cpu].priv = out;
	}
	err = smp_run(ncpus, stress_cpu, mm);
	KEXPECT_EQ(err, 0);
	for (unsigned cpu = 0; cpu < ncpus; cpu++) {
		struct stress_cpu *c = &st.cpu[cpu];

		errors += c->errors;
		ops += c->ops;
		if (c->errors)
			ktest_note("CPU %u: %llu wrong values, first at %#llx: %#llx, want %#llx",
				   cpu, (unsigned long long)c->errors,
				   (unsigned long long)c->bad_va, (unsigned long long)c->bad_got,
				   (unsigned long long)c->bad_want);
		/* Every page it wrote still holds its last write. */
		for (unsigned k = 0; k < PRIV_PAGES; k++)
			KEXPECT_EQ(*word(c->priv + (vaddr_t)k * PAGE_SIZE, 0), c->shadow[k]);
	}
	KEXPECT_EQ(errors, 0);
	KEXPECT_EQ(ops, (uint64_t)ncpus * OPS);
	KEXPECT_EQ(mm_check(mm), 0);
	ktest_note("%u cpus, %llu operations; faults that lost a race %llu, waits for a "
		   "writer %llu", ncpus, (unsigned long long)ops,
		   (unsigned long long)(mm_counter(mm, nr_fault_lost) - lost0),
		   (unsigned long long)(mm_counter(mm, nr_fault_retry) - retry0));

	for (unsigned cpu = 0; cpu < ncpus; cpu++)
		KEXPECT_EQ(do_munmap(mm, st.cpu[cpu].priv, PRIV_PAGES * PAGE_SIZE), 0);
	KEXPECT_EQ(do_munmap(mm, st.shared, SHARED_PAGES * PAGE_SIZE), 0);
	KEXPECT_EQ(do_brk(mm, brk0), brk0);
	KEXPECT_EQ(mm_check(mm), 0);
}
