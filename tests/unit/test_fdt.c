/*
 * lib/fdt.c: lookups on trees compiled by dtc from tests/unit/dts (one of
 * them QEMU virt's own), and rejection of malformed blobs made by mutating a
 * good one: bad header fields, every truncation, bad tokens, names, lengths,
 * string offsets and nesting. Blobs sit in buffers of exactly their size, so
 * AddressSanitizer catches any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/dtb.h"

#include "lib/errno.h"
#include "lib/fdt.h"


static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int open_ok(struct fdt *fdt, const struct blob *b)
{
	const char *why = NULL;
	int err = fdt_open(fdt, b->data, b->size, &why);

	if (err)
		fail_msg("fdt_open: %s", why);
	return err;
}

/* ---- lookups on good trees ---- */

static void test_qemu_virt_lookups(void **state)
{
	struct blob b = load("qemu-virt");
	struct fdt fdt;
	uint32_t ac, sc, v, len;
	uint64_t addr, size;
	int root, mem, uart, cpus, cpu, n;

	open_ok(&fdt, &b);
	assert_int_equal(fdt.size, b.size);
	root = fdt_path(&fdt, "/");
	assert_true(root >= 0);
	assert_string_equal(fdt_name(&fdt, root), "");
	assert_int_equal(fdt_parent(&fdt, root), -ENOENT);
	assert_string_equal(fdt_prop_str(&fdt, root, "model"), "linux,dummy-virt");

	assert_string_equal(fdt_prop_str(&fdt, fdt_path(&fdt, "/chosen"), "bootargs"),
			    "run=tests suite=default");

	/* Unit-address-less path components match "name@unit". */
	mem = fdt_path(&fdt, "/memory");
	assert_true(mem >= 0);
	assert_int_equal(fdt_path(&fdt, "/memory@40000000"), mem);
	assert_int_equal(fdt_path(&fdt, "//memory@40000000/"), mem);
	assert_string_equal(fdt_name(&fdt, mem), "memory@40000000");
	assert_int_equal(fdt_parent(&fdt, mem), root);
	assert_int_equal(fdt_cells(&fdt, mem, &ac, &sc), 0);
	assert_int_equal(ac, 2);
	assert_int_equal(sc, 2);
	assert_int_equal(fdt_reg(&fdt, mem, 0, &addr, &size), 0);
	assert_int_equal(addr, 0x40000000);
	assert_int_equal(size, 0x20000000);
	assert_int_equal(fdt_reg(&fdt, mem, 1, &addr, &size), -ENOENT);
	assert_int_equal(fdt_translate(&fdt, mem, 0x40001000, &addr), 0);
	assert_int_equal(addr, 0x40001000);

	assert_int_equal(fdt_path(&fdt, "/memory@50000000"), -ENOENT);
	assert_int_equal(fdt_path(&fdt, "/mem"), -ENOENT);
	assert_int_equal(fdt_path(&fdt, "/nonexistent/child"), -ENOENT);
	assert_int_equal(fdt_path(&fdt, "nosuchalias"), -ENOENT);

	/* Aliases. */
	uart = fdt_path(&fdt, "/pl011@9000000");
	assert_true(uart >= 0);
	assert_int_equal(fdt_path(&fdt, "serial0"), uart);
	assert_true(fdt_compatible(&fdt, uart, "arm,pl011"));
	assert_true(fdt_compatible(&fdt, uart, "arm,primecell"));
	assert_false(fdt_compatible(&fdt, uart, "arm,pl01"));
	assert_false(fdt_compatible(&fdt, uart, "arm,pl011x"));

	/* Properties of the wrong size or absent. */
	assert_int_equal(fdt_prop_u32(&fdt, root, "#address-cells", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(fdt_prop_u32(&fdt, uart, "reg", &v), -EINVAL);
	assert_int_equal(fdt_prop_u32(&fdt, uart, "nope", &v), -ENOENT);
	assert_null(fdt_prop(&fdt, uart, "nope", &len));
	assert_non_null(fdt_prop(&fdt, uart, "reg", &len));
	assert_int_equal(len, 16);

	/* Phandles. */
	n = fdt_node_by_phandle(&fdt, 0x8000);
	assert_string_equal(fdt_name(&fdt, n), "apb-pclk");
	assert_int_equal(fdt_node_by_phandle(&fdt, 0x1234), -ENOENT);
	assert_int_equal(fdt_node_by_phandle(&fdt, 0), -ENOENT);

	/* CPUs: #size-cells = 0 is fine. */
	cpus = fdt_path(&fdt, "/cpus");
	cpu = fdt_first_child(&fdt, cpus);
	assert_string_equal(fdt_name(&fdt, cpu), "cpu-map");
	cpu = fdt_path(&fdt, "/cpus/cpu@1");
	assert_int_equal(fdt_parent(&fdt, cpu), cpus);
	assert_int_equal(fdt_cells(&fdt, cpu, &ac, &sc), 0);
	assert_int_equal(ac, 1);
	assert_int_equal(sc, 0);
	assert_int_equal(fdt_reg(&fdt, cpu, 0, &addr, &size), 0);
	assert_int_equal(addr, 1);
	assert_int_equal(size, 0);
	assert_int_equal(fdt_next_sibling(&fdt, cpu), -ENOENT);

	/* No /memreserve/ entries in QEMU's tree. */
	assert_int_equal(fdt_rsv(&fdt, 0, &addr, &size), -ENOENT);

	/* Offsets that are not nodes find nothing and read nothing outside. */
	assert_string_equal(fdt_name(&fdt, -1), "");
	assert_string_equal(fdt_name(&fdt, 3), "");
	assert_null(fdt_prop(&fdt, (int)fdt.size_struct, "reg", &len));
	assert_int_equal(fdt_first_child(&fdt, 1 << 30), -ENOENT);
	free(b.data);
}

/* Count nodes two ways (sibling lists, document order) and against the source. */
static int count_children(const struct fdt *fdt, int node)
{
	int n = 1;

	for (int c = fdt_first_child(fdt, node); c >= 0; c = fdt_next_sibling(fdt, c))
		n += count_children(fdt, c);
	return n;
}

static void test_iteration(void **state)
{
	struct blob b = load("qemu-virt");
	struct fdt fdt;
	char line[512];
	int root, depth = 0, walked = 0, in_source = 0;
	FILE *f = fopen("tests/unit/dts/qemu-virt.dts", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) /* one node per line ending in "{" */
		if (strlen(line) >= 2 && line[strlen(line) - 2] == '{')
			in_source++;
	fclose(f);

	open_ok(&fdt, &b);
	root = fdt_path(&fdt, "/");
	for (int n = root; n >= 0 && depth >= 0; n = fdt_next_node(&fdt, n, &depth)) {
		walked++;
		if (n != root)
			assert_true(fdt_parent(&fdt, n) >= 0);
	}
	assert_int_equal(walked, in_source);
	assert_int_equal(count_children(&fdt, root), in_source);
	assert_true(in_source > 20);
	free(b.data);
}

static void test_pi_translation(void **state)
{
	static const struct {
		const char *dtb, *node;
		uint64_t bus, cpu;
	} cases[] = {
		{ "rpi3", "/soc/serial@7e201000", 0x7e201000, 0x3f201000 },
		{ "rpi3", "/soc/serial@7e215040", 0x7e215040, 0x3f215040 },
		{ "rpi4", "/soc/serial@7e201000", 0x7e201000, 0xfe201000 },
		{ "rpi4", "/soc/serial@7e201000", 0x7c000010, 0xfc000010 },
		{ "rpi4", "/soc/serial@7e201000", 0x407fffff, 0xffffffff },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct blob b = load(cases[i].dtb);
		struct fdt fdt;
		uint64_t pa = 0;
		int n;

		open_ok(&fdt, &b);
		n = fdt_path(&fdt, cases[i].node);
		assert_true(n >= 0);
		assert_int_equal(fdt_translate(&fdt, n, cases[i].bus, &pa), 0);
		assert_int_equal(pa, cases[i].cpu);
		/* Outside every range of /soc: no translation. */
		assert_int_equal(fdt_translate(&fdt, n, 0x10000000, &pa), -EINVAL);
		/* /cpus has no "ranges": its children's addresses do not map. */
		assert_int_equal(fdt_translate(&fdt, fdt_path(&fdt, "/cpus/cpu@0"), 0, &pa),
				 -EINVAL);
		free(b.data);
	}
}

static void test_rsvmap(void **state)
{
	struct blob b = load("rpi4");
	struct fdt fdt;
	uint64_t a, s;

	open_ok(&fdt, &b);
	assert_int_equal(fdt_rsv(&fdt, 0, &a, &s), 0);
	assert_int_equal(a, 0);
	assert_int_equal(s, 0x1000);
	assert_int_equal(fdt_rsv(&fdt, 1, &a, &s), 0);
	assert_int_equal(a, 0x3ef00000);
	assert_int_equal(s, 0x100000);
	assert_int_equal(fdt_rsv(&fdt, 2, &a, &s), -ENOENT);
	assert_int_equal(fdt_rsv(&fdt, -1, &a, &s), -ENOENT);
	/* An entry of size 0 ends the list whatever its address, as in libfdt
	 * and Linux: the second entry's size becomes 0. */
	{
		uint8_t *re = b.data + fdt.off_rsvmap + 16;

		memset(re + 8, 0, 8);
		open_ok(&fdt, &b);
		assert_int_equal(fdt_rsv(&fdt, 0, &a, &s), 0);
		assert_int_equal(fdt_rsv(&fdt, 1, &a, &s), -ENOENT);
		re[15] = 0x10; /* restore a non-zero size for the rest of the test */
		open_ok(&fdt, &b);
	}
	/* 64-bit addresses with one size cell. */
	assert_int_equal(fdt_reg(&fdt, fdt_path(&fdt, "/memory@100000000"), 1, &a, &s), 0);
	assert_int_equal(a, 0x180000000ull);
	assert_int_equal(s, 0x80000000ull);
	free(b.data);
}

/* ---- malformed blobs ---- */

/* fdt_open must fail with a "device tree: " message containing `expect`. */
static void expect_reject(const uint8_t *data, size_t size, const char *expect, const char *what)
{
	uint8_t *copy = malloc(size ? size : 1);
	struct fdt fdt;
	const char *why = NULL;
	int err;

	assert_non_null(copy);
	memcpy(copy, data, size);
	err = fdt_open(&fdt, copy, size, &why);
	if (err != -EINVAL || !why || strncmp(why, "device tree: ", 13) != 0 ||
	    (expect && !strstr(why, expect)))
		fail_msg("%s: fdt_open returned %d, why \"%s\" (expected \"%s\")", what,
			 err, why ? why : "(none)", expect ? expect : "any");
	free(copy);
}

/* Offsets of the tiny tree's structure elements, found through the reader. */
struct layout {
	struct fdt fdt;
	size_t model_prop;  /* FDT_PROP token of /model */
	size_t mem_name;    /* name of memory@40000000 */
};

static struct layout locate(const struct blob *b)
{
	struct layout l;
	uint32_t len;
	const uint8_t *v;

	open_ok(&l.fdt, b);
	v = fdt_prop(&l.fdt, fdt_path(&l.fdt, "/"), "model", &len);
	assert_non_null(v);
	l.model_prop = (size_t)(v - b->data) - 12;
	assert_int_equal(get32(b->data + l.model_prop), 3); /* FDT_PROP */
	l.mem_name = (size_t)((const uint8_t *)fdt_name(&l.fdt, fdt_path(&l.fdt, "/memory")) -
			      b->data);
	return l;
}

static void test_header_mutations(void **state)
{
	static const struct {
		size_t field;
		uint32_t value; /* UINT32_MAX - k: header value + k, see below */
		const char *expect;
	} cases[] = {
		{ 0, 0x12345678, "bad magic 0x12345678" },
		{ 0, 0xedfe0dd0, "bad magic" },               /* byte-swapped */
		{ 4, 0, "absurd totalsize" },
		{ 4, 39, "absurd totalsize" },
		{ 4, 0x80000000, "absurd totalsize" },
		{ 8, 0xfffffff0, "structure block" },          /* off_dt_struct */
		{ 8, 4, "structure block" },                   /* inside the header */
		{ 12, 0xfffffff0, "strings block" },           /* off_dt_strings */
		{ 16, 0xfffffff8, "reservation block" },       /* off_mem_rsvmap */
		{ 16, 41, "reservation block" },               /* misaligned */
		{ 20, 15, "unsupported version" },
		{ 24, 18, "unsupported version" },
		{ 32, 0xfffffff0, "strings block" },           /* size_dt_strings */
		{ 36, 0xfffffff0, "structure block" },         /* size_dt_struct */
		{ 36, 0, "without FDT_END" },
	};
	struct blob b = load("tiny");

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t *m = malloc(b.size);
		char what[64];

		memcpy(m, b.data, b.size);
		put32(m + cases[i].field, cases[i].value);
		snprintf(what, sizeof(what), "header word %zu = 0x%x", cases[i].field,
			 cases[i].value);
		expect_reject(m, b.size, cases[i].expect, what);
		free(m);
	}
	/* Version 16 with last_comp_version 17: a blob compatible with a later
	 * version than its own (libfdt: FDT_ERR_BADVERSION). The v16 header
	 * has no size_dt_struct, so only the version words change. */
	{
		uint8_t *m = malloc(b.size);

		memcpy(m, b.data, b.size);
		put32(m + 20, 16);
		put32(m + 24, 17);
		expect_reject(m, b.size, "unsupported version 16 (last compatible 17)",
			      "version 16, last_comp_version 17");
		free(m);
	}
	/* Misaligned structure block. */
	{
		uint8_t *m = malloc(b.size);

		memcpy(m, b.data, b.size);
		put32(m + 8, get32(m + 8) + 1);
		expect_reject(m, b.size, "misaligned", "off_dt_struct + 1");
		/* Reservation block without its terminating entry: point it at the
		 * last 8 bytes of the blob. */
		memcpy(m, b.data, b.size);
		put32(m + 16, (uint32_t)ALIGN_DOWN(b.size - 8, 8));
		expect_reject(m, b.size, NULL, "reservation block at the end");
		free(m);
	}
	/* totalsize larger than the buffer. */
	expect_reject(b.data, b.size - 1, "truncated", "buffer one byte short");
	free(b.data);
}

static void test_truncation_every_cut(void **state)
{
	struct blob b = load("tiny");

	/* Buffer shorter than the blob: every cut point is caught by totalsize. */
	for (size_t cut = 0; cut < b.size; cut++) {
		char what[80];

		snprintf(what, sizeof(what), "cut at %zu", cut);
		expect_reject(b.data, cut, cut < 4 || cut >= 40 ? "truncated" : NULL, what);
	}
	/* Cut and totalsize lowered to match: the blocks no longer fit. */
	for (size_t cut = 40; cut < b.size; cut++) {
		uint8_t *m = malloc(cut);
		char what[80];

		memcpy(m, b.data, cut);
		put32(m + 4, (uint32_t)cut);
		snprintf(what, sizeof(what), "cut at %zu with totalsize %zu", cut, cut);
		expect_reject(m, cut, NULL, what);
		free(m);
	}
	free(b.data);
}

static void test_structure_mutations(void **state)
{
	struct blob b = load("tiny");
	struct layout l = locate(&b);
	size_t s = l.fdt.off_struct, end = s + l.fdt.size_struct;
	uint8_t *m = malloc(b.size);

	/* Still well formed, but /model loses its NUL: not a string any more. */
	memcpy(m, b.data, b.size);
	m[l.model_prop + 12 + get32(m + l.model_prop + 4) - 1] = 'x';
	{
		struct fdt f;
		const char *why;

		assert_int_equal(fdt_open(&f, m, b.size, &why), 0);
		assert_null(fdt_prop_str(&f, fdt_path(&f, "/"), "model"));
		assert_non_null(fdt_prop(&f, fdt_path(&f, "/"), "model", NULL));
	}

	/* Bad token. */
	memcpy(m, b.data, b.size);
	put32(m + l.model_prop, 7);
	expect_reject(m, b.size, "bad token 0x00000007", "token 7");

	/* Property length past the end of the structure block. */
	memcpy(m, b.data, b.size);
	put32(m + l.model_prop + 4, 0xfffffff0);
	expect_reject(m, b.size, "runs past the end", "huge property length");
	memcpy(m, b.data, b.size);
	put32(m + l.model_prop + 4, (uint32_t)(end - (l.model_prop + 12) + 1));
	expect_reject(m, b.size, "runs past the end", "property length one past the end");

	/* Property name offset outside the strings block. */
	memcpy(m, b.data, b.size);
	put32(m + l.model_prop + 8, l.fdt.size_strings + 10);
	expect_reject(m, b.size, "bad name offset", "name offset past strings");
	memcpy(m, b.data, b.size);
	put32(m + l.model_prop + 8, 0xffffffff);
	expect_reject(m, b.size, "bad name offset", "name offset 0xffffffff");
	/* A name offset whose string runs to the block's end unterminated. */
	memcpy(m, b.data, b.size);
	m[l.fdt.off_strings + l.fdt.size_strings - 1] = 'x';
	expect_reject(m, b.size, "bad name offset", "last property name unterminated");

	/* Node name unterminated: the structure block ends inside it. */
	memcpy(m, b.data, b.size);
	put32(m + 36, (uint32_t)(l.mem_name - s + 3));
	expect_reject(m, b.size, "unterminated node name", "block ends in a name");

	/* Nesting never closed: the root's FDT_END_NODE becomes a NOP. */
	memcpy(m, b.data, b.size);
	assert_int_equal(get32(m + end - 4), 9); /* FDT_END */
	assert_int_equal(get32(m + end - 8), 2); /* FDT_END_NODE of the root */
	put32(m + end - 8, 4);
	expect_reject(m, b.size, "never closed", "root never closed");
	/* ... and without FDT_END either. */
	put32(m + 36, l.fdt.size_struct - 4);
	expect_reject(m, b.size, "never closed", "root never closed, no FDT_END");

	/* An extra FDT_END_NODE. */
	memcpy(m, b.data, b.size);
	put32(m + end - 4, 2);
	expect_reject(m, b.size, NULL, "FDT_END replaced by FDT_END_NODE");

	/* A property after a subnode: swap roles by turning the first subnode's
	 * FDT_BEGIN_NODE into a property header is covered by the fuzz below;
	 * here, a node name with a '/' in it. */
	memcpy(m, b.data, b.size);
	m[l.mem_name + 3] = '/';
	expect_reject(m, b.size, "bad node name", "name with '/'");
	free(m);
	free(b.data);
}

/* Every single-byte change: accepted or rejected, never a bad read (ASan). */
static void test_every_byte_flipped(void **state)
{
	struct blob b = load("tiny");
	uint8_t *m = malloc(b.size);
	static const uint8_t xors[] = { 0x01, 0x80, 0xff };
	int rejected = 0;

	for (size_t i = 0; i < b.size; i++)
		for (size_t x = 0; x < ARRAY_SIZE(xors); x++) {
			struct fdt fdt;
			const char *why = NULL;
			uint64_t a, sz;

			memcpy(m, b.data, b.size);
			m[i] ^= xors[x];
			if (fdt_open(&fdt, m, b.size, &why)) {
				assert_non_null(why);
				rejected++;
				continue;
			}
			/* Accepted: every lookup stays in bounds. */
			int depth = 0;

			for (int n = fdt_path(&fdt, "/"); n >= 0 && depth >= 0;
			     n = fdt_next_node(&fdt, n, &depth)) {
				(void)fdt_reg(&fdt, n, 0, &a, &sz);
				(void)fdt_translate(&fdt, n, 0x9000000, &a);
				(void)fdt_compatible(&fdt, n, "arm,pl011");
				(void)fdt_prop_str(&fdt, n, "device_type");
			}
			(void)fdt_path(&fdt, "serial0");
			(void)fdt_rsv(&fdt, 0, &a, &sz);
		}
	print_message("%d of %zu mutants rejected\n", rejected, b.size * ARRAY_SIZE(xors));
	assert_true(rejected > 0);
	free(m);
	free(b.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_virt_lookups),
		cmocka_unit_test(test_iteration),
		cmocka_unit_test(test_pi_translation),
		cmocka_unit_test(test_rsvmap),
		cmocka_unit_test(test_header_mutations),
		cmocka_unit_test(test_truncation_every_cut),
		cmocka_unit_test(test_structure_mutations),
		cmocka_unit_test(test_every_byte_flipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
