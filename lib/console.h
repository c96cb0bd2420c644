/*
 * The console: where printf's bytes go. A board driver registers its write
 * function; before that (and on the host) output goes to the fallback.
 */
#ifndef LIB_CONSOLE_H
#define LIB_CONSOLE_H

#include "lib/types.h"

struct lockstat;

struct console {
	const char *name;
	void (*write)(const struct console *con, const char *s, size_t n);
	void (*flush)(const struct console *con); /* wait until all is sent; may be NULL */
	void *priv;
};

/* console_set: send all further output to con (NULL: back to the fallback). */
void console_set(const struct console *con);

/* console_write: write n bytes, turning "\n" into "\r\n", under the
 * console lock once it is enabled. */
void console_write(const char *s, size_t n);

/*
 * console_lock_enable: from now on console_write holds a lock (several CPUs
 * print; the atomics need the MMU on). wait is called while another CPU
 * holds it: it waits a little (WFE) and returns false, or returns true when
 * the caller must take the console anyway (the stopping CPU, after a
 * bounded wait), or does not return (a CPU that parks).
 */
void console_lock_enable(bool (*wait)(void));

/* The console lock's counts (lib/lockstat.h, timed), from console_lock_enable on. */
extern struct lockstat console_lockstat;

/*
 * console_flush: wait until everything written has been sent (before a
 * power-off, or a switch to another console): the active console's flush,
 * else console_fallback_flush.
 */
void console_flush(void);

/*
 * console_fallback_write: the early/fallback sink. The kernel's board glue
 * defines it (a raw UART at the board's default address); host tests define
 * it to capture output. console_fallback_flush waits until the sink has
 * sent what it took (the board glue's; a no-op on the host).
 */
void console_fallback_write(const char *s, size_t n);
void console_fallback_flush(void);

#endif
