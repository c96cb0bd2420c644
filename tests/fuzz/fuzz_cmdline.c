/*
 * libFuzzer target for the command-line parser (bench/args.c over lib/cmdline.c, lib/parse.c).
 * An input is a command line (up to its first NUL). Invariants, any of which
 * failing aborts:
 *
 *   - parsing never crashes or reads past the line (ASan, UBSan);
 *   - a rejection returns -EINVAL with a reason that is non-empty printable
 *     ASCII (0x20-0x7e) starting "bad command line: ";
 *   - everything written to the console (loader-word notes, warnings) is
 *     printable ASCII lines ending "\r\n";
 *   - an accepted line is one the parser can print back: the names it kept
 *     are [A-Za-z0-9_-]+, numbers are in range, and cmdline_format of the
 *     result parses again to the same struct (every field, the given bits),
 *     and formats to the same text (a fixed point).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/args.h"
#include "lib/console.h"
#include "lib/errno.h"
#include "mm/geometry.h"

#define LINE_MAX 4096

static char out[1 << 16];
static size_t nout;

/* The console's host sink: keep what is written, for the checks. */
void console_fallback_write(const char *s, size_t n)
{
	if (n > sizeof(out) - nout)
		n = sizeof(out) - nout;
	memcpy(out + nout, s, n);
	nout += n;
}

static void check(int ok, const char *what, const char *line)
{
	if (!ok) {
		fprintf(stderr, "fuzz_cmdline: %s\nline: \"", what);
		for (const char *p = line; *p; p++)
			fprintf(stderr, (*p >= 0x20 && *p < 0x7f) ? "%c" : "\\x%02x",
				(unsigned)(uint8_t)*p);
		fprintf(stderr, "\"\n");
		abort();
	}
}

static int printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

static int is_name(const char *s)
{
	size_t n = strlen(s);

	if (n >= CMDLINE_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* The console output: lines of printable ASCII, each ending "\r\n". */
static void check_console(const char *line)
{
	size_t start = 0;

	for (size_t i = 0; i < nout; i++) {
		if (out[i] != '\n')
			continue;
		check(i > start && out[i - 1] == '\r', "console line without \\r\\n", line);
		check(printable(out + start, i - 1 - start), "unprintable console output", line);
		start = i + 1;
	}
	check(start == nout, "console output without a final newline", line);
}

static int same(const struct cmdline *a, const struct cmdline *b)
{
	return a->run == b->run && strcmp(a->suite, b->suite) == 0 &&
	       strcmp(a->pattern, b->pattern) == 0 && a->pages == b->pages &&
	       a->iters == b->iters && a->seed == b->seed && a->vmas == b->vmas &&
	       a->stages == b->stages && a->mode == b->mode && a->counter == b->counter &&
	       a->folio_orders == b->folio_orders && a->thp == b->thp &&
	       a->step_4k == b->step_4k && a->cpus == b->cpus && a->cpus_all == b->cpus_all &&
	       a->smp_rate == b->smp_rate && a->given == b->given;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[LINE_MAX + 1], text[2][1024];
	static struct cmdline cl, back;
	const char *why = NULL;
	int err, n;

	if (size > LINE_MAX)
		size = LINE_MAX;
	memcpy(line, data, size);
	line[size] = '\0';
	nout = 0;
	err = cmdline_parse(line, &cl, &why);
	check_console(line);
	if (err) {
		check(err == -EINVAL, "error other than -EINVAL", line);
		check(why && *why, "rejection without a reason", line);
		check(printable(why, strlen(why)), "unprintable reason", line);
		check(strncmp(why, "bad command line: ", 18) == 0, "reason not named", line);
		return 0;
	}
	check(is_name(cl.suite) && cl.suite[0], "suite is not a name", line);
	check(is_name(cl.pattern), "pattern is not a name", line);
	check(cl.run <= RUN_CRASH && cl.mode <= MODE_HW && cl.counter <= COUNTER_INST,
	      "enum out of range", line);
	check(!(cl.given & CMDLINE_PAGES) || cl.pages >= 1, "pages=0 accepted", line);
	check(!(cl.given & CMDLINE_ITERS) || cl.iters >= 1, "iters=0 accepted", line);
	check(!(cl.given & CMDLINE_VMAS) || cl.vmas >= 1, "vmas=0 accepted", line);
	check(cl.given < (CMDLINE_SMP << 1), "unknown given bit", line);
	check((cl.given & CMDLINE_SMP) || !cl.smp_rate, "smp=rate without smp=", line);
	check((cl.given & CMDLINE_THP) || !cl.thp, "thp=always without thp=", line);
	check((cl.given & CMDLINE_STEP) || !cl.step_4k, "step=4k without step=", line);
	check(!(cl.folio_orders & ~(((1u << (BLOCK_SHIFT - PAGE_SHIFT - 1)) - 1) << 1)),
	      "folio size outside 2 pages .. half a block accepted", line);
	check((cl.given & CMDLINE_FOLIO) || !cl.folio_orders, "folio sizes without folio=", line);

	n = cmdline_format(&cl, text[0], sizeof(text[0]));
	check(n >= 0 && (size_t)n < sizeof(text[0]), "formatted line too long", line);
	check(printable(text[0], (size_t)n), "formatted line unprintable", line);
	nout = 0;
	err = cmdline_parse(text[0], &back, &why);
	check(err == 0, "formatted line rejected", line);
	check(same(&cl, &back), "round trip differs", line);
	check(back.skipped == 0, "formatted line has loader words", line);
	n = cmdline_format(&back, text[1], sizeof(text[1]));
	check(strcmp(text[0], text[1]) == 0, "format is not a fixed point", line);
	return 0;
}
