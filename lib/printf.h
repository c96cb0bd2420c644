/*
 * printf-style formatting (k-prefixed so host tests can link beside libc): %d %i %u %x %X %o %c %s %p %% with flags
 * (- 0 + space #), width and precision (also *), and length modifiers
 * hh h l ll z t j. No floating point (the kernel has none).
 */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H

#include <stdarg.h>
#include "lib/types.h"

/* kvsnprintf: format into buf (always NUL-terminated if size > 0); returns the
 * length the full output would have had. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* ksnprintf: as kvsnprintf. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* kprintf: format to the console (buffered per call, written whole). */
int kprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* kvprintf: as kprintf. */
int kvprintf(const char *fmt, va_list ap);

/* info: kprintf with the "faultline: " prefix and a newline added. */
void info(const char *fmt, ...) PRINTF_LIKE(1, 2);

#endif
