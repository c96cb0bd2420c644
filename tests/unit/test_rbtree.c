/*
 * The red-black tree against a sorted array: random inserts and erases,
 * rb_check (colours, black heights, parent links, order) after every step,
 * in-order walks both ways, and the depth bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mm/rbtree.h"

struct item {
	struct rb_node rb;
	uint64_t key;
	bool in;
};

static bool item_less(const struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct item, rb)->key < rb_entry(b, struct item, rb)->key;
}

static void insert(struct rb_root *root, struct item *it)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;

	while (*link) {
		parent = *link;
		link = it->key < rb_entry(parent, struct item, rb)->key ?
			       &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&it->rb, parent, link);
	rb_insert_color(&it->rb, root);
	it->in = true;
}

static int depth(const struct rb_node *n)
{
	int l, r;

	if (!n)
		return 0;
	l = depth(n->rb_left);
	r = depth(n->rb_right);
	return 1 + (l > r ? l : r);
}

/* The tree holds exactly the items marked in, in key order, both ways. */
static void expect_items(struct rb_root *root, struct item *items, size_t n)
{
	size_t i, count = 0;
	const struct rb_node *node = rb_first(root);
	long nodes = rb_check(root, item_less);

	for (i = 0; i < n; i++) {
		if (!items[i].in)
			continue;
		assert_non_null(node);
		assert_ptr_equal(node, &items[i].rb);
		node = rb_next(node);
		count++;
	}
	assert_null(node);
	assert_int_equal(nodes, (long)count);

	node = rb_last(root);
	for (i = n; i-- > 0;) {
		if (!items[i].in)
			continue;
		assert_ptr_equal(node, &items[i].rb);
		node = rb_prev(node);
	}
	assert_null(node);
}

static void shuffle(size_t *order, size_t n, unsigned *seed)
{
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rand_r(seed) % i, t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
}

static void test_empty(void **state)
{
	struct rb_root root = RB_ROOT;

	assert_null(rb_first(&root));
	assert_null(rb_last(&root));
	assert_int_equal(rb_check(&root, item_less), 0);
}

/* Ascending inserts are the classic worst case of an unbalanced tree. */
static void test_ascending_balanced(void **state)
{
	enum { N = 4095 };
	struct item *items = calloc(N, sizeof(*items));
	struct rb_root root = RB_ROOT;

	for (size_t i = 0; i < N; i++) {
		items[i].key = i;
		insert(&root, &items[i]);
		assert_true(rb_check(&root, item_less) == (long)i + 1);
	}
	expect_items(&root, items, N);
	assert_true(depth(root.rb_node) <= 2 * 12); /* 2 log2(N + 1) */
	for (size_t i = 0; i < N; i++) {
		rb_erase(&items[i].rb, &root);
		items[i].in = false;
		assert_true(rb_check(&root, item_less) == (long)(N - i - 1));
	}
	assert_null(root.rb_node);
	free(items);
}

/* Random interleavings of insert and erase, checked after each step. */
static void test_random(void **state)
{
	enum { N = 1000, ROUNDS = 20 };
	struct item items[N];
	size_t order[N];
	unsigned seed = 12345;
	struct rb_root root = RB_ROOT;

	memset(items, 0, sizeof(items));
	for (size_t i = 0; i < N; i++)
		items[i].key = i * 3;
	for (int round = 0; round < ROUNDS; round++) {
		shuffle(order, N, &seed);
		for (size_t k = 0; k < N; k++) {
			struct item *it = &items[order[k]];

			if (it->in) {
				rb_erase(&it->rb, &root);
				it->in = false;
			} else if (rand_r(&seed) & 1) {
				insert(&root, it);
			}
			assert_true(rb_check(&root, item_less) >= 0);
		}
		expect_items(&root, items, N);
	}
}

/* rb_check must catch broken trees, or the other tests prove nothing. */
static void test_check_catches(void **state)
{
	struct item items[7];
	struct rb_root root = RB_ROOT;

	memset(items, 0, sizeof(items));
	for (size_t i = 0; i < 7; i++) {
		items[i].key = i;
		insert(&root, &items[i]);
	}
	assert_int_equal(rb_check(&root, item_less), 7);

	root.rb_node->rb_red = true; /* rule 2 */
	assert_int_equal(rb_check(&root, item_less), -22);
	root.rb_node->rb_red = false;

	struct rb_node *leaf = rb_first(&root);
	leaf->rb_red = !leaf->rb_red; /* a black-height or red-red violation */
	assert_int_equal(rb_check(&root, item_less), -22);
	leaf->rb_red = !leaf->rb_red;

	items[0].key = 100; /* order */
	assert_int_equal(rb_check(&root, item_less), -22);
	items[0].key = 0;

	struct rb_node *p = leaf->rb_parent;
	leaf->rb_parent = NULL; /* parent link */
	assert_int_equal(rb_check(&root, item_less), -22);
	leaf->rb_parent = p;
	assert_int_equal(rb_check(&root, item_less), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_ascending_balanced),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_check_catches),
	};

	return cmocka_run_group_tests_name("rbtree", tests, NULL, NULL);
}
