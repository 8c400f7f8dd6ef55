// SPDX-License-Identifier: GPL-2.0
/*
 * mapview: map /dev/mapdrv and report, step by step, what the process and
 * the system see: the maps line, VSZ/RSS and smaps of the mapping, the
 * faults, /proc/meminfo and /proc/vmallocinfo, and the proof that the user
 * page and the kernel's page are one physical frame.
 *
 * Every snapshot is taken before anything is printed (unless --step),
 * nothing forks, and everything mapview writes or calls during the steps
 * is touched before step 0 (warm_up()), so the tool does not move the
 * numbers it reports: between two steps its own RssAnon and minor faults
 * move only by what the step itself does to the device's mappings.
 * Exit codes: see usage() and mapview(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mapview.h"

/* dkms.conf holds the version; the Makefile passes it. */
#ifndef MAPDRV_VERSION
#define MAPDRV_VERSION "(unknown: built without the Makefile)"
#endif

enum {
	EXIT_USAGE = 1,		/* bad command line */
	EXIT_NODEV = 2,		/* no device: module not loaded */
	EXIT_PERM = 3,		/* the device is not ours to open */
	EXIT_LOAD = 4,		/* --load failed */
	EXIT_SYS = 5,		/* a system call or /proc read failed */
	EXIT_HIDDEN = 6,	/* --walk needs CAP_SYS_ADMIN */
};

static const char *const step_name[MAPVIEW_STEPS] = {
	"before open",
	"after open",
	"after mmap of the whole buffer (MAP_SHARED)",
	"after reading the touched pages",
	"after writing to one of them",
	"a MAP_PRIVATE mapping written once (copy-on-write)",
	"after munmap",
};

static const char *const step_explain[MAPVIEW_STEPS] = {
	"  Nothing of mapdrv is in this process yet, but the buffer exists in\n"
	"  the kernel: vmallocinfo lists it and meminfo:VmallocUsed counts it.",
	"  Opening the device maps nothing: VmSize and RSS stay put.  The open\n"
	"  file pins the module, so rmmod would fail now.",
	"  mmap() only reserved address space: VmSize grew by exactly the\n"
	"  mapping's size, but no page is mapped yet, so Rss is 0.  Pages come\n"
	"  on first touch: demand paging.",
	"  Each first read faulted into mapdrv's .fault handler, which walked\n"
	"  the kernel page tables to the buffer's page and handed it over:\n"
	"  module:faults and smaps:Rss grew by exactly the pages touched, and\n"
	"  they count as RssFile (pages of a file, not anonymous memory).",
	"  The write needed no fault: the page was mapped writable already, and\n"
	"  the CPU set the dirty bit.  smaps calls it Private_Dirty although the\n"
	"  mapping is shared: only this process maps the page (the kernel's own\n"
	"  vmalloc mapping is not counted).",
	"  The first write to the private mapping copied the buffer's page into\n"
	"  a new anonymous page (copy-on-write): Anonymous and RssAnon grew by\n"
	"  one page, its frame differs from the kernel's, the buffer is intact.",
	"  munmap() dropped both mappings: VmSize and Rss fell back.  The pages\n"
	"  were never the process's to free; they stay in the buffer (VmallocUsed\n"
	"  did not move) until the module is unloaded.",
};

/*
 * Steps 2 and 3 as the other map modes show them (module parameter
 * map=); step_explain[] tells the default, one page per fault.
 */
static const char faultaround_explain_3[] =
	"  Each first read in a window of pages faulted into mapdrv's .fault\n"
	"  handler (map=faultaround), which walked the kernel page tables for\n"
	"  every page of the window and mapped them all in one go: module:faults\n"
	"  grew by the windows touched, smaps:Rss and module:mapped by whole\n"
	"  windows.  The page cache does the same for files (fault-around).";

