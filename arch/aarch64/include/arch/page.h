/*
 * The AArch64 translation granule: the one definition every page-table size
 * derives from (mm/geometry.h derives the rest, as TF-A derives
 * XLAT_ADDR_SHIFT(level) from PAGE_SIZE_SHIFT). Plain #defines: assembly
 * includes this file too.
 *
 * GRANULE_SHIFT is the build's choice of granule, log2 of its size: 12
 * (4 KiB), 14 (16 KiB) or 16 (64 KiB), the three of VMSAv8-64 (Arm ARM
 * DDI0487 K.a D8.2 "Translation process", TCR_EL1.TG0), given by the
 * Makefile's GRANULE=4k|16k|64k (docs/granule.md). The headers derive every
 * size from it. ARCH_VA_BITS is the size of the TTBR0_EL1 region (TCR_EL1.T0SZ =
 * 64 - ARCH_VA_BITS).
 */
#ifndef ARCH_AARCH64_PAGE_H
#define ARCH_AARCH64_PAGE_H

#ifndef GRANULE_SHIFT
#define GRANULE_SHIFT 12
#endif
#if GRANULE_SHIFT != 12 && GRANULE_SHIFT != 14 && GRANULE_SHIFT != 16
#error "GRANULE_SHIFT must be 12 (4 KiB), 14 (16 KiB) or 16 (64 KiB)"
#endif

#define ARCH_PAGE_SHIFT GRANULE_SHIFT
#define ARCH_VA_BITS 48

/*
 * The contiguous range of the last level (Arm ARM DDI0487 K.a D8.6.1 "The
 * Contiguous bit"): the number of adjacent page entries that, all with the
 * Contiguous bit set, consistent attributes and one naturally aligned
 * output run, may be cached as one TLB entry:
 *
 *   granule  entries  range
 *   4 KiB       16    64 KiB    (log2 entries = 4)
 *   16 KiB     128     2 MiB    (7)
 *   64 KiB      32     2 MiB    (5)
 */
#define CONT_PTE_BITS (ARCH_PAGE_SHIFT == 12 ? 4 : ARCH_PAGE_SHIFT == 14 ? 7 : 5)

#endif
