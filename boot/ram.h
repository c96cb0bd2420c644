/*
 * RAM banks from the device tree, checked before the page allocator and the
 * MMU use them (MMU off, so a probe that nothing answers is an external
 * abort, caught).
 */
#ifndef BOOT_RAM_H
#define BOOT_RAM_H

#include "lib/dt.h"

/*
 * ram_check: drop or trim the unusable banks of bi->mem, one console line
 * per bank touched: beyond the PA size (ID_AA64MMFR0_EL1.PARange, and 48
 * bits, the kernel's VA size), less than a page once aligned to pages,
 * overlapping an earlier bank, claimed by a device (the board's device
 * windows, a node's "reg", a PCI bridge's windows: cut out, never probed;
 * the pieces between become banks of their own),
 * or not RAM (a word at every stride of the bank must keep two patterns
 * written to it: the bank ends at the first that does not). The probe
 * never writes the kernel image, the blob at dtb, the tree's reserved
 * ranges or a spin-table release page. Returns 0, or -EINVAL with *why set
 * when no bank is left.
 */
int ram_check(struct bootinfo *bi, paddr_t dtb, const char **why);

/* ram_claimed: whether [base, base + size) overlaps a bank as the tree
 * claimed it (before ram_check cut or dropped anything). */
bool ram_claimed(uint64_t base, uint64_t size);

/* ram_contains: whether [base, base + size) lies inside one bank of bi. */
bool ram_contains(const struct bootinfo *bi, uint64_t base, uint64_t size);

#endif
