/*
 * AArch64 stage-1 translation: VMSAv8-64 descriptors for the granule of
 * <arch/page.h> (n = PAGE_SHIFT below; mm/geometry.h has the sizes),
 * the MAIR_EL1 attribute indexes, and TLB maintenance. This is the aarch64
 * side of the arch seam described in mm/arch.h.
 *
 * Field names are those of the Arm Architecture Reference Manual, DDI0487:
 * "VMSAv8-64 translation table format descriptors" (section D5.3 in
 * editions F-H, D8.3 "Translation table descriptor formats" in K.a).
 *
 * faultline runs everything at EL1 in one address space: kernel RAM and the
 * VMAs of the benchmarks are all EL1 mappings through TTBR0_EL1. AP[2:1]
 * selects read/write or read-only at EL1 (AP[1] = 0: no EL0 access), PXN
 * forbids execution at EL1, UXN is always set, AF is set on every entry
 * created (no Access flag faults), nG = 0 (global: no ASIDs are used;
 * docs/linux.md says why).
 */
#ifndef ARCH_AARCH64_MMU_H
#define ARCH_AARCH64_MMU_H

#include "lib/assert.h"
#include "lib/types.h"
#include <arch/atomic.h>
#include "mm/arch.h" /* MM_* (it includes this file back; the guard stops it) */
#include "mm/geometry.h"

typedef uint64_t pte_t;

/*
 * Bits [1:0] of every descriptor, at every level:
 *   x0      invalid (all other bits ignored; faultline writes 0, or a kept
 *           entry: see PTE_PROT_NONE)
 *   01      block   (level 1: 1 GiB, level 2: 2 MiB; reserved at level 3)
 *   11      table   (levels 0-2) / page (level 3)
 */
#define DESC_VALID BIT(0)
#define DESC_TABLE BIT(1) /* "table" at levels 0-2, "page" at level 3 */
#define DESC_TYPE_MASK (DESC_VALID | DESC_TABLE)

/*
 * Table descriptor, levels 0-2:
 *
 *   63      62..61   60        59        58..52  51..48  47..............p  p-1..2  1 0
 *  |NSTable|APTable|UXNTable|PXNTable|ignored| RES0  | next-level table  |ignored|1|1|
 *
 *  p = PAGE_SHIFT: 12, 14 or 16 (a table is one granule, so aligned to it;
 *  48-bit output addresses, no FEAT_LPA/LPA2).
 *
 * faultline leaves the hierarchical controls at 0 (no restriction), so the
 * leaf entries alone decide permissions.
 */
#define TABLE_NSTable BIT(63)
#define TABLE_APTable GENMASK(62, 61)
#define TABLE_UXNTable BIT(60)
#define TABLE_PXNTable BIT(59)
#define TABLE_ADDR GENMASK(47, PAGE_SHIFT) /* next-level table address */

/*
 * Block (levels 1, 2) and page (level 3) descriptor:
 *
 *   63  62..59 58..55  54  53   52   51  50  49..48 47......n n-1..p  p-1..12  11 10  9..8  7..6  5   4..2   1 0
 *  |ig | PBHA |  SW  |UXN|PXN|Cont|DBM|GP| RES0 |    OA    |  RES0  |ignored|nG|AF| SH  | AP |NS|AttrIndx|t|1|
 *   \______________ upper attributes _____________/                             \____ lower attributes ____/
 *
 *  n = level_shift(level): 30/21/12 (level-1 block, level-2 block, page) with
 *  4 KiB; p = PAGE_SHIFT (bits [p-1:12] exist only with 16K and 64K, where
 *  they are RES0 or ignored); t = 0 block, 1 page.
 *  AP[7:6] is AP[2:1]: 00 read/write at EL1, 10 read-only at EL1 (EL0: none).
 *  SH[9:8]: 00 Non-shareable, 10 Outer Shareable, 11 Inner Shareable.
 *  SW = reserved for software use; GP (FEAT_BTI) and DBM (FEAT_HAFDBS) stay 0.
 */
