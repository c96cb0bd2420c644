/*
 * The console: a registered driver, or the board's fallback sink before one
 * is registered. kprintf hands each call's text over in one console_write,
 * which holds the console lock once other CPUs run (console_lock_enable):
 * a line is never interleaved with another CPU's. The lock word is the
 * holder's CPU index + 1, so a CPU that faults while it prints (its
 * exception report prints too) sees itself as the holder and goes on
 * instead of waiting for itself. The lock counts itself in
 * console_lockstat (lib/lockstat.h, timed): its hold is the time the
 * driver takes to send the text.
 */
#include "lib/console.h"
#include "lib/lockstat.h"

#include <arch/atomic.h>
#include <arch/percpu.h>

static const struct console *active;
static bool (*lock_wait)(void); /* NULL: one CPU, no lock */
static uint64_t lock_owner;     /* 0 free, else the holder's CPU + 1 */
struct lockstat console_lockstat;

void console_lock_enable(bool (*wait)(void))
{
	lock_wait = wait;
}

/* console_lock: take the lock; whether this call took it (false: no lock
 * in use, or this CPU holds it already further up its stack). */
static bool console_lock(void)
{
	uint64_t me, expected, t0;
	bool contended = false;

	if (!lock_wait)
		return false;
	me = arch_cpu_id() + 1;
	if (arch_read_once(&lock_owner) == me)
		return false;
	t0 = lockstat_now();
	for (;;) {
		expected = 0;
		if (arch_cmpxchg(&lock_owner, &expected, me))
			break;
		contended = true;
		if (lock_wait()) { /* the stopper, after a bounded wait: take it */
			arch_write_once(&lock_owner, me);
			break;
		}
	}
	lockstat_acquired(&console_lockstat, t0, contended);
	return true;
}

static void console_unlock(bool taken)
{
	if (!taken)
		return;
	lockstat_released(&console_lockstat);
	arch_store_release(&lock_owner, 0);
	arch_send_event();
}

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
	bool taken = console_lock();

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		emit(s + start, i - start);
		emit("\r\n", 2);
		start = i + 1;
	}
	emit(s + start, n - start);
	console_unlock(taken);
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
