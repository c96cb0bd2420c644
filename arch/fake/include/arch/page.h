/*
 * The fake MMU's translation granule (see mm/geometry.h): 4 KiB unless the
 * build says -DFAKE_GRANULE_SHIFT=14 (16 KiB) or 16 (64 KiB). The unit tests
 * of mm/ are built with each, so a 4 KiB assumption left in portable code
 * fails on the host.
 */
#ifndef ARCH_FAKE_PAGE_H
#define ARCH_FAKE_PAGE_H

#ifndef FAKE_GRANULE_SHIFT
#define FAKE_GRANULE_SHIFT 12
#endif
#if FAKE_GRANULE_SHIFT != 12 && FAKE_GRANULE_SHIFT != 14 && FAKE_GRANULE_SHIFT != 16
#error "FAKE_GRANULE_SHIFT must be 12, 14 or 16"
#endif

#define ARCH_PAGE_SHIFT FAKE_GRANULE_SHIFT
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
