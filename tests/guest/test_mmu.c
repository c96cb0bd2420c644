/*
 * In-guest tests of the MMU set-up, as the hardware sees it: the kernel's
 * mappings checked with the address translation instructions AT S1E1R /
 * AT S1E1W and PAR_EL1, W^X over the whole image, and a remap through the
 * table library that must leave no stale translation in the TLB.
 */
#include "tests/guest/ktest.h"

#include "arch/aarch64/image.h"
#include "arch/aarch64/sysreg.h"
#include "boot/main.h"
#include "lib/dt.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "tests/guest/probe.h"

static const uint32_t ro_word = 0x0badf00d; /* .rodata */
static uint32_t rw_word = 1;                /* .data */
static uint32_t bss_word;                   /* .bss */

/* A PAR_EL1 value that must be a successful translation of va (identity). */
#define EXPECT_PAR_OK(par, va, what) expect_par_ok(par, va, what, __LINE__)
static void expect_par_ok(uint64_t par, const void *va, const char *what, int line)
{
	/* PAR_EL1.PA is PA[47:12] with every granule: with 16K and 64K pages
	 * bits [13:12] / [15:12] are the offset's, not zero. */
	paddr_t want = arch_virt_to_phys(va) & PAR_PA;

	if (par & PAR_F)
		ktest_fail(__FILE__, line, "%s (%p): AT faulted, PAR_EL1 %#llx",
			   what, va, (unsigned long long)par);
	else if ((par & PAR_PA) != want)
		ktest_fail(__FILE__, line, "%s (%p): PAR_EL1.PA %#llx, want %#llx",
			   what, va, (unsigned long long)(par & PAR_PA),
			   (unsigned long long)want);
}

/* A PAR_EL1 value that must be a fault of kind fsc_kind at the walk's level. */
#define EXPECT_PAR_FAULT(par, va, kind, what) expect_par_fault(par, va, kind, what, __LINE__)
static void expect_par_fault(uint64_t par, const void *va, unsigned fsc_kind,
			     const char *what, int line)
{
	unsigned fst = (unsigned)(par >> PAR_FST_SHIFT) & 0x3f;
	unsigned want = fsc_kind | (unsigned)walk_level((vaddr_t)va);

	if (!(par & PAR_F) || fst != want)
		ktest_fail(__FILE__, line,
			   "%s (%p): PAR_EL1 %#llx (F=%u FST=%#x), want F=1 FST=%#x",
			   what, va, (unsigned long long)par, (unsigned)(par & PAR_F),
			   fst, want);
}

KTEST(mmu_text_is_read_exec)
{
	const void *va = __text_start;
	unsigned attrs = 0;

	EXPECT_PAR_OK(at_s1e1r(va), va, "text, read");
	EXPECT_PAR_FAULT(at_s1e1w(va), va, FSC_PERMISSION, "text, write");
	va = (const void *)(uintptr_t)mmu_text_is_read_exec;
	EXPECT_PAR_OK(at_s1e1r(va), va, "this test's code");
	KASSERT_EQ(pgt_lookup(&kernel_pgt, (vaddr_t)va, NULL, &attrs, NULL), 0);
	KEXPECT_EQ(attrs & (MM_READ | MM_WRITE | MM_EXEC), MM_READ | MM_EXEC);
}

KTEST(mmu_rodata_is_read_only)
{
	const void *va = &ro_word;
	unsigned attrs = 0;

	EXPECT_PAR_OK(at_s1e1r(va), va, "rodata, read");
	EXPECT_PAR_FAULT(at_s1e1w(va), va, FSC_PERMISSION, "rodata, write");
	KASSERT_EQ(pgt_lookup(&kernel_pgt, (vaddr_t)va, NULL, &attrs, NULL), 0);
	KEXPECT_EQ(attrs & (MM_READ | MM_WRITE | MM_EXEC), MM_READ);
	KEXPECT_EQ(ro_word, 0x0badf00d);
}

