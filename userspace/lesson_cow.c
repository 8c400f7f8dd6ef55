// SPDX-License-Identifier: GPL-2.0
/*
 * The cow lesson: after fork() parent and child share every frame until
 * one of them writes (copy-on-write).  Three pages show it: an anonymous
 * page, a page of /dev/mapdrv mapped MAP_PRIVATE and one mapped
 * MAP_SHARED, each read in /proc/PID/pagemap of both processes.  mapview
 * is the parent; the child only reads, writes and exits when told.
 */
#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lesson.h"

enum { WATCH_ANON, WATCH_PRIVATE, WATCH_SHARED, NPAGES };

static char *page[NPAGES];
static int to_child = -1, from_child = -1, child_pagemap = -1;
static pid_t child;
static long page_size;
static char shared_saved;	/* the device byte the child overwrites */

static struct cow_page *fact(struct run *r, int i)
{
	struct cow_facts *c = &r->facts.cow;

	return i == WATCH_ANON ? &c->anon : i == WATCH_PRIVATE ?
		&c->device_private : &c->device_shared;
}

static int setup(struct session *s)
{
	struct run *r = s->run;
	int ret = open_device(r->device, &s->ctx.fd);

	if (ret)
		return ret;
	page_size = r->page_size;
	page[WATCH_ANON] = mmap(NULL, r->page_size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	page[WATCH_PRIVATE] = mmap(NULL, r->page_size, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE, s->ctx.fd, 0);
	page[WATCH_SHARED] = mmap(NULL, r->page_size, PROT_READ | PROT_WRITE,
				  MAP_SHARED, s->ctx.fd, r->page_size);
	for (int i = 0; i < NPAGES; i++) {
		if (page[i] == MAP_FAILED) {
			page[i] = NULL;
			return fail_sys("mmap", errno);
		}
		s->ctx.watch_addr[i] = (unsigned long)page[i];
		r->mark[i] = (unsigned long)page[i];
		fact(r, i)->addr = (unsigned long)page[i];
	}
	/* The anonymous page gets a frame of its own; the device's are read. */
	page[WATCH_ANON][0] = 1;
	(void)*(volatile char *)page[WATCH_PRIVATE];
	shared_saved = *(volatile char *)&page[WATCH_SHARED][page_size - 1];
	return 0;
}

/* The PFN behind @addr in the pagemap open on @fd; 0: not present. */
static int pfn_of(struct session *s, int fd, unsigned long addr, uint64_t *pfn)
{
	struct pagemap_entry e;
	uint64_t raw;
	int ret = pagemap_read(fd, addr, s->run->page_size, &raw);

	if (ret)
		return fail_sys("pagemap", -ret);
	pagemap_decode(raw, &e);
	*pfn = e.present ? e.pfn : 0;
	if (e.present && !e.pfn)
		s->run->facts.cow.pfns_hidden = true;
	return 0;
}

/*
 * The child: a byte from mapview says read the pages, write them, or
 * exit.  The last byte of each page is written, past the device's
 * marker.  No stdio: the child shares mapview's buffers.
 */
static void __attribute__((noreturn)) child_loop(int in, int out)
{
	char cmd;

	while (read(in, &cmd, 1) == 1 && cmd != 'x') {
		for (int i = 0; i < NPAGES; i++) {
			volatile char *b = &page[i][page_size - 1];

			if (cmd == 'r')
				(void)*b;
			else
				*b = 2;
		}
		if (write(out, &cmd, 1) != 1)
			break;
	}
	_exit(0);
}

/* Tell the child @cmd and wait until it has done it. */
static int tell_child(char cmd)
{
	char done;

	if (write(to_child, &cmd, 1) != 1 || read(from_child, &done, 1) != 1)
		return fail_sys("the child", EPIPE);
	return 0;
}

/*
 * fork() made every private page of mapview copy-on-write, in both
 * processes: mapview's first write to each afterwards -- a snapshot,
 * a prompt -- would be a fault the steps' numbers never asked for.
 * Write each present page of its private writable mappings once, with
 * its own value, now, in the fork's step; all but the lesson's pages,
 * whose sharing is the lesson.
 */
static int own_pages_again(struct session *s)
{
	struct maps_entry m;
	char line[4096 + 256];
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return fail_sys("/proc/self/maps", errno);
	while (fgets(line, sizeof(line), f)) {
		if (parse_maps_line(line, &m) || strcmp(m.perms, "rw-p"))
			continue;
		for (unsigned long a = m.start; a < m.end; a += (unsigned long)page_size) {
			struct pagemap_entry e;
			uint64_t raw;
			bool lesson = false;

			for (int i = 0; i < NPAGES; i++)
				lesson |= a == (unsigned long)page[i];
			if (lesson || pagemap_read(s->pagemap_fd, a, page_size, &raw))
				continue;
			pagemap_decode(raw, &e);
			if (e.present)
				prefault((void *)a, 1, page_size);
		}
	}
	fclose(f);
	return 0;
}

static int fork_step(struct session *s)
{
	int down[2], up[2];
	char path[64];

	if (pipe2(down, O_CLOEXEC))
		return fail_sys("pipe", errno);
	if (pipe2(up, O_CLOEXEC)) {
		close(down[0]);
		close(down[1]);
		return fail_sys("pipe", errno);
	}
	fflush(NULL);
	child = fork();
	if (child < 0)
		return fail_sys("fork", errno);
	if (!child)
		child_loop(down[0], up[1]);
	close(down[0]);
	close(up[1]);
	if (own_pages_again(s))
		return EXIT_SYS;
	to_child = down[1];
	from_child = up[0];
	s->run->facts.cow.child = child;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)child);
	child_pagemap = open(path, O_RDONLY | O_CLOEXEC);
	return child_pagemap < 0 ? fail_sys(path, errno) : 0;
}

