/*
 * Memory and string functions (the kernel's own; the host uses libc's), and
 * small parsers shared by the device-tree and command-line code.
 *
 * The compiler emits calls to memset, memcpy and memmove by itself (struct
 * copies, zero initialisers), so those keep exactly the C library's names and
 * contracts.
 */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include "lib/types.h"

#ifdef FAULTLINE_HOST
#include <string.h>
#else
void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
#endif

/*
 * parse_u64: parse exactly the `len` characters at s as an unsigned number,
 * decimal or "0x"-prefixed hexadecimal. Returns 0, -EINVAL (empty, a stray
 * character) or -ERANGE (does not fit in 64 bits); *out is set only on 0.
 */
int parse_u64(const char *s, size_t len, uint64_t *out);

#endif
