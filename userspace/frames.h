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

/*
 * The module's walk of a buffer page, and the user side: the user
 * address's indices in the process's own tables (0 at a folded level).
 */
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

/*
 * "present rw nx ..." (x86_64) or "valid table pxntable ..." (arm64): the
 * bits of @entry, read at @level, by the format of @arch, into @buf.
 */
void entry_flags(uint32_t arch, unsigned int level, uint64_t entry,
		 char *buf, size_t len);

/* "x86_64", "arm64", or "unknown" for an arch this mapview does not know. */
const char *arch_name(uint32_t arch);

extern const char *const level_name[MAPDRV_LEVELS];

#endif /* MAPVIEW_FRAMES_H */
