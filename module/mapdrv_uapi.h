/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mapdrv: the interface user space sees on /dev/mapdrv besides
 * read/write/llseek/mmap.  Included by the module and by user space.
 */
#ifndef _MAPDRV_UAPI_H
#define _MAPDRV_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MAPDRV_DEVICE		"/dev/mapdrv"
#define MAPDRV_MARKER_FMT	"mapdrv page %lu"	/* starts page i */

#define MAPDRV_INFO_HUGE	0x1U	/* allocated with vmalloc_huge */

/* How pages reach user space: the module parameter map=NAME. */
enum mapdrv_map_mode {
	MAPDRV_MAP_FAULT,	/* "fault": one page per fault (the default) */
	MAPDRV_MAP_FAULTAROUND,	/* "faultaround": a window of pages per fault */
	MAPDRV_MAP_PREMAP,	/* "premap": every page at mmap() time */
	MAPDRV_MAP_MODES
};

/* The names map= takes, as an initializer indexed by the enum above. */
#define MAPDRV_MAP_NAMES {					\
	[MAPDRV_MAP_FAULT] = "fault",				\
	[MAPDRV_MAP_FAULTAROUND] = "faultaround",		\
	[MAPDRV_MAP_PREMAP] = "premap",				\
}

struct mapdrv_info {
	__u64 size;		/* buffer size in bytes */
	__u64 pages;		/* buffer size in pages */
	__u64 faults;		/* calls of the .fault handler */
	__u64 leaf_pages;	/* pages mapped from inside a huge (PMD/PUD) leaf */
	__u32 flags;		/* MAPDRV_INFO_* */
	__u32 map_mode;		/* enum mapdrv_map_mode */
	__u64 mapped;		/* pages put in user page tables, by any path */
	__u32 window;		/* pages one faultaround fault maps at most */
	__u32 reserved;		/* zero */
};

/* The levels of the page tables, top down; also indices of entry[]. */
enum mapdrv_level {
	MAPDRV_LEVEL_PGD,
	MAPDRV_LEVEL_P4D,
	MAPDRV_LEVEL_PUD,
	MAPDRV_LEVEL_PMD,
	MAPDRV_LEVEL_PTE,
	MAPDRV_LEVELS
};

/* Whose page tables the walk read: their entry formats differ. */
enum mapdrv_arch {
	MAPDRV_ARCH_X86_64 = 1,
	MAPDRV_ARCH_ARM64 = 2,
};

/*
 * MAPDRV_IOC_WALK: the module's page-table walk for one buffer page, as
 * the fault handler does it, beside vmalloc_to_page()'s answer.  Kernel
 * addresses and PFNs: CAP_SYS_ADMIN only (EPERM otherwise).
 *
 * A folded level is one this boot's paging does not have: its bit is set
 * in folded, and its entry, index and next_pfn are 0.  x86_64 with
 * 4-level paging folds the p4d (p4d_offset() hands back the pgd entry);
 * arm64 booted with 4 levels on a 5-level kernel folds the pgd (TTBR1
 * points straight at the p4d table).  next_pfn[] is the kernel's own
 * decoding of each entry, so that user space needs no descriptor formats:
 * the next table's PFN, or for the last level the leaf's first page.
 */
struct mapdrv_walk_info {
	__u64 page;			/* in: buffer page index */
	__u64 kaddr;			/* the page's vmalloc address */
	__u32 arch;			/* enum mapdrv_arch */
	__u32 pgtable_levels;		/* levels in use: 5 less the folded */
	__u64 root;			/* PA of the top table the walk began at */
	__u64 ttbr1;			/* arm64: TTBR1_EL1 as read; x86_64: 0 */
	__u64 entry[MAPDRV_LEVELS];	/* raw entries read, pgd first */
	__u64 next_pfn[MAPDRV_LEVELS];	/* what each entry points at */
	__u32 index[MAPDRV_LEVELS];	/* kaddr's index at each level */
	__u32 folded;			/* bit l: level l is folded */
	__u32 level;			/* where the walk stopped */
	__u32 found;			/* 1: the walk found a page */
	__u64 pfn;			/* the walk's answer */
	__u64 vmalloc_to_page_pfn;	/* vmalloc_to_page()'s answer */
	__u64 page_ptr;			/* the walk's struct page * */
	__u64 vmalloc_to_page_ptr;	/* vmalloc_to_page()'s struct page * */
};

/*
 * MAPDRV_IOC_WALK_BENCH: time the module's walk (as the fault path runs
 * it) and vmalloc_to_page() over every page of the buffer, in the
 * kernel, for the benchmark.
 * Each is timed over two passes, in the order walk, vmalloc_to_page,
 * vmalloc_to_page, walk, so that neither always runs on a warmer cache.
 * CAP_SYS_ADMIN only (EPERM otherwise).
 */
struct mapdrv_walk_bench {
	__u64 pages;			/* out: pages per pass */
	__u64 passes;			/* out: passes timed per function (2) */
	__u64 walk_ns;			/* out: mapdrv's walk, all passes */
	__u64 vmalloc_to_page_ns;	/* out: vmalloc_to_page(), all passes */
	__u64 mismatches;		/* out: pages the two disagree on */
};

#define MAPDRV_IOC_MAGIC	'M'
#define MAPDRV_IOC_INFO		_IOR(MAPDRV_IOC_MAGIC, 1, struct mapdrv_info)
#define MAPDRV_IOC_WALK		_IOWR(MAPDRV_IOC_MAGIC, 2, struct mapdrv_walk_info)
#define MAPDRV_IOC_WALK_BENCH	_IOR(MAPDRV_IOC_MAGIC, 3, struct mapdrv_walk_bench)

#endif /* _MAPDRV_UAPI_H */
