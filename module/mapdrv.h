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

/**
 * struct mapdrv_buffer - the one buffer the device serves, to read/write
 * and to mmap
 * @vaddr: vmalloc'd and zeroed, then marked
 * @pages: size in pages, never 0
 * @size: @pages << PAGE_SHIFT
 * @huge: asked for PMD leaves (vmalloc_huge)
 * @map_mode: how mmap serves pages
 * @faults: calls of mapdrv_fault()
 * @mapped: pages put in user page tables
 * @leaf_pages: of those, found inside a huge leaf
 *
 * What protects it: no lock of its own.  Every field but the counters is
 * written once, by mapdrv_init() before misc_register() makes the device
 * openable, and read-only after; mapdrv_exit() frees the buffer only
 * after misc_deregister(), and a module with an open file or a mapping
 * cannot be unloaded (the file pins the module, a vma pins its file).
 * The counters are atomic64_t: faults and ioctls race to them freely.
 *
 * Under which locks its users run: mapdrv_fault() under mmap_lock held
 * for read on 6.1 to 6.6 (6.1 has no per-vma locks; 6.4 to 6.6 take them
 * for anonymous vmas only); from 6.7 under the vma's own read lock, or
 * mmap_lock when the core could not take that one, since the vm_ops have
 * a ->map_pages (vmf_can_call_fault() in mm/memory.c; mapdrv_map_pages()
 * maps nothing).  Either keeps the vma, and the vma keeps the buffer,
 * which is all it reads.  vm_insert_pages() in premap runs inside
 * .mmap, or, for .mmap_prepare, in the core's action after it, both
 * under mmap_lock held for write; from faultaround's mapdrv_fault()
 * under either lock, which vm_insert_pages() allows once VM_MIXEDMAP is
 * set (mmap does it).  It takes the page table lock itself.  The walk
 * reads the kernel's own page tables with no lock: they map the buffer
 * as long as it lives (mapdrv_walk.c).
 */
struct mapdrv_buffer {
	void *vaddr;
	unsigned long pages;
	size_t size;
	bool huge;
	enum mapdrv_map_mode map_mode;
	atomic64_t faults;
	atomic64_t mapped;
	atomic64_t leaf_pages;
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

/* mapdrv_fops.c */
extern const struct file_operations mapdrv_fops;

/* mapdrv_ioctl.c */
long mapdrv_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* _MAPDRV_H */
