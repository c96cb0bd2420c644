/*
 * Turning the MMU on (see mmu_boot.h). Register fields: Arm ARM DDI0487 K.a,
 * D24.2 (MAIR_EL1, TCR_EL1, TTBR0_EL1, SCTLR_EL1); the enable sequence
 * follows D8.2 ("Translation process"): tables written and visible, TLB
 * invalidated, then SCTLR_EL1.M with an ISB.
 *
 * Caches. Everything up to here was written with the MMU off, so as
 * Device-nGnRnE, straight to memory, past any line a previous boot stage
 * (firmware, U-Boot) left in the data caches for the same addresses. Once
 * SCTLR_EL1.C is set such a line would shadow memory, and the table walker
 * (TCR_EL1.IRGN0/ORGN0 = Write-Back: cacheable walks) could read a stale
 * descriptor. So, as Linux does before it turns its MMU on (dcache_inval_poc
 * over the tables and data it wrote with the MMU off), every range written
 * so is invalidated to the Point of Coherency by line first (cache.S; DDI0487
 * K.a D7, "Cache maintenance instructions"):
 *
 *   [__rodata_start, __image_end)  relocated pointers, .data, .bss, stacks
 *   the page allocator's bitmaps   carved from free RAM by page_alloc_init
 *   every table page of kernel_pgt found by walking it from the root
 *
 * then DSB SY, and the instruction cache (IC IALLU, DSB, ISB) before
 * SCTLR_EL1.I. The entry code already invalidated the image range once
 * before writing it, so no dirty line from the loader can be evicted over
 * the relocations or the BSS (booting.rst makes the loader clean the image
 * itself to the PoC). The same holds outside the image: the bitmaps
 * (page_alloc_init) and every boot table page (arch_zero_page's boot path)
 * are invalidated before their first write too (arch_inval_before_write;
 * the record is mmu_boot_inval_before), as Linux invalidates init_pg_dir
 * before it builds its early tables.
 */
#include "arch/aarch64/cache.h"
#include "arch/aarch64/image.h"
#include "arch/aarch64/mmu_boot.h"
#include "arch/aarch64/sysreg.h"
#include "lib/errno.h"
#include "lib/printf.h"

#define VA_BITS PGT_VA_BITS

/*
 * The build's granule (GRANULE=, <arch/page.h>) and what TCR_EL1 gets for
 * it (D8.2 "Translation process", D8.2.7 "Selection of the initial lookup
 * level" for a 48-bit VA, T0SZ = 16):
 *
 *   granule  TG0   TG1   levels  initial level  root entries  linear-map block
 *   4 KiB    0b00  0b10  4       0              512           2 MiB (level 2)
 *   16 KiB   0b10  0b01  4       0              2             32 MiB (level 2)
 *   64 KiB   0b01  0b11  3       1              64            512 MiB (level 2)
 *
 * These are Linux's choices with CONFIG_ARM64_VA_BITS_48. No root table is
 * concatenated (concatenation is a stage-2 feature, D8.2.8): the 16 KiB root
 * is a full granule of which only entries 0 and 1 are used, and the 64 KiB
 * level-1 root likewise uses 64 of its 8192. The output address of a block
 * or page is OA[47:n] in bits [47:n] (n = 21, 25, 29 for the level-2 blocks,
 * PAGE_SHIFT for pages): no FEAT_LPA/LPA2, so at most 48-bit PAs.
 */
static_assert(PGT_LEVELS == (PAGE_SHIFT == 16 ? 3 : 4), "levels for a 48-bit VA");
static_assert(BLOCK_SIZE == (PAGE_SHIFT == 12 ? 2ull << 20 :
			     PAGE_SHIFT == 14 ? 32ull << 20 : 512ull << 20),
	      "the linear map's level-2 blocks");

struct pgtable kernel_pgt;

static struct mmu_inval inval_done, inval_before;

/* log_inval: invalidate [start, end) to the PoC and log it in d, merged
 * with the previous range when they touch. */
static void log_inval(struct mmu_inval *d, paddr_t start, paddr_t end)
{
	struct mem_range *last = d->nrange ? &d->range[d->nrange - 1] : NULL;

	d->lines += dcache_inval_poc(start, end);
	if (last && last->base + last->size == start)
		last->size += end - start;
	else if (d->nrange < ARRAY_SIZE(d->range))
		d->range[d->nrange++] = (struct mem_range){ start, end - start };
	else
		d->overflow = true;
}

static void inval(paddr_t start, paddr_t end)
{
	log_inval(&inval_done, start, end);
}

