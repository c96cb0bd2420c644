/*
 * faultline's command-line keys (bench/args.h) over the generic tokenizer
 * (lib/cmdline.h).
 */
#include "bench/args.h"
#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/reason.h"
#include "lib/string.h"
#include "mm/mm.h" /* FOLIO_MAX_ORDER, PAGE_SHIFT */

static const char *const key_names[] = {
	"run", "suite", "pattern", "pages", "iters", "seed", "stages",
	"mode", "counter", "vmas", "folio", "thp", "step", "cpus", "smp",
};
/* key_names[i] sets cmdline.given bit i (CMDLINE_RUN ... CMDLINE_SMP). */
static_assert(BIT(0) == CMDLINE_RUN && BIT(ARRAY_SIZE(key_names) - 1) == CMDLINE_SMP,
	      "key_names follows the CMDLINE_* bits");

/* Print 2^shift bytes as folio= takes it: 16k, 2m, or plain bytes. */
static int format_size(char *buf, size_t room, unsigned shift)
{
	if (shift >= 20)
		return ksnprintf(buf, room, "%llum", 1ull << (shift - 20));
	if (shift >= 10)
		return ksnprintf(buf, room, "%lluk", 1ull << (shift - 10));
	return ksnprintf(buf, room, "%llu", 1ull << shift);
}

/*
 * folio=none or a comma-separated list of sizes (see bench/args.h) into
 * cl->folio_orders, each size checked: a number, a power of two, within
 * 2 pages .. half a block, not listed twice.
 */
static int set_folio(struct cmdline *cl, const char *v, size_t n, const char **why)
{
	static char lo[16], hi[16];

	format_size(lo, sizeof(lo), PAGE_SHIFT + 1);
	format_size(hi, sizeof(hi), PAGE_SHIFT + FOLIO_MAX_ORDER);
	cl->folio_orders = 0;
	if (cmdline_equals(v, n, "none"))
		return 0;
	for (size_t i = 0; i < n;) {
		const char *s = v + i;
		size_t len = 0, digits;
		uint64_t bytes, mul = 1;
		unsigned shift;

		while (i + len < n && v[i + len] != ',')
			len++;
		digits = len;
		if (digits && (s[digits - 1] == 'k' || s[digits - 1] == 'K'))
			mul = 1ull << 10, digits--;
		else if (digits && (s[digits - 1] == 'm' || s[digits - 1] == 'M'))
			mul = 1ull << 20, digits--;
		if (!digits || parse_u64(s, digits, &bytes) || bytes > (UINT64_MAX >> 20))
			return reject(why, "bad command line: folio='%s': '%s' is not a size "
				    "(expected none, or sizes such as 16k,64k)", cmdline_esc(v, n), cmdline_esc(s, len));
		bytes *= mul;
		if (!bytes || (bytes & (bytes - 1)))
			return reject(why, "bad command line: folio='%s': '%s' is not a power "
				    "of two", cmdline_esc(v, n), cmdline_esc(s, len));
		shift = (unsigned)__builtin_ctzll(bytes);
		if (shift < PAGE_SHIFT + 1 || shift > PAGE_SHIFT + FOLIO_MAX_ORDER)
			return reject(why, "bad command line: folio='%s': '%s' is outside "
				    "%s..%s (2 pages to half a block at this granule)",
				    cmdline_esc(v, n), cmdline_esc(s, len), lo, hi);
		if (cl->folio_orders & BIT(shift - PAGE_SHIFT))
			return reject(why, "bad command line: folio='%s': '%s' listed twice",
				    cmdline_esc(v, n), cmdline_esc(s, len));
		cl->folio_orders |= BIT(shift - PAGE_SHIFT);
		i += len;
		if (i < n && ++i == n)
			return reject(why, "bad command line: folio='%s' ends with a comma",
				    cmdline_esc(v, n));
	}
	return 0;
}