#define ATTR_AttrIndx_SHIFT 2
#define ATTR_AttrIndx GENMASK(4, 2)
#define ATTR_NS BIT(5)
#define ATTR_AP GENMASK(7, 6)
#define ATTR_AP_RW_EL1 (0ull << 6) /* AP[2:1] = 00 */
#define ATTR_AP_RO_EL1 (2ull << 6) /* AP[2:1] = 10 */
#define ATTR_SH GENMASK(9, 8)
#define ATTR_SH_INNER (3ull << 8)
#define ATTR_AF BIT(10)
#define ATTR_nG BIT(11)
#define ATTR_OA GENMASK(47, PAGE_SHIFT) /* output address, bits below n RES0 */
#define ATTR_DBM BIT(51)
#define ATTR_Contiguous BIT(52)
#define ATTR_PXN BIT(53)
#define ATTR_UXN BIT(54)

/*
 * Kept entry (mm/arch.h; Linux's PTE_PROT_NONE), any leaf level. For an
 * invalid descriptor (bit[0] = 0) the hardware ignores every other bit
 * (DDI0487 K.a D8.3 "Translation table descriptor formats"), so a kept entry
 * faults on every access and is never cached in a TLB, yet still holds the
 * leaf's output address and type bit, and a software marker in bit[58]:
 *
 *   63..59  58         57..48  47......n n-1..12  11..2  1  0
 *  |  0   |PROT_NONE|   0    |    OA    |   0   |  0   | t| 0|
 *
 *  n and t as in the block/page descriptor above (t = 1 at level 3).
 */
#define PTE_PROT_NONE BIT(58)

/*
 * MAIR_EL1: eight 8-bit memory attributes, AttrIndx selects one (Arm ARM,
 * MAIR_EL1 register description). Attr<n> = MAIR_EL1[8n+7:8n].
 *   0xff  Normal, Outer and Inner Write-Back Non-transient, Read-Allocate,
 *         Write-Allocate (mapped Inner Shareable by SH)
 *   0x04  Device-nGnRE
 */
#define MT_NORMAL 0      /* AttrIndx of RAM */
#define MT_DEVICE_nGnRE 1 /* AttrIndx of MMIO */
#define MAIR_ATTR_NORMAL_WB 0xffull
#define MAIR_ATTR_DEVICE_nGnRE 0x04ull
#define MAIR_ATTR(attr, idx) ((attr) << (8 * (idx)))
#define MAIR_EL1_VALUE \
	(MAIR_ATTR(MAIR_ATTR_NORMAL_WB, MT_NORMAL) | \
	 MAIR_ATTR(MAIR_ATTR_DEVICE_nGnRE, MT_DEVICE_nGnRE))

static_assert(MAIR_EL1_VALUE == 0x04ff, "Attr0 Normal WB RAWA, Attr1 Device-nGnRE");

/* arch_pte_table: a table descriptor for the next-level table at pa. */
static inline pte_t arch_pte_table(paddr_t table)
{
	return (table & TABLE_ADDR) | DESC_TABLE | DESC_VALID;
}

/*
 * arch_pte_leaf: a page (level 3) or block (levels 1, 2) descriptor for pa
 * with MM_* attrs. MM_EXEC clears PXN; everything else is never-execute.
 * MM_NONE gives the kept (invalid) entry instead.
 */
static inline pte_t arch_pte_leaf(paddr_t pa, unsigned attrs, int level)
{
	pte_t e = (pa & ATTR_OA) | (level == PGT_LAST_LEVEL ? DESC_TABLE : 0);

	if (attrs & MM_NONE)
		return e | PTE_PROT_NONE;
	e |= ATTR_AF | ATTR_UXN | DESC_VALID;
	e |= attrs & MM_WRITE ? ATTR_AP_RW_EL1 : ATTR_AP_RO_EL1;
	e |= attrs & MM_EXEC ? 0 : ATTR_PXN;
	e |= attrs & MM_CONT ? ATTR_Contiguous : 0; /* D8.6.1 */
	if (attrs & MM_DEVICE)
		e |= (pte_t)MT_DEVICE_nGnRE << ATTR_AttrIndx_SHIFT | ATTR_PXN;
	else
		e |= (pte_t)MT_NORMAL << ATTR_AttrIndx_SHIFT | ATTR_SH_INNER;
	return e;
}

