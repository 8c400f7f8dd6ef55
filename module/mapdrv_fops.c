// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv: the file operations of /dev/mapdrv.
 *
 * read/write/llseek see the buffer as a file of fixed size; mmap
 * (mapdrv_mmap.c) shows the same bytes.  Writes never grow the buffer:
 * at or past its end they fail with ENOSPC, across it they are short.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "mapdrv.h"
#include "mapdrv_uapi.h"

static ssize_t mapdrv_read(struct file *file, char __user *ubuf, size_t count,
			   loff_t *ppos)
{
	return simple_read_from_buffer(ubuf, count, ppos, mapdrv_buf.vaddr,
				       mapdrv_buf.size);
}

static ssize_t mapdrv_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	loff_t pos = *ppos;
	size_t len, left;

	if (pos < 0)
		return -EINVAL;
	if (!count)
		return 0;
	if (pos >= mapdrv_buf.size)
		return -ENOSPC;

	len = min_t(size_t, count, mapdrv_buf.size - pos);
	left = copy_from_user(mapdrv_buf.vaddr + pos, ubuf, len);
	if (left == len)
		return -EFAULT;
	len -= left;
	*ppos = pos + len;
	return len;
}

/* Seeking past the end is allowed, as on a file; reads there return 0. */
static loff_t mapdrv_llseek(struct file *file, loff_t offset, int whence)
{
	return generic_file_llseek_size(file, offset, whence,
					MAX_LFS_FILESIZE, mapdrv_buf.size);
}

static long mapdrv_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct mapdrv_info info = {};

	switch (cmd) {
	case MAPDRV_IOC_INFO:
		info.size = mapdrv_buf.size;
		info.pages = mapdrv_buf.pages;
		info.faults = atomic64_read(&mapdrv_buf.faults);
		info.leaf_faults = atomic64_read(&mapdrv_buf.leaf_faults);
		info.flags = mapdrv_buf.huge ? MAPDRV_INFO_HUGE : 0;
		if (copy_to_user((void __user *)arg, &info, sizeof(info)))
			return -EFAULT;
		return 0;
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
	.read = mapdrv_read,
	.write = mapdrv_write,
	.llseek = mapdrv_llseek,
	.mmap = mapdrv_mmap,
	.unlocked_ioctl = mapdrv_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
