// SPDX-License-Identifier: GPL-2.0
/*
 * The device lesson (the default): open /dev/mapdrv, map it, read and
 * write its pages, map it privately, unmap it; then the proof that the
 * user's pages are the kernel's frames and, with --walk, the module's
 * page-table walk beside the user's.  mapview's own process is the one
 * measured: nothing forks.
 */
#include <errno.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lesson.h"

enum { WATCH_SHARED, WATCH_PRIVATE };

/* The mappings, while they exist. */
static char *shared_map, *private_map;

/*
 * Learn the buffer's size and check the options with a first open,
 * closed again before step 0, and allocate everything now: nothing that
 * mapview allocates may move the numbers between the steps.
 */
static int setup(struct session *s)
{
	struct run *r = s->run;
	struct options *o = s->opt;
	FILE *f;
	int ret;

	r->mark_path = r->device;
	ret = open_device(r->device, &s->ctx.fd);
	if (ret)
		return ret;
	if (ioctl(s->ctx.fd, MAPDRV_IOC_INFO, &r->info)) {
		fprintf(stderr, "mapview: %s: MAPDRV_IOC_INFO: %s: not a mapdrv device?\n",
			r->device, strerror(errno));
		return errno == ENOTTY ? EXIT_NODEV : EXIT_SYS;
	}
	r->have_info = true;
	r->touch = o->touch_set ? o->touch : (r->info.pages + 1) / 2;
	if (r->touch > r->info.pages) {
		fprintf(stderr, "mapview: --touch %lu: the buffer has only %llu pages\n",
			r->touch, (unsigned long long)r->info.pages);
		return EXIT_USAGE;
	}
	if (o->walk_page >= 0 && (unsigned long long)o->walk_page >= r->info.pages) {
		fprintf(stderr, "mapview: --walk %ld: pages are 0..%llu\n",
			o->walk_page, (unsigned long long)r->info.pages - 1);
		return EXIT_USAGE;
	}
	module_info_read(&r->module);
	r->module.loaded_by_us = s->loaded_by_us;
	r->frames.frame = calloc(r->touch, sizeof(*r->frames.frame));
	if (!r->frames.frame)
		return fail_sys("frames", ENOMEM);
	prefault(r->frames.frame, r->touch * sizeof(*r->frames.frame),
		 r->page_size);
	close(s->ctx.fd);
	s->ctx.fd = -1;

	/* The buffer's line is the same at every step: read it once. */
	f = fopen("/proc/vmallocinfo", "re");
	/* Root only (mode 0400): without it the line is simply not shown. */
	if (f) {
		r->have_vmalloc = vmallocinfo_find(f, "[mapdrv]", &r->vmalloc) == 0;
		fclose(f);
	}
	return 0;
}

static int open_step(struct session *s)
{
	return open_device(s->run->device, &s->ctx.fd);
}

static int mmap_step(struct session *s)
{
	shared_map = mmap(NULL, s->run->info.size, PROT_READ | PROT_WRITE,
			  MAP_SHARED, s->ctx.fd, 0);
	if (shared_map == MAP_FAILED) {
		shared_map = NULL;
		return fail_sys("mmap MAP_SHARED", errno);
	}
	s->ctx.watch_addr[WATCH_SHARED] = (unsigned long)shared_map;
	return 0;
}

static int read_step(struct session *s)
{
	const struct run *r = s->run;

	for (unsigned long i = 0; i < r->touch; i++)
		(void)((volatile char *)shared_map)[i * r->page_size];
	return 0;
}

/* The last byte of page 0, past its marker; put back by read_frames(). */
static char saved;

static int write_step(struct session *s)
{
	struct run *r = s->run;

	r->written_page = 0;
	saved = shared_map[r->page_size - 1];
	shared_map[r->page_size - 1] = saved ^ 1;
	return 0;
}

static int read_frames(struct session *s)
{
	struct run *r = s->run;
	const char *what = "";
	int ret;

	shared_map[r->page_size - 1] = saved;
	for (unsigned long i = 0; i < r->touch; i++) {
		struct frame *f = &r->frames.frame[i];

		f->page = i;
		f->user_addr = (unsigned long)(shared_map + i * r->page_size);
		ret = frame_read(s->pagemap_fd, s->ctx.fd, r->page_size, f, &what);
		if (ret == -EPERM)
			r->pfns_hidden = true;
		else if (ret)
			return fail_sys(what, -ret);
		r->frames.n = i + 1;
	}
	return 0;
}

