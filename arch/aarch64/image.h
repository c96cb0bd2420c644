/*
 * The kernel image's layout, from boot/linker.ld. Each symbol is an address
 * (use the array, never its contents); after self-relocation they are the
 * run-time (physical = virtual) addresses. Every one is aligned to the
 * build's page (PAGE_SIZE: 4, 16 or 64 KiB), and
 * declared so: the compiler may then access them with full-width loads even
 * under -mstrict-align.
 */
#ifndef ARCH_AARCH64_IMAGE_H
#define ARCH_AARCH64_IMAGE_H

#include "lib/types.h"
#include "mm/geometry.h"

#define IMAGE_SYMBOL(name) extern char name[] __attribute__((aligned(PAGE_SIZE)))

IMAGE_SYMBOL(__image_start);
IMAGE_SYMBOL(__image_end);
IMAGE_SYMBOL(__text_start);
IMAGE_SYMBOL(__text_end);
IMAGE_SYMBOL(__rodata_start);
IMAGE_SYMBOL(__rodata_end);
IMAGE_SYMBOL(__data_start);
IMAGE_SYMBOL(__data_end);
IMAGE_SYMBOL(__bss_start);
IMAGE_SYMBOL(__bss_end);
IMAGE_SYMBOL(__stack_guard);   /* unmapped page below the kernel stack */
IMAGE_SYMBOL(__stack_bottom);
IMAGE_SYMBOL(__stack_top);
IMAGE_SYMBOL(__exc_guard);     /* unmapped page below the exception stack */
IMAGE_SYMBOL(__exc_stack_bottom);
IMAGE_SYMBOL(__exc_stack_top);

#endif
