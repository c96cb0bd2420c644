/*
 * Red-black tree operations (rules in mm/rbtree.h). The fix-ups follow the
 * classic formulation (Cormen et al., "Introduction to Algorithms", ch. 13)
 * with NULL standing for the black leaves.
 *
 * In the drawings, as in Linux's lib/rbtree.c: a lowercase name is a black
 * node, an uppercase one a red node, and a name in parentheses either
 * colour. Only the left-hand cases are drawn; the others are their mirror
 * images, with left and right swapped.
 */
#include "mm/rbtree.h"
#include "lib/errno.h"
#include "lib/printf.h"

static bool is_red(const struct rb_node *n)
{
	return n && n->rb_red;
}

/* Make `new` take old's place under old's parent (or as the root). */
static void replace_child(struct rb_root *root, struct rb_node *old,
			  struct rb_node *new)
{
	struct rb_node *parent = old->rb_parent;

	if (!parent)
		root->rb_node = new;
	else if (parent->rb_left == old)
		parent->rb_left = new;
	else
		parent->rb_right = new;
	if (new)
		new->rb_parent = parent;
}

/*
 *      x                y
 *     / \              / \
 *    a   y     ->     x   c
 *       / \          / \
 *      b   c        a   b
 */
static void rotate_left(struct rb_root *root, struct rb_node *x)
{
	struct rb_node *y = x->rb_right;

	x->rb_right = y->rb_left;
	if (y->rb_left)
		y->rb_left->rb_parent = x;
	replace_child(root, x, y);
	y->rb_left = x;
	x->rb_parent = y;
}

/* The mirror image of rotate_left. */
static void rotate_right(struct rb_root *root, struct rb_node *x)
{
	struct rb_node *y = x->rb_left;

	x->rb_left = y->rb_right;
	if (y->rb_right)
		y->rb_right->rb_parent = x;
	replace_child(root, x, y);
	y->rb_right = x;
	x->rb_parent = y;
}

/*
 * A new node is red, so only rule 3 (red parent) or rule 2 (new root) can
 * break. While the parent is red (hence not the root, so a grandparent
 * exists): a red uncle lets us push the grandparent's blackness down one
 * level and retry from the grandparent; a black uncle is fixed for good by
 * at most two rotations.
 *
 * Loop invariant: n is red; every black height is right (rule 4); the only
 * possible breach is n's parent being red (rule 3), or n being the red
 * root (rule 2, repaired after the loop).
 *
 * Case 1, red uncle: recolour, and carry on from g, which is now red and
 * may have a red parent.
 *
 *        g              G   <- n
 *       / \            / \
 *      P   U    -->   p   u
 *     /              /
 *    N              N
 *
 * Case 2, black uncle, n an inner child: rotate left at p, which makes
 * it case 3 with n and p swapped.
 *
 *        g              g
 *       / \            / \
 *      P   u    -->   N   u
 *       \            /
 *        N          P
 *
 * Case 3, black uncle, n an outer child: rotate right at g and swap the
 * colours of p and g. The top of the subtree is black again, its black
 * heights unchanged: done.
 *
 *        g              p
 *       / \            / \
 *      P   u    -->   N   G
 *     /                    \
 *    N                      u
 */
void rb_insert_color(struct rb_node *n, struct rb_root *root)
{
	struct rb_node *p, *g, *u;

	while ((p = n->rb_parent) && p->rb_red) {
		g = p->rb_parent;
		if (p == g->rb_left) {
			u = g->rb_right;
			if (is_red(u)) {
				p->rb_red = u->rb_red = false;
				g->rb_red = true;
				n = g;
				continue;
			}
			if (n == p->rb_right) {
				rotate_left(root, p);
				p = n;
			}
			p->rb_red = false;
			g->rb_red = true;
			rotate_right(root, g);
			break; /* the subtree's new top is black: done */
		} else {
			u = g->rb_left;
			if (is_red(u)) {
				p->rb_red = u->rb_red = false;
				g->rb_red = true;
				n = g;
				continue;
			}
			if (n == p->rb_left) {
				rotate_right(root, p);
				p = n;
			}
			p->rb_red = false;
			g->rb_red = true;
			rotate_left(root, g);
			break;
		}
	}
	root->rb_node->rb_red = false;
}