/* Which pages fork() gave the child mapped, before it touched any. */
static int after_fork(struct session *s)
{
	for (int i = 0; i < NPAGES; i++) {
		uint64_t pfn;
		int ret = pfn_of(s, child_pagemap, (unsigned long)page[i], &pfn);

		if (ret)
			return ret;
		fact(s->run, i)->child_mapped_at_fork = pfn != 0 ||
			s->run->facts.cow.pfns_hidden;
	}
	return 0;
}

static int read_pfns(struct session *s, bool after)
{
	for (int i = 0; i < NPAGES; i++) {
		struct cow_page *c = fact(s->run, i);
		unsigned long addr = (unsigned long)page[i];
		int ret;

		ret = pfn_of(s, s->pagemap_fd, addr,
			     after ? &c->parent_pfn_after : &c->parent_pfn_before);
		if (!ret)
			ret = pfn_of(s, child_pagemap, addr,
				     after ? &c->child_pfn_after : &c->child_pfn_before);
		if (ret)
			return ret;
	}
	return 0;
}

static int child_reads(struct session *s)
{
	(void)s;
	return tell_child('r');
}

static int pfns_before(struct session *s)
{
	return read_pfns(s, false);
}

static int child_writes(struct session *s)
{
	(void)s;
	return tell_child('w');
}

static int pfns_after(struct session *s)
{
	return read_pfns(s, true);
}

static void end_child(void)
{
	char cmd = 'x';

	if (child <= 0)
		return;
	if (write(to_child, &cmd, 1) != 1)
		kill(child, SIGKILL);
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	child = 0;
}

static int exit_step(struct session *s)
{
	(void)s;
	end_child();
	return 0;
}

static int finish(struct session *s)
{
	struct run *r = s->run;
	const struct cow_facts *c = &r->facts.cow;

	if (c->pfns_hidden)
		run_note(r, "not CAP_SYS_ADMIN: the kernel shows every PFN as 0, so the frames cannot be compared (run as root)");
	if (!c->device_private.child_mapped_at_fork && !c->pfns_hidden)
		run_note(r, "fork() did not copy the page table entries of the device's mappings (no anonymous pages in them): the child faulted the pages in on its first read");
	return 0;
}

static void cleanup(struct session *s)
{
	end_child();
	if (page[WATCH_SHARED])
		page[WATCH_SHARED][page_size - 1] = shared_saved;
	for (int i = 0; i < NPAGES; i++) {
		if (page[i])
			munmap(page[i], page_size);
		page[i] = NULL;
		s->ctx.watch_addr[i] = 0;
	}
	if (child_pagemap >= 0)
		close(child_pagemap);
	if (to_child >= 0)
		close(to_child);
	if (from_child >= 0)
		close(from_child);
	child_pagemap = to_child = from_child = -1;
	if (s->ctx.fd >= 0)
		close(s->ctx.fd);
	s->ctx.fd = -1;
}