/*
 * arch_pte_mkinvalid: the valid leaf e made invalid with every other bit
 * kept, and the kept marker set (so it is present, and arch_pte_addr works):
 * what an unmap or protect leaves in a slot until its TLB flush (Linux's
 * pte_mkinvalid). arch_pte_mkvalid: such an entry made valid again.
 */
static inline pte_t arch_pte_mkinvalid(pte_t e)
{
	return (e & ~(pte_t)DESC_VALID) | PTE_PROT_NONE;
}

static inline pte_t arch_pte_mkvalid(pte_t e)
{
	return (e & ~(pte_t)PTE_PROT_NONE) | DESC_VALID;
}

/* arch_pte_valid: whether the walker uses this entry. */
static inline bool arch_pte_valid(pte_t e)
{
	return e & DESC_VALID;
}

/* arch_pte_present: whether e is a valid entry or a kept one. */
static inline bool arch_pte_present(pte_t e)
{
	return e & (DESC_VALID | PTE_PROT_NONE);
}

/* arch_pte_is_table: whether e, found at `level`, points to a next-level table. */
static inline bool arch_pte_is_table(pte_t e, int level)
{
	return level < PGT_LAST_LEVEL && (e & DESC_TYPE_MASK) == (DESC_TABLE | DESC_VALID);
}

/* arch_pte_addr: the next-level table (table) or output address (leaf) of e. */
static inline paddr_t arch_pte_addr(pte_t e, int level)
{
	if (e & DESC_TABLE)
		return e & ATTR_OA;
	return e & ATTR_OA & ~(level_size(level) - 1);
}

/* arch_pte_table_addr: the next-level table of a table entry (the walk's fast path). */
static inline paddr_t arch_pte_table_addr(pte_t e)
{
	return e & TABLE_ADDR;
}

/* arch_pte_attrs: the MM_* attributes of a present leaf entry. */
static inline unsigned arch_pte_attrs(pte_t e, int level)
{
	unsigned attrs = MM_READ;

	if (unlikely(!(e & DESC_VALID)))
		return MM_NONE;

	if ((e & ATTR_AP) == ATTR_AP_RW_EL1)
		attrs |= MM_WRITE;
	if (!(e & ATTR_PXN))
		attrs |= MM_EXEC;
	if (((e & ATTR_AttrIndx) >> ATTR_AttrIndx_SHIFT) == MT_DEVICE_nGnRE)
		attrs |= MM_DEVICE;
	if (e & ATTR_Contiguous)
		attrs |= MM_CONT;
	return attrs;
}

/*
 * arch_pte_set: store an entry, with no barrier: one of a batch that
 * arch_pte_publish() (or a TLB operation, which begins with DSB ISHST)
 * makes visible to the walker as a whole. A 1 MiB folio pays one barrier,
 * not 256, and its DC ZVAs are not waited for entry by entry.
 */
static inline void arch_pte_set(pte_t *slot, pte_t v)
{
	__asm__ volatile("str %1, %0" : "=m"(*slot) : "r"(v) : "memory");
}

/*
 * arch_pte_read: load an entry once (Linux's READ_ONCE/ptep_get): other
 * CPUs' faults change entries by compare-and-swap while this one walks.
 * A table's contents are read after its entry by address dependency, which
 * orders them (the table was zeroed before a release published it).
 */
static inline pte_t arch_pte_read(const pte_t *slot)
{
	return *(const volatile pte_t *)slot;
}

