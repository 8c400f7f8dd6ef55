// SPDX-License-Identifier: GPL-2.0
/*
 * Two roads to one frame: the user page's PFN from /proc/self/pagemap and
 * the module's walk of the kernel page tables for the same buffer page.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "frames.h"

const char *const level_name[MAPDRV_LEVELS] = {
	[MAPDRV_LEVEL_PGD] = "pgd",
	[MAPDRV_LEVEL_P4D] = "p4d",
	[MAPDRV_LEVEL_PUD] = "pud",
	[MAPDRV_LEVEL_PMD] = "pmd",
	[MAPDRV_LEVEL_PTE] = "pte",
};

static int module_walk(int dev_fd, unsigned long page,
		       struct mapdrv_walk_info *wi, const char **what)
{
	memset(wi, 0, sizeof(*wi));
	wi->page = page;
	if (ioctl(dev_fd, MAPDRV_IOC_WALK, wi)) {
		*what = "MAPDRV_IOC_WALK";
		return -errno;
	}
	return 0;
}

int frame_read(int pagemap_fd, int dev_fd, long page_size,
	       struct frame *fr, const char **what)
{
	struct mapdrv_walk_info wi;
	uint64_t raw;
	int ret;

	ret = pagemap_read(pagemap_fd, fr->user_addr, page_size, &raw);
	if (ret) {
		*what = "/proc/self/pagemap";
		return ret;
	}
	pagemap_decode(raw, &fr->user);

	ret = module_walk(dev_fd, fr->page, &wi, what);
	if (ret)
		return ret;
	fr->kernel_pfn = wi.found ? wi.pfn : 0;
	/* A present page with PFN 0 means the kernel hid it from us. */
	if (fr->user.present && !fr->user.pfn)
		return -EPERM;
	fr->match = fr->user.present && fr->user.pfn == fr->kernel_pfn;
	return 0;
}

int walk_read(int pagemap_fd, int dev_fd, long page_size, unsigned long page,
	      unsigned long user_addr, struct walk_report *w,
	      const char **what)
{
	int top_shift, ret;

	ret = module_walk(dev_fd, page, &w->kernel, what);
	if (ret)
		return ret;

	/* The user address through the same levels of the process's tables. */
	w->user_addr = user_addr;
	top_shift = w->kernel.pgtable_levels == 5 ? 48 : 39;
	w->user_index[MAPDRV_LEVEL_PGD] = (user_addr >> top_shift) & 511;
	w->user_index[MAPDRV_LEVEL_P4D] =
		w->kernel.pgtable_levels == 5 ? (user_addr >> 39) & 511 : 0;
	w->user_index[MAPDRV_LEVEL_PUD] = (user_addr >> 30) & 511;
	w->user_index[MAPDRV_LEVEL_PMD] = (user_addr >> 21) & 511;
	w->user_index[MAPDRV_LEVEL_PTE] = (user_addr >> 12) & 511;

	ret = pagemap_read(pagemap_fd, user_addr, page_size, &w->user_raw);
	if (ret) {
		*what = "/proc/self/pagemap";
		return ret;
	}
	pagemap_decode(w->user_raw, &w->user);
	return 0;
}

void entry_flags(uint64_t entry, char *buf, size_t len)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} flags[] = {
		{ PTE_PRESENT, "present" }, { PTE_RW, "rw" },
		{ PTE_USER, "user" }, { PTE_NX, "nx" },
		{ PTE_GLOBAL, "global" }, { PTE_ACCESSED, "accessed" },
		{ PTE_DIRTY, "dirty" }, { PTE_HUGE, "huge" },
	};
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (!(entry & flags[i].bit))
			continue;
		used += snprintf(buf + used, used < len ? len - used : 0,
				 "%s%s", used ? " " : "", flags[i].name);
	}
}

uint64_t entry_pfn(uint64_t entry, bool leaf)
{
	/* Physical address bits 12-51; in a huge leaf bit 12 is PAT. */
	uint64_t mask = leaf ? 0x000fffffffe00000ULL : 0x000ffffffffff000ULL;

	return (entry & mask) >> 12;
}