static const char *const premap_explain[2] = {
	"  mmap() mapped every page at once (map=premap): VmSize and smaps:Rss\n"
	"  both grew by the mapping's size, and module:mapped by its pages.\n"
	"  No demand paging: touching the pages will fault nothing.",
	"  The reads faulted nothing: every page was mapped at mmap(), so\n"
	"  module:faults stayed put, and so did smaps:Rss.",
};

/* The --explain text of step kind @kind in map mode @mode. */
static const char *explain_step(int kind, unsigned int mode)
{
	if (kind == 2 && mode == MAPDRV_MAP_PREMAP)
		return premap_explain[0];
	if (kind == 3 && mode == MAPDRV_MAP_PREMAP)
		return premap_explain[1];
	if (kind == 3 && mode == MAPDRV_MAP_FAULTAROUND)
		return faultaround_explain_3;
	return step_explain[kind];
}

struct options {
	const char *device;
	unsigned long touch;		/* 0: half the buffer */
	bool touch_set;
	bool no_private, json, explain, step;
	long walk_page;			/* -1: no --walk */
	const char *load_path;
	char load_params[512];
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: mapview [OPTIONS]\n"
"Map the mapdrv device and show, step by step, what the process and the\n"
"system see: maps, VmSize/VmRSS, smaps, faults, meminfo, vmallocinfo, and\n"
"the proof that user and kernel share the same physical frames.\n"
"\n"
"  --device PATH     the device (default " MAPDRV_DEVICE ")\n"
"  --touch N         pages to read at step 3 (default: half the buffer)\n"
"  --no-private      leave out the MAP_PRIVATE step\n"
"  --walk PAGE       show the module's page-table walk for PAGE (root)\n"
"  --json            one JSON object instead of the tables\n"
"  --explain         a few sentences under each step\n"
"  --step            wait for Enter before each step and after the last\n"
"  --load PATH.ko [PARAM=VALUE...]  load the module first (libkmod)\n"
"  --help, --version\n"
"\n"
"examples:\n"
"  sudo mapview --explain\n"
"  sudo mapview --load ./mapdrv.ko pages=64 --touch 8 --walk 3\n"
"  sudo mapview --json | jq '.steps[] | {name, vsz_kb, rss_kb}'\n"
"\n"
"exit status: 0 ok, 1 usage, 2 no device (module not loaded), 3 permission\n"
"denied, 4 --load failed, 5 a system call or /proc failed, 6 --walk without\n"
"CAP_SYS_ADMIN.\n");
}

static int parse_ulong(const char *s, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || end == s || *end || *s == '-' ? -1 : 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	unsigned long v;

	o->device = MAPDRV_DEVICE;
	o->walk_page = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--version")) {
			printf("mapview %s\n", MAPDRV_VERSION);
			exit(0);
		} else if (!strcmp(a, "--device") && i + 1 < argc) {
			o->device = argv[++i];
		} else if (!strcmp(a, "--touch") && i + 1 < argc) {
			if (parse_ulong(argv[++i], &o->touch) || !o->touch) {
				fprintf(stderr, "mapview: --touch %s: not a page count\n", argv[i]);
				return -1;
			}
			o->touch_set = true;
		} else if (!strcmp(a, "--walk") && i + 1 < argc) {
			if (parse_ulong(argv[++i], &v) || v > LONG_MAX) {
				fprintf(stderr, "mapview: --walk %s: not a page number\n", argv[i]);
				return -1;
			}
			o->walk_page = v;
		} else if (!strcmp(a, "--load") && i + 1 < argc) {
			o->load_path = argv[++i];
			/* PARAM=VALUE words up to the next option. */
			while (i + 1 < argc && strncmp(argv[i + 1], "--", 2)) {
				size_t used = strlen(o->load_params);

				snprintf(o->load_params + used,
					 sizeof(o->load_params) - used, "%s%s",
					 used ? " " : "", argv[++i]);
			}
		} else if (!strcmp(a, "--no-private")) {
			o->no_private = true;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--explain")) {
			o->explain = true;
		} else if (!strcmp(a, "--step")) {
			o->step = true;
		} else {
			fprintf(stderr, "mapview: unknown or incomplete option '%s'\n", a);
			return -1;
		}
	}
	return 0;
}