/*
 * Removing a black node leaves the path through x (possibly NULL, child of
 * parent) one black short. Either x is red (paint it black, done), or we
 * borrow from the sibling w, which has black height >= 1 so exists:
 * a red sibling is rotated into a black one; a black sibling with black
 * children turns red and moves the deficit up; otherwise one or two
 * rotations end it.
 *
 * Loop invariant: x is black (or NULL) and not the root; every path
 * through x has one black node fewer than the other paths from parent
 * (rule 4 is broken by exactly one, there); every other rule holds.
 *
 * Case 1, red sibling: rotate left at p and swap the colours of p and w.
 * x's new sibling wl is black (a red node's children are), so one of
 * cases 2-4 follows.
 *
 *        p                w
 *       / \              / \
 *      x   W     -->    P   wr
 *         / \          / \
 *        wl  wr       x   wl
 *
 * Case 2, black sibling with black children: paint w red, which takes a
 * black from the paths through w too, so the deficit moves up to p. A red
 * p ends the loop and is painted black; a black p is the next x.
 *
 *       (p)              (p)   <- x
 *       / \              / \
 *      x   w     -->    x   W
 *         / \              / \
 *        wl  wr           wl  wr
 *
 * Case 3, black sibling whose near child is red and far child black:
 * rotate right at w and swap the colours of w and wl, which makes it
 * case 4 with a red far child.
 *
 *       (p)              (p)
 *       / \              / \
 *      x   w     -->    x   wl
 *         / \                \
 *        WL  wr               W
 *                              \
 *                               wr
 *
 * Case 4, black sibling whose far child is red: rotate left at p; w takes
 * p's colour, p and wr turn black. The paths through x gain the black p,
 * the others keep their count: done.
 *
 *       (p)              (w)
 *       / \              / \
 *      x   w     -->    p   wr
 *         / \          / \
 *      (wl)  WR       x  (wl)
 */
static void erase_fixup(struct rb_root *root, struct rb_node *x,
			struct rb_node *parent)
{
	struct rb_node *w;

	while (x != root->rb_node && !is_red(x)) {
		if (x == parent->rb_left) {
			w = parent->rb_right;
			if (w->rb_red) {
				w->rb_red = false;
				parent->rb_red = true;
				rotate_left(root, parent);
				w = parent->rb_right;
			}
			if (!is_red(w->rb_left) && !is_red(w->rb_right)) {
				w->rb_red = true;
				x = parent;
				parent = x->rb_parent;
				continue;
			}
			if (!is_red(w->rb_right)) {
				w->rb_left->rb_red = false;
				w->rb_red = true;
				rotate_right(root, w);
				w = parent->rb_right;
			}
			w->rb_red = parent->rb_red;
			parent->rb_red = false;
			w->rb_right->rb_red = false;
			rotate_left(root, parent);
		} else {
			w = parent->rb_left;
			if (w->rb_red) {
				w->rb_red = false;
				parent->rb_red = true;
				rotate_right(root, parent);
				w = parent->rb_left;
			}
			if (!is_red(w->rb_left) && !is_red(w->rb_right)) {
				w->rb_red = true;
				x = parent;
				parent = x->rb_parent;
				continue;
			}
			if (!is_red(w->rb_left)) {
				w->rb_right->rb_red = false;
				w->rb_red = true;
				rotate_left(root, w);
				w = parent->rb_left;
			}
			w->rb_red = parent->rb_red;
			parent->rb_red = false;
			w->rb_left->rb_red = false;
			rotate_right(root, parent);
		}
		x = root->rb_node;
		break;
	}
	if (x)
		x->rb_red = false;
}

/*
 * A node with at most one child is spliced out directly. A node with two
 * children is replaced by its successor y (leftmost of the right subtree,
 * which has no left child): y takes z's place and colour, so the node that
 * really disappears from its position is y, and its colour decides the
 * fix-up.
 */