/* A private mapping, written once: its frame is a copy. */
static int private_step(struct session *s)
{
	private_map = mmap(NULL, s->run->info.size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE, s->ctx.fd, 0);
	if (private_map == MAP_FAILED) {
		private_map = NULL;
		return fail_sys("mmap MAP_PRIVATE", errno);
	}
	s->ctx.watch_addr[WATCH_PRIVATE] = (unsigned long)private_map;
	/*
	 * Past the marker, and the private copy's anyway.  A plain store, so
	 * that the one fault is the copy-on-write: a read-modify-write (^=)
	 * takes two in the VMs, x86_64 and arm64 alike (a read fault mapping
	 * the buffer's page, then the copy).
	 */
	*(volatile char *)&private_map[s->run->page_size - 1] = 1;
	return 0;
}

static int read_private_frame(struct session *s)
{
	struct run *r = s->run;
	const char *what = "";
	int ret;

	r->private_frame.page = 0;
	r->private_frame.user_addr = (unsigned long)private_map;
	ret = frame_read(s->pagemap_fd, s->ctx.fd, r->page_size,
			 &r->private_frame, &what);
	if (ret && ret != -EPERM)
		return fail_sys(what, -ret);
	r->have_private_frame = true;
	return 0;
}

static bool want_private(const struct session *s)
{
	return !s->opt->no_private;
}

static int munmap_step(struct session *s)
{
	size_t size = s->run->info.size;

	munmap(shared_map, size);
	shared_map = NULL;
	s->ctx.watch_addr[WATCH_SHARED] = 0;
	if (private_map) {
		munmap(private_map, size);
		private_map = NULL;
		s->ctx.watch_addr[WATCH_PRIVATE] = 0;
	}
	return 0;
}

/* --walk: a fresh one-page mapping of PAGE, touched, then both walks. */
static int finish(struct session *s)
{
	struct run *r = s->run;
	const char *what = "";
	unsigned long page;
	volatile char *map;
	int ret;

	if (s->opt->walk_page < 0)
		return 0;
	page = (unsigned long)s->opt->walk_page;
	map = mmap(NULL, r->page_size, PROT_READ, MAP_SHARED, s->ctx.fd,
		   page * r->page_size);
	if (map == MAP_FAILED)
		return fail_sys("mmap for --walk", errno);
	(void)map[0];
	ret = walk_read(s->pagemap_fd, s->ctx.fd, r->page_size, page,
			(unsigned long)map, &r->walk, &what);
	munmap((void *)map, r->page_size);
	if (ret == -EPERM) {
		fprintf(stderr, "mapview: --walk: %s: the walk shows kernel addresses and\n"
			"  PFNs, which need CAP_SYS_ADMIN: run mapview as root\n", what);
		return EXIT_HIDDEN;
	}
	if (ret)
		return fail_sys(what, -ret);
	r->have_walk = true;
	return 0;
}

static void cleanup(struct session *s)
{
	if (shared_map || private_map)
		munmap_step(s);
	if (s->ctx.fd >= 0)
		close(s->ctx.fd);
	s->ctx.fd = -1;
}

/* The steps, by name: explain() tells some apart. */
enum { BEFORE_OPEN, OPENED, MAPPED, READ, WRITTEN, PRIVATE, UNMAPPED, NSTEPS };

