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

static int with_file(const char *path, const char **what, FILE **f)
{
	*f = fopen(path, "re");
	if (!*f) {
		*what = path;
		return -errno;
	}
	return 0;
}

static int take_status(struct snapshot *s, const char **what)
{
	FILE *f;
	int ret;

	ret = with_file("/proc/self/status", what, &f);
	if (ret)
		return ret;
	ret = parse_status(f, &s->status);
	fclose(f);
	if (ret)
		*what = "/proc/self/status";
	return ret;
}

static int take_maps(const struct snap_ctx *ctx, struct snapshot *s,
		     const char **what)
{
	FILE *f;
	int ret;

	ret = with_file("/proc/self/maps", what, &f);
	if (ret)
		return ret;
	ret = maps_find_path(f, ctx->device, s->maps, SNAP_MAPS_MAX);
	fclose(f);
	if (ret < 0) {
		*what = "/proc/self/maps";
		return ret;
	}
	s->nmaps = ret;
	return 0;
}

static int take_smaps(unsigned long addr, struct smaps_entry *e,
		      const char **what)
{
	FILE *f;
	int ret;

	ret = with_file("/proc/self/smaps", what, &f);
	if (ret)
		return ret;
	ret = parse_smaps(f, addr, e);
	fclose(f);
	if (ret)
		*what = "/proc/self/smaps";
	return ret;
}

static int take_meminfo(struct snapshot *s, const char **what)
{
	FILE *f;
	int ret;

	ret = with_file("/proc/meminfo", what, &f);
	if (ret)
		return ret;
	ret = parse_meminfo(f, &s->meminfo);
	fclose(f);
	if (ret)
		*what = "/proc/meminfo";
	return ret;
}

int snapshot_take(const struct snap_ctx *ctx, struct snapshot *s,
		  const char **what)
{
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
	if (ctx->fd >= 0) {
		if (ioctl(ctx->fd, MAPDRV_IOC_INFO, &info)) {
			*what = "MAPDRV_IOC_INFO";
			return -errno;
		}
		s->module_faults = (long long)info.faults;
	}

	ret = take_status(s, what);
	if (!ret)
		ret = take_maps(ctx, s, what);
	if (!ret && (s->has_shared = ctx->shared_addr != 0))
		ret = take_smaps(ctx->shared_addr, &s->smaps_shared, what);
	if (!ret && (s->has_private = ctx->private_addr != 0))
		ret = take_smaps(ctx->private_addr, &s->smaps_private, what);
	if (!ret)
		ret = take_meminfo(s, what);
	return ret;
}
