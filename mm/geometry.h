/*
 * Page-table geometry, all derived from the arch's one definition in
 * <arch/page.h>: the page (granule) shift ARCH_PAGE_SHIFT and the VA size
 * ARCH_VA_BITS (Arm ARM DDI0487 K.a D8.2 "Translation process": a table is
 * one granule of 8-byte descriptors, so each level resolves PAGE_SHIFT - 3
 * bits of VA; the last level is 3 whatever the granule; the first, the root,
 * is the one that resolves the VA's top bits).
 *
 *   granule  bits/level  level:  0      1      2      3   offset  root level
 *   4 KiB        9              47..39 38..30 29..21 20..12 11..0      0
 *   16 KiB      11              47     46..36 35..25 24..14 13..0      0
 *   64 KiB      13                     47..42 41..29 28..16 15..0      1
 *
 * Blocks live at BLOCK_LEVEL (2): 2 MiB, 32 MiB, 512 MiB.
 */
#ifndef MM_GEOMETRY_H
#define MM_GEOMETRY_H

#include <arch/page.h>

#define PAGE_SHIFT ARCH_PAGE_SHIFT
#define PGT_VA_BITS ARCH_VA_BITS
#define PGT_LEVEL_BITS (PAGE_SHIFT - 3)  /* a table is one page of 8-byte entries */
#define PGT_LAST_LEVEL 3                 /* pages */
#define BLOCK_LEVEL 2                    /* the blocks this library maps */

/* CONT_PTE_BITS, log2 of the entries of one contiguous range: <arch/page.h>. */
#define CONT_PTE_SHIFT (PAGE_SHIFT + CONT_PTE_BITS)

/* Bits of VA below a level's index: 12, 21, 30, 39 for 4 KiB. */
#define PGT_LEVEL_SHIFT(level) (PAGE_SHIFT + PGT_LEVEL_BITS * (PGT_LAST_LEVEL - (level)))

/* The level that resolves VA bit PGT_VA_BITS - 1. */
#define PGT_ROOT_LEVEL (PGT_LAST_LEVEL - (PGT_VA_BITS - PAGE_SHIFT - 1) / PGT_LEVEL_BITS)
#define PGT_LEVELS (PGT_LAST_LEVEL - PGT_ROOT_LEVEL + 1)

#ifndef __ASSEMBLY__
#include "lib/assert.h"
#include "lib/types.h"

#define PAGE_SIZE (1ull << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PGT_PTES (1u << PGT_LEVEL_BITS) /* entries in one table */
#define BLOCK_SHIFT PGT_LEVEL_SHIFT(BLOCK_LEVEL)
#define BLOCK_SIZE (1ull << BLOCK_SHIFT)
#define CONT_PTES (1u << CONT_PTE_BITS)   /* entries in one contiguous range */
#define CONT_PTE_SIZE (1ull << CONT_PTE_SHIFT)

static_assert(PAGE_SHIFT == 12 || PAGE_SHIFT == 14 || PAGE_SHIFT == 16,
	      "a granule the Arm ARM defines: 4, 16 or 64 KiB");
static_assert(CONT_PTE_SHIFT < BLOCK_SHIFT, "a contiguous range lies inside one table");

static_assert(PGT_LEVEL_SHIFT(PGT_ROOT_LEVEL) < PGT_VA_BITS &&
	      PGT_LEVEL_SHIFT(PGT_ROOT_LEVEL) + PGT_LEVEL_BITS >= PGT_VA_BITS,
	      "the root level resolves the VA's top bits");
static_assert(PGT_ROOT_LEVEL >= 0 && PGT_ROOT_LEVEL < BLOCK_LEVEL,
	      "blocks sit below the root");

/* level_shift: log2 of the bytes one entry of `level` maps. */
static inline unsigned level_shift(int level)
{
	return PGT_LEVEL_SHIFT(level);
}

/* level_size: the bytes one entry of `level` maps. */
static inline uint64_t level_size(int level)
{
	return 1ull << level_shift(level);
}
#endif

#endif
