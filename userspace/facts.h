/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The raw numbers each lesson is about: what --json prints as "facts"
 * (mapview(1) documents every field) and the text report sums up.  The
 * lesson of each struct fills it, in its own file (lesson_*.c).
 */
#ifndef MAPVIEW_FACTS_H
#define MAPVIEW_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "procfs.h"

#define MAPVIEW_STEPS_MAX 8

/* heap: malloc(1) in a fresh process, then free(). */
struct heap_facts {
	unsigned long block;		/* what malloc(1) returned */
	unsigned long brk[3];		/* sbrk(0): before, after malloc, after free */
	long heap_kb[3];		/* the [heap] line's size; 0: no line */
};

/* mmap: one malloc() just under glibc's mmap threshold, one at it. */
struct mmap_case {
	size_t size;
	unsigned long block;
	bool new_mapping;		/* a maps line appeared for it */
	bool in_heap;			/* it lies in [heap] */
	bool gone_after_free;		/* its line was gone after free() */
};

struct mmap_facts {
	struct mmap_case under, over;
	struct mmap_case again;		/* the larger size once more, after free */
};

/* demand: big malloc()s, then touching some of their pages. */
#define DEMAND_BLOCKS 4
struct demand_facts {
	size_t block_size;		/* each malloc(); 1 GiB unless refused */
	unsigned long block[DEMAND_BLOCKS];
	unsigned long long requested_kb;
	unsigned long touched_pages;
	/* Changes at the malloc()s and at the touches; RSS from smaps_rollup. */
	long vsz_kb_alloc, rss_kb_alloc;
	long vsz_kb_touch, rss_kb_touch;
	long minflt_touch;
	char thp[16];			/* transparent_hugepage/enabled */
	int overcommit;			/* vm.overcommit_memory */
};

/* cow: one page's frame in parent and child, around the child's write. */
struct cow_page {
	unsigned long addr;
	bool child_mapped_at_fork;	/* fork copied its page table entry */
	uint64_t parent_pfn_before, child_pfn_before;
	uint64_t parent_pfn_after, child_pfn_after;
};

struct cow_facts {
	bool pfns_hidden;		/* not CAP_SYS_ADMIN: PFNs read as 0 */
	int child;			/* its pid */
	struct cow_page anon, device_private, device_shared;
};

/* free: free(1)'s columns at each step, as procps 4 computes them. */
struct free_columns {
	long total, used, free, shared, buff_cache, available;
	long pcp;		/* on the per-CPU free lists, which free omits */
};

struct free_facts {
	struct free_columns kb[MAPVIEW_STEPS_MAX];	/* one per step */
	char file[64];			/* the file written and read */
	bool file_in_ram;		/* on tmpfs or ramfs: no disk behind */
	size_t file_bytes, anon_bytes;
	bool module_loaded_here;	/* the module was loaded at a step */
};

/* segments: where a process's objects live. */
#define SEGMENT_OBJECTS 7
struct segment_object {
	const char *object;		/* "a function" */
	const char *segment;		/* what the textbook calls its place */
	unsigned long addr;
	bool found;			/* a maps line holds it */
	struct maps_entry map;		/* that line */
};

struct segments_facts {
	struct segment_object obj[SEGMENT_OBJECTS];
};

union lesson_facts {
	struct heap_facts heap;
	struct mmap_facts mmap;
	struct demand_facts demand;
	struct cow_facts cow;
	struct free_facts free;
	struct segments_facts segments;
};

#endif /* MAPVIEW_FACTS_H */
