// SPDX-License-Identifier: GPL-2.0
/*
 * The free lesson: the columns of free(1), computed from /proc/meminfo
 * the way procps 4 computes them, and what moves them: loading the
 * module (with --load), writing, dropping, reading and deleting a file,
 * touching anonymous memory and giving it back.
 */
#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "lesson.h"

#define FILE_BYTES	(64UL << 20)
#define ANON_BYTES	(64UL << 20)
#define CHUNK		(64 * 1024)

static char chunk[CHUNK];	/* what the file is written from, read into */
static int file_fd = -1;
static char *anon;

/*
 * procps 4 (Debian 12 and later): used = total - available.  procps 3.3
 * and busybox's free print total - free - buff/cache instead.
 */
static void columns(const struct meminfo *mi, struct free_columns *c)
{
	c->total = meminfo_get(mi, "MemTotal");
	c->free = meminfo_get(mi, "MemFree");
	c->shared = meminfo_get(mi, "Shmem");
	c->buff_cache = meminfo_get(mi, "Buffers") + meminfo_get(mi, "Cached") +
			meminfo_get(mi, "SReclaimable");
	c->available = meminfo_get(mi, "MemAvailable");
	c->used = c->total - c->available;
}

/* Pages on the per-CPU lists are free but MemFree leaves them out. */
static void note_pcp(struct run *r, int i, const char *what, long want_kb)
{
	const struct free_columns *a = &r->facts.free.kb[i - 1];
	const struct free_columns *b = &r->facts.free.kb[i];
	long used = b->used - a->used, pcp = b->pcp - a->pcp;

	if (a->pcp < 0 || b->pcp < 0 || labs(labs(used) - want_kb) <= 1024)
		return;
	run_note(r, "%s moved used by %+ld kB, not %ld: the per-CPU free lists changed by %+ld kB meanwhile, and MemFree does not count pages there (used - their change: %+ld kB)",
		 what, used, want_kb, pcp, used - pcp);
}

static int setup(struct session *s)
{
	struct free_facts *f = &s->run->facts.free;
	const char *dir = getenv("TMPDIR");
	struct statfs st;

	snprintf(f->file, sizeof(f->file), "%s/mapview-free-XXXXXX",
		 dir && *dir ? dir : "/tmp");
	file_fd = mkstemp(f->file);
	if (file_fd < 0)
		return fail_sys(f->file, errno);
	if (fstatfs(file_fd, &st))
		return fail_sys(f->file, errno);
	f->file_in_ram = st.f_type == TMPFS_MAGIC || st.f_type == RAMFS_MAGIC;
	f->file_bytes = FILE_BYTES;
	f->anon_bytes = ANON_BYTES;
	memset(chunk, 'm', sizeof(chunk));
	s->ctx.system_exact = true;
	if (!s->opt->load_path)
		run_note(s->run, "the module was not loaded at a step: give --load PATH.ko pages=4096 (after rmmod mapdrv) to see its buffer move used and free");
	if (f->file_in_ram)
		run_note(s->run, "%s is in RAM (tmpfs or ramfs): its pages cannot be dropped to a disk, so they stay in buff/cache and shared until the file is deleted",
			 f->file);
	return 0;
}

static bool want_load(const struct session *s)
{
	return s->opt->load_path != NULL;
}

static int load_step(struct session *s)
{
	int ret = load_module(s);

	if (ret)
		return ret;
	s->run->facts.free.module_loaded_here = s->loaded_by_us;
	if (!s->loaded_by_us)
		run_note(s->run, "mapdrv was loaded already, so loading it moved nothing: rmmod mapdrv first");
	return 0;
}

static int write_step(struct session *s)
{
	const char *path = s->run->facts.free.file;

	for (size_t done = 0; done < FILE_BYTES; done += CHUNK)
		if (write(file_fd, chunk, CHUNK) != CHUNK)
			return fail_sys(path, errno ? errno : ENOSPC);
	return fsync(file_fd) ? fail_sys(path, errno) : 0;
}

static int drop_step(struct session *s)
{
	int ret = posix_fadvise(file_fd, 0, 0, POSIX_FADV_DONTNEED);

	return ret ? fail_sys(s->run->facts.free.file, ret) : 0;
}

static int read_step(struct session *s)
{
	const char *path = s->run->facts.free.file;

	for (size_t done = 0; done < FILE_BYTES; done += CHUNK)
		if (pread(file_fd, chunk, CHUNK, (off_t)done) != CHUNK)
			return fail_sys(path, errno ? errno : EIO);
	return 0;
}

static int delete_step(struct session *s)
{
	close(file_fd);
	file_fd = -1;
	return unlink(s->run->facts.free.file) ?
		fail_sys(s->run->facts.free.file, errno) : 0;
}

static int touch_step(struct session *s)
{
	anon = mmap(NULL, ANON_BYTES, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED) {
		anon = NULL;
		return fail_sys("mmap", errno);
	}
	s->run->mark[0] = (unsigned long)anon;
	s->ctx.watch_addr[0] = (unsigned long)anon;
	write_pages(anon, ANON_BYTES, s->run->page_size);
	return 0;
}

static int munmap_step(struct session *s)
{
	munmap(anon, ANON_BYTES);
	anon = NULL;
	s->ctx.watch_addr[0] = 0;
	return 0;
}

static void cleanup(struct session *s)
{
	if (file_fd >= 0) {
		close(file_fd);
		unlink(s->run->facts.free.file);
		file_fd = -1;
	}
	if (anon)
		munmap_step(s);
}

