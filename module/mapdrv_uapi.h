/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mapdrv: the interface user space sees on /dev/mapdrv besides
 * read/write/llseek/mmap.  Included by the module and by user space.
 */
#ifndef _MAPDRV_UAPI_H
#define _MAPDRV_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MAPDRV_DEVICE		"/dev/mapdrv"
#define MAPDRV_MARKER_FMT	"mapdrv page %lu"	/* starts page i */

#define MAPDRV_INFO_HUGE	(1U << 0)	/* allocated with vmalloc_huge */

struct mapdrv_info {
	__u64 size;		/* buffer size in bytes */
	__u64 pages;		/* buffer size in pages */
	__u64 faults;		/* pages served by the .fault handler */
	__u64 leaf_faults;	/* of those, found inside a huge (PMD/PUD) leaf */
	__u32 flags;		/* MAPDRV_INFO_* */
	__u32 reserved;		/* zero */
};

#define MAPDRV_IOC_MAGIC	'M'
#define MAPDRV_IOC_INFO		_IOR(MAPDRV_IOC_MAGIC, 1, struct mapdrv_info)

#endif /* _MAPDRV_UAPI_H */
