/*
 * The kernel's memory and string functions (the host build uses libc's).
 *
 * The kernel runs with -mstrict-align (and, before the MMU is on, all memory
 * is Device memory, where unaligned accesses fault), so word accesses are used
 * only when both pointers are 8-byte aligned; everything else goes byte by
 * byte. Page zeroing, the one hot path, has its own arch_zero_page.
 */
#include "lib/string.h"

/*
 * GCC recognises the loops below as memset/memcpy idioms and would compile
 * them into calls to themselves. Clang does not do this under -ffreestanding
 * (-fno-builtin), and it rejects GCC's optimize attribute under -Werror.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_IDIOM_CALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NO_IDIOM_CALLS
#endif

typedef uint64_t __attribute__((may_alias)) word_t;
#define WORD sizeof(word_t)

static bool both_aligned(const void *a, const void *b)
{
	return (((uintptr_t)a | (uintptr_t)b) & (WORD - 1)) == 0;
}

/* Copy upwards; also right for overlapping ranges with dst below src. */
NO_IDIOM_CALLS static void copy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
	if (both_aligned(d, s))
		for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
			*(word_t *)d = *(const word_t *)s;
	while (n--)
		*d++ = *s++;
}

NO_IDIOM_CALLS void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	if (both_aligned(d, d)) {
		word_t w = 0x0101010101010101ull * (unsigned char)c;

		for (; n >= WORD; n -= WORD, d += WORD)
			*(word_t *)d = w;
	}
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	copy_forward(dst, src, n);
	return dst;
}

NO_IDIOM_CALLS void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n) {
		copy_forward(d, s, n);
		return dst;
	}
	/* Overlap with dst above src: copy backwards. */
	d += n;
	s += n;
	if (both_aligned(d, s))
		for (; n >= WORD; n -= WORD) {
			d -= WORD;
			s -= WORD;
			*(word_t *)d = *(const word_t *)s;
		}
	while (n--)
		*--d = *--s;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, SIZE_MAX);
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
