// SPDX-License-Identifier: GPL-2.0
/*
 * The demand lesson: 4 x malloc(1 GiB) in a fresh process grows VmSize
 * by 4 GiB and RSS by almost nothing; touching N pages then costs N
 * minor faults and N pages of RSS: demand paging.
 */
#include <errno.h>
#include <json.h>
#include <stdio.h>
#include <string.h>

#include "lesson.h"

#define GIB		(1024UL * 1024 * 1024)
#define SMALLEST	(16UL * 1024 * 1024)	/* give up below this */
#define DEFAULT_TOUCH	1000

enum { BEFORE, ALLOCATED, TOUCHED, FREED, NSTEPS };

static void read_setting(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* "always [madvise] never": the word in brackets. */
static void thp_mode(char *out, size_t len)
{
	char line[128];
	char *open, *close;

	read_setting("/sys/kernel/mm/transparent_hugepage/enabled", line, sizeof(line));
	open = strchr(line, '[');
	close = open ? strchr(open, ']') : NULL;
	if (open && close) {
		*close = '\0';
		snprintf(out, len, "%.15s", open + 1);
	} else {
		snprintf(out, len, "%.15s", line);
	}
}

static int setup(struct session *s)
{
	struct run *r = s->run;
	struct demand_facts *d = &r->facts.demand;
	char buf[32];
	uint64_t p;
	int ret;

	d->touched_pages = s->opt->touch_set ? s->opt->touch : DEFAULT_TOUCH;
	if (d->touched_pages > SMALLEST / (unsigned long)r->page_size) {
		fprintf(stderr, "mapview: --touch %lu: the demand lesson touches at most %lu pages\n",
			d->touched_pages, SMALLEST / (unsigned long)r->page_size);
		return EXIT_USAGE;
	}
	/*
	 * glibc's first malloc() makes the heap and the tcache, and runs
	 * malloc's code for the first time: done here, so that the malloc
	 * step shows the big blocks only.
	 */
	ret = subject_call(&s->subject, SUBJECT_MALLOC, 1, 0, &p);
	if (!ret)
		ret = subject_call(&s->subject, SUBJECT_FREE, p, 0, NULL);
	if (ret)
		return fail_sys("the subject's first malloc()", -ret);
	thp_mode(d->thp, sizeof(d->thp));
	read_setting("/proc/sys/vm/overcommit_memory", buf, sizeof(buf));
	d->overcommit = buf[0] >= '0' && buf[0] <= '2' ? buf[0] - '0' : -1;
	return 0;
}

static void free_blocks(struct session *s)
{
	struct demand_facts *d = &s->run->facts.demand;

	for (int i = 0; i < DEMAND_BLOCKS; i++) {
		if (d->block[i])
			subject_call(&s->subject, SUBJECT_FREE, d->block[i], 0, NULL);
		d->block[i] = 0;
	}
	s->ctx.watch_addr[0] = 0;
}

/* 4 blocks of 1 GiB, or of the largest size the kernel lets us have. */
static int malloc_step(struct session *s)
{
	struct demand_facts *d = &s->run->facts.demand;
	uint64_t p;
	int ret = 0;

	for (d->block_size = GIB; d->block_size >= SMALLEST; d->block_size /= 2) {
		int i;

		for (i = 0; i < DEMAND_BLOCKS; i++) {
			ret = subject_call(&s->subject, SUBJECT_MALLOC,
					   d->block_size, 0, &p);
			if (ret)
				break;
			d->block[i] = (unsigned long)p;
			s->run->mark[i] = d->block[i];
		}
		if (i == DEMAND_BLOCKS)
			break;
		free_blocks(s);
		memset(s->run->mark, 0, sizeof(s->run->mark));
		if (ret != -ENOMEM)
			return fail_sys("the subject's malloc()", -ret);
	}
	if (d->block_size < SMALLEST)
		return fail_sys("the subject's malloc() of 16 MiB", ENOMEM);
	d->requested_kb = DEMAND_BLOCKS * (unsigned long long)d->block_size / 1024;
	s->ctx.watch_addr[0] = d->block[0];
	if (d->block_size != GIB)
		run_note(s->run, "this machine refused malloc(1 GiB) (vm.overcommit_memory=%d: in mode 0 the kernel refuses a single allocation larger than RAM + swap), so the lesson asked for 4 x %zu MiB",
			 d->overcommit, d->block_size >> 20);
	return 0;
}

/* From the page after glibc's header, which malloc() has written. */
static int touch_step(struct session *s)
{
	struct demand_facts *d = &s->run->facts.demand;
	unsigned long page = (unsigned long)s->run->page_size;
	int ret = subject_call(&s->subject, SUBJECT_TOUCH,
			       (d->block[0] + page) & ~(page - 1),
			       d->touched_pages, NULL);

	return ret ? fail_sys("the subject's touches", -ret) : 0;
}

static int free_step(struct session *s)
{
	free_blocks(s);
	return 0;
}

static long rss_of(const struct snapshot *snap)
{
	return snap->has_rollup ? snap->rollup.rss : snap->status.vm_rss;
}

static int finish(struct session *s)
{
	struct run *r = s->run;
	struct demand_facts *d = &r->facts.demand;
	long page_kb = r->page_size / 1024;

	if (r->nsteps != NSTEPS)
		return 0;
	d->vsz_kb_alloc = r->step[ALLOCATED].status.vm_size - r->step[BEFORE].status.vm_size;
	d->rss_kb_alloc = rss_of(&r->step[ALLOCATED]) - rss_of(&r->step[BEFORE]);
	d->vsz_kb_touch = r->step[TOUCHED].status.vm_size - r->step[ALLOCATED].status.vm_size;
	d->rss_kb_touch = rss_of(&r->step[TOUCHED]) - rss_of(&r->step[ALLOCATED]);
	d->minflt_touch = r->step[TOUCHED].minflt - r->step[ALLOCATED].minflt;
	if (d->rss_kb_touch > (long)d->touched_pages * page_kb)
		run_note(r, "touching %lu pages grew RSS by %ld kB, more than %lu pages: transparent huge pages (enabled: %s) mapped 2 MiB at a fault",
			 d->touched_pages, d->rss_kb_touch, d->touched_pages, d->thp);
	if (d->overcommit == 2)
		run_note(r, "vm.overcommit_memory=2: the kernel counts every malloc()ed byte against CommitLimit, touched or not");
	return 0;
}

static const struct step steps[NSTEPS] = {
	{
		.name = "a fresh process",
		.explain =
			"  A new process, before the experiment.",
	},
	{
		.name = "after 4 x malloc(1 GiB)",
		.explain =
			"  Each malloc() of 1 GiB became an mmap() of 1 GiB and a page: VmSize\n"
			"  grew by 4 GiB.  The kernel only noted the ranges (vm_area_structs):\n"
			"  no page of RAM was given, so RSS grew by the four pages glibc wrote\n"
			"  its headers to.  Overcommit: the kernel promised more than it may\n"
			"  have.",
		.act = malloc_step,
	},
	{
		.name = "after touching pages of the first block",
		.explain =
			"  Each first write to a page faulted: the kernel found no page table\n"
			"  entry, took a zeroed page of RAM and mapped it (a minor fault, no\n"
			"  disk).  minflt and RSS grew by the pages touched; VmSize did not\n"
			"  move.  This is demand paging.  (With transparent huge pages always\n"
			"  on, one fault maps 2 MiB: fewer faults, more RSS.)",
		.act = touch_step,
	},
	{
		.name = "after free()",
		.explain =
			"  free() of the blocks was munmap(): VmSize and RSS fell back.",
		.act = free_step,
	},
};

static void report_text(const struct run *r)
{
	const struct demand_facts *d = &r->facts.demand;

	printf("\n== demand paging ==\n");
	printf("  asked for %d x %zu MiB = %llu kB: VmSize %+ld kB, RSS %+ld kB\n",
	       DEMAND_BLOCKS, d->block_size >> 20, d->requested_kb,
	       d->vsz_kb_alloc, d->rss_kb_alloc);
	printf("  touched %lu pages (%lu kB): VmSize %+ld kB, RSS %+ld kB, %ld minor faults\n",
	       d->touched_pages, d->touched_pages * (unsigned long)r->page_size / 1024,
	       d->vsz_kb_touch, d->rss_kb_touch, d->minflt_touch);
	printf("  (RSS from smaps_rollup: the page tables walked; THP %s, overcommit %d)\n",
	       d->thp, d->overcommit);
}

static struct json_object *facts_json(const struct run *r)
{
	const struct demand_facts *d = &r->facts.demand;
	struct json_object *o = json_object_new_object();

#define ADD(key, v) json_object_object_add(o, key, json_object_new_int64((int64_t)(v)))
	ADD("block_size", d->block_size);
	ADD("blocks", DEMAND_BLOCKS);
	ADD("requested_kb", d->requested_kb);
	ADD("touched_pages", d->touched_pages);
	ADD("vsz_kb_alloc", d->vsz_kb_alloc);
	ADD("rss_kb_alloc", d->rss_kb_alloc);
	ADD("vsz_kb_touch", d->vsz_kb_touch);
	ADD("rss_kb_touch", d->rss_kb_touch);
	ADD("minflt_touch", d->minflt_touch);
	ADD("overcommit_memory", d->overcommit);
#undef ADD
	json_object_object_add(o, "thp", json_object_new_string(d->thp));
	return o;
}

const struct lesson lesson_demand = {
	.name = "demand",
	.summary = "4 x malloc(1 GiB): VmSize grows by 4 GiB, RSS only as pages are touched",
	.steps = steps,
	.nsteps = NSTEPS,
	.in_subject = true,
	.watch_name = { "" },
	.setup = setup,
	.finish = finish,
	.cleanup = free_blocks,
	.report_text = report_text,
	.facts_json = facts_json,
};
