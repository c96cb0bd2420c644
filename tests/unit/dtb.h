/*
 * Device-tree blobs for host tests: read build/host/dts/<name>.dtb, which the
 * unit-test rule compiles from tests/unit/dts/<name>.dts with dtc. Tests run
 * from the repository root.
 */
#ifndef TESTS_UNIT_DTB_H
#define TESTS_UNIT_DTB_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct blob {
	uint8_t *data;
	size_t size;
};

/* load: the named blob in a malloc'd buffer (the test frees it); fails the test if unreadable. */
static inline struct blob load(const char *name)
{
	char path[256];
	struct blob b;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "build/host/dts/%s.dtb", name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run from the repository root after make unit)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_true(n > 0);
	b.size = (size_t)n;
	b.data = malloc(b.size);
	assert_non_null(b.data);
	assert_int_equal(fread(b.data, 1, b.size, f), b.size);
	fclose(f);
	return b;
}

#endif
