/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One snapshot of what the process and the system see, taken at each
 * step of mapview's walkthrough.
 */
#ifndef MAPVIEW_SNAPSHOT_H
#define MAPVIEW_SNAPSHOT_H

#include "procfs.h"

#define SNAP_MAPS_MAX 4		/* device mappings: shared, private */

struct snapshot {
	const char *name;		/* "after mmap" */
	const char *explain;		/* for --explain */
	struct status_mem status;
	long minflt;			/* getrusage(): minor faults */
	long long module_faults;	/* MAPDRV_IOC_INFO; -1 when closed */
	long long module_mapped;	/* the same, pages mapped */
	int nmaps;
	struct maps_entry maps[SNAP_MAPS_MAX];
	bool has_shared, has_private;
	struct smaps_entry smaps_shared, smaps_private;
	bool has_rollup;		/* false: no smaps_rollup (< 4.14) */
	struct smaps_entry rollup;	/* the whole process, exact */
	struct meminfo meminfo;
};

struct snap_ctx {
	const char *device;		/* path as maps shows it */
	int fd;				/* -1 while the device is closed */
	unsigned long shared_addr;	/* 0 while not mapped */
	unsigned long private_addr;
};

/*
 * Fill @s from /proc/self/{status,smaps_rollup,maps,smaps},
 * /proc/meminfo, getrusage and the module.  Writes only into @s and
 * allocates nothing that outlives the call: each file's stream is freed
 * before the next is opened, so after a first snapshot (mapview's
 * warm-up) the heap holds the same free chunks at every call and no
 * call faults in a page.  Returns 0 or a negative errno; @what names the
 * file that failed.
 */
int snapshot_take(const struct snap_ctx *ctx, struct snapshot *s,
		  const char **what);

#endif /* MAPVIEW_SNAPSHOT_H */
