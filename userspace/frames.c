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

/*
 * Bits of virtual address the tables translate: x86_64 57 or 48; arm64
 * 52 with 5 levels (LPA2), else 48, or fewer when the levels in use do
 * not reach that far (39 with 3 levels of 4 KiB pages).
 */
static unsigned int va_bits(const struct mapdrv_walk_info *k,
			    unsigned int page_shift)
{
	unsigned int covered = page_shift + k->pgtable_levels * (page_shift - 3);

	if (k->arch == MAPDRV_ARCH_X86_64)
		return k->pgtable_levels == 5 ? 57 : 48;
	if (k->pgtable_levels == 5)
		return 52;
	return covered < 48 ? covered : 48;
}

/*
 * The user address through the levels of the process's own tables
 * (mm->pgd, which on arm64 is TTBR0's): they have the kernel's shape.  A
 * table is a page of 8-byte entries, so each level takes page_shift - 3
 * bits (9 with 4 KiB pages), from the PTE up; a folded level takes none.
 */
static void user_indices(struct walk_report *w, long page_size)
{
	const struct mapdrv_walk_info *k = &w->kernel;
	unsigned int page_shift = __builtin_ctzl(page_size);
	unsigned int bits = page_shift - 3, top = va_bits(k, page_shift);
	unsigned int shift = page_shift;

	for (int l = MAPDRV_LEVEL_PTE; l >= 0; l--) {
		unsigned int width;

		w->user_index[l] = 0;
		if ((k->folded & (1U << l)) || shift >= top)
			continue;
		/* The top level takes what is left: 4 bits in arm64's LPA2 pgd. */
		width = top - shift < bits ? top - shift : bits;
		w->user_index[l] = (w->user_addr >> shift) & ((1UL << width) - 1);
		shift += bits;
	}
}

int walk_read(int pagemap_fd, int dev_fd, long page_size, unsigned long page,
	      unsigned long user_addr, struct walk_report *w,
	      const char **what)
{
	int ret;

	ret = module_walk(dev_fd, page, &w->kernel, what);
	if (ret)
		return ret;

	w->user_addr = user_addr;
	user_indices(w, page_size);

	ret = pagemap_read(pagemap_fd, user_addr, page_size, &w->user_raw);
	if (ret) {
		*what = "/proc/self/pagemap";
		return ret;
	}
	pagemap_decode(w->user_raw, &w->user);
	return 0;
}

const char *arch_name(uint32_t arch)
{
	switch (arch) {
	case MAPDRV_ARCH_X86_64:
		return "x86_64";
	case MAPDRV_ARCH_ARM64:
		return "arm64";
	default:
		return "unknown";
	}
}

struct entry_bit {
	unsigned int bit;
	const char *name;
};

/* x86_64: one format at every level but for bit 7, below. */
static const struct entry_bit x86_bits[] = {
	{ 0, "present" }, { 1, "rw" }, { 2, "user" }, { 3, "pwt" },
	{ 4, "pcd" }, { 5, "accessed" }, { 6, "dirty" }, { 8, "global" },
	{ 63, "nx" },
};

/* Bit 7 is PSE (a huge leaf) above the PTE, PAT in a PTE. */
static const struct entry_bit x86_bit7[] = { { 7, "huge" }, { 7, "pat" } };

/*
 * arm64 block and page descriptors: AP[1] user, AP[2] read-only, the
 * access flag, not-global, DBM (Linux's PTE_WRITE), contiguous, no
 * execution at EL1 / EL0, and Linux's software dirty bit.
 */
static const struct entry_bit arm64_leaf_bits[] = {
	{ 6, "user" }, { 7, "rdonly" }, { 10, "af" }, { 11, "ng" },
	{ 51, "dbm" }, { 52, "cont" }, { 53, "pxn" }, { 54, "uxn" },
	{ 55, "dirty" },
};

/*
 * ...and table descriptors, whose few attributes limit everything below
 * (bit 10 is the access flag where the CPU has FEAT_HAFT).
 */
static const struct entry_bit arm64_table_bits[] = {
	{ 10, "af" }, { 59, "pxntable" }, { 60, "uxntable" },
};

#define NBITS(table)	(sizeof(table) / sizeof((table)[0]))

/* Append the names of @entry's bits found in @b to @buf; the new length. */
static size_t add_bits(uint64_t entry, const struct entry_bit *b, size_t n,
		       char *buf, size_t len, size_t used)
{
	for (size_t i = 0; i < n; i++)
		if (entry & (1ULL << b[i].bit))
			used += snprintf(buf + used, used < len ? len - used : 0,
					 "%s%s", used ? " " : "", b[i].name);
	return used;
}

void entry_flags(uint32_t arch, unsigned int level, uint64_t entry,
		 char *buf, size_t len)
{
	bool last = level == MAPDRV_LEVEL_PTE;
	size_t used;

	buf[0] = '\0';
	if (arch == MAPDRV_ARCH_X86_64) {
		used = add_bits(entry, x86_bits, NBITS(x86_bits), buf, len, 0);
		add_bits(entry, &x86_bit7[last], 1, buf, len, used);
		return;
	}
	if (arch != MAPDRV_ARCH_ARM64 || !(entry & 1))
		return;		/* an invalid arm64 entry has no format */
	/* Bit 1: a table (or, in the last level, a page) rather than a block. */
	if (last || !(entry & 2)) {
		used = snprintf(buf, len, "valid %s", last ? "page" : "block");
		add_bits(entry, arm64_leaf_bits, NBITS(arm64_leaf_bits), buf,
			 len, used);
	} else {
		used = snprintf(buf, len, "valid table");
		add_bits(entry, arm64_table_bits, NBITS(arm64_table_bits), buf,
			 len, used);
	}
}
