/*
 * Kernel command line parsing; the syntax and the loader words that are
 * skipped are documented in lib/cmdline.h.
 */
#include "lib/assert.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/reason.h"
#include "lib/string.h"
#include "mm/mm.h" /* FOLIO_MAX_ORDER, PAGE_SHIFT */

#define SHOW 48 /* at most this much of a word is quoted in a message */
#define SHOW_BUF (4 * SHOW + 1) /* SHOW bytes, each escaped to at most 4 */

static const char *const firmware_keys[] = { CMDLINE_FIRMWARE_KEYS };

static const char *const key_names[] = {
	"run", "suite", "pattern", "pages", "iters", "seed", "stages",
	"mode", "counter", "vmas", "folio", "thp", "step",
};
/* key_names[i] sets cmdline.given bit i (CMDLINE_RUN ... CMDLINE_STEP). */
static_assert(BIT(0) == CMDLINE_RUN && BIT(ARRAY_SIZE(key_names) - 1) == CMDLINE_STEP,
	      "key_names follows the CMDLINE_* bits");

/*
 * esc: v[0..n) (at most SHOW bytes of it) as printable ASCII for a console
 * line: bytes 0x20-0x7e as they are, except '\\' as "\\\\"; any other byte
 * (control, escape, DEL, 8-bit) as "\\xNN". The result lives in one of two
 * buffers, used in turn, so one message may quote two words.
 */
