/*
 * The command-line tokenizer; the syntax and the loader words that are
 * skipped are documented in lib/cmdline.h.
 */
#include "lib/assert.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/reason.h"
#include "lib/string.h"

#define SHOW 48 /* at most this much of a word is quoted in a message */
#define SHOW_BUF (4 * SHOW + 1) /* SHOW bytes, each escaped to at most 4 */

static const char *const firmware_keys[] = { CMDLINE_FIRMWARE_KEYS };

const char *cmdline_esc(const char *v, size_t n)
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

bool cmdline_equals(const char *s, size_t n, const char *w)
{
	return strncmp(s, w, n) == 0 && w[n] == '\0';
}

/* A loader's word: a module parameter ("8250.nr_uarts") or a listed key. */
static bool is_loader_key(const char *key, size_t n)
{
	if (memchr(key, '.', n))
		return true;
	for (size_t i = 0; firmware_keys[i]; i++)
		if (cmdline_equals(key, n, firmware_keys[i]))
			return true;
	return false;
}

int cmdline_set_name(char *dst, size_t size, const char *key, const char *v, size_t n,
		     const char **why)
{
	if (n >= size)
		return reject(why, "bad command line: %s='%s' is longer than %d characters",
			    key, cmdline_esc(v, n), (int)size - 1);
	for (size_t i = 0; i < n; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return reject(why, "bad command line: %s='%s' (names are [A-Za-z0-9_-]+)",
				    key, cmdline_esc(v, n));
	}
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

int cmdline_set_number(uint64_t *dst, uint64_t min, const char *key, const char *v, size_t n,
		       const char **why)
{
	int err = parse_u64(v, n, dst);

	if (err == -ERANGE)
		return reject(why, "bad command line: %s='%s' does not fit in 64 bits",
			    key, cmdline_esc(v, n));
	if (err)
		return reject(why, "bad command line: %s='%s' is not a number", key, cmdline_esc(v, n));
	if (*dst < min)
		return reject(why, "bad command line: %s=%s (must be at least %llu)",
			    key, cmdline_esc(v, n), (unsigned long long)min);
	return 0;
}

/* The caller's keys, space-separated, for the unknown-key message. */
static const char *known_keys(const struct cmdline_keys *keys)
{
	static char buf[96];
	size_t len = 0;

	for (unsigned k = 0; k < keys->count; k++)
		len += (size_t)ksnprintf(buf + len, sizeof(buf) - len, "%s%s", k ? " " : "",
					 keys->names[k]);
	assert(len < sizeof(buf));
	return buf;
}

/* Where cmdline_tokenize is: its keys, their values' target, what it counts. */
struct tokenizer {
	const struct cmdline_keys *keys;
	void *ctx;
	unsigned *given, *skipped;
};

/* One word of `n` bytes: a key=value of the caller's, or a loader's word to skip. */
static int parse_word(const struct tokenizer *t, const char *w, size_t n, const char **why)
{
	const char *eq = memchr(w, '=', n);
	size_t klen = eq ? (size_t)(eq - w) : n;

	if (is_loader_key(w, klen)) {
		info("command line: ignoring loader word '%s'", cmdline_esc(w, n));
		(*t->skipped)++;
		return 0;
	}
	for (unsigned k = 0; k < t->keys->count; k++) {
		if (!cmdline_equals(w, klen, t->keys->names[k]))
			continue;
		if (!eq)
			return reject(why, "bad command line: '%s' needs a value (%s=...)",
				    cmdline_esc(w, n), t->keys->names[k]);
		if (*t->given & BIT(k))
			return reject(why, "bad command line: key '%s' given twice", t->keys->names[k]);
		if (klen + 1 == n)
			return reject(why, "bad command line: empty value for '%s'", t->keys->names[k]);
		*t->given |= BIT(k);
		return t->keys->set(t->ctx, k, eq + 1, n - klen - 1, why);
	}
	if (!eq)
		return reject(why, "bad command line: '%s' is not key=value", cmdline_esc(w, n));
	return reject(why, "bad command line: unknown key '%s' (keys: %s)", cmdline_esc(w, klen),
		      known_keys(t->keys));
}

int cmdline_tokenize(const char *line, const struct cmdline_keys *keys, void *ctx,
		     unsigned *given, unsigned *skipped, const char **why)
{
	const struct tokenizer t = { keys, ctx, given, skipped };
	const char *p = line;
	int err;

	assert(keys->count <= 32);
	for (;;) {
		const char *w;

		while (is_space(*p))
			p++;
		if (!*p)
			break;
		for (w = p; *p && !is_space(*p); p++)
			;
		err = parse_word(&t, w, (size_t)(p - w), why);
		if (err)
			return err;
	}
	return 0;
}
