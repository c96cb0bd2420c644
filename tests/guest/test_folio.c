/*
 * In-guest tests of large folios on the real MMU: a write fault with
 * 64 KiB folios (one contiguous range at the 4 KiB granule) maps one
 * aligned physical run whose page descriptors all carry the Contiguous bit
 * (Arm ARM DDI0487 K.a D8.6.1), read back with AT S1E1R / PAR_EL1 and from
 * the descriptors themselves; munmap of one page inside it unfolds the
 * range (no Contiguous bit left, translations and contents kept); mprotect
 * of the whole range keeps the bit; a fault after mprotect upgrades it.
 */
#include "tests/guest/ktest.h"

#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/pgtable.h"
#include "tests/guest/probe.h"

#define RW (PROT_READ | PROT_WRITE)

/* The physical address behind va for a read, or 0 if the walk faults. */
static paddr_t pa_at(const volatile void *va)
{
	uint64_t par = at_s1e1r(va);

	return par & PAR_F ? 0 : par & PAR_PA;
}

/* The last-level descriptor of va (0 when no table holds it). */
static pte_t desc(const volatile void *va)
{
	const pte_t *slot = pgt_walk(current_mm->pgt, (vaddr_t)va);

	return slot ? *slot : 0;
}

KTEST(folio_write_maps_a_contiguous_range)
{
	unsigned orders = current_mm->folio_orders;
	vaddr_t va = 0;
	volatile uint8_t *p;
	paddr_t pa0;

	KASSERT_EQ(mm_set_folios(current_mm, BIT(CONT_PTE_BITS)), 0);
	KASSERT_EQ(do_mmap(current_mm, 0, 2 * CONT_PTE_SIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS,
			   &va), 0);
	p = (volatile uint8_t *)va;
	KEXPECT_EQ(va % CONT_PTE_SIZE, 0); /* areas are aligned to the folio size */
	p[3 * PAGE_SIZE + 5] = 0x5a;
	pa0 = pa_at(p);
	KEXPECT_NE(pa0, 0);
	KEXPECT_EQ(pa0 % CONT_PTE_SIZE, 0);
	for (size_t i = 0; i < CONT_PTES; i++) {
		volatile uint8_t *q = p + i * PAGE_SIZE;

		KEXPECT_EQ(pa_at(q), pa0 + i * PAGE_SIZE);
		KEXPECT(!(at_s1e1w(q) & PAR_F));
		KEXPECT(desc(q) & ATTR_Contiguous);
		KEXPECT_EQ(q[100], 0);
	}
	KEXPECT_EQ(p[3 * PAGE_SIZE + 5], 0x5a);
	KEXPECT_EQ(pa_at(p + CONT_PTE_SIZE), 0); /* the next range: not touched */
	KEXPECT_EQ(mm_check(current_mm), 0);

	/* munmap of one page: the range is unfolded, the others kept. */
	KEXPECT_EQ(do_munmap(current_mm, va + 7 * PAGE_SIZE, PAGE_SIZE), 0);
	KEXPECT_EQ(pa_at(p + 7 * PAGE_SIZE), 0);
	for (size_t i = 0; i < CONT_PTES; i++) {
		if (i == 7)
			continue;
		KEXPECT_EQ(pa_at(p + i * PAGE_SIZE), pa0 + i * PAGE_SIZE);
		KEXPECT(!(desc(p + i * PAGE_SIZE) & ATTR_Contiguous));
	}
	KEXPECT_EQ(p[3 * PAGE_SIZE + 5], 0x5a);

	/* The second range: read-only as a whole keeps the bit, a write upgrades it. */
	p[CONT_PTE_SIZE] = 1;
	KEXPECT(desc(p + CONT_PTE_SIZE + PAGE_SIZE) & ATTR_Contiguous);
	KEXPECT_EQ(do_mprotect(current_mm, va + CONT_PTE_SIZE, CONT_PTE_SIZE, PROT_READ), 0);
	KEXPECT(at_s1e1w(p + CONT_PTE_SIZE + PAGE_SIZE) & PAR_F);
	KEXPECT(desc(p + CONT_PTE_SIZE + PAGE_SIZE) & ATTR_Contiguous);
	KEXPECT_EQ(do_mprotect(current_mm, va + CONT_PTE_SIZE, CONT_PTE_SIZE, RW), 0);
	p[CONT_PTE_SIZE + 2 * PAGE_SIZE] = 2;
	for (size_t i = 0; i < CONT_PTES; i++) {
		volatile uint8_t *q = p + CONT_PTE_SIZE + i * PAGE_SIZE;

		KEXPECT(!(at_s1e1w(q) & PAR_F));
		KEXPECT(desc(q) & ATTR_Contiguous);
	}
	KEXPECT_EQ(p[CONT_PTE_SIZE], 1);
	KEXPECT_EQ(mm_check(current_mm), 0);
	KEXPECT_EQ(do_munmap(current_mm, va, 2 * CONT_PTE_SIZE), 0);
	KEXPECT_EQ(mm_set_folios(current_mm, orders), 0);
	KEXPECT_EQ(mm_check(current_mm), 0);
}