KTEST(mmu_data_bss_stack_are_writable)
{
	uint32_t local = 0;
	const void *va[] = {&rw_word, &bss_word, &local, __data_start};
	static const char *const name[] = {"data", "bss", "stack", "data start"};

	for (size_t i = 0; i < ARRAY_SIZE(va); i++) {
		unsigned attrs = 0;

		EXPECT_PAR_OK(at_s1e1r(va[i]), va[i], name[i]);
		EXPECT_PAR_OK(at_s1e1w(va[i]), va[i], name[i]);
		KEXPECT_EQ(pgt_lookup(&kernel_pgt, (vaddr_t)va[i], NULL, &attrs, NULL), 0);
		KEXPECT_EQ(attrs & (MM_READ | MM_WRITE | MM_EXEC), MM_READ | MM_WRITE);
		/* Normal Write-Back memory: PAR_EL1.ATTR is the MAIR_EL1 byte. */
		KEXPECT_EQ(at_s1e1r(va[i]) >> PAR_ATTR_SHIFT, 0xff);
	}
	rw_word++;
	bss_word++;
	KEXPECT_EQ(rw_word, 2);
}

KTEST(mmu_guards_and_page_zero_unmapped)
{
	const void *va[] = {__stack_guard, __stack_guard + PAGE_SIZE - 8,
			    __exc_guard, (const void *)0, (const void *)(PAGE_SIZE - 8)};

	for (size_t i = 0; i < ARRAY_SIZE(va); i++) {
		EXPECT_PAR_FAULT(at_s1e1r(va[i]), va[i], FSC_TRANSLATION, "unmapped, read");
		EXPECT_PAR_FAULT(at_s1e1w(va[i]), va[i], FSC_TRANSLATION, "unmapped, write");
		KEXPECT_EQ(pgt_lookup(&kernel_pgt, (vaddr_t)va[i], NULL, NULL, NULL), -ENOENT);
	}
	/* The guards are single pages: the stacks begin right above them. */
	EXPECT_PAR_OK(at_s1e1w(__stack_bottom), __stack_bottom, "stack bottom");
	EXPECT_PAR_OK(at_s1e1w(__exc_stack_bottom), __exc_stack_bottom, "exception stack");
}

KTEST(mmu_image_is_w_xor_x)
{
	size_t exec = 0, text = (size_t)(__text_end - __text_start) / PAGE_SIZE;

	for (const char *p = __image_start; p < __image_end; p += PAGE_SIZE) {
		unsigned attrs;

		if (pgt_lookup(&kernel_pgt, (vaddr_t)p, NULL, &attrs, NULL) != 0)
			continue;
		if ((attrs & MM_WRITE) && (attrs & MM_EXEC))
			ktest_fail(__FILE__, __LINE__, "%p is writable and executable", p);
		if (attrs & MM_EXEC) {
			exec++;
			if (p < __text_start || p >= __text_end)
				ktest_fail(__FILE__, __LINE__, "%p executable outside text", p);
		}
	}
	KEXPECT_EQ(exec, text);
}

/* Fill a page with a pattern derived from seed. */
static void fill(paddr_t pa, uint64_t seed)
{
	uint64_t *w = arch_phys_to_virt(pa);

	for (size_t i = 0; i < PAGE_SIZE / 8; i++)
		w[i] = seed ^ (i * 0x9e3779b97f4a7c15ull);
}

