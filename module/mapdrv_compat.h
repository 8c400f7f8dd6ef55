/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mapdrv: the differences between the kernels mapdrv builds against
 * (Debian's 6.1, 6.12 and 7.3), in one place.
 *
 * The mmap hook is the one difference that is not filled in here: where
 * Kbuild defines MAPDRV_HAVE_MMAP_PREPARE (7.1 on), mapdrv_mmap.c offers
 * .mmap_prepare instead of .mmap, as a driver may not offer both.
 */
#ifndef _MAPDRV_COMPAT_H
#define _MAPDRV_COMPAT_H

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/splice.h>

/*
 * 6.3 made vma->vm_flags const and added accessors that lock properly.
 * Kbuild defines MAPDRV_HAVE_VM_FLAGS_SET when the headers have them.
 */
#ifndef MAPDRV_HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma,
				vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#endif

/*
 * 6.5 removed generic_file_splice_read(), which filled the pipe through
 * ->read_iter; copy_splice_read() does the same for files outside the
 * page cache since.  Kbuild defines MAPDRV_HAVE_COPY_SPLICE_READ when the
 * headers have it.
 */
#ifndef MAPDRV_HAVE_COPY_SPLICE_READ
#define copy_splice_read generic_file_splice_read
#endif

#endif /* _MAPDRV_COMPAT_H */
