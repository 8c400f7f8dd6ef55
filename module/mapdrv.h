/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mapdrv: what the module's source files share.
 */
#ifndef _MAPDRV_H
#define _MAPDRV_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/types.h>

#include "mapdrv_uapi.h"

/* The one buffer the device serves, to read()/write() and to mmap(). */
struct mapdrv_buffer {
	void *vaddr;		/* vmalloc'd and zeroed, then marked */
	unsigned long pages;	/* size in pages, never 0 */
	size_t size;		/* pages << PAGE_SHIFT */
	bool huge;		/* asked for PMD leaves (vmalloc_huge) */
	enum mapdrv_map_mode map_mode;	/* how mmap serves pages */
	atomic64_t faults;	/* calls of mapdrv_fault() */
	atomic64_t mapped;	/* pages put in user page tables */
	atomic64_t leaf_pages;	/* of those, found inside a huge leaf */
};

/*
 * Pages one faultaround fault maps at most: 64 KiB, the page cache's
 * default fault_around_bytes.
 */
#define MAPDRV_WINDOW	16

/*
 * What mapdrv_walk() saw on its way down (levels: mapdrv_uapi.h).  A
 * folded level has no table of its own: its entry and next_pfn stay 0.
 */
struct mapdrv_walk {
	unsigned int level;		/* where it stopped, never a folded one */
	unsigned int folded;		/* bit l: level l is folded */
	u64 root;			/* PA of the top table */
	u64 ttbr1;			/* arm64: TTBR1_EL1 as read */
	u64 entry[MAPDRV_LEVELS];	/* raw entries, pgd first */
	u64 next_pfn[MAPDRV_LEVELS];	/* the table or page each points at */
};

extern struct mapdrv_buffer mapdrv_buf;

/* mapdrv_buffer.c */
int mapdrv_buffer_alloc(struct mapdrv_buffer *buf, unsigned long pages,
			bool huge);
void mapdrv_buffer_free(struct mapdrv_buffer *buf);

/* mapdrv_walk.c */
struct page *mapdrv_walk(struct mm_struct *mm, unsigned long addr,
			 struct mapdrv_walk *w);

/* mapdrv_mmap.c: one mmap hook, the one Kbuild's probe chose */
#ifdef MAPDRV_HAVE_MMAP_PREPARE
int mapdrv_mmap_prepare(struct vm_area_desc *desc);
int mapdrv_premap_init(void);
void mapdrv_premap_exit(void);
#else
int mapdrv_mmap(struct file *file, struct vm_area_struct *vma);
/* .mmap maps premap's pages inside the call: nothing to find at load. */
static inline int mapdrv_premap_init(void) { return 0; }
static inline void mapdrv_premap_exit(void) { }
#endif
extern const struct file_operations mapdrv_fops;

#endif /* _MAPDRV_H */