/* Set key number k from the value v[0..n) (not empty): cmdline_keys.set. */
static int set_key(void *ctx, unsigned k, const char *v, size_t n, const char **why)
{
	struct cmdline *cl = ctx;
	const char *key = key_names[k];

	switch (BIT(k)) {
	case CMDLINE_RUN:
		if (cmdline_equals(v, n, "bench"))
			cl->run = RUN_BENCH;
		else if (cmdline_equals(v, n, "tests"))
			cl->run = RUN_TESTS;
		else if (cmdline_equals(v, n, "none"))
			cl->run = RUN_NONE;
		else if (cmdline_equals(v, n, "anatomy"))
			cl->run = RUN_ANATOMY;
		else if (cmdline_equals(v, n, "crash"))
			cl->run = RUN_CRASH;
		else
			return reject(why, "bad command line: run='%s' (expected bench, "
				    "tests, anatomy, crash or none)", cmdline_esc(v, n));
		return 0;
	case CMDLINE_SUITE:
		return cmdline_set_name(cl->suite, sizeof(cl->suite), key, v, n, why);
	case CMDLINE_PATTERN:
		return cmdline_set_name(cl->pattern, sizeof(cl->pattern), key, v, n, why);
	case CMDLINE_PAGES:
		return cmdline_set_number(&cl->pages, 1, key, v, n, why);
	case CMDLINE_ITERS:
		return cmdline_set_number(&cl->iters, 1, key, v, n, why);
	case CMDLINE_VMAS:
		return cmdline_set_number(&cl->vmas, 1, key, v, n, why);
	case CMDLINE_SEED:
		return cmdline_set_number(&cl->seed, 0, key, v, n, why);
	case CMDLINE_FOLIO:
		return set_folio(cl, v, n, why);
	case CMDLINE_THP:
		if (cmdline_equals(v, n, "always") || cmdline_equals(v, n, "never")) {
			cl->thp = cmdline_equals(v, n, "always");
			return 0;
		}
		return reject(why, "bad command line: thp='%s' (expected always or never)",
			    cmdline_esc(v, n));
	case CMDLINE_STEP:
		if (cmdline_equals(v, n, "page") || cmdline_equals(v, n, "4k")) {
			cl->step_4k = cmdline_equals(v, n, "4k");
			return 0;
		}
		return reject(why, "bad command line: step='%s' (expected page or 4k)",
			    cmdline_esc(v, n));
	case CMDLINE_CPUS:
		cl->cpus_all = cmdline_equals(v, n, "all");
		if (cl->cpus_all)
			return 0;
		if (parse_u64(v, n, &cl->cpus))
			return reject(why, "bad command line: cpus='%s' (expected a number of "
				    "CPUs or all)", cmdline_esc(v, n));
		if (cl->cpus == 0)
			return reject(why, "bad command line: cpus=0 (at least 1 CPU runs the "
				    "kernel)");
		return 0;
	case CMDLINE_SMP:
		if (cmdline_equals(v, n, "windows") || cmdline_equals(v, n, "rate")) {
			cl->smp_rate = cmdline_equals(v, n, "rate");
			return 0;
		}
		return reject(why, "bad command line: smp='%s' (expected windows or rate)",
			    cmdline_esc(v, n));
	case CMDLINE_MODE:
		if (cmdline_equals(v, n, "icount"))
			cl->mode = MODE_ICOUNT;
		else if (cmdline_equals(v, n, "tcg"))
			cl->mode = MODE_TCG;
		else if (cmdline_equals(v, n, "hw"))
			cl->mode = MODE_HW;
		else
			return reject(why, "bad command line: mode='%s' (expected icount, "
				    "tcg or hw)", cmdline_esc(v, n));
		return 0;
	case CMDLINE_COUNTER:
		if (cmdline_equals(v, n, "pmccntr"))
			cl->counter = COUNTER_PMCCNTR;
		else if (cmdline_equals(v, n, "cntvct"))
			cl->counter = COUNTER_CNTVCT;
		else if (cmdline_equals(v, n, "inst"))
			cl->counter = COUNTER_INST;
		else
			return reject(why, "bad command line: counter='%s' (expected "
				    "pmccntr, cntvct or inst)", cmdline_esc(v, n));
		return 0;
	default: /* CMDLINE_STAGES */
		if (cmdline_equals(v, n, "on") || cmdline_equals(v, n, "off")) {
			cl->stages = cmdline_equals(v, n, "on");
			return 0;
		}
		return reject(why, "bad command line: stages='%s' (expected on or off)",
			    cmdline_esc(v, n));
	}
}

