/*
 * assert() for programmer errors (never for bad input, which gets an -E...
 * return), and static_assert for layout facts shared with assembly.
 * In the kernel a failed assert panics with file and line; on the host it is
 * the C library's assert, so unit tests catch it under the sanitizers.
 */
#ifndef LIB_ASSERT_H
#define LIB_ASSERT_H

#ifdef FAULTLINE_HOST
#include <assert.h>
#else
#include "lib/types.h"
NORETURN void panic(const char *fmt, ...) PRINTF_LIKE(1, 2);
#ifdef NDEBUG
#define assert(c) ((void)0)
#else
#define assert(c)                                                          \
	do {                                                               \
		if (unlikely(!(c)))                                        \
			panic("assertion failed: %s at %s:%d", #c, __FILE__, \
			      __LINE__);                                   \
	} while (0)
#endif
#endif

#ifndef static_assert
#define static_assert _Static_assert
#endif

#endif
