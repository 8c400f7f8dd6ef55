/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One snapshot of what a process and the system see, taken at each step
 * of a lesson: the process is mapview itself or the fresh process a
 * lesson runs its experiment in (subject.h).
 */
#ifndef MAPVIEW_SNAPSHOT_H
#define MAPVIEW_SNAPSHOT_H

#include <stdbool.h>
#include <sys/types.h>

#include "procfs.h"

#define SNAP_MAPS_MAX	160	/* lines of maps: mapview has about 60 */
#define SNAP_WATCH	4	/* mappings whose smaps entry is kept */

struct snapshot {
	const char *name;		/* "after mmap" */
	const char *explain;		/* for --explain */
	struct status_mem status;
	long minflt;			/* getrusage(), or stat's field 10 */
	long long module_faults;	/* MAPDRV_IOC_INFO; -1 when closed */
	long long module_mapped;	/* the same, pages mapped */
	int nmaps;
	struct maps_entry maps[SNAP_MAPS_MAX];	/* every line */
	bool has_watch[SNAP_WATCH];
	struct smaps_entry watch[SNAP_WATCH];	/* snap_ctx.watch_addr[] */
	bool has_rollup;		/* false: no smaps_rollup (< 4.14) */
	struct smaps_entry rollup;	/* the whole process, exact */
	struct meminfo meminfo;
	long pcp_kb;			/* on per-CPU free lists; -1: not read */
};

struct snap_ctx {
	pid_t pid;			/* 0: this process */
	int fd;				/* the device; -1 while closed */
	/* The mapping holding each address is watched; 0: none. */
	unsigned long watch_addr[SNAP_WATCH];
	/*
	 * The system's numbers as exact as they get: the per-CPU vmstat
	 * deltas folded into meminfo first (root only), and the pages on
	 * the per-CPU free lists read from zoneinfo.
	 */
	bool system_exact;
};

/*
 * Fill @s from /proc/PID/{status,smaps_rollup,maps,smaps} (PID "self"
 * unless ctx->pid), /proc/meminfo (and /proc/zoneinfo), the minor
 * faults and the module.
 * Writes only into @s and allocates nothing that outlives the call: each
 * file's stream is freed before the next is opened, so after a first
 * snapshot (the warm-up) the heap holds the same free chunks at every
 * call and no call faults in a page.  Returns 0 or a negative errno;
 * @what names the file that failed.
 */
int snapshot_take(const struct snap_ctx *ctx, struct snapshot *s,
		  const char **what);

#endif /* MAPVIEW_SNAPSHOT_H */
