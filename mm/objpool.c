/* Fixed-size object pools on pages of page_alloc (see mm/objpool.h). */
#include "mm/objpool.h"
#include "lib/assert.h"
#include "mm/arch.h"
#include "mm/page_alloc.h"

struct objpool_page {
	struct objpool_page *next, *prev; /* in pool->partial */
	void *free;                       /* first free object */
	size_t inuse;
};

/* Objects start after the header, 16-byte aligned. */
#define FIRST_OBJ ALIGN_UP(sizeof(struct objpool_page), 16)

void objpool_init(struct objpool *pool, size_t obj_size)
{
	assert(obj_size >= sizeof(void *) && obj_size % 8 == 0);
	assert(obj_size <= PAGE_SIZE - FIRST_OBJ);
	pool->obj_size = obj_size;
	pool->partial = NULL;
	pool->nr_pages = 0;
	pool->nr_objs = 0;
}

size_t objpool_per_page(const struct objpool *pool)
{
	return (PAGE_SIZE - FIRST_OBJ) / pool->obj_size;
}

static void partial_add(struct objpool *pool, struct objpool_page *pg)
{
	pg->prev = NULL;
	pg->next = pool->partial;
	if (pg->next)
		pg->next->prev = pg;
	pool->partial = pg;
}

static void partial_del(struct objpool *pool, struct objpool_page *pg)
{
	if (pg->prev)
		pg->prev->next = pg->next;
	else
		pool->partial = pg->next;
	if (pg->next)
		pg->next->prev = pg->prev;
}

/* A fresh page with every object on its free list, or NULL. */
static struct objpool_page *page_new(struct objpool *pool)
{
	paddr_t pa = page_alloc();
	struct objpool_page *pg;
	char *obj, *end;

	if (!pa)
		return NULL;
	pg = arch_phys_to_virt(pa);
	assert(IS_ALIGNED((uintptr_t)pg, PAGE_SIZE));
	pg->inuse = 0;
	pg->free = NULL;
	end = (char *)pg + FIRST_OBJ + objpool_per_page(pool) * pool->obj_size;
	for (obj = end - pool->obj_size; obj >= (char *)pg + FIRST_OBJ;
	     obj -= pool->obj_size) {
		*(void **)obj = pg->free;
		pg->free = obj;
	}
	pool->nr_pages++;
	partial_add(pool, pg);
	return pg;
}

void *objpool_alloc(struct objpool *pool)
{
	struct objpool_page *pg = pool->partial;
	void *obj;

	if (!pg && !(pg = page_new(pool)))
		return NULL;
	obj = pg->free;
	pg->free = *(void **)obj;
	pg->inuse++;
	if (!pg->free)
		partial_del(pool, pg);
	pool->nr_objs++;
	return obj;
}

void objpool_free(struct objpool *pool, void *obj)
{
	struct objpool_page *pg =
		(struct objpool_page *)ALIGN_DOWN((uintptr_t)obj, PAGE_SIZE);

	assert(pg->inuse > 0 && pool->nr_objs > 0);
	if (!pg->free)
		partial_add(pool, pg);
	*(void **)obj = pg->free;
	pg->free = obj;
	pool->nr_objs--;
	if (--pg->inuse == 0) {
		partial_del(pool, pg);
		pool->nr_pages--;
		page_free(arch_virt_to_phys(pg));
	}
}