static const struct step steps[NSTEPS] = {
	[BEFORE_OPEN] = {
		.name = "before open",
		.explain =
			"  Nothing of mapdrv is in this process yet, but the buffer exists in\n"
			"  the kernel: vmallocinfo lists it and meminfo:VmallocUsed counts it.",
	},
	[OPENED] = {
		.name = "after open",
		.explain =
			"  Opening the device maps nothing: VmSize and RSS stay put.  The open\n"
			"  file pins the module, so rmmod would fail now.",
		.act = open_step,
	},
	[MAPPED] = {
		.name = "after mmap of the whole buffer (MAP_SHARED)",
		.explain =
			"  mmap() only reserved address space: VmSize grew by exactly the\n"
			"  mapping's size, but no page is mapped yet, so Rss is 0.  Pages come\n"
			"  on first touch: demand paging.",
		.act = mmap_step,
	},
	[READ] = {
		.name = "after reading the touched pages",
		.explain =
			"  Each first read faulted into mapdrv's .fault handler, which walked\n"
			"  the kernel page tables to the buffer's page and handed it over:\n"
			"  module:faults and smaps:Rss grew by exactly the pages touched, and\n"
			"  they count as RssFile (pages of a file, not anonymous memory).",
		.act = read_step,
	},
	[WRITTEN] = {
		.name = "after writing to one of them",
		.explain =
			"  The write needed no fault: the page was mapped writable already, and\n"
			"  the CPU set the dirty bit.  smaps calls it Private_Dirty although the\n"
			"  mapping is shared: only this process maps the page (the kernel's own\n"
			"  vmalloc mapping is not counted).",
		.act = write_step,
		.observe = read_frames,
	},
	[PRIVATE] = {
		.name = "a MAP_PRIVATE mapping written once (copy-on-write)",
		.explain =
			"  The first write to the private mapping copied the buffer's page into\n"
			"  a new anonymous page (copy-on-write): Anonymous and RssAnon grew by\n"
			"  one page, its frame differs from the kernel's, the buffer is intact.",
		.act = private_step,
		.observe = read_private_frame,
		.wanted = want_private,
	},
	[UNMAPPED] = {
		.name = "after munmap",
		.explain =
			"  munmap() dropped both mappings: VmSize and Rss fell back.  The pages\n"
			"  were never the process's to free; they stay in the buffer (VmallocUsed\n"
			"  did not move) until the module is unloaded.",
		.act = munmap_step,
	},
};

/* Steps 2 and 3 as the other map modes (module parameter map=) show them. */
static const char faultaround_read[] =
	"  Each first read in a window of pages faulted into mapdrv's .fault\n"
	"  handler (map=faultaround), which walked the kernel page tables for\n"
	"  every page of the window and mapped them all in one go: module:faults\n"
	"  grew by the windows touched, smaps:Rss and module:mapped by whole\n"
	"  windows.  The page cache does the same for files (fault-around).";

static const char premap_mmap[] =
	"  mmap() mapped every page at once (map=premap): VmSize and smaps:Rss\n"
	"  both grew by the mapping's size, and module:mapped by its pages.\n"
	"  No demand paging: touching the pages will fault nothing.";

static const char premap_read[] =
	"  The reads faulted nothing: every page was mapped at mmap(), so\n"
	"  module:faults stayed put, and so did smaps:Rss.";

static const char *explain(const struct session *s, const struct step *st)
{
	unsigned int mode = s->run->info.map_mode;

	if (st == &steps[MAPPED] && mode == MAPDRV_MAP_PREMAP)
		return premap_mmap;
	if (st == &steps[READ] && mode == MAPDRV_MAP_PREMAP)
		return premap_read;
	if (st == &steps[READ] && mode == MAPDRV_MAP_FAULTAROUND)
		return faultaround_read;
	return st->explain;
}

static void report_text(const struct run *r)
{
	report_text_frames(r);
	if (r->have_walk)
		report_text_walk(r);
}

static struct json_object *facts_json(const struct run *r)
{
	struct json_object *o = json_object_new_object();
	int matching = 0;

	for (int i = 0; i < r->frames.n; i++)
		matching += r->frames.frame[i].match;
	json_object_object_add(o, "touched_pages", json_object_new_int64(r->touch));
	json_object_object_add(o, "matching_frames", r->pfns_hidden ? NULL :
			       json_object_new_int(matching));
	json_object_object_add(o, "private_copy", !r->have_private_frame ||
			       r->pfns_hidden ? NULL :
			       json_object_new_boolean(!r->private_frame.match));
	json_object_object_add(o, "walk_agrees", !r->have_walk ? NULL :
			       json_object_new_boolean(r->walk.kernel.found &&
				       r->walk.kernel.page_ptr == r->walk.kernel.vmalloc_to_page_ptr &&
				       r->walk.user.pfn == r->walk.kernel.pfn));
	return o;
}

const struct lesson lesson_device = {
	.name = "device",
	.summary = "mapdrv's buffer in this process: open, mmap, fault, write, COW, munmap",
	.steps = steps,
	.nsteps = NSTEPS,
	.watch_name = { "", "private" },
	.setup = setup,
	.explain = explain,
	.finish = finish,
	.cleanup = cleanup,
	.report_text = report_text,
	.facts_json = facts_json,
};