void rb_erase(struct rb_node *z, struct rb_root *root)
{
	struct rb_node *x, *parent, *y;
	bool removed_red;

	if (!z->rb_left || !z->rb_right) {
		x = z->rb_left ? z->rb_left : z->rb_right;
		parent = z->rb_parent;
		removed_red = z->rb_red;
		replace_child(root, z, x);
	} else {
		y = z->rb_right;
		while (y->rb_left)
			y = y->rb_left;
		removed_red = y->rb_red;
		x = y->rb_right;
		if (y->rb_parent == z) {
			parent = y;
		} else {
			parent = y->rb_parent;
			replace_child(root, y, x);
			y->rb_right = z->rb_right;
			y->rb_right->rb_parent = y;
		}
		replace_child(root, z, y);
		y->rb_left = z->rb_left;
		y->rb_left->rb_parent = y;
		y->rb_red = z->rb_red;
	}
	if (!removed_red)
		erase_fixup(root, x, parent);
}

struct rb_node *rb_first(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (n)
		while (n->rb_left)
			n = n->rb_left;
	return n;
}

struct rb_node *rb_last(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (n)
		while (n->rb_right)
			n = n->rb_right;
	return n;
}

struct rb_node *rb_next(const struct rb_node *n)
{
	struct rb_node *p;

	if (n->rb_right) {
		n = n->rb_right;
		while (n->rb_left)
			n = n->rb_left;
		return (struct rb_node *)n;
	}
	while ((p = n->rb_parent) && n == p->rb_right)
		n = p;
	return p;
}

struct rb_node *rb_prev(const struct rb_node *n)
{
	struct rb_node *p;

	if (n->rb_left) {
		n = n->rb_left;
		while (n->rb_right)
			n = n->rb_right;
		return (struct rb_node *)n;
	}
	while ((p = n->rb_parent) && n == p->rb_left)
		n = p;
	return p;
}

/* Black height of the subtree at n (rule 4), counting the NULL leaves as
 * height 0, or -EINVAL. Adds the subtree's nodes to *count. Depth is
 * bounded by 2 log2(n + 1), so recursion is safe. */
static long check_subtree(const struct rb_node *n, const struct rb_node *parent,
			  long *count)
{
	long lh, rh;

	if (!n)
		return 0;
	if (n->rb_parent != parent) {
		kprintf("rb_check: node %p has parent %p, expected %p\n",
			(const void *)n, (const void *)n->rb_parent,
			(const void *)parent);
		return -EINVAL;
	}
	if (n->rb_red && (is_red(n->rb_left) || is_red(n->rb_right))) {
		kprintf("rb_check: red node %p has a red child (rule 3)\n",
			(const void *)n);
		return -EINVAL;
	}
	lh = check_subtree(n->rb_left, n, count);
	if (lh < 0)
		return lh;
	rh = check_subtree(n->rb_right, n, count);
	if (rh < 0)
		return rh;
	if (lh != rh) {
		kprintf("rb_check: node %p: black heights %ld left, %ld right (rule 4)\n",
			(const void *)n, lh, rh);
		return -EINVAL;
	}
	(*count)++;
	return lh + !n->rb_red;
}

long rb_check(const struct rb_root *root, rb_less_fn less)
{
	const struct rb_node *n, *prev = NULL;
	long count = 0, seen = 0, h;

	if (is_red(root->rb_node)) {
		kprintf("rb_check: the root is red (rule 2)\n");
		return -EINVAL;
	}
	h = check_subtree(root->rb_node, NULL, &count);
	if (h < 0)
		return h;
	for (n = rb_first(root); n; n = rb_next(n)) {
		if (less && prev && !less(prev, n)) {
			kprintf("rb_check: nodes %p, %p out of order\n",
				(const void *)prev, (const void *)n);
			return -EINVAL;
		}
		prev = n;
		seen++;
	}
	if (seen != count) {
		kprintf("rb_check: in-order walk saw %ld nodes of %ld\n", seen, count);
		return -EINVAL;
	}
	return count;
}
