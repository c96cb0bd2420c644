/*
 * In-guest tests of blocks mapped by faults (thp=always) on the real MMU.
 * At the 4 KiB granule a write fault in a 2 MiB-aligned area maps one
 * level-2 block descriptor (Arm ARM DDI0487 K.a D8.3.1: bits[1:0] = 0b01)
 * over one 2 MiB-aligned physical run, read back with AT S1E1R / PAR_EL1
 * and from the descriptor; a read maps the huge zero page read-only, and a
 * write to it ends in a page of its own; munmap of one page splits the
 * block into pages, translations and contents kept. The same at every
 * granule (blocks of 2, 32, 512 MiB) wherever the RAM has room for the
 * blocks: then the block is required. Where the free RAM is less than one
 * block (64 KiB granule with 512 MiB of RAM), the fault must fall back to
 * pages, which the test checks instead; in between, either is accepted.
 */
#include "tests/guest/ktest.h"

#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "tests/guest/probe.h"

#define RW (PROT_READ | PROT_WRITE)

/* The physical address behind va for a read, or 0 if the walk faults. */
static paddr_t pa_at(const volatile void *va)
{
	uint64_t par = at_s1e1r(va);

	return par & PAR_F ? 0 : par & PAR_PA;
}

/* The BLOCK_LEVEL descriptor of va (0 when no table holds it). */
static pte_t block_desc(const volatile void *va)
{
	const pte_t *slot = pgt_slot(current_mm->pgt, (vaddr_t)va, BLOCK_LEVEL);

	return slot ? *slot : 0;
}

/*
 * Whether the RAM has room for the test's blocks, so a fault must map one:
 * free pages for three blocks (the write's, the huge zero page, and one
 * block's worth for what lies unaligned around them) and at least 64 MiB
 * (other tests leave small allocations scattered through the RAM).
 */
static bool room_for_blocks(void)
{
	size_t free = page_free_count();

	return free >= 3 * BIT(BLOCK_ORDER) && free >= (64u << 20) / PAGE_SIZE;
}

/* Whether the RAM cannot hold even one block: faults must map pages. */
static bool no_room_for_a_block(void)
{
	return page_free_count() < BIT(BLOCK_ORDER);
}

/* Whether a level-2 descriptor is a block: bits[1:0] = 0b01 (D8.3.1). */
static bool is_block(pte_t d)
{
	return (d & 3) == 1;
}

KTEST(thp_write_maps_a_block)
{
	bool thp = current_mm->thp;
	size_t free = page_free_count();
	bool must = room_for_blocks(), must_not = no_room_for_a_block();
	vaddr_t va = 0;
	volatile uint8_t *p;
	bool zero_block, had_zero = current_mm->huge_zero_pa != 0;
	paddr_t pa0;

	mm_set_thp(current_mm, true);
	KASSERT_EQ(do_mmap(current_mm, 0, 2 * BLOCK_SIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS,
			   &va), 0);
	p = (volatile uint8_t *)va;
	KEXPECT_EQ(va % BLOCK_SIZE, 0); /* areas are aligned to the block */
	p[3 * PAGE_SIZE + 5] = 0x5a;
	pa0 = pa_at(p + 3 * PAGE_SIZE) - 3 * PAGE_SIZE;
	KEXPECT_NE(pa0 + 3 * PAGE_SIZE, 0);
	if (must)
		KEXPECT(is_block(block_desc(p)));
	if (must_not)
		KEXPECT(!is_block(block_desc(p)));
	ktest_note("%llu MiB block %s (%s), %zu MiB free", BLOCK_SIZE >> 20,
		   is_block(block_desc(p)) ? "mapped" : "not mapped: pages",
		   must ? "required" : must_not ? "no room: pages required" : "either",
		   (size_t)(free * PAGE_SIZE >> 20));
	if (is_block(block_desc(p))) {
		KEXPECT_EQ(pa0 % BLOCK_SIZE, 0);
		KEXPECT_EQ(current_mm->nr_fault_thp, 1);
		for (size_t i = 0; i < BIT(BLOCK_ORDER); i += 97) {
			volatile uint8_t *q = p + i * PAGE_SIZE;

			KEXPECT_EQ(pa_at(q), pa0 + i * PAGE_SIZE);
			KEXPECT(!(at_s1e1w(q) & PAR_F));
			if (i != 3)
				KEXPECT_EQ(q[100], 0);
		}
		/* munmap of one page: the block becomes pages, the others kept. */
		KEXPECT_EQ(do_munmap(current_mm, va + 7 * PAGE_SIZE, PAGE_SIZE), 0);
		KEXPECT(!is_block(block_desc(p)));
		KEXPECT_EQ(pa_at(p + 7 * PAGE_SIZE), 0);
		KEXPECT(page_is_free(pa0 + 7 * PAGE_SIZE));
		KEXPECT_EQ(pa_at(p + 8 * PAGE_SIZE), pa0 + 8 * PAGE_SIZE);
		KEXPECT_EQ(pa_at(p + 6 * PAGE_SIZE), pa0 + 6 * PAGE_SIZE);
	}
	KEXPECT_EQ(p[3 * PAGE_SIZE + 5], 0x5a);
	KEXPECT_EQ(mm_check(current_mm), 0);

	/* The second block: a read maps the huge zero page, a write splits it. */
	KEXPECT_EQ(p[BLOCK_SIZE + 9 * PAGE_SIZE], 0);
	zero_block = is_block(block_desc(p + BLOCK_SIZE));
	if (must)
		KEXPECT(zero_block);
	if (must_not)
		KEXPECT(!zero_block);
	if (zero_block) {
		KEXPECT_EQ(pa_at(p + BLOCK_SIZE), current_mm->huge_zero_pa);
		KEXPECT(at_s1e1w(p + BLOCK_SIZE) & PAR_F);
	}
	p[BLOCK_SIZE + 9 * PAGE_SIZE] = 3;
	KEXPECT(!is_block(block_desc(p + BLOCK_SIZE)));
	KEXPECT_EQ(p[BLOCK_SIZE + 9 * PAGE_SIZE], 3);
	if (zero_block) /* the rest of the block: zero-page entries */
		KEXPECT_EQ(pa_at(p + BLOCK_SIZE + 10 * PAGE_SIZE), current_mm->zero_pa);
	KEXPECT_EQ(p[BLOCK_SIZE + 10 * PAGE_SIZE], 0);
	KEXPECT_EQ(mm_check(current_mm), 0);
	KEXPECT_EQ(do_munmap(current_mm, va, 2 * BLOCK_SIZE), 0);
	mm_set_thp(current_mm, thp);
	if (!had_zero) /* nothing maps it now: back to the allocator, as before the test */
		mm_drop_huge_zero(current_mm);
	KEXPECT_EQ(mm_check(current_mm), 0);
}
