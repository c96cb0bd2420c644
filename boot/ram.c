/*
 * RAM bank checks (see ram.h). Each bank, in tree order:
 *
 *   [base ............................................ base + size)
 *    |<- aligned up to a page          aligned down to a page ->|
 *    first word: read, write ~v, read back, restore   last word: the same;
 *    no answer at the end: binary search (reads only) for the last page
 *    that answers, assuming the RAM behind a bank has no holes
 */
#include "arch/aarch64/cpuid.h"
#include "arch/aarch64/expect.h"
#include "boot/ram.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/reason.h"

#define KERNEL_PA_BITS 48 /* the linear map's tables reach 48 bits */

/* Whether anything answers a read of the word at pa. */
static bool answers(uint64_t pa)
{
	struct expected_fault f;
	uint32_t v;

	return !expect_probe_read32((uintptr_t)pa, &v, &f);
}

/* Whether the word at pa answers and keeps what is written (then restored:
 * single CPU, so nothing else sees the changed word). */
static bool is_ram(uint64_t pa)
{
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)pa;
	struct expected_fault f;
	uint32_t v, back = 0;

	if (expect_probe_read32((uintptr_t)pa, &v, &f))
		return false;
	*p = ~v;
	__asm__ volatile("dsb sy" ::: "memory");
	expect_probe_read32((uintptr_t)pa, &back, &f);
	*p = v;
	__asm__ volatile("dsb sy" ::: "memory");
	return back == ~v;
}

static void note(size_t i, uint64_t base, uint64_t end, const char *what)
{
	info("warning: RAM bank %zu [0x%llx, 0x%llx) %s", i, (unsigned long long)base,
	     (unsigned long long)end, what);
}

int ram_check(struct bootinfo *bi, const char **why)
{
	unsigned bits = MIN(cpu_pa_bits(), KERNEL_PA_BITS);
	uint64_t limit = 1ull << bits;
	size_t kept = 0;
	char msg[96];

	for (size_t i = 0; i < bi->nmem; i++) {
		uint64_t base = bi->mem[i].base, end = base + bi->mem[i].size;
		uint64_t abase = ALIGN_UP(base, PAGE_SIZE), aend = ALIGN_DOWN(end, PAGE_SIZE);
		bool clash = false;

		if (end > limit) {
			ksnprintf(msg, sizeof(msg), "is beyond the %u-bit physical address "
				  "range: skipped", bits);
			note(i, base, end, msg);
			continue;
		}
		if (abase >= aend) {
			note(i, base, end, "is less than a page once aligned to pages: skipped");
			continue;
		}
		if (abase != base || aend != end)
			note(i, base, end, "is not page aligned: its partial pages are skipped");
		for (size_t k = 0; k < kept; k++)
			clash |= abase < bi->mem[k].base + bi->mem[k].size &&
				 bi->mem[k].base < aend;
		if (clash) {
			note(i, base, end, "overlaps an earlier bank: skipped");
			continue;
		}
		if (!is_ram(abase)) {
			note(i, base, end, "is not RAM (its first word does not answer or "
			     "keep a write): skipped");
			continue;
		}
		if (!answers(aend - 4) || !is_ram(aend - 4)) {
			/* Invariant: page lo answers, page hi does not. */
			uint64_t lo = abase / PAGE_SIZE, hi = (aend - 1) / PAGE_SIZE;

			while (hi - lo > 1) {
				uint64_t mid = lo + (hi - lo) / 2;

				if (answers(mid * PAGE_SIZE))
					lo = mid;
				else
					hi = mid;
			}
			ksnprintf(msg, sizeof(msg), "is RAM only up to 0x%llx: the rest is skipped",
				  (unsigned long long)(hi * PAGE_SIZE));
			note(i, base, end, msg);
			aend = hi * PAGE_SIZE;
		}
		bi->mem[kept++] = (struct mem_range){ abase, aend - abase };
	}
	bi->nmem = kept;
	if (kept == 0)
		return reject(why, "no usable RAM: every memory bank of the device tree was skipped");
	return 0;
}

bool ram_contains(const struct bootinfo *bi, uint64_t base, uint64_t size)
{
	for (size_t i = 0; i < bi->nmem; i++)
		if (base >= bi->mem[i].base && size <= bi->mem[i].size &&
		    base - bi->mem[i].base <= bi->mem[i].size - size)
			return true;
	return false;
}