KTEST(mmu_remap_leaves_no_stale_tlb)
{
	volatile uint64_t *v = (volatile uint64_t *)TEST_VA;
	struct expected_fault f = {0};
	paddr_t a = page_alloc(), b = page_alloc();

	KASSERT(a && b);
	fill(a, 0xaaaa);
	fill(b, 0xbbbb);
	KASSERT_EQ(pgt_lookup(&kernel_pgt, TEST_VA, NULL, NULL, NULL), -ENOENT);

	/* VA -> A, read through it: the TLB now holds VA -> A. */
	KASSERT_EQ(pgt_map(&kernel_pgt, TEST_VA, a, PAGE_SIZE, MM_READ | MM_WRITE, PGT_NO_BLOCKS), 0);
	KEXPECT_EQ(v[0], 0xaaaa);
	KEXPECT_EQ(v[7], 0xaaaa ^ (7 * 0x9e3779b97f4a7c15ull));

	/* VA -> B: reads must see B, at once. */
	KEXPECT_EQ(pgt_unmap(&kernel_pgt, TEST_VA, PAGE_SIZE, NULL, NULL), 0);
	KEXPECT_EQ(pgt_map(&kernel_pgt, TEST_VA, b, PAGE_SIZE, MM_READ | MM_WRITE, PGT_NO_BLOCKS), 0);
	KEXPECT_EQ(v[0], 0xbbbb);
	v[1] = 42; /* a writable translation cached now */
	KEXPECT_EQ(((uint64_t *)arch_phys_to_virt(b))[1], 42);

	/* RW -> RO (break-before-make): the write must trap, nothing written. */
	KEXPECT_EQ(pgt_protect(&kernel_pgt, TEST_VA, PAGE_SIZE, MM_READ), 0);
	expect_fault_begin();
	v[1] = 43;
	KEXPECT(expect_fault_end(&f));
	KEXPECT_EQ(f.ec, EC_DABT_CUR);
	KEXPECT_EQ(f.far, TEST_VA + 8);
	KEXPECT_EQ(f.flags & (FAULT_PERMISSION | FAULT_WRITE), FAULT_PERMISSION | FAULT_WRITE);
	KEXPECT_EQ(FAULT_LEVEL(f.flags), 3);
	KEXPECT_EQ(v[1], 42);

	/* Unmapped: a read must trap with a translation fault. */
	KEXPECT_EQ(pgt_unmap(&kernel_pgt, TEST_VA, PAGE_SIZE, NULL, NULL), 0);
	expect_fault_begin();
	(void)v[0];
	KEXPECT(expect_fault_end(&f));
	KEXPECT_EQ(f.flags & (FAULT_TRANSLATION | FAULT_READ), FAULT_TRANSLATION | FAULT_READ);

	page_free(a);
	page_free(b);
}

/*
 * TCR_EL1 as mmu.c programs it for the build's granule (Arm ARM D24.2
 * "TCR_EL1"): TG0 and TG1 (encoded differently: TG1 0b00 is reserved),
 * T0SZ = 16 for 48-bit VAs, TTBR1 walks disabled (EPD1).
 *
 *   granule  TG0   TG1
 *   4 KiB    0b00  0b10
 *   16 KiB   0b10  0b01
 *   64 KiB   0b01  0b11
 */
KTEST(mmu_tcr_granule)
{
	uint64_t tcr = read_sysreg(tcr_el1);
	unsigned tg0 = PAGE_SHIFT == 12 ? 0 : PAGE_SHIFT == 14 ? 2 : 1;
	unsigned tg1 = PAGE_SHIFT == 12 ? 2 : PAGE_SHIFT == 14 ? 1 : 3;

	KEXPECT_EQ((tcr >> 14) & 3, tg0);
	KEXPECT_EQ((tcr >> 30) & 3, tg1);
	KEXPECT_EQ(tcr & 0x3f, 64 - PGT_VA_BITS);
	KEXPECT(tcr & TCR_EL1_EPD1);
}

/*
 * The page size as the hardware walks it: one page mapped at TEST_VA
 * translates (AT S1E1R/W) at its first and last bytes to the page's PA plus
 * the offset, and the byte just past it faults at level 3. A walker using
 * another granule would index the level-3 table with different VA bits and
 * see other entries.
 */
