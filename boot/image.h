/*
 * The kernel image's layout, from boot/linker.ld. Each symbol is an address
 * (use the array, never its contents); after self-relocation they are the
 * run-time (physical = virtual) addresses.
 */
#ifndef BOOT_IMAGE_H
#define BOOT_IMAGE_H

extern char __image_start[], __image_end[];
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];
extern char __bss_start[], __bss_end[];
extern char __stack_guard[], __stack_bottom[], __stack_top[];
extern char __exc_guard[], __exc_stack_bottom[], __exc_stack_top[];

#endif
