/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The proof of sharing: the physical frame behind a user page (from
 * /proc/self/pagemap) beside the frame the module's walk finds for the
 * same buffer page (MAPDRV_IOC_WALK).  Both need CAP_SYS_ADMIN: without
 * it the kernel shows PFN 0 and refuses the walk, and mapview says so.
 */
#ifndef MAPVIEW_FRAMES_H
#define MAPVIEW_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "mapdrv_uapi.h"
#include "procfs.h"

struct frame {
	unsigned long page;		/* buffer page index */
	unsigned long user_addr;
	struct pagemap_entry user;	/* what pagemap says */
	uint64_t kernel_pfn;		/* what the module's walk found */
	bool match;
};

struct frames {
	bool pfns_visible;	/* false: not root, PFNs hidden */
	int n;
	struct frame *frame;	/* n entries */
};

/*
 * Fill frame->user from pagemap and frame->kernel_pfn from the module.
 * Returns 0, -EPERM when the PFNs are hidden from this process, or
 * another negative errno with @what naming what failed.
 */
int frame_read(int pagemap_fd, int dev_fd, long page_size,
	       struct frame *fr, const char **what);

/* The module's walk of buffer page @page, and the user side of @uaddr. */
struct walk_report {
	struct mapdrv_walk_info kernel;
	unsigned long user_addr;
	unsigned int user_index[MAPDRV_LEVELS];
	uint64_t user_raw;		/* pagemap entry */
	struct pagemap_entry user;
};

int walk_read(int pagemap_fd, int dev_fd, long page_size, unsigned long page,
	      unsigned long user_addr, struct walk_report *w,
	      const char **what);

/* x86-64 page-table entry bits, for the decoded flags of --walk. */
#define PTE_PRESENT	(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_USER	(1ULL << 2)
#define PTE_ACCESSED	(1ULL << 5)
#define PTE_DIRTY	(1ULL << 6)
#define PTE_HUGE	(1ULL << 7)	/* PSE: a leaf at PUD or PMD level */
#define PTE_GLOBAL	(1ULL << 8)
#define PTE_NX		(1ULL << 63)

/* "present rw nx global accessed dirty" and so on, into @buf. */
void entry_flags(uint64_t entry, char *buf, size_t len);

/* The PFN an entry points at (a table, a leaf or a page). */
uint64_t entry_pfn(uint64_t entry, bool leaf);

extern const char *const level_name[MAPDRV_LEVELS];

#endif /* MAPVIEW_FRAMES_H */