int cmdline_parse(const char *line, struct cmdline *cl, const char **why)
{
	static const struct cmdline_keys keys = { key_names, ARRAY_SIZE(key_names), set_key };
	int err;

	*cl = (struct cmdline){ .run = RUN_BENCH, .suite = "default", .seed = 1, .cpus = 1 };
	err = cmdline_tokenize(line, &keys, cl, &cl->given, &cl->skipped, why);
	if (err)
		return err;
	/* Every key but run= and cpus= tunes the benchmark: say so when there
	 * is none. */
	for (unsigned k = 1; k < ARRAY_SIZE(key_names) && cl->run != RUN_BENCH; k++)
		if ((cl->given & BIT(k)) && BIT(k) != CMDLINE_CPUS)
			info("command line: warning: %s= does not apply to run=%s (ignored)",
			     key_names[k], cmdline_run_name(cl->run));
	/* smp= chooses suite=smp's measurement (bench/kernel/smp_bench.h's SMP_SUITE) */
	if (cl->run == RUN_BENCH && (cl->given & CMDLINE_SMP) && strcmp(cl->suite, "smp") != 0)
		info("command line: warning: smp= applies to suite=smp only, not suite=%s "
		     "(ignored)", cl->suite);
	return 0;
}

const char *cmdline_run_name(enum run_mode run)
{
	switch (run) {
	case RUN_TESTS:
		return "tests";
	case RUN_NONE:
		return "none";
	case RUN_ANATOMY:
		return "anatomy";
	case RUN_CRASH:
		return "crash";
	default:
		return "bench";
	}
}

int cmdline_format(const struct cmdline *cl, char *buf, size_t size)
{
	static const char *const modes[] = { "", "icount", "tcg", "hw" };
	static const char *const counters[] = { "", "pmccntr", "cntvct", "inst" };
	const uint64_t *num[] = { [3] = &cl->pages, [4] = &cl->iters, [5] = &cl->seed,
				  [9] = &cl->vmas, [12] = NULL, [13] = &cl->cpus, [14] = NULL };
	int len = 0;

	static_assert(ARRAY_SIZE(num) == ARRAY_SIZE(key_names), "one slot per key");
	assert(cl->mode < ARRAY_SIZE(modes) && cl->counter < ARRAY_SIZE(counters));
	if (size)
		buf[0] = '\0';
	for (unsigned k = 0; k < ARRAY_SIZE(key_names); k++) {
		const char *v = NULL;
		char *at = buf + MIN((size_t)len, size ? size - 1 : 0);
		size_t room = size > (size_t)len ? size - (size_t)len : (size ? 1 : 0);

		if (!(cl->given & BIT(k)))
			continue;
		switch (BIT(k)) {
		case CMDLINE_RUN:
			v = cmdline_run_name(cl->run);
			break;
		case CMDLINE_SUITE:
			v = cl->suite;
			break;
		case CMDLINE_PATTERN:
			v = cl->pattern;
			break;
		case CMDLINE_STAGES:
			v = cl->stages ? "on" : "off";
			break;
		case CMDLINE_THP:
			v = cl->thp ? "always" : "never";
			break;
		case CMDLINE_STEP:
			v = cl->step_4k ? "4k" : "page";
			break;
		case CMDLINE_MODE:
			v = modes[cl->mode];
			break;
		case CMDLINE_COUNTER:
			v = counters[cl->counter];
			break;
		case CMDLINE_CPUS:
			v = cl->cpus_all ? "all" : NULL;
			break;
		case CMDLINE_SMP:
			v = cl->smp_rate ? "rate" : "windows";
			break;
		case CMDLINE_FOLIO:
			v = "none";
			if (!cl->folio_orders)
				break;
			v = NULL;
			len += ksnprintf(at, room, "%sfolio=", len ? " " : "");
			for (unsigned o = 1; o < 32; o++) {
				if (!(cl->folio_orders & BIT(o)))
					continue;
				at = buf + MIN((size_t)len, size ? size - 1 : 0);
				room = size > (size_t)len ? size - (size_t)len : (size ? 1 : 0);
				if (cl->folio_orders & (BIT(o) - 1) & ~1u)
					len += ksnprintf(at, room, ",");
				at = buf + MIN((size_t)len, size ? size - 1 : 0);
				room = size > (size_t)len ? size - (size_t)len : (size ? 1 : 0);
				len += format_size(at, room, PAGE_SHIFT + o);
			}
			continue;
		}
		if (v)
			len += ksnprintf(at, room, "%s%s=%s", len ? " " : "", key_names[k], v);
		else
			len += ksnprintf(at, room, "%s%s=%llu", len ? " " : "", key_names[k],
					 (unsigned long long)*num[k]);
	}
	return len;
}