/*
 * arch_pte_cmpxchg: if *slot == *old, store v and return true; else return
 * false with the entry seen in *old. Fully ordered (CASAL, or LDAXR/STLXR:
 * <arch/atomic.h>); like arch_pte_set it has no DSB, so the walker is sure
 * to see v only after arch_pte_publish().
 */
static inline bool arch_pte_cmpxchg(pte_t *slot, pte_t *old, pte_t v)
{
	return arch_cmpxchg(slot, old, v);
}

/*
 * ARCH_PTE_BUSY: the entry a fault leaves in a slot while it changes it
 * (between a break and the make of break-before-make, or while it claims a
 * folio's empty slots): invalid (bit[0] 0), so the MMU faults on it and no
 * TLB caches it, neither 0 nor kept (bit[58] 0), so a compare-and-swap
 * from empty fails on it and a fault that meets it just returns (the
 * access faults again once the owner has written the entry). Bit[57] is
 * ignored by the walker in an invalid descriptor.
 */
#define ARCH_PTE_BUSY BIT(57)

/* arch_pte_publish: the entries stored so far are seen by the walker (DSB ISHST). */
static inline void arch_pte_publish(void)
{
	__asm__ volatile("dsb ishst" ::: "memory");
}

/*
 * arch_pte_write: store an entry and make it visible to the table walker
 * (DSB ISHST). No ISB: the ERET that ends a fault is context synchronising,
 * and arch_pte_sync() provides one for other callers.
 */
static inline void arch_pte_write(pte_t *slot, pte_t v)
{
	__asm__ volatile("str %1, %0\n\tdsb ishst" : "=m"(*slot) : "r"(v) : "memory");
}

/*
 * arch_pte_write_table: link a table that was just zeroed or filled. The
 * DMB ISHST orders the table's contents before the descriptor, so that not
 * even a speculative walk can see the link and then stale entries.
 */
static inline void arch_pte_write_table(pte_t *slot, pte_t v)
{
	__asm__ volatile("dmb ishst\n\tstr %1, %0\n\tdsb ishst"
			 : "=m"(*slot) : "r"(v) : "memory");
}

/* arch_pte_sync: later instructions translate with every entry written so far. */
static inline void arch_pte_sync(void)
{
	__asm__ volatile("dsb ishst\n\tisb" ::: "memory");
}

/*
 * TLB maintenance (Arm ARM "TLB maintenance instructions"; the sequence is
 * the one of "Using break-before-make when updating translation table
 * entries"): DSB ISHST so the invalid entry is seen by the walkers, TLBI
 * by VA, DSB ISH to wait for completion, ISB so that later instructions
 * see the effect. Two kinds, as Linux's TLBF_NOWALKCACHE distinction:
 *   TLBI VALE1IS  a leaf changed (copy-on-write, upgrade, protect, unmap
 *                 of pages): drops the leaf only, the walk cache stays;
 *   TLBI VAE1IS   a table was freed or replaced (a block split, an
 *                 emptied table): drops the cached walks through it too.
 * A fix of this CPU's own stale entry (spurious or Access flag fault) is
 * local: TLBI VALE1 and DSB NSH, no broadcast.
 *
 * The operand (Arm ARM "TLBI VAE1IS"):
 *
 *   63..48  47..44  43...............................0
 *  | ASID  |  TTL  |           VA[55:12]             |
 *
 * VA[55:12] whatever the granule, so the shift is 12, not PAGE_SHIFT (as
 * Linux's __TLBI_VADDR); with 16K and 64K the field's bits below the
 * granule (VA[13:12], VA[15:12]) are RES0 and are cleared here. ASID 0
 * matches our global entries; TTL 0 gives no level hint.
 */
#define TLBI_VA_SHIFT 12
#define ARCH_TLBI_VA(va) \
	((((va) & ~(vaddr_t)(PAGE_SIZE - 1)) >> TLBI_VA_SHIFT) & GENMASK(43, 0))
