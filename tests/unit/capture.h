/*
 * Console capture for host tests: the console's fallback sink appends to
 * `captured` (kept NUL-terminated; output past its size is dropped), and
 * capture_reset() empties it. Include from one file of a test binary.
 */
#ifndef TESTS_UNIT_CAPTURE_H
#define TESTS_UNIT_CAPTURE_H

#include <string.h>

#include "lib/console.h"
#include "lib/types.h"

static char captured[8192];
static size_t ncaptured;

void console_fallback_write(const char *s, size_t n)
{
	n = MIN(n, sizeof(captured) - 1 - ncaptured);
	memcpy(captured + ncaptured, s, n);
	ncaptured += n;
	captured[ncaptured] = '\0';
}

/* capture_reset: forget what was captured so far. */
static inline void capture_reset(void)
{
	ncaptured = 0;
	captured[0] = '\0';
}

#endif
