/*
 * The console: a registered driver, or the board's fallback sink before one
 * is registered. Only the boot CPU prints (secondaries stay parked), so there
 * is no lock; kprintf hands each call's text over in one console_write.
 */
#include "lib/console.h"

static const struct console *active;

void console_set(const struct console *con)
{
	active = con;
}

static void emit(const char *s, size_t n)
{
	if (n == 0)
		return;
	if (active)
		active->write(active, s, n);
	else
		console_fallback_write(s, n);
}

void console_flush(void)
{
	if (!active)
		console_fallback_flush();
	else if (active->flush)
		active->flush(active);
}

void console_write(const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		emit(s + start, i - start);
		emit("\r\n", 2);
		start = i + 1;
	}
	emit(s + start, n - start);
}

#ifdef FAULTLINE_HOST
#include <unistd.h>

/*
 * console_fallback_write (host default): standard output. Weak, so a unit
 * test that wants to capture the console defines its own.
 */
__attribute__((weak)) void console_fallback_write(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* console_fallback_flush (host default): standard output is not buffered here. */
__attribute__((weak)) void console_fallback_flush(void)
{
}
#endif