static const struct step steps[] = {
	{
		.name = "before fork()",
		.explain =
			"  mapview holds three pages: an anonymous one it wrote, a page of\n"
			"  /dev/mapdrv mapped MAP_PRIVATE and one mapped MAP_SHARED, both read.\n"
			"  Each smaps Pss is a whole page: no other process maps them.",
	},
	{
		.name = "after fork(): the child has touched nothing",
		.explain =
			"  fork() copied the page tables of the anonymous mapping and made the\n"
			"  page read-only in both processes: one frame, two mappers, so each\n"
			"  process's Pss for it is half a page.  The device's mappings have no\n"
			"  anonymous pages, so the kernel did not copy their entries: the child\n"
			"  will fault them in from the device itself.",
		.act = fork_step,
		.observe = after_fork,
	},
	{
		.name = "after the child reads the pages",
		.explain =
			"  The child's reads found the same frames as the parent's: pagemap\n"
			"  shows one PFN in both for each page, and Pss is half a page for\n"
			"  each of the three.",
		.act = child_reads,
		.observe = pfns_before,
	},
	{
		.name = "after the child writes to each page",
		.explain =
			"  The child's writes faulted on the read-only private pages: the\n"
			"  kernel copied each into a new frame for the child (copy-on-write),\n"
			"  and the parent's page is its own again (Pss a whole page).  The\n"
			"  MAP_SHARED page was writable in both: no copy, one frame still, and\n"
			"  the parent sees the child's byte.",
		.act = child_writes,
		.observe = pfns_after,
	},
	{
		.name = "after the child exits",
		.explain =
			"  The child's frames went with it; the parent's pages are unchanged.",
		.act = exit_step,
	},
};

static void text_page(const char *what, const struct cow_page *c)
{
	printf("  %-16s before the write: parent 0x%llx, child 0x%llx (%s); after: parent 0x%llx, child 0x%llx (%s)\n",
	       what, (unsigned long long)c->parent_pfn_before,
	       (unsigned long long)c->child_pfn_before,
	       c->parent_pfn_before == c->child_pfn_before ? "shared" : "different",
	       (unsigned long long)c->parent_pfn_after,
	       (unsigned long long)c->child_pfn_after,
	       c->parent_pfn_after == c->child_pfn_after ? "shared" : "copied");
}

static void report_text(const struct run *r)
{
	const struct cow_facts *c = &r->facts.cow;

	printf("\n== copy-on-write: PFNs from /proc/PID/pagemap ==\n");
	if (c->pfns_hidden) {
		printf("  hidden: PFNs need CAP_SYS_ADMIN (run mapview as root)\n");
		return;
	}
	text_page("anonymous:", &c->anon);
	text_page("device private:", &c->device_private);
	text_page("device shared:", &c->device_shared);
}

/* A hidden PFN is null: the kernel showed 0, which is no data. */
static struct json_object *pfn_json(bool hidden, uint64_t pfn)
{
	return hidden ? NULL : json_object_new_uint64(pfn);
}

static struct json_object *page_json(const struct cow_page *c, bool hidden)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "addr", json_object_new_uint64(c->addr));
	json_object_object_add(o, "child_mapped_at_fork", hidden ? NULL :
			       json_object_new_boolean(c->child_mapped_at_fork));
	json_object_object_add(o, "parent_pfn_before", pfn_json(hidden, c->parent_pfn_before));
	json_object_object_add(o, "child_pfn_before", pfn_json(hidden, c->child_pfn_before));
	json_object_object_add(o, "parent_pfn_after", pfn_json(hidden, c->parent_pfn_after));
	json_object_object_add(o, "child_pfn_after", pfn_json(hidden, c->child_pfn_after));
	return o;
}

static struct json_object *facts_json(const struct run *r)
{
	const struct cow_facts *c = &r->facts.cow;
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "pfns_hidden", json_object_new_boolean(c->pfns_hidden));
	json_object_object_add(o, "child_pid", json_object_new_int(c->child));
	json_object_object_add(o, "anon", page_json(&c->anon, c->pfns_hidden));
	json_object_object_add(o, "device_private",
			       page_json(&c->device_private, c->pfns_hidden));
	json_object_object_add(o, "device_shared",
			       page_json(&c->device_shared, c->pfns_hidden));
	return o;
}

const struct lesson lesson_cow = {
	.name = "cow",
	.summary = "after fork() parent and child share frames until one writes (copy-on-write)",
	.steps = steps,
	.nsteps = sizeof(steps) / sizeof(steps[0]),
	.watch_name = { "", "device_private", "device_shared" },
	.setup = setup,
	.finish = finish,
	.cleanup = cleanup,
	.report_text = report_text,
	.facts_json = facts_json,
};