static int fail_sys(const char *what, int err)
{
	fprintf(stderr, "mapview: %s: %s\n", what, strerror(err));
	return EXIT_SYS;
}

/* Open the device, or explain why not. */
static int open_device(const char *device, int *fd)
{
	*fd = open(device, O_RDWR | O_CLOEXEC);
	if (*fd >= 0)
		return 0;
	switch (errno) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		fprintf(stderr, "mapview: %s: %s: the mapdrv module is not loaded\n"
			"  load it: sudo insmod mapdrv.ko, or mapview --load mapdrv.ko\n",
			device, strerror(errno));
		return EXIT_NODEV;
	case EACCES:
	case EPERM:
		fprintf(stderr, "mapview: %s: %s: the device is root's (mode 0600)\n"
			"  run mapview as root (sudo mapview)\n", device, strerror(errno));
		return EXIT_PERM;
	default:
		return fail_sys(device, errno);
	}
}

struct session {
	struct run *run;
	struct options *opt;
	struct snap_ctx ctx;
	int printed;		/* steps already printed (--step) */
	bool loaded_by_us;	/* --load inserted the module */
};

/* Which step's name and text step @i has: with --no-private, 5 is munmap. */
static int step_kind(const struct session *s, int i)
{
	return s->opt->no_private && i == 5 ? 6 : i;
}

/*
 * With --step, wait for Enter before doing step @i.  The prompt goes to
 * stderr, unbuffered, so that it allocates nothing and so that a program
 * driving mapview knows the previous step's snapshot is taken and mapview
 * is idle (the tests read /proc/PID/ then).
 */
static void pause_before(struct session *s, int i)
{
	char line[16];

	if (!s->opt->step)
		return;
	fprintf(stderr, "\n-- step %d: %s: press Enter --\n", i,
		step_name[step_kind(s, i)]);
	if (!fgets(line, sizeof(line), stdin))
		s->opt->step = false;	/* end of input: run to the end */
}

/*
 * With --step, one more pause after the last step, before the proof of
 * sharing (or the JSON): the last step's numbers can then be read from
 * /proc/PID/ too, and nothing else has happened yet.
 */
static void pause_end(struct session *s)
{
	char line[16];

	if (!s->opt->step)
		return;
	fprintf(stderr, "\n-- end: press Enter for the %s --\n",
		s->opt->json ? "JSON report" : "proof of sharing");
	if (!fgets(line, sizeof(line), stdin))
		s->opt->step = false;
}

/* Take step @i's snapshot; with --step, print it at once. */
static int take_step(struct session *s, int i)
{
	struct snapshot *snap = &s->run->step[i];
	const char *what = "";
	int ret;

	snap->name = step_name[step_kind(s, i)];
	snap->explain = explain_step(step_kind(s, i), s->run->info.map_mode);
	ret = snapshot_take(&s->ctx, snap, &what);
	if (ret)
		return fail_sys(what, -ret);
	s->run->nsteps = i + 1;
	if (s->opt->step && !s->opt->json) {
		report_text_step(stdout, s->run, i, s->opt->explain);
		fflush(stdout);
		s->printed = i + 1;
	}
	return 0;
}

/*
 * The warm-up.  A page of the BSS or of a fresh calloc() is not resident
 * until it is first written, the stack and the heap grow into new pages
 * as they are first used, and the first call of a library function binds
 * it (lazy binding) and may fault in its code.  Inside a step, each would
 * be a minor fault and a page of RssAnon (or RssFile) that mapview itself
 * put into the numbers it reports.  So before step 0 mapview writes every
 * page it will write (the run with all its snapshots, the frames, a
 * reserve of stack and of heap), calls what the steps call, takes a
 * snapshot and, with --step, prints a step to /dev/null.  No locking:
 * mlockall() would fault in every page of every library (RSS would be
 * the whole binary's) and, with MCL_FUTURE, the device's mapping at
 * mmap(), the demand paging that steps 2 and 3 show.  The pages are
 * simply in use already.
 */