KTEST(mmu_page_is_one_granule)
{
	const uint8_t *v = (const uint8_t *)TEST_VA;
	paddr_t a = page_alloc();

	KASSERT(a);
	KASSERT_EQ(pgt_map(&kernel_pgt, TEST_VA, a, PAGE_SIZE, MM_READ | MM_WRITE,
			   PGT_NO_BLOCKS), 0);
	for (uint64_t off = 0; off < PAGE_SIZE; off += PAGE_SIZE / 4) {
		uint64_t par = at_s1e1w(v + off);

		KEXPECT_EQ(par & PAR_F, 0);
		KEXPECT_EQ(par & PAR_PA, (a + off) & PAR_PA);
	}
	KEXPECT_EQ(at_s1e1r(v + PAGE_SIZE - 1) & PAR_PA, (a + PAGE_SIZE - 1) & PAR_PA);
	EXPECT_PAR_FAULT(at_s1e1r(v + PAGE_SIZE), v + PAGE_SIZE, FSC_TRANSLATION,
			 "the byte past the page");
	KEXPECT_EQ(walk_level(TEST_VA + PAGE_SIZE), PGT_LAST_LEVEL);
	KEXPECT_EQ(pgt_unmap(&kernel_pgt, TEST_VA, PAGE_SIZE, NULL, NULL), 0);
	EXPECT_PAR_FAULT(at_s1e1r(v), v, FSC_TRANSLATION, "unmapped page");
	page_free(a);
}

/* block_in_ram: a BLOCK_SIZE-aligned block wholly inside a RAM bank that
 * does not overlap the kernel image (avoid_image), or 0 if there is none. */
static paddr_t block_in_ram(bool avoid_image)
{
	const struct bootinfo *bi = boot_info();
	paddr_t img0 = (paddr_t)__image_start, img1 = (paddr_t)__image_end;

	for (size_t i = 0; i < bi->nmem; i++) {
		paddr_t end = bi->mem[i].base + bi->mem[i].size;

		for (paddr_t b = ALIGN_UP(MAX(bi->mem[i].base, PAGE_SIZE), BLOCK_SIZE);
		     b + BLOCK_SIZE <= end; b += BLOCK_SIZE)
			if (!avoid_image || b + BLOCK_SIZE <= img0 || b >= img1)
				return b;
	}
	return 0;
}

/*
 * The linear map's level-2 blocks (2 MiB, 32 MiB, 512 MiB for 4K, 16K,
 * 64K): where a RAM bank holds a whole aligned block away from the image,
 * the kernel maps it with one block descriptor, and AT translates its first
 * and last bytes as the identity.
 */
KTEST(mmu_linear_map_uses_blocks)
{
	paddr_t b = block_in_ram(true);
	int level = -1;

	if (!b) {
		ktest_skip("no RAM bank holds a whole %llu MiB block apart from the image",
			   (unsigned long long)(BLOCK_SIZE >> 20));
		return;
	}
	KASSERT_EQ(pgt_lookup(&kernel_pgt, b, NULL, NULL, &level), 0);
	KEXPECT_EQ(level, BLOCK_LEVEL);
	EXPECT_PAR_OK(at_s1e1w((void *)b), (void *)b, "block, first byte");
	EXPECT_PAR_OK(at_s1e1w((void *)(b + BLOCK_SIZE - 8)), (void *)(b + BLOCK_SIZE - 8),
		      "block, last word");
}

/*
 * A block mapped through the table library at TEST_VA, read-only, as an
 * alias of an aligned block of RAM (the one holding the image when it fits
 * in a bank): AT S1E1R gives base + offset across the whole block, AT S1E1W
 * a permission fault at level 2, and a word of the image reads the same
 * through the alias.
 */
