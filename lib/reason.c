#include <stdarg.h>

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/reason.h"

/* One buffer: input is parsed, and rejected, one thing at a time. */
static char reason[160];

int reject(const char **why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (why)
		*why = reason;
	return -EINVAL;
}
