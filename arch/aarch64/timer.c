/*
 * Generic timer counter reads (see timer.h).
 */
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/timer.h"

uint64_t timer_freq(void)
{
	return read_sysreg(cntfrq_el0) & 0xffffffffu; /* bits [63:32] RES0 */
}

uint64_t timer_count(void)
{
	isb();
	return read_sysreg(cntpct_el0);
}