void arch_inval_before_write(void *p, size_t len)
{
	if (read_sysreg(sctlr_el1) & SCTLR_EL1_M)
		return;
	log_inval(&inval_before, (paddr_t)p, (paddr_t)p + len);
}

const struct mmu_inval *mmu_boot_inval_before(void)
{
	return &inval_before;
}

/* inval_tables: the table at `pa` (level `level`) and every table below it. */
static void inval_tables(paddr_t pa, int level)
{
	const pte_t *t = arch_phys_to_virt(pa);

	inval(pa, pa + PAGE_SIZE);
	inval_done.table_pages++;
	if (level == PGT_LAST_LEVEL)
		return;
	for (size_t i = 0; i < PGT_PTES; i++)
		if (arch_pte_valid(t[i]) && arch_pte_is_table(t[i], level))
			inval_tables(arch_pte_addr(t[i], level), level + 1);
}

/* inval_written: everything written with the MMU off (see the top). */
static void inval_written(void)
{
	struct mem_range bitmaps;

	inval((paddr_t)__rodata_start, (paddr_t)__image_end);
	page_alloc_bitmap_range(&bitmaps);
	inval(bitmaps.base, bitmaps.base + bitmaps.size);
	inval_tables(kernel_pgt.root_pa, PGT_ROOT_LEVEL);
	inval_done.pgt_pages = pgt_table_pages(&kernel_pgt);
}

const struct mmu_inval *mmu_boot_inval(void)
{
	return &inval_done;
}

struct region {
	const char *name;
	char *start, *end;
	unsigned attrs;
};

/* map: identity-map [start, end) (page aligned) with attrs. */
static int map(paddr_t start, paddr_t end, unsigned attrs)
{
	if (end <= start)
		return 0;
	return pgt_map(&kernel_pgt, start, start, end - start, attrs, 0);
}

static const struct mem_range *nomap;
static size_t nnomap;

void mmu_set_nomap(const struct mem_range *ranges, size_t n)
{
	nomap = ranges;
	nnomap = n;
}

/*
 * map_except: map [start, end) as normal RAM minus the holes from the k-th
 * on (holes: the image, mapped finely by map_image, then the no-map
 * ranges, widened to whole pages). Each hole splits the range in two; one
 * side is empty unless the hole lies inside it, so the work stays linear.
 */
static int map_except(paddr_t start, paddr_t end, size_t k)
{
	paddr_t hs, he;
	int err;

	if (end <= start)
		return 0;
	if (k == nnomap + 1)
		return map(start, end, MM_READ | MM_WRITE);
	if (k == 0) {
		hs = (paddr_t)__image_start;
		he = (paddr_t)__image_end;
	} else {
		hs = ALIGN_DOWN(nomap[k - 1].base, PAGE_SIZE);
		he = ALIGN_UP(nomap[k - 1].base + nomap[k - 1].size, PAGE_SIZE);
	}
	err = map_except(start, MIN(end, hs), k + 1);
	if (!err)
		err = map_except(MAX(start, he), end, k + 1);
	return err;
}

/* map_bank: a RAM bank minus the image and the no-map ranges. */
static int map_bank(const struct mem_range *b)
{
	paddr_t start = ALIGN_UP(b->base, PAGE_SIZE);
	paddr_t end = ALIGN_DOWN(b->base + b->size, PAGE_SIZE);

	start = MAX(start, PAGE_SIZE); /* page 0 stays unmapped: NULL faults */
	return map_except(start, end, 0);
}

