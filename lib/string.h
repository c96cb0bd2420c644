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
/* memset: fill n bytes at dst with the byte c; returns dst. */
void *memset(void *dst, int c, size_t n);
/* memcpy: copy n bytes from src to dst, which must not overlap; returns dst. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
/* memmove: copy n bytes from src to dst, which may overlap; returns dst. */
void *memmove(void *dst, const void *src, size_t n);
/* memcmp: <0, 0 or >0 as the first differing byte (unsigned) of a is less, none, greater. */
int memcmp(const void *a, const void *b, size_t n);
/* memchr: the first byte equal to c among n bytes at s, or NULL. */
void *memchr(const void *s, int c, size_t n);
/* strlen: bytes before the terminating NUL. */
size_t strlen(const char *s);
/* strnlen: strlen, but at most max (no byte past s + max is read). */
size_t strnlen(const char *s, size_t max);
/* strcmp: compare NUL-terminated strings as unsigned bytes, like memcmp. */
int strcmp(const char *a, const char *b);
/* strncmp: strcmp over at most n bytes. */
int strncmp(const char *a, const char *b, size_t n);
/* strchr: the first c in s (the NUL itself when c is 0), or NULL. */
char *strchr(const char *s, int c);
#endif

/*
 * parse_u64: parse exactly the `len` characters at s as an unsigned number,
 * decimal or "0x"-prefixed hexadecimal. Returns 0, -EINVAL (empty, a stray
 * character) or -ERANGE (does not fit in 64 bits); *out is set only on 0.
 */
int parse_u64(const char *s, size_t len, uint64_t *out);

#endif
