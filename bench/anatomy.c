/*
 * run=anatomy (see bench/anatomy.h): the traced touches.
 *
 * Two copies of the timed access exist, the same code apart from the label:
 * touch_warm() for the warm-up touches and touch_traced() for the one the
 * debugger stops at, so a breakpoint on the label is hit exactly once per
 * kind. On AArch64 the access is written in assembly so that the labelled
 * instruction is the access itself; elsewhere (host builds of the portable
 * code) it is a plain volatile access.
 */
#include "bench/anatomy.h"
#include "bench/env.h"
#include "lib/errno.h"
#include "lib/printf.h"

/* Kept out of line and uncloned: each label must exist exactly once. */
#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif

enum op { OP_NONE, OP_LOAD, OP_STORE };

#ifdef __aarch64__
#define ACCESS_LOAD(p, label) \
	asm volatile(label "ldr xzr, [%0]" : : "r"(p) : "memory")
#define ACCESS_STORE(p, label) \
	asm volatile(label "str xzr, [%0]" : : "r"(p) : "memory")
#else
#define ACCESS_LOAD(p, label) ((void)*(p))
#define ACCESS_STORE(p, label) (*(p) = 0)
#endif

/* t1 - t0 around one access (or none) of p; the same body in both copies. */
#define TOUCH_BODY(p, op, load_label, store_label)                     \
	uint64_t t0, t1;                                               \
	if (op == OP_LOAD) {                                           \
		t0 = env_counter();                                    \
		ACCESS_LOAD(p, load_label);                            \
		t1 = env_counter();                                    \
	} else if (op == OP_STORE) {                                   \
		t0 = env_counter();                                    \
		ACCESS_STORE(p, store_label);                          \
		t1 = env_counter();                                    \
	} else {                                                       \
		t0 = env_counter();                                    \
		t1 = env_counter();                                    \
	}                                                              \
	return t1 - t0

static NOINLINE uint64_t touch_warm(volatile uint64_t *p, enum op op)
{
	TOUCH_BODY(p, op, "", "");
}

static NOINLINE uint64_t touch_traced(volatile uint64_t *p, enum op op)
{
	TOUCH_BODY(p, op, ".globl anatomy_load\nanatomy_load:\n\t",
		   ".globl anatomy_store\nanatomy_store:\n\t");
}

/* The copy the cores of the concurrent part run, labelled on its own. */
static NOINLINE uint64_t touch_concurrent(volatile uint64_t *p, enum op op)
{
	TOUCH_BODY(p, op, ".globl anatomy_smp_load\nanatomy_smp_load:\n\t",
		   ".globl anatomy_smp_store\nanatomy_smp_store:\n\t");
}

const char *anatomy_kind_name(enum anatomy_kind k)
{
	static const char *const names[ANATOMY_NR_KINDS] = {
		[ANATOMY_WRITE] = "write", [ANATOMY_READ] = "read",
		[ANATOMY_RW] = "read-then-write", [ANATOMY_RETOUCH] = "retouch",
	};

	return k < ANATOMY_NR_KINDS ? names[k] : "?";
}

/* The access a kind times, and what it does to a page before timing it. */
static enum op timed_op(enum anatomy_kind k)
{
	return k == ANATOMY_READ ? OP_LOAD : OP_STORE;
}

static void prepare(volatile uint64_t *p, enum anatomy_kind k)
{
	if (k == ANATOMY_RW)
		(void)*p;       /* map the zero page first */
	else if (k == ANATOMY_RETOUCH)
		*p = 1;         /* map a page first: no fault */
}

uint64_t anatomy_overhead(void)
{
	uint64_t overhead = ~0ull;

	for (int i = 0; i < ANATOMY_CALIBRATE; i++) {
		uint64_t t = touch_warm(NULL, OP_NONE);
		if (t < overhead)
			overhead = t;
	}
	return overhead;
}

void anatomy_prepare(volatile uint64_t *p, enum anatomy_kind k)
{
	prepare(p, k);
}

void anatomy_warm(volatile uint64_t *p, enum anatomy_kind k)
{
	prepare(p, k);
	touch_warm(p, timed_op(k));
}

uint64_t anatomy_touch_concurrent(volatile uint64_t *p, enum anatomy_kind k)
{
	return touch_concurrent(p, timed_op(k));
}

int anatomy_run(void)
{
	uint64_t bytes = (ANATOMY_WARM + 1) * PAGE_SIZE, overhead = anatomy_overhead();
	uint8_t *base[ANATOMY_NR_KINDS];
	uint64_t d[ANATOMY_NR_KINDS];
	int k, err = 0;

	/*
	 * Warm every kind's region first, then take the traced touches back to
	 * back: a tracer stops at each, and runs the few instructions between
	 * them slowly, not the warm-ups.
	 */
	for (k = 0; k < ANATOMY_NR_KINDS; k++) {
		base[k] = env_map(bytes, ENV_PROT_READ | ENV_PROT_WRITE);
		if (!base[k]) {
			info("anatomy: kind=%s: no memory for the region",
			     anatomy_kind_name((enum anatomy_kind)k));
			err = -ENOMEM;
			break;
		}
		for (uint64_t i = 0; i <= ANATOMY_WARM; i++) {
			volatile uint64_t *p = (volatile uint64_t *)(base[k] + i * PAGE_SIZE);
			prepare(p, (enum anatomy_kind)k);
			if (i < ANATOMY_WARM)
				touch_warm(p, timed_op((enum anatomy_kind)k));
		}
	}
	for (int j = 0; j < k && !err; j++)
		d[j] = touch_traced((volatile uint64_t *)(base[j] + ANATOMY_WARM * PAGE_SIZE),
				    timed_op((enum anatomy_kind)j));
	for (int j = 0; j < k; j++)
		env_unmap(base[j], bytes);
	for (int j = 0; j < k && !err; j++)
		info("anatomy kind=%s count=%llu overhead=%llu",
		     anatomy_kind_name((enum anatomy_kind)j),
		     (unsigned long long)(d[j] > overhead ? d[j] - overhead : 0),
		     (unsigned long long)overhead);
	return err;
}