static int map_image(const char **why)
{
	const struct region regions[] = {
		{ "text", __text_start, __text_end, MM_READ | MM_EXEC },
		{ "rodata", __rodata_start, __rodata_end, MM_READ },
		{ "data", __data_start, __data_end, MM_READ | MM_WRITE },
		{ "bss", __bss_start, __bss_end, MM_READ | MM_WRITE },
		{ "stack", __stack_bottom, __stack_top, MM_READ | MM_WRITE },
		{ "exception stack", __exc_stack_bottom, __exc_stack_top,
		  MM_READ | MM_WRITE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(regions); i++) {
		const struct region *r = &regions[i];
		int err = map((paddr_t)r->start, (paddr_t)r->end, r->attrs);

		if (err) {
			*why = r->name;
			return err;
		}
	}
	return 0;
}

/* TCR_EL1 for 48-bit VAs through TTBR0 only, the build's granule, write-back
 * inner-shareable walks, IPS = the implemented PA size (at most 48 bits). */
static uint64_t tcr_value(void)
{
	unsigned parange = sysreg_field(read_sysreg(id_aa64mmfr0_el1),
					ID_AA64MMFR0_PARange_SHIFT, 4);

	parange = MIN(parange, ID_AA64MMFR0_PARange_48);
	return ((uint64_t)(64 - VA_BITS) << TCR_EL1_T0SZ_SHIFT) |
	       TCR_EL1_IRGN0_WBWA | TCR_EL1_ORGN0_WBWA | TCR_EL1_SH0_INNER |
	       TCR_EL1_TG0_GRANULE | ((uint64_t)(64 - VA_BITS) << TCR_EL1_T1SZ_SHIFT) |
	       TCR_EL1_EPD1 | TCR_EL1_TG1_GRANULE | ((uint64_t)parange << TCR_EL1_IPS_SHIFT);
}

void mmu_enable_this_cpu(void)
{
	uint64_t sctlr = read_sysreg(sctlr_el1);

	write_sysreg(mair_el1, MAIR_EL1_VALUE);
	write_sysreg(tcr_el1, tcr_value());
	write_sysreg(ttbr0_el1, kernel_pgt.root_pa);
	inval_written(); /* ends with DSB SY: the table writes are complete too */
	__asm__ volatile("tlbi vmalle1\n\t" /* nothing stale from the loader */
			 "dsb nsh" ::: "memory");
	icache_inval_all();
	sctlr &= ~SCTLR_EL1_A;
	sctlr |= SCTLR_EL1_M | SCTLR_EL1_C | SCTLR_EL1_I | SCTLR_EL1_WXN |
		 SCTLR_EL1_SA | SCTLR_EL1_SA0;
	write_sysreg(sctlr_el1, sctlr);
	isb();
}

const char *mmu_granule_name(void)
{
	return PAGE_SHIFT == 12 ? "4k" : PAGE_SHIFT == 14 ? "16k" : "64k";
}

bool mmu_granule_supported(uint64_t mmfr0, const char **why)
{
	static char reason[80];
	unsigned shift, ni;
	const char *field;

	switch (PAGE_SHIFT) {
	case 12:
		shift = ID_AA64MMFR0_TGran4_SHIFT, ni = ID_AA64MMFR0_TGran4_NI;
		field = "TGran4";
		break;
	case 14:
		shift = ID_AA64MMFR0_TGran16_SHIFT, ni = ID_AA64MMFR0_TGran16_NI;
		field = "TGran16";
		break;
	default:
		shift = ID_AA64MMFR0_TGran64_SHIFT, ni = ID_AA64MMFR0_TGran64_NI;
		field = "TGran64";
		break;
	}
	if (sysreg_field(mmfr0, shift, 4) != ni)
		return true;
	ksnprintf(reason, sizeof(reason),
		  "CPU has no %llu KiB translation granule (ID_AA64MMFR0_EL1.%s=%u)",
		  (unsigned long long)(PAGE_SIZE >> 10), field, ni);
	*why = reason;
	return false;
}

int mmu_build_tables(const struct mem_range *banks, size_t nbanks, paddr_t mmio,
		     const char **why)
{
	int err;

	if (!mmu_granule_supported(read_sysreg(id_aa64mmfr0_el1), why))
		return -ENOTSUP;
	err = pgt_init(&kernel_pgt);
	if (err) {
		*why = "root table";
		return err;
	}
	for (size_t i = 0; i < nbanks; i++) {
		err = map_bank(&banks[i]);
		if (err) {
			*why = "RAM bank";
			return err;
		}
	}
	err = map_image(why);
	if (err)
		return err;
	err = map(mmio, mmio + PAGE_SIZE, MM_READ | MM_WRITE | MM_DEVICE);
	if (err) {
		*why = "console UART";
		return err;
	}
	return 0;
}

int mmu_map_device(paddr_t base, uint64_t size)
{
	paddr_t start = ALIGN_DOWN(base, PAGE_SIZE), end;
	int err;

	if (!size || base + size < base)
		return -EINVAL;
	end = ALIGN_UP(base + size, PAGE_SIZE);
	err = map(start, end, MM_READ | MM_WRITE | MM_DEVICE);
	/* the new entries visible to this CPU's walker before its first access */
	__asm__ volatile("dsb ishst\n\tisb" ::: "memory");
	return err;
}

int mmu_unmap_device(paddr_t base, uint64_t size)
{
	paddr_t start = ALIGN_DOWN(base, PAGE_SIZE);

	if (!size || base + size < base)
		return -EINVAL;
	return pgt_unmap(&kernel_pgt, start, ALIGN_UP(base + size, PAGE_SIZE) - start, NULL, NULL);
}

int mmu_init(const struct mem_range *banks, size_t nbanks, paddr_t mmio,
	     const char **why)
{
	int err = mmu_build_tables(banks, nbanks, mmio, why);

	if (!err)
		mmu_enable_this_cpu();
	return err;
}
