// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv: the buffer behind /dev/mapdrv.
 *
 * Zeroed by the allocator (__GFP_ZERO) so that no old kernel data
 * ever reaches user space, then a marker at the start of every page so
 * that a reader can tell which page of the buffer it is looking at.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "mapdrv.h"
#include "mapdrv_uapi.h"

/**
 * mapdrv_buffer_alloc() - allocate, zero and mark the buffer
 * @buf: the buffer to fill in
 * @pages: its size in pages, checked by the caller
 * @huge: allocate with vmalloc_huge(), so that PMD leaves may map it
 *
 * Not __init and not inlined into init: /proc/vmallocinfo names the
 * caller of vmalloc by return address, and freed init text would print
 * as a raw address instead of "mapdrv_buffer_alloc+0x../0x.. [mapdrv]".
 * The vmalloc call is not the last thing done here, so it is no tail call
 * either.
 *
 * Return: 0, or -ENOMEM.
 */
noinline int mapdrv_buffer_alloc(struct mapdrv_buffer *buf,
				 unsigned long pages, bool huge)
{
	size_t size = pages << PAGE_SHIFT;
	unsigned long i;
	void *vaddr;

	/*
	 * What vzalloc() does, plus __GFP_NOWARN: the size comes from the
	 * user, so a failure is the user's to see (init says so), not a
	 * kernel splat.
	 */
	if (huge)
		vaddr = vmalloc_huge(size, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	else
		vaddr = __vmalloc(size, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!vaddr)
		return -ENOMEM;

	for (i = 0; i < pages; i++)
		snprintf(vaddr + (i << PAGE_SHIFT), PAGE_SIZE,
			 MAPDRV_MARKER_FMT, i);

	buf->vaddr = vaddr;
	buf->pages = pages;
	buf->size = size;
	buf->huge = huge;
	atomic64_set(&buf->faults, 0);
	atomic64_set(&buf->mapped, 0);
	atomic64_set(&buf->leaf_pages, 0);
	return 0;
}

/**
 * mapdrv_buffer_free() - free what mapdrv_buffer_alloc() allocated
 * @buf: the buffer; no file may be open on it any more
 */
void mapdrv_buffer_free(struct mapdrv_buffer *buf)
{
	vfree(buf->vaddr);
	buf->vaddr = NULL;
}