static int finish(struct session *s)
{
	struct run *r = s->run;
	long anon_kb = (long)(ANON_BYTES >> 10);

	for (int i = 0; i < r->nsteps; i++) {
		columns(&r->step[i].meminfo, &r->facts.free.kb[i]);
		r->facts.free.kb[i].pcp = r->step[i].pcp_kb;
	}
	/* The last two steps touch the anonymous memory and unmap it. */
	note_pcp(r, r->nsteps - 2, "touching the anonymous memory", anon_kb);
	note_pcp(r, r->nsteps - 1, "munmap()", anon_kb);
	return 0;
}

static const struct step steps[] = {
	{
		.name = "now",
		.explain =
			"  free(1)'s columns come from /proc/meminfo: total is MemTotal, free\n"
			"  MemFree, shared Shmem, buff/cache Buffers + Cached + SReclaimable,\n"
			"  available MemAvailable (the kernel's estimate of what could be had\n"
			"  without swapping), and used is total - available (procps 4; procps\n"
			"  3.3 and busybox print total - free - buff/cache).",
	},
	{
		.name = "after loading the module",
		.explain =
			"  insmod allocated the module's code and its buffer (vzalloc): used\n"
			"  grew and free fell by about the buffer's size, and VmallocUsed grew.\n"
			"  No process maps any of it yet.",
		.act = load_step,
		.wanted = want_load,
	},
	{
		.name = "after writing a 64 MiB file",
		.explain =
			"  The file's pages went into the page cache: buff/cache grew by 64 MiB\n"
			"  and free fell.  On a disk used barely moved: clean cached pages\n"
			"  count as available (a file in RAM cannot be dropped: it is used).",
		.act = write_step,
	},
	{
		.name = "after dropping the file from the page cache",
		.explain =
			"  posix_fadvise(DONTNEED) let the kernel drop the file's clean pages:\n"
			"  buff/cache fell back and free rose (on a disk; a file in RAM stays).",
		.act = drop_step,
	},
	{
		.name = "after reading the file back",
		.explain =
			"  Reading the file brought its pages back into the page cache:\n"
			"  buff/cache grew again.",
		.act = read_step,
	},
	{
		.name = "after deleting the file",
		.explain =
			"  Deleting the file freed its cached pages: buff/cache fell, free rose.",
		.act = delete_step,
	},
	{
		.name = "after touching 64 MiB of anonymous memory",
		.explain =
			"  Anonymous pages cannot be dropped, only swapped: used grew by 64 MiB,\n"
			"  free and available fell by it.",
		.act = touch_step,
	},
	{
		.name = "after munmap",
		.explain =
			"  munmap() gave the pages back: used fell, free and available rose.",
		.act = munmap_step,
	},
};

static void report_text(const struct run *r)
{
	const struct free_facts *f = &r->facts.free;

	printf("\n== free -k, computed from /proc/meminfo (kB) ==\n");
	printf("  %-44s %10s %10s %10s %10s %10s %10s %9s\n", "step", "total",
	       "used", "free", "shared", "buff/cache", "available", "per-CPU");
	for (int i = 0; i < r->nsteps; i++)
		printf("  %-44.44s %10ld %10ld %10ld %10ld %10ld %10ld %9ld\n",
		       r->step[i].name, f->kb[i].total, f->kb[i].used,
		       f->kb[i].free, f->kb[i].shared, f->kb[i].buff_cache,
		       f->kb[i].available, f->kb[i].pcp);
	printf("  (per-CPU: free pages on the per-CPU lists, from /proc/zoneinfo;\n"
	       "   free(1) counts them as used)\n");
}

static struct json_object *facts_json(const struct run *r)
{
	const struct free_facts *f = &r->facts.free;
	struct json_object *o = json_object_new_object();
	struct json_object *kb = json_object_new_array();

	for (int i = 0; i < r->nsteps; i++) {
		struct json_object *c = json_object_new_object();

#define ADD(key, v) json_object_object_add(c, key, json_object_new_int64(v))
		json_object_object_add(c, "step", json_object_new_string(r->step[i].name));
		ADD("total", f->kb[i].total);
		ADD("used", f->kb[i].used);
		ADD("free", f->kb[i].free);
		ADD("shared", f->kb[i].shared);
		ADD("buff_cache", f->kb[i].buff_cache);
		ADD("available", f->kb[i].available);
		ADD("pcp", f->kb[i].pcp);
#undef ADD
		json_object_array_add(kb, c);
	}
	json_object_object_add(o, "free_kb", kb);
	json_object_object_add(o, "file", json_object_new_string(f->file));
	json_object_object_add(o, "file_in_ram", json_object_new_boolean(f->file_in_ram));
	json_object_object_add(o, "file_bytes", json_object_new_int64((int64_t)f->file_bytes));
	json_object_object_add(o, "anon_bytes", json_object_new_int64((int64_t)f->anon_bytes));
	json_object_object_add(o, "module_loaded_here",
			       json_object_new_boolean(f->module_loaded_here));
	return o;
}

const struct lesson lesson_free = {
	.name = "free",
	.summary = "free(1)'s columns from /proc/meminfo, and what moves them",
	.steps = steps,
	.nsteps = sizeof(steps) / sizeof(steps[0]),
	.watch_name = { "" },
	.setup = setup,
	.finish = finish,
	.cleanup = cleanup,
	.report_text = report_text,
	.facts_json = facts_json,
};
