/*
 * A flattened-device-tree writer for host tests (Devicetree Specification
 * v0.4, chapter 5): builds the structure and strings blocks token by token
 * in growing buffers, then fdtgen_finish lays out a version-17 blob with an
 * empty reservation block. For trees too big or too odd to keep as .dts.
 */
#ifndef TESTS_UNIT_FDTGEN_H
#define TESTS_UNIT_FDTGEN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct fdtgen {
	uint8_t *st, *str;           /* structure and strings blocks */
	size_t nst, nstr, cst, cstr; /* used and allocated bytes */
};

static inline void fdtgen_grow(uint8_t **p, size_t *cap, size_t need)
{
	if (need <= *cap)
		return;
	while (*cap < need)
		*cap = *cap ? *cap * 2 : 4096;
	*p = realloc(*p, *cap);
	if (!*p)
		abort();
}

static inline void fdtgen_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Append n bytes to the structure block, zero-padded to 4 bytes. */
static inline void fdtgen_raw(struct fdtgen *g, const void *data, size_t n)
{
	size_t padded = (n + 3) & ~(size_t)3;

	fdtgen_grow(&g->st, &g->cst, g->nst + padded);
	memcpy(g->st + g->nst, data, n);
	memset(g->st + g->nst + n, 0, padded - n);
	g->nst += padded;
}

static inline void fdtgen_token(struct fdtgen *g, uint32_t tok)
{
	uint8_t b[4];

	fdtgen_be32(b, tok);
	fdtgen_raw(g, b, 4);
}

/* A name's offset in the strings block (reused if already there). */
static inline uint32_t fdtgen_string(struct fdtgen *g, const char *s)
{
	size_t n = strlen(s) + 1;

	for (size_t o = 0; o + n <= g->nstr; o += strlen((char *)g->str + o) + 1)
		if (memcmp(g->str + o, s, n) == 0)
			return (uint32_t)o;
	fdtgen_grow(&g->str, &g->cstr, g->nstr + n);
	memcpy(g->str + g->nstr, s, n);
	g->nstr += n;
	return (uint32_t)(g->nstr - n);
}

static inline void fdtgen_begin(struct fdtgen *g, const char *name)
{
	fdtgen_token(g, 1); /* FDT_BEGIN_NODE */
	fdtgen_raw(g, name, strlen(name) + 1);
}

static inline void fdtgen_end(struct fdtgen *g)
{
	fdtgen_token(g, 2); /* FDT_END_NODE */
}

static inline void fdtgen_prop(struct fdtgen *g, const char *name, const void *v, uint32_t len)
{
	uint8_t h[12];

	fdtgen_be32(h, 3); /* FDT_PROP */
	fdtgen_be32(h + 4, len);
	fdtgen_be32(h + 8, fdtgen_string(g, name));
	fdtgen_raw(g, h, 12);
	if (len)
		fdtgen_raw(g, v, len);
}

static inline void fdtgen_str(struct fdtgen *g, const char *name, const char *s)
{
	fdtgen_prop(g, name, s, (uint32_t)strlen(s) + 1);
}

static inline void fdtgen_u32(struct fdtgen *g, const char *name, uint32_t v)
{
	uint8_t b[4];

	fdtgen_be32(b, v);
	fdtgen_prop(g, name, b, 4);
}

/* A "reg" of (2 + 2)-cell entries: pairs of base and size. */
static inline void fdtgen_reg64(struct fdtgen *g, const uint64_t *pairs, size_t n)
{
	uint8_t *b = malloc(n * 16 + 1);

	for (size_t i = 0; i < n * 2; i++) {
		fdtgen_be32(b + 8 * i, (uint32_t)(pairs[i] >> 32));
		fdtgen_be32(b + 8 * i + 4, (uint32_t)pairs[i]);
	}
	fdtgen_prop(g, "reg", b, (uint32_t)(n * 16));
	free(b);
}

/* fdtgen_finish: FDT_END, then the whole blob (malloc'd; *size set); frees g's blocks. */
static inline uint8_t *fdtgen_finish(struct fdtgen *g, size_t *size)
{
	const uint32_t rsv = 40, st = rsv + 16; /* header, then one {0, 0} entry */
	uint8_t *b;
	size_t total;

	fdtgen_token(g, 9); /* FDT_END */
	total = st + g->nst + g->nstr;
	b = calloc(1, total);
	if (!b)
		abort();
	fdtgen_be32(b + 0, 0xd00dfeed);
	fdtgen_be32(b + 4, (uint32_t)total);
	fdtgen_be32(b + 8, st);                          /* off_dt_struct */
	fdtgen_be32(b + 12, st + (uint32_t)g->nst);      /* off_dt_strings */
	fdtgen_be32(b + 16, rsv);                        /* off_mem_rsvmap */
	fdtgen_be32(b + 20, 17);                         /* version */
	fdtgen_be32(b + 24, 16);                         /* last_comp_version */
	fdtgen_be32(b + 32, (uint32_t)g->nstr);          /* size_dt_strings */
	fdtgen_be32(b + 36, (uint32_t)g->nst);           /* size_dt_struct */
	memcpy(b + st, g->st, g->nst);
	memcpy(b + st + g->nst, g->str, g->nstr);
	free(g->st);
	free(g->str);
	memset(g, 0, sizeof(*g));
	*size = total;
	return b;
}

#endif
