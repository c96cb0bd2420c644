/*
 * Semihosting calls: operation number in w0, parameter (block address) in
 * x1, HLT #0xF000, result in x0 (semihosting specification 2.0, "The
 * semihosting interface" and "SYS_EXIT (0x18)").
 */
#include "arch/aarch64/expect.h"
#include "arch/aarch64/semihost.h"

#define SYS_ERRNO 0x13
#define SYS_EXIT 0x18
#define ADP_Stopped_ApplicationExit 0x20026

static int probed; /* 0: not yet; 1: available; -1: not available */

static uint64_t semihost_call(uint64_t op, const void *arg)
{
	register uint64_t x0 __asm__("x0") = op;
	register const void *x1 __asm__("x1") = arg;

	__asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
	return x0;
}

bool semihost_available(void)
{
	if (probed == 0) {
		/* SYS_ERRNO has no side effect: a harmless probe. */
		expect_fault_begin();
		semihost_call(SYS_ERRNO, NULL);
		probed = expect_fault_end(NULL) ? -1 : 1;
	}
	return probed > 0;
}

void semihost_exit(int code)
{
	/* AArch64 SYS_EXIT takes a two-field block: reason, subcode. */
	uint64_t block[2] = { ADP_Stopped_ApplicationExit, (uint64_t)(int64_t)code };

	if (semihost_available())
		semihost_call(SYS_EXIT, block);
}