static_assert(ARCH_TLBI_VA(0x0000fedcba987000ull) == 0xfedcba987ull >> (PAGE_SHIFT - 12)
	      << (PAGE_SHIFT - 12) &&
	      ARCH_TLBI_VA(BIT(PAGE_SHIFT)) == BIT(PAGE_SHIFT - 12) &&
	      ARCH_TLBI_VA(BIT(PAGE_SHIFT) - 1) == 0 &&
	      ARCH_TLBI_VA(0x0000fedcba987654ull | (PAGE_SIZE - 1)) ==
		      ARCH_TLBI_VA(0x0000fedcba987654ull & ~(PAGE_SIZE - 1)),
	      "TLBI operand is VA[55:12], the bits below the granule clear");

/*
 * One TLBI by VA with the barriers of its shareability domain `dom` ("ish"
 * for a broadcast, "nsh" for this CPU): DSB <dom>ST so the walkers see the
 * entry written, the TLBI, DSB <dom> so it is complete, ISB.
 */
#define ARCH_TLBI_VA_SYNC(op, dom, va)						\
	__asm__ volatile("dsb " dom "st\n\t"					\
			 "tlbi " op ", %0\n\t"					\
			 "dsb " dom "\n\t"						\
			 "isb"								\
			 :: "r"(ARCH_TLBI_VA(va)) : "memory")

/* arch_tlb_flush_page: drop every TLB entry (leaf or walk) for va (TLBI VAE1IS). */
static inline void arch_tlb_flush_page(vaddr_t va)
{
	ARCH_TLBI_VA_SYNC("vae1is", "ish", va);
}

/* arch_tlb_flush_leaf: drop the leaf entry for va on every CPU (TLBI VALE1IS). */
static inline void arch_tlb_flush_leaf(vaddr_t va)
{
	ARCH_TLBI_VA_SYNC("vale1is", "ish", va);
}

/*
 * arch_tlb_flush_leaf_local: drop this CPU's leaf entry for va (TLBI VALE1,
 * DSB NSH): a spurious or Access flag fault fixed for this CPU only.
 */
static inline void arch_tlb_flush_leaf_local(vaddr_t va)
{
	ARCH_TLBI_VA_SYNC("vale1", "nsh", va);
}

/* arch_tlb_flush_all: drop every EL1&0 TLB entry (TLBI VMALLE1IS). */
static inline void arch_tlb_flush_all(void)
{
	__asm__ volatile("dsb ishst\n\t"
			 "tlbi vmalle1is\n\t"
			 "dsb ish\n\t"
			 "isb" ::: "memory");
}

/*
 * arch_tlb_flush_leaves: drop the TLB entries of [va, end) whose leaves are
 * 1 << shift bytes, one TLBI per leaf (VALE1IS, or VAE1IS when `walks`:
 * tables were freed) between one DSB ISHST and one DSB ISH + ISB. In
 * arch/aarch64/tlb.c; pgt_flush_range (mm/pgtable.c) decides when to use it.
 */
void arch_tlb_flush_leaves(vaddr_t va, vaddr_t end, unsigned shift, bool walks);

/*
 * arch_sync_exec: [pa, pa + len), written as data (through the identity
 * map), is about to be mapped executable: clean the D-cache to the Point of
 * Unification, invalidate the I-cache (DC CVAU, DSB ISH, IC IVAU, DSB ISH,
 * ISB; cache.S).
 */
void icache_sync_range(uintptr_t start, uintptr_t end);
static inline void arch_sync_exec(paddr_t pa, size_t len)
{
	icache_sync_range((uintptr_t)pa, (uintptr_t)(pa + len));
}

/* arch_phys_to_virt: RAM is identity mapped. */
static inline void *arch_phys_to_virt(paddr_t pa)
{
	return (void *)(uintptr_t)pa;
}

/* arch_virt_to_phys: the inverse of arch_phys_to_virt. */
static inline paddr_t arch_virt_to_phys(const void *va)
{
	return (paddr_t)(uintptr_t)va;
}

#endif
