// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv: the file operations of /dev/mapdrv.
 *
 * Every path a program may take to the bytes sees the buffer as a file of
 * fixed size: read/write and their vector forms, sendfile and splice (all
 * through ->read_iter/->write_iter), llseek, fsync; mmap (mapdrv_mmap.c)
 * shows the same bytes.  Writes never grow the buffer: at or past its end
 * they fail with ENOSPC, across it they are short.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/splice.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>

#include "mapdrv.h"
#include "mapdrv_uapi.h"

/*
 * 6.5 removed generic_file_splice_read(), which filled the pipe through
 * ->read_iter; copy_splice_read() does the same for files outside the
 * page cache since.  Kbuild says which one the headers have.
 */
#ifndef MAPDRV_HAVE_COPY_SPLICE_READ
#define copy_splice_read generic_file_splice_read
#endif

/*
 * read, readv, preadv2, and the pipe that sendfile and splice fill: 0 at
 * or past the end, short across it.  The VFS refuses negative positions
 * before we see them (rw_verify_area); the check keeps the promise here.
 */
static ssize_t mapdrv_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	loff_t pos = iocb->ki_pos;
	size_t len, copied;

	if (pos < 0)
		return -EINVAL;
	if (pos >= mapdrv_buf.size || !iov_iter_count(to))
		return 0;

	len = min_t(size_t, iov_iter_count(to), mapdrv_buf.size - pos);
	copied = copy_to_iter(mapdrv_buf.vaddr + pos, len, to);
	if (!copied)
		return -EFAULT;
	iocb->ki_pos = pos + copied;
	return copied;
}

/*
 * write, writev, pwritev2, and the pipe that sendfile and splice drain:
 * ENOSPC at or past the end, short across it.
 */
static ssize_t mapdrv_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	loff_t pos = iocb->ki_pos;
	size_t len, copied;

	if (pos < 0)
		return -EINVAL;
	if (!iov_iter_count(from))
		return 0;
	/*
	 * An append (O_APPEND, RWF_APPEND) starts at the end, and a file
	 * that cannot grow has no room there: ENOSPC, as on a full block
	 * device.  Not at ki_pos, which would overwrite page 0's marker.
	 */
	if ((iocb->ki_flags & IOCB_APPEND) || pos >= mapdrv_buf.size)
		return -ENOSPC;

	len = min_t(size_t, iov_iter_count(from), mapdrv_buf.size - pos);
	copied = copy_from_iter(mapdrv_buf.vaddr + pos, len, from);
	if (!copied)
		return -EFAULT;
	iocb->ki_pos = pos + copied;
	return copied;
}

/* Seeking past the end is allowed, as on a file; reads there return 0. */
static loff_t mapdrv_llseek(struct file *file, loff_t offset, int whence)
{
	return generic_file_llseek_size(file, offset, whence,
					MAX_LFS_FILESIZE, mapdrv_buf.size);
}

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

static long mapdrv_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
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

/*
 * .owner pins the module while a file is open, and a mapping keeps its
 * file open: that is what makes rmmod fail while the buffer is in use.
 */
const struct file_operations mapdrv_fops = {
	.owner = THIS_MODULE,
	.read_iter = mapdrv_read_iter,
	.write_iter = mapdrv_write_iter,
	.splice_read = copy_splice_read,
	.splice_write = iter_file_splice_write,
	.llseek = mapdrv_llseek,
	/*
	 * The buffer is the only copy and no disk stands behind it: nothing
	 * to write back, so fsync, fdatasync and msync(MS_SYNC) succeed.
	 */
	.fsync = noop_fsync,
#ifdef MAPDRV_HAVE_MMAP_PREPARE
	.mmap_prepare = mapdrv_mmap_prepare,
#else
	.mmap = mapdrv_mmap,
#endif
	.unlocked_ioctl = mapdrv_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
