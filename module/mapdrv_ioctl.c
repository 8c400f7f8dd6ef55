// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv: the ioctls of /dev/mapdrv (mapdrv_uapi.h has their structs).
 *
 *  MAPDRV_IOC_INFO        the buffer's size, the map mode and the counters
 *  MAPDRV_IOC_WALK        the fault handler's page-table walk of one page,
 *                         replayed for user space to look at (root only)
 *  MAPDRV_IOC_WALK_BENCH  the walk and vmalloc_to_page() timed over the
 *                         whole buffer, in the kernel (root only)
 *
 * They only read the buffer's fields, which are fixed while the module is
 * loaded, and its atomic counters: no lock (mapdrv.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "mapdrv.h"
#include "mapdrv_uapi.h"

static long mapdrv_ioctl_info(struct mapdrv_info __user *uinfo)
{
	struct mapdrv_info info = {
		.size = mapdrv_buf.size,
		.pages = mapdrv_buf.pages,
		.faults = atomic64_read(&mapdrv_buf.faults),
		.leaf_pages = atomic64_read(&mapdrv_buf.leaf_pages),
		.flags = mapdrv_buf.huge ? MAPDRV_INFO_HUGE : 0,
		.map_mode = mapdrv_buf.map_mode,
		.mapped = atomic64_read(&mapdrv_buf.mapped),
		.window = MAPDRV_WINDOW,
	};

	return copy_to_user(uinfo, &info, sizeof(info)) ? -EFAULT : 0;
}

/*
 * The fault handler's walk, replayed for user space to look at, from the
 * caller's own mm: on x86_64 its kernel half maps the buffer like every
 * other mm's (arm64 does not need it).  A folded level shows as folded,
 * with index, entry and next_pfn 0: not the level above's entry again,
 * nor arm64's dummy.
 */
static long mapdrv_ioctl_walk(struct mapdrv_walk_info __user *uwalk)
{
	struct mapdrv_walk_info wi = {};
	struct mapdrv_walk walk;
	unsigned long kaddr;
	struct page *page, *expected;
	u32 index[MAPDRV_LEVELS];
	int i;

	/* Kernel addresses and PFNs help attacks on the kernel: root only. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (get_user(wi.page, &uwalk->page))
		return -EFAULT;
	/* The walk trusts its address: only the buffer's pages. */
	if (wi.page >= mapdrv_buf.pages || !current->mm)
		return -EINVAL;

	kaddr = (unsigned long)mapdrv_buf.vaddr + (wi.page << PAGE_SHIFT);
	page = mapdrv_walk(current->mm, kaddr, &walk);

	wi.kaddr = kaddr;
	wi.arch = IS_ENABLED(CONFIG_ARM64) ? MAPDRV_ARCH_ARM64 :
					     MAPDRV_ARCH_X86_64;
	wi.pgtable_levels = MAPDRV_LEVELS - hweight32(walk.folded);
	wi.root = walk.root;
	wi.ttbr1 = walk.ttbr1;
	index[MAPDRV_LEVEL_PGD] = pgd_index(kaddr);
	index[MAPDRV_LEVEL_P4D] = p4d_index(kaddr);
	index[MAPDRV_LEVEL_PUD] = pud_index(kaddr);
	index[MAPDRV_LEVEL_PMD] = pmd_index(kaddr);
	index[MAPDRV_LEVEL_PTE] = pte_index(kaddr);
	for (i = 0; i < MAPDRV_LEVELS; i++) {
		wi.entry[i] = walk.entry[i];
		wi.next_pfn[i] = walk.next_pfn[i];
		if (!(walk.folded & BIT(i)))
			wi.index[i] = index[i];
	}
	wi.folded = walk.folded;
	wi.level = walk.level;
	wi.found = !!page;
	wi.pfn = page ? page_to_pfn(page) : 0;
	expected = vmalloc_to_page((void *)kaddr);
	wi.vmalloc_to_page_pfn = page_to_pfn(expected);
	wi.page_ptr = (unsigned long)page;
	wi.vmalloc_to_page_ptr = (unsigned long)expected;

	return copy_to_user(uwalk, &wi, sizeof(wi)) ? -EFAULT : 0;
}

/*
 * One pass of the walk over every page, as the fault path runs it (no
 * record of the entries).  Neither call can be optimised away: both are
 * out of line, in other translation units.
 */
static u64 mapdrv_time_walk(struct mm_struct *mm)
{
	unsigned long i;
	u64 start = ktime_get_ns();

	for (i = 0; i < mapdrv_buf.pages; i++)
		mapdrv_walk(mm, (unsigned long)mapdrv_buf.vaddr + (i << PAGE_SHIFT),
			    NULL);
	return ktime_get_ns() - start;
}

static u64 mapdrv_time_vmalloc_to_page(void)
{
	unsigned long i;
	u64 start = ktime_get_ns();

	for (i = 0; i < mapdrv_buf.pages; i++)
		vmalloc_to_page(mapdrv_buf.vaddr + (i << PAGE_SHIFT));
	return ktime_get_ns() - start;
}

/*
 * The benchmark's view of the walk alone, without a fault around it:
 * both lookups over the whole buffer, timed here, in the order walk,
 * vmalloc_to_page, vmalloc_to_page, walk.  An untimed pass first counts
 * the pages where they disagree (there must be none).
 */
static long mapdrv_ioctl_walk_bench(struct mapdrv_walk_bench __user *ubench)
{
	struct mapdrv_walk_bench wb = { .pages = mapdrv_buf.pages, .passes = 2 };
	struct mm_struct *mm = current->mm;
	unsigned long i, kaddr;

	/* It reads kernel page tables on demand: root only, like WALK. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!mm)
		return -EINVAL;

	for (i = 0; i < mapdrv_buf.pages; i++) {
		kaddr = (unsigned long)mapdrv_buf.vaddr + (i << PAGE_SHIFT);
		if (mapdrv_walk(mm, kaddr, NULL) !=
		    vmalloc_to_page((void *)kaddr))
			wb.mismatches++;
	}
	cond_resched();

	wb.walk_ns = mapdrv_time_walk(mm);
	cond_resched();
	wb.vmalloc_to_page_ns = mapdrv_time_vmalloc_to_page();
	cond_resched();
	wb.vmalloc_to_page_ns += mapdrv_time_vmalloc_to_page();
	cond_resched();
	wb.walk_ns += mapdrv_time_walk(mm);

	return copy_to_user(ubench, &wb, sizeof(wb)) ? -EFAULT : 0;
}

/**
 * mapdrv_ioctl() - the ioctls of /dev/mapdrv (.unlocked_ioctl)
 * @file: the open device
 * @cmd: MAPDRV_IOC_INFO, MAPDRV_IOC_WALK or MAPDRV_IOC_WALK_BENCH
 * @arg: the user's pointer to the command's struct (mapdrv_uapi.h)
 *
 * Return: 0; -ENOTTY for an unknown @cmd, -EFAULT for a bad pointer,
 * -EPERM for the root-only ones without CAP_SYS_ADMIN, -EINVAL for a page
 * past the end.
 */
long mapdrv_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case MAPDRV_IOC_INFO:
		return mapdrv_ioctl_info((void __user *)arg);
	case MAPDRV_IOC_WALK:
		return mapdrv_ioctl_walk((void __user *)arg);
	case MAPDRV_IOC_WALK_BENCH:
		return mapdrv_ioctl_walk_bench((void __user *)arg);
	default:
		return -ENOTTY;
	}
}
