// SPDX-License-Identifier: GPL-2.0
/*
 * Taking mapview's snapshots.  Each file is opened, parsed and closed
 * here; the parsing is in procfs.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>

#include "mapdrv_uapi.h"
#include "snapshot.h"

/* Open @path, hand it to @parse, close it; on failure @what names it. */
static int parse_proc(const char *path, int (*parse)(FILE *, void *),
		      void *arg, const char **what)
{
	FILE *f = fopen(path, "re");
	int ret;

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

struct maps_arg {
	const char *device;
	struct snapshot *s;
};

static int maps_of(FILE *f, void *arg)
{
	struct maps_arg *m = arg;
	int n = maps_find_path(f, m->device, m->s->maps, SNAP_MAPS_MAX);

	if (n >= 0)
		m->s->nmaps = n;
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

int snapshot_take(const struct snap_ctx *ctx, struct snapshot *s,
		  const char **what)
{
	struct maps_arg maps = { ctx->device, s };
	struct smaps_arg shared = { ctx->shared_addr, &s->smaps_shared };
	struct smaps_arg private = { ctx->private_addr, &s->smaps_private };
	struct mapdrv_info info;
	struct rusage ru;
	int ret;

	/* rusage first: reading /proc must not count in the step's faults. */
	if (getrusage(RUSAGE_SELF, &ru)) {
		*what = "getrusage";
		return -errno;
	}
	s->minflt = ru.ru_minflt;

	s->module_faults = -1;
	s->module_mapped = -1;
	if (ctx->fd >= 0) {
		if (ioctl(ctx->fd, MAPDRV_IOC_INFO, &info)) {
			*what = "MAPDRV_IOC_INFO";
			return -errno;
		}
		s->module_faults = (long long)info.faults;
		s->module_mapped = (long long)info.mapped;
	}

	/* status, then the exact count of the same pages, back to back. */
	ret = parse_proc("/proc/self/status", status_of, s, what);
	s->has_rollup = false;
	if (ret >= 0) {
		ret = parse_proc("/proc/self/smaps_rollup", rollup_of, s, what);
		/* Older than 4.14: no rollup, and nothing to compare with. */
		s->has_rollup = ret >= 0;
		if (ret == -ENOENT)
			ret = 0;
	}
	if (ret >= 0)
		ret = parse_proc("/proc/self/maps", maps_of, &maps, what);
	s->has_shared = ctx->shared_addr != 0;
	if (ret >= 0 && s->has_shared)
		ret = parse_proc("/proc/self/smaps", smaps_of, &shared, what);
	s->has_private = ctx->private_addr != 0;
	if (ret >= 0 && s->has_private)
		ret = parse_proc("/proc/self/smaps", smaps_of, &private, what);
	if (ret >= 0)
		ret = parse_proc("/proc/meminfo", meminfo_of, s, what);
	return ret < 0 ? ret : 0;
}
