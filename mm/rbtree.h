/*
 * An intrusive red-black tree: the node is embedded in the object it orders
 * (container_of gets the object back), and the caller does the descent, so
 * the tree needs no comparison callback on its fast paths.
 *
 * The red-black rules, which every operation here preserves:
 *   1. every node is red or black;
 *   2. the root is black;
 *   3. a red node has no red child;
 *   4. every path from a node down to a missing (NULL) child passes the
 *      same number of black nodes (the node's black height).
 * Rules 3 and 4 bound the longest path to twice the shortest, so a tree of
 * n nodes is at most 2 log2(n + 1) deep: lookups are O(log n).
 *
 * Insertion: descend to the NULL link where the new key belongs, then
 *
 *	rb_link_node(&obj->node, parent, link);
 *	rb_insert_color(&obj->node, root);
 */
#ifndef MM_RBTREE_H
#define MM_RBTREE_H

#include "lib/types.h"

struct rb_node {
	struct rb_node *rb_parent; /* NULL for the root */
	struct rb_node *rb_left;
	struct rb_node *rb_right;
	bool rb_red;               /* false: black */
};

struct rb_root {
	struct rb_node *rb_node;   /* NULL when empty */
};

#define RB_ROOT ((struct rb_root){ NULL })

#define rb_entry(ptr, type, member) container_of(ptr, type, member)

/* rb_link_node: hang a fresh red node at *link, a NULL child slot of parent. */
static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
				struct rb_node **link)
{
	node->rb_parent = parent;
	node->rb_left = NULL;
	node->rb_right = NULL;
	node->rb_red = true;
	*link = node;
}

/* rb_insert_color: restore the rules after rb_link_node added node. */
void rb_insert_color(struct rb_node *node, struct rb_root *root);

/* rb_erase: unlink node from the tree and restore the rules. */
void rb_erase(struct rb_node *node, struct rb_root *root);

/* rb_first / rb_last: the smallest / largest node, or NULL if empty. */
struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_last(const struct rb_root *root);

/* rb_next / rb_prev: the in-order successor / predecessor, or NULL. */
struct rb_node *rb_next(const struct rb_node *node);
struct rb_node *rb_prev(const struct rb_node *node);

/* Strict key order for rb_check: whether a sorts before b. */
typedef bool (*rb_less_fn)(const struct rb_node *a, const struct rb_node *b);

/*
 * rb_check: verify rules 2-4, parent links and (if less is not NULL) strict
 * in-order key order. Returns the number of nodes, or -EINVAL after printing
 * the first violation.
 */
long rb_check(const struct rb_root *root, rb_less_fn less);

#endif