#define STACK_RESERVE	(64 * 1024)	/* deeper than any step goes */
#define HEAP_RESERVE	(64 * 1024)	/* more than a step's tables take */

/* Write a byte of every page of [@p, @p + @len) once, with its own value. */
static void prefault(void *p, size_t len, long page_size)
{
	volatile char *c = p;
	char v;

	if (!len)
		return;
	for (size_t off = 0; off < len; off += (size_t)page_size) {
		v = c[off];
		c[off] = v;
	}
	v = c[len - 1];
	c[len - 1] = v;
}

/* The stack pages below this frame, down to STACK_RESERVE. */
static __attribute__((noinline)) void prefault_stack(long page_size)
{
	volatile char pad[STACK_RESERVE];

	for (size_t off = 0; off < sizeof(pad); off += (size_t)page_size)
		pad[off] = 0;
	pad[sizeof(pad) - 1] = 0;
}

static int warm_up(struct session *s, int pagemap_fd)
{
	struct run *r = s->run;
	const char *what = "";
	uint64_t raw;
	void *p;
	int ret;

	prefault(r, sizeof(*r), r->page_size);
	prefault(r->frames.frame, r->touch * sizeof(*r->frames.frame),
		 r->page_size);
	prefault_stack(r->page_size);
	/* Freed at once: the pages stay in the heap, for later mallocs. */
	p = malloc(HEAP_RESERVE);
	if (!p)
		return fail_sys("warm-up", ENOMEM);
	prefault(p, HEAP_RESERVE, r->page_size);
	free(p);

	/* What read_frames() calls first: pread(). */
	ret = pagemap_read(pagemap_fd, (unsigned long)r, r->page_size, &raw);
	if (ret)
		return fail_sys("/proc/self/pagemap", -ret);

	/* A snapshot (overwritten by step 0's), and its report. */
	ret = snapshot_take(&s->ctx, &r->step[0], &what);
	if (ret)
		return fail_sys(what, -ret);
	if (s->opt->step && !s->opt->json) {
		FILE *null = fopen("/dev/null", "we");

		if (!null)
			return fail_sys("/dev/null", errno);
		r->step[0].name = step_name[0];
		r->step[0].explain = step_explain[0];
		report_text_step(null, r, 0, s->opt->explain);
		fclose(null);
	}

	/*
	 * Last, what steps 2-6 call first: mmap and munmap.  The page
	 * is written so that munmap() has a page to unmap: on 6.1 that
	 * folds this thread's cached RSS counts into the ones status shows
	 * (later kernels have nothing to fold), so that VmRSS starts exact.
	 */
	p = mmap(NULL, r->page_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return fail_sys("warm-up mmap", errno);
	*(volatile char *)p = 1;
	munmap(p, r->page_size);
	return 0;
}

static void read_vmallocinfo(struct run *r)
{
	FILE *f = fopen("/proc/vmallocinfo", "re");

	/* Root only (mode 0400): without it the line is simply not shown. */
	if (!f)
		return;
	r->have_vmalloc = vmallocinfo_find(f, "[mapdrv]", &r->vmalloc) == 0;
	fclose(f);
}

static int read_frames(struct session *s, int pagemap_fd, const char *map)
{
	struct run *r = s->run;
	const char *what = "";
	int ret;

	for (unsigned long i = 0; i < r->touch; i++) {
		struct frame *f = &r->frames.frame[i];

		f->page = i;
		f->user_addr = (unsigned long)(map + i * r->page_size);
		ret = frame_read(pagemap_fd, s->ctx.fd, r->page_size, f, &what);
		if (ret == -EPERM) {
			r->pfns_hidden = true;
		} else if (ret) {
			return fail_sys(what, -ret);
		}
		r->frames.n = i + 1;
	}
	return 0;
}

/*
 * Step 5: a private mapping, written once; its frame is a copy.  It stays
 * mapped until step 6 unmaps both mappings.
 */
static int private_step(struct session *s, int pagemap_fd)
{
	struct run *r = s->run;
	const char *what = "";
	char *priv;
	int ret;

	pause_before(s, 5);
	priv = mmap(NULL, r->info.size, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		    s->ctx.fd, 0);
	if (priv == MAP_FAILED)
		return fail_sys("mmap MAP_PRIVATE", errno);
	s->ctx.private_addr = (unsigned long)priv;
	/*
	 * Past the marker, and the private copy's anyway.  A plain store, so
	 * that the one fault is the copy-on-write: a read-modify-write (^=)
	 * takes two in the VMs, x86_64 and arm64 alike (a read fault mapping
	 * the buffer's page, then the copy).
	 */
	*(volatile char *)&priv[r->page_size - 1] = 1;

	ret = take_step(s, 5);
	if (ret)
		return ret;
	r->private_frame.page = 0;
	r->private_frame.user_addr = (unsigned long)priv;
	ret = frame_read(pagemap_fd, s->ctx.fd, r->page_size, &r->private_frame, &what);
	if (ret && ret != -EPERM)
		return fail_sys(what, -ret);
	r->have_private_frame = true;
	return 0;
}

/* --walk: a fresh one-page mapping of PAGE, touched, then both walks. */
static int walk_step(struct session *s, int pagemap_fd, unsigned long page)
{
	struct run *r = s->run;
	const char *what = "";
	volatile char *map;
	int ret;

	map = mmap(NULL, r->page_size, PROT_READ, MAP_SHARED, s->ctx.fd,
		   page * r->page_size);
	if (map == MAP_FAILED)
		return fail_sys("mmap for --walk", errno);
	(void)map[0];
	ret = walk_read(pagemap_fd, s->ctx.fd, r->page_size, page,
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

static int run_walkthrough(struct session *s)
{
	struct run *r = s->run;
	struct options *o = s->opt;
	volatile char *map;
	int pagemap_fd, ret;
	char saved;

	pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pagemap_fd < 0)
		return fail_sys("/proc/self/pagemap", errno);

	/*
	 * Learn the buffer's size and check the options with a first open,
	 * closed again before step 0, and allocate everything now: nothing
	 * that mapview allocates may move the numbers between the steps.
	 */
	ret = open_device(r->device, &s->ctx.fd);
	if (ret)
		goto out;
	if (ioctl(s->ctx.fd, MAPDRV_IOC_INFO, &r->info)) {
		fprintf(stderr, "mapview: %s: MAPDRV_IOC_INFO: %s: not a mapdrv device?\n",
			r->device, strerror(errno));
		ret = errno == ENOTTY ? EXIT_NODEV : EXIT_SYS;
		goto out;
	}
	r->touch = o->touch_set ? o->touch : (r->info.pages + 1) / 2;
	if (r->touch > r->info.pages) {
		fprintf(stderr, "mapview: --touch %lu: the buffer has only %llu pages\n",
			r->touch, (unsigned long long)r->info.pages);
		ret = EXIT_USAGE;
		goto out;
	}
	if (o->walk_page >= 0 && (unsigned long long)o->walk_page >= r->info.pages) {
		fprintf(stderr, "mapview: --walk %ld: pages are 0..%llu\n",
			o->walk_page, (unsigned long long)r->info.pages - 1);
		ret = EXIT_USAGE;
		goto out;
	}
	module_info_read(&r->module);
	r->module.loaded_by_us = s->loaded_by_us;
	r->frames.frame = calloc(r->touch, sizeof(*r->frames.frame));
	if (!r->frames.frame) {
		ret = fail_sys("frames", ENOMEM);
		goto out;
	}
	close(s->ctx.fd);
	s->ctx.fd = -1;
	if (o->step && !o->json)
		report_text_header(r);

	/* Before the warm-up: the first fgets() allocates stdin's buffer. */
	pause_before(s, 0);
	/* The buffer's line is the same at every step: read it for step 0. */
	read_vmallocinfo(r);
	ret = warm_up(s, pagemap_fd);
	if (ret)
		goto out;
	ret = take_step(s, 0);
	if (ret)
		goto out;

	pause_before(s, 1);
	ret = open_device(r->device, &s->ctx.fd);
	if (ret)
		goto out;
	ret = take_step(s, 1);
	if (ret)
		goto out;

	pause_before(s, 2);
	map = mmap(NULL, r->info.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   s->ctx.fd, 0);
	if (map == MAP_FAILED) {
		ret = fail_sys("mmap MAP_SHARED", errno);
		goto out;
	}
	s->ctx.shared_addr = (unsigned long)map;
	ret = take_step(s, 2);
	if (ret)
		goto out;

	pause_before(s, 3);
	for (unsigned long i = 0; i < r->touch; i++)
		(void)map[i * r->page_size];
	ret = take_step(s, 3);
	if (ret)
		goto out;

	/* The last byte of page 0, past its marker; put back afterwards. */
	pause_before(s, 4);
	r->written_page = 0;
	saved = map[r->page_size - 1];
	map[r->page_size - 1] = saved ^ 1;
	ret = take_step(s, 4);
	map[r->page_size - 1] = saved;
	if (ret)
		goto out;

	ret = read_frames(s, pagemap_fd, (const char *)map);
	if (ret)
		goto out;
	if (!o->no_private) {
		ret = private_step(s, pagemap_fd);
		if (ret)
			goto out;
	}

	pause_before(s, o->no_private ? 5 : 6);
	munmap((void *)map, r->info.size);
	s->ctx.shared_addr = 0;
	if (s->ctx.private_addr) {
		munmap((void *)s->ctx.private_addr, r->info.size);
		s->ctx.private_addr = 0;
	}
	ret = take_step(s, o->no_private ? 5 : 6);
	if (ret)
		goto out;
	pause_end(s);

	if (o->walk_page >= 0)
		ret = walk_step(s, pagemap_fd, o->walk_page);
out:
	close(pagemap_fd);
	return ret;
}

int main(int argc, char **argv)
{
	static struct run run;
	struct options opt = { 0 };
	struct session s = { .run = &run, .opt = &opt, .ctx = { .fd = -1 } };
	char device[PATH_MAX];
	int ret;

	if (parse_options(argc, argv, &opt)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	run.page_size = sysconf(_SC_PAGESIZE);
	/* maps shows the resolved path of the device. */
	run.device = realpath(opt.device, device) ? device : opt.device;
	s.ctx.device = run.device;

	if (opt.load_path) {
		char msg[512];
		bool inserted;

		if (module_load(opt.load_path, opt.load_params, &inserted, msg,
				sizeof(msg))) {
			fprintf(stderr, "mapview: --load: %s\n", msg);
			return EXIT_LOAD;
		}
		s.loaded_by_us = inserted;
		run.device = realpath(opt.device, device) ? device : opt.device;
		s.ctx.device = run.device;
	}

	ret = run_walkthrough(&s);
	if (ret && ret != EXIT_HIDDEN)
		return ret;

	if (opt.json) {
		if (report_json(&run))
			ret = fail_sys("stdout", errno);
	} else {
		if (!s.printed)
			report_text_header(&run);
		for (int i = s.printed; i < run.nsteps; i++)
			report_text_step(stdout, &run, i, opt.explain);
		report_text_frames(&run);
		if (run.have_walk)
			report_text_walk(&run);
	}
	if (s.ctx.fd >= 0)
		close(s.ctx.fd);
	free(run.frames.frame);
	return ret;
}
