/*
 * Reasons for rejected input. The parsers of untrusted input (device tree,
 * command line) return -EINVAL and point *why at a human-readable reason,
 * which stays valid until the next rejection.
 */
#ifndef LIB_REASON_H
#define LIB_REASON_H

#include "lib/types.h"

/* reject: format the reason into the shared buffer, set *why (if not NULL), return -EINVAL. */
int reject(const char **why, const char *fmt, ...) PRINTF_LIKE(2, 3);

#endif
