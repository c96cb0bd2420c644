/*
 * Stopping the machine (see stop.h), and panic() for lib/assert.h. With
 * several CPUs online the first to stop claims it (smp_stop_claim): the
 * others park, and only the claimer prints the done line and powers off.
 */
#include <stdarg.h>

#include "arch/aarch64/psci.h"
#include "arch/aarch64/semihost.h"
#include "arch/aarch64/smp.h"
#include "arch/aarch64/stop.h"
#include "arch/aarch64/sysreg.h"
#include "board/board.h"
#include "lib/assert.h"
#include "lib/console.h"
#include "lib/printf.h"

static bool stopping;

/* power_off: semihosting exit, else PSCI SYSTEM_OFF, else WFI forever.
 * Entered once: an exception in the first attempt (a conduit that faults
 * after all) comes back here through stop_fail and goes straight to WFI. */
static NORETURN void power_off(int status)
{
	static bool tried;

	if (!tried) {
		tried = true;
		console_flush();
		semihost_exit(status);
		psci_system_off();
	}
	for (;;)
		__asm__ volatile("msr daifset, #0xf\n\twfi" ::: "memory");
}

void stop_ok(void)
{
	smp_stop_claim(); /* another CPU stopping first: parks here */
	/* An SError still pending (raised where PSTATE.A was masked, e.g. in
	 * an exception handler) fails the run rather than vanish. */
	if (!stopping && (read_sysreg(isr_el1) & ISR_EL1_A))
		stop_fail("SError (asynchronous abort) pending at the end of the run");
	/* A run whose console stopped taking output never ends ok. */
	if (!stopping && board_console_failure())
		stop_fail("%s", board_console_failure());
	if (!stopping) {
		stopping = true;
		info("done status=ok");
	}
	power_off(0);
}

static NORETURN void vstop_fail(const char *fmt, va_list ap)
{
	char reason[160];

	smp_stop_claim();
	if (!stopping) {
		stopping = true;
		kvsnprintf(reason, sizeof(reason), fmt, ap);
		info("done status=fail (%s)", reason);
	}
	power_off(1);
}

void stop_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vstop_fail(fmt, ap);
}

/* panic: a programmer error (failed assert): say where, stop failed. */
void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kprintf("faultline: panic: ");
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	stop_fail("panic");
}