KTEST(mmu_block_alias_translates)
{
	paddr_t b = ALIGN_DOWN((paddr_t)&ro_word, BLOCK_SIZE);
	const struct bootinfo *bi = boot_info();
	const volatile uint32_t *alias;
	bool in_ram = false;
	int level = -1;

	for (size_t i = 0; i < bi->nmem; i++)
		in_ram |= b >= bi->mem[i].base &&
			  b + BLOCK_SIZE <= bi->mem[i].base + bi->mem[i].size;
	if (!in_ram)
		b = block_in_ram(false);
	if (!b) {
		ktest_skip("no RAM bank holds a whole %llu MiB block",
			   (unsigned long long)(BLOCK_SIZE >> 20));
		return;
	}
	KASSERT_EQ(pgt_map(&kernel_pgt, TEST_VA, b, BLOCK_SIZE, MM_READ, 0), 0);
	KEXPECT_EQ(pgt_lookup(&kernel_pgt, TEST_VA, NULL, NULL, &level), 0);
	KEXPECT_EQ(level, BLOCK_LEVEL);
	for (uint64_t off = 0; off < BLOCK_SIZE; off += BLOCK_SIZE / 8) {
		uint64_t par = at_s1e1r((void *)(TEST_VA + off));

		KEXPECT_EQ(par & PAR_F, 0);
		KEXPECT_EQ(par & PAR_PA, b + off);
	}
	EXPECT_PAR_FAULT(at_s1e1w((void *)TEST_VA), (void *)TEST_VA, FSC_PERMISSION,
			 "read-only block, write");
	if (in_ram) {
		alias = (const volatile uint32_t *)(TEST_VA + ((paddr_t)&ro_word - b));
		KEXPECT_EQ(*alias, 0x0badf00d);
	}
	KEXPECT_EQ(pgt_unmap(&kernel_pgt, TEST_VA, BLOCK_SIZE, NULL, NULL), 0);
	EXPECT_PAR_FAULT(at_s1e1r((void *)TEST_VA), (void *)TEST_VA, FSC_TRANSLATION,
			 "unmapped block");
}

/*
 * /reserved-memory regions with "no-map" are out of the linear map (as in
 * Linux), so nothing, not even a speculative cacheable access, reaches
 * them; other reserved ranges stay mapped. Vacuous on trees without
 * no-map: the dtb-nomap expect case boots one with run=tests.
 */
KTEST(mmu_nomap_unmapped)
{
	const struct bootinfo *bi = boot_info();

	for (size_t i = 0; i < bi->nnomap; i++) {
		paddr_t first = ALIGN_DOWN(bi->nomap[i].base, PAGE_SIZE);
		paddr_t last = ALIGN_DOWN(bi->nomap[i].base + bi->nomap[i].size - 1, PAGE_SIZE);
		const void *va[] = { (const void *)first, (const void *)last };

		for (size_t k = 0; k < ARRAY_SIZE(va); k++) {
			EXPECT_PAR_FAULT(at_s1e1r(va[k]), va[k], FSC_TRANSLATION, "no-map, read");
			KEXPECT_EQ(pgt_lookup(&kernel_pgt, (vaddr_t)va[k], NULL, NULL, NULL),
				   -ENOENT);
		}
		/* The page below is RAM as usual (when a bank's, not no-map). */
		bool below_nomap = false;

		for (size_t j = 0; j < bi->nnomap; j++)
			below_nomap |= first - PAGE_SIZE < bi->nomap[j].base + bi->nomap[j].size &&
				       first > bi->nomap[j].base;
		if (first >= 2 * PAGE_SIZE && !below_nomap)
			for (size_t b = 0; b < bi->nmem; b++)
				if (first - PAGE_SIZE >= bi->mem[b].base &&
				    first < bi->mem[b].base + bi->mem[b].size)
					EXPECT_PAR_OK(at_s1e1r((const void *)(first - PAGE_SIZE)),
						      (const void *)(first - PAGE_SIZE),
						      "page below no-map");
	}
	ktest_note("%zu no-map range%s checked unmapped", bi->nnomap,
		   bi->nnomap == 1 ? "" : "s");
}
