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

#endif
