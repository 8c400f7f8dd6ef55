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

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/splice.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "mapdrv.h"
#include "mapdrv_compat.h"
#include "mapdrv_uapi.h"

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
