// SPDX-License-Identifier: GPL-2.0
/*
 * Taking a lesson's snapshots.  Each file is opened, parsed and closed
 * here; the parsing is in procfs.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mapdrv_uapi.h"
#include "snapshot.h"

/*
 * Open /proc/PID/@file (or /proc/@file when @pid is -1), hand it to
 * @parse, close it; on failure @what names it.  The path lives in a
 * static buffer, so that @what can point at it.
 */
static int parse_proc(pid_t pid, const char *file,
		      int (*parse)(FILE *, void *), void *arg,
		      const char **what)
{
	static char path[64];
	FILE *f;
	int ret;

	if (pid < 0)
		snprintf(path, sizeof(path), "/proc/%s", file);
	else if (pid)
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	else
		snprintf(path, sizeof(path), "/proc/self/%s", file);
	f = fopen(path, "re");
	if (!f) {
		*what = path;
		return -errno;
	}
	ret = parse(f, arg);
	fclose(f);
	if (ret < 0)
		*what = path;
	return ret;
}

static int status_of(FILE *f, void *s)
{
	return parse_status(f, &((struct snapshot *)s)->status);
}

static int rollup_of(FILE *f, void *s)
{
	return parse_smaps_rollup(f, &((struct snapshot *)s)->rollup);
}

static int meminfo_of(FILE *f, void *s)
{
	return parse_meminfo(f, &((struct snapshot *)s)->meminfo);
}

static int pcp_of(FILE *f, void *s)
{
	return parse_zoneinfo_pcp(f, &((struct snapshot *)s)->pcp_kb);
}

/*
 * Writing to stat_refresh folds every CPU's vmstat deltas into the
 * totals meminfo prints.  Only root may: for others the numbers stay
 * as close as the kernel keeps them.
 */
static void refresh_vmstat(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	/* A failure leaves the totals as the kernel keeps them: no error. */
	if (write(fd, "1", 1) < 0)
		errno = 0;
	close(fd);
}

/*
 * MemFree and the per-CPU free lists, read as one.  The kernel moves
 * pages from the lists to MemFree at any moment: vmstat's work, once a
 * second on each CPU, drains up to the lists' batch << 5 pages at once
 * (measured in the 7.3 VM, batch 63: 8064 kB in one go, and 30 MB within
 * a second of a 64 MiB file's deletion; MemFree plus the lists stayed
 * within 300 kB).  A drain
 * between reading meminfo and zoneinfo would leave those pages out of
 * both, or count them twice, so the lists are read before and after
 * meminfo until they held still meanwhile (PCP_STILL_KB: one refill's
 * batch is 252 kB; a drain that matters is MiBs).
 */
#define PCP_STILL_KB	1024
#define PCP_TRIES	20

static int take_meminfo_and_pcp(struct snapshot *s, const char **what)
{
	long page_kb = sysconf(_SC_PAGESIZE) / 1024, before;
	int ret = 0;

	refresh_vmstat();
	for (int i = 0; i < PCP_TRIES; i++) {
		ret = parse_proc(-1, "zoneinfo", pcp_of, s, what);
		before = s->pcp_kb * page_kb;
		if (ret >= 0)
			ret = parse_proc(-1, "meminfo", meminfo_of, s, what);
		if (ret >= 0)
			ret = parse_proc(-1, "zoneinfo", pcp_of, s, what);
		if (ret < 0)
			break;
		s->pcp_kb *= page_kb;
		if (labs(s->pcp_kb - before) <= PCP_STILL_KB)
			return 0;
	}
	/* Never still (a system that frees all the time): the last pair. */
	return ret;
}

static int minflt_of(FILE *f, void *s)
{
	return parse_stat_minflt(f, &((struct snapshot *)s)->minflt);
}

static int maps_of(FILE *f, void *arg)
{
	struct snapshot *s = arg;
	int n = maps_read_all(f, s->maps, SNAP_MAPS_MAX);

	if (n >= 0)
		s->nmaps = n;
	return n;
}

struct smaps_arg {
	unsigned long addr;
	struct smaps_entry *e;
};

static int smaps_of(FILE *f, void *arg)
{
	struct smaps_arg *m = arg;

	return parse_smaps(f, m->addr, m->e);
}

/* Minor faults first: reading /proc must not count in the step's. */
static int take_minflt(const struct snap_ctx *ctx, struct snapshot *s,
		       const char **what)
{
	struct rusage ru;

	if (ctx->pid)
		return parse_proc(ctx->pid, "stat", minflt_of, s, what);
	if (getrusage(RUSAGE_SELF, &ru)) {
		*what = "getrusage";
		return -errno;
	}
	s->minflt = ru.ru_minflt;
	return 0;
}

static int take_module(const struct snap_ctx *ctx, struct snapshot *s,
		       const char **what)
{
	struct mapdrv_info info;

	s->module_faults = -1;
	s->module_mapped = -1;
	if (ctx->fd < 0)
		return 0;
	if (ioctl(ctx->fd, MAPDRV_IOC_INFO, &info)) {
		*what = "MAPDRV_IOC_INFO";
		return -errno;
	}
	s->module_faults = (long long)info.faults;
	s->module_mapped = (long long)info.mapped;
	return 0;
}

int snapshot_take(const struct snap_ctx *ctx, struct snapshot *s,
		  const char **what)
{
	int ret;

	ret = take_minflt(ctx, s, what);
	if (!ret)
		ret = take_module(ctx, s, what);
	/* status, then the exact count of the same pages, back to back. */
	if (ret >= 0)
		ret = parse_proc(ctx->pid, "status", status_of, s, what);
	s->has_rollup = false;
	if (ret >= 0) {
		ret = parse_proc(ctx->pid, "smaps_rollup", rollup_of, s, what);
		/* Older than 4.14: no rollup, and nothing to compare with. */
		s->has_rollup = ret >= 0;
		if (ret == -ENOENT)
			ret = 0;
	}
	if (ret >= 0)
		ret = parse_proc(ctx->pid, "maps", maps_of, s, what);
	/* A watched address: the smaps entry of the mapping holding it. */
	for (int i = 0; i < SNAP_WATCH && ret >= 0; i++) {
		int m = ctx->watch_addr[i] ?
			maps_lookup(s->maps, s->nmaps, ctx->watch_addr[i]) : -1;
		struct smaps_arg arg = { m < 0 ? 0 : s->maps[m].start, &s->watch[i] };

		s->has_watch[i] = m >= 0;
		if (s->has_watch[i])
			ret = parse_proc(ctx->pid, "smaps", smaps_of, &arg, what);
	}
	s->pcp_kb = -1;
	if (ret >= 0 && ctx->system_exact)
		ret = take_meminfo_and_pcp(s, what);
	else if (ret >= 0)
		ret = parse_proc(-1, "meminfo", meminfo_of, s, what);
	return ret < 0 ? ret : 0;
}