static const char *esc(const char *v, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	static char buf[2][SHOW_BUF];
	static unsigned turn;
	char *out = buf[turn ^= 1], *o = out;

	for (size_t i = 0; i < MIN(n, (size_t)SHOW); i++) {
		uint8_t c = (uint8_t)v[i];

		if (c == '\\') {
			*o++ = '\\';
			*o++ = '\\';
		} else if (c >= 0x20 && c < 0x7f) {
			*o++ = (char)c;
		} else {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whether s[0..n) equals the NUL-terminated word w. */
static bool equals(const char *s, size_t n, const char *w)
{
	return strncmp(s, w, n) == 0 && w[n] == '\0';
}

/* A loader's word: a module parameter ("8250.nr_uarts") or a listed key. */
static bool is_loader_key(const char *key, size_t n)
{
	if (memchr(key, '.', n))
		return true;
	for (size_t i = 0; firmware_keys[i]; i++)
		if (equals(key, n, firmware_keys[i]))
			return true;
	return false;
}

static int set_name(char *dst, const char *key, const char *v, size_t n, const char **why)
{
	if (n >= CMDLINE_NAME_MAX)
		return reject(why, "bad command line: %s='%s' is longer than %d characters",
			    key, esc(v, n), CMDLINE_NAME_MAX - 1);
	for (size_t i = 0; i < n; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return reject(why, "bad command line: %s='%s' (names are [A-Za-z0-9_-]+)",
				    key, esc(v, n));
	}
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

static int set_number(uint64_t *dst, uint64_t min, const char *key, const char *v, size_t n,
		      const char **why)
{
	int err = parse_u64(v, n, dst);

	if (err == -ERANGE)
		return reject(why, "bad command line: %s='%s' does not fit in 64 bits",
			    key, esc(v, n));
	if (err)
		return reject(why, "bad command line: %s='%s' is not a number", key, esc(v, n));
	if (*dst < min)
		return reject(why, "bad command line: %s=%s (must be at least %llu)",
			    key, esc(v, n), (unsigned long long)min);
	return 0;
}

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
 * folio=none or a comma-separated list of sizes (see lib/cmdline.h) into
 * cl->folio_orders, each size checked: a number, a power of two, within
 * 2 pages .. half a block, not listed twice.
 */
static int set_folio(struct cmdline *cl, const char *v, size_t n, const char **why)
{
	static char lo[16], hi[16];

	format_size(lo, sizeof(lo), PAGE_SHIFT + 1);
	format_size(hi, sizeof(hi), PAGE_SHIFT + FOLIO_MAX_ORDER);
	cl->folio_orders = 0;
	if (equals(v, n, "none"))
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
				    "(expected none, or sizes such as 16k,64k)", esc(v, n), esc(s, len));
		bytes *= mul;
		if (!bytes || (bytes & (bytes - 1)))
			return reject(why, "bad command line: folio='%s': '%s' is not a power "
				    "of two", esc(v, n), esc(s, len));
		shift = (unsigned)__builtin_ctzll(bytes);
		if (shift < PAGE_SHIFT + 1 || shift > PAGE_SHIFT + FOLIO_MAX_ORDER)
			return reject(why, "bad command line: folio='%s': '%s' is outside "
				    "%s..%s (2 pages to half a block at this granule)",
				    esc(v, n), esc(s, len), lo, hi);
		if (cl->folio_orders & BIT(shift - PAGE_SHIFT))
			return reject(why, "bad command line: folio='%s': '%s' listed twice",
				    esc(v, n), esc(s, len));
		cl->folio_orders |= BIT(shift - PAGE_SHIFT);
		i += len;
		if (i < n && ++i == n)
			return reject(why, "bad command line: folio='%s' ends with a comma",
				    esc(v, n));
	}
	return 0;
}

/* Set key number k from the value v[0..n) (not empty). */
static int set_key(struct cmdline *cl, unsigned k, const char *v, size_t n, const char **why)
{
	const char *key = key_names[k];

	switch (BIT(k)) {
	case CMDLINE_RUN:
		if (equals(v, n, "bench"))
			cl->run = RUN_BENCH;
		else if (equals(v, n, "tests"))
			cl->run = RUN_TESTS;
		else if (equals(v, n, "none"))
			cl->run = RUN_NONE;
		else if (equals(v, n, "anatomy"))
			cl->run = RUN_ANATOMY;
		else
			return reject(why, "bad command line: run='%s' (expected bench, "
				    "tests, anatomy or none)", esc(v, n));
		return 0;
	case CMDLINE_SUITE:
		return set_name(cl->suite, key, v, n, why);
	case CMDLINE_PATTERN:
		return set_name(cl->pattern, key, v, n, why);
	case CMDLINE_PAGES:
		return set_number(&cl->pages, 1, key, v, n, why);
	case CMDLINE_ITERS:
		return set_number(&cl->iters, 1, key, v, n, why);
	case CMDLINE_VMAS:
		return set_number(&cl->vmas, 1, key, v, n, why);
	case CMDLINE_SEED:
		return set_number(&cl->seed, 0, key, v, n, why);
	case CMDLINE_FOLIO:
		return set_folio(cl, v, n, why);
	case CMDLINE_THP:
		if (equals(v, n, "always") || equals(v, n, "never")) {
			cl->thp = equals(v, n, "always");
			return 0;
		}
		return reject(why, "bad command line: thp='%s' (expected always or never)",
			    esc(v, n));
	case CMDLINE_STEP:
		if (equals(v, n, "page") || equals(v, n, "4k")) {
			cl->step_4k = equals(v, n, "4k");
			return 0;
		}
		return reject(why, "bad command line: step='%s' (expected page or 4k)",
			    esc(v, n));
	case CMDLINE_MODE:
		if (equals(v, n, "icount"))
			cl->mode = MODE_ICOUNT;
		else if (equals(v, n, "tcg"))
			cl->mode = MODE_TCG;
		else if (equals(v, n, "hw"))
			cl->mode = MODE_HW;
		else
			return reject(why, "bad command line: mode='%s' (expected icount, "
				    "tcg or hw)", esc(v, n));
		return 0;
	case CMDLINE_COUNTER:
		if (equals(v, n, "pmccntr"))
			cl->counter = COUNTER_PMCCNTR;
		else if (equals(v, n, "cntvct"))
			cl->counter = COUNTER_CNTVCT;
		else if (equals(v, n, "inst"))
			cl->counter = COUNTER_INST;
		else
			return reject(why, "bad command line: counter='%s' (expected "
				    "pmccntr, cntvct or inst)", esc(v, n));
		return 0;
	default: /* CMDLINE_STAGES */
		if (equals(v, n, "on") || equals(v, n, "off")) {
			cl->stages = equals(v, n, "on");
			return 0;
		}
		return reject(why, "bad command line: stages='%s' (expected on or off)",
			    esc(v, n));
	}
}

/* The keys of ours, space-separated, for the unknown-key message. */
static const char *known_keys(void)
{
	static char buf[96];
	size_t len = 0;

	for (unsigned k = 0; k < ARRAY_SIZE(key_names); k++)
		len += (size_t)ksnprintf(buf + len, sizeof(buf) - len, "%s%s", k ? " " : "",
					 key_names[k]);
	assert(len < sizeof(buf));
	return buf;
}

/* One word of `n` bytes: a key=value of ours, or a loader's word to skip. */
static int parse_word(struct cmdline *cl, const char *w, size_t n, const char **why)
{
	const char *eq = memchr(w, '=', n);
	size_t klen = eq ? (size_t)(eq - w) : n;

	if (is_loader_key(w, klen)) {
		info("command line: ignoring loader word '%s'", esc(w, n));
		cl->skipped++;
		return 0;
	}
	for (unsigned k = 0; k < ARRAY_SIZE(key_names); k++) {
		if (!equals(w, klen, key_names[k]))
			continue;
		if (!eq)
			return reject(why, "bad command line: '%s' needs a value (%s=...)",
				    esc(w, n), key_names[k]);
		if (cl->given & BIT(k))
			return reject(why, "bad command line: key '%s' given twice", key_names[k]);
		if (klen + 1 == n)
			return reject(why, "bad command line: empty value for '%s'", key_names[k]);
		cl->given |= BIT(k);
		return set_key(cl, k, eq + 1, n - klen - 1, why);
	}
	if (!eq)
		return reject(why, "bad command line: '%s' is not key=value", esc(w, n));
	return reject(why, "bad command line: unknown key '%s' (keys: %s)", esc(w, klen),
		      known_keys());
}

int cmdline_parse(const char *line, struct cmdline *cl, const char **why)
{
	const char *p = line;
	int err;

	*cl = (struct cmdline){ .run = RUN_BENCH, .suite = "default", .seed = 1 };
	for (;;) {
		const char *w;

		while (is_space(*p))
			p++;
		if (!*p)
			break;
		for (w = p; *p && !is_space(*p); p++)
			;
		err = parse_word(cl, w, (size_t)(p - w), why);
		if (err)
			return err;
	}
	/* Every key but run= tunes the benchmark: say so when there is none. */
	for (unsigned k = 1; k < ARRAY_SIZE(key_names) && cl->run != RUN_BENCH; k++)
		if (cl->given & BIT(k))
			info("command line: warning: %s= does not apply to run=%s (ignored)",
			     key_names[k], cmdline_run_name(cl->run));
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
	default:
		return "bench";
	}
}

int cmdline_format(const struct cmdline *cl, char *buf, size_t size)
{
	static const char *const modes[] = { "", "icount", "tcg", "hw" };
	static const char *const counters[] = { "", "pmccntr", "cntvct", "inst" };
	const uint64_t *num[] = { [3] = &cl->pages, [4] = &cl->iters, [5] = &cl->seed,
				  [9] = &cl->vmas, [12] = NULL };
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
