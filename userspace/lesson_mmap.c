// SPDX-License-Identifier: GPL-2.0
/*
 * The mmap lesson: glibc serves a malloc() below its mmap threshold
 * (128 kB) from the heap, and one at or above it with a mapping of its
 * own, which free() returns to the kernel at once.  Run in a fresh
 * process whose heap a malloc(1) has just made.
 */
#include <json.h>
#include <stdio.h>
#include <string.h>

#include "lesson.h"

#define THRESHOLD	(128 * 1024)	/* glibc's DEFAULT_MMAP_THRESHOLD_MIN */
#define UNDER		(THRESHOLD - 4096)
#define OVER		THRESHOLD

static int do_malloc(struct session *s, struct mmap_case *c, size_t size,
		     int mark)
{
	uint64_t p;
	int ret = subject_call(&s->subject, SUBJECT_MALLOC, size, 0, &p);

	if (ret)
		return fail_sys("the subject's malloc()", -ret);
	c->size = size;
	c->block = (unsigned long)p;
	s->run->mark[mark] = c->block;
	return 0;
}

static int do_free(struct session *s, const struct mmap_case *c)
{
	int ret = subject_call(&s->subject, SUBJECT_FREE, c->block, 0, NULL);

	return ret ? fail_sys("the subject's free()", -ret) : 0;
}

static int setup(struct session *s)
{
	uint64_t p;
	int ret = subject_call(&s->subject, SUBJECT_MALLOC, 1, 0, &p);

	s->run->mark_path = "[heap]";
	return ret ? fail_sys("the subject's malloc(1)", -ret) : 0;
}

static int malloc_under(struct session *s)
{
	return do_malloc(s, &s->run->facts.mmap.under, UNDER, 0);
}

static int malloc_over(struct session *s)
{
	struct mmap_case *c = &s->run->facts.mmap.over;
	int ret = do_malloc(s, c, OVER, 1);

	s->ctx.watch_addr[0] = c->block;
	return ret;
}

static int free_over(struct session *s)
{
	s->ctx.watch_addr[0] = 0;
	return do_free(s, &s->run->facts.mmap.over);
}

static int free_under(struct session *s)
{
	return do_free(s, &s->run->facts.mmap.under);
}

static int malloc_again(struct session *s)
{
	return do_malloc(s, &s->run->facts.mmap.again, OVER, 2);
}

/* Whether step @i has a line starting where @start does. */
static bool line_at(const struct snapshot *snap, unsigned long start)
{
	for (int m = 0; m < snap->nmaps; m++)
		if (snap->maps[m].start == start)
			return true;
	return false;
}

/* @c's line at step @made, and whether step @before lacked it. */
static void classify(const struct run *r, struct mmap_case *c, int made,
		     int before, int freed)
{
	const struct snapshot *snap = &r->step[made];
	int m = maps_lookup(snap->maps, snap->nmaps, c->block);

	if (m < 0)
		return;
	c->in_heap = !strcmp(snap->maps[m].path, "[heap]");
	c->new_mapping = !line_at(&r->step[before], snap->maps[m].start);
	if (freed >= 0)
		c->gone_after_free = maps_lookup(r->step[freed].maps,
						 r->step[freed].nmaps, c->block) < 0;
}

enum { HEAP, UNDER_STEP, OVER_STEP, FREE_OVER, FREE_UNDER, AGAIN, NSTEPS };

static int finish(struct session *s)
{
	struct run *r = s->run;
	struct mmap_facts *f = &r->facts.mmap;

	if (r->nsteps != NSTEPS)
		return 0;
	classify(r, &f->under, UNDER_STEP, HEAP, FREE_UNDER);
	classify(r, &f->over, OVER_STEP, UNDER_STEP, FREE_OVER);
	classify(r, &f->again, AGAIN, FREE_UNDER, -1);
	if (f->under.new_mapping || !f->over.new_mapping)
		run_note(r, "glibc's mmap threshold is not 128 kB here (GLIBC_TUNABLES=glibc.malloc.mmap_threshold, or MALLOC_MMAP_THRESHOLD_): %zu bytes %s a mapping of its own, %zu bytes %s",
			 f->under.size, f->under.new_mapping ? "got" : "did not get",
			 f->over.size, f->over.new_mapping ? "got one" : "did not");
	if (f->again.new_mapping)
		run_note(r, "the second malloc(%zu) got a mapping again: this glibc did not raise its threshold after the free()",
			 f->again.size);
	return 0;
}

static const struct step steps[NSTEPS] = {
	{
		.name = "after malloc(1): the heap exists",
		.explain =
			"  A fresh process; its malloc(1) made the [heap] with room to spare\n"
			"  (see the heap lesson).",
	},
	{
		.name = "after malloc(124 kB), under the mmap threshold",
		.explain =
			"  Below 128 kB glibc carves the block out of the heap: the room left\n"
			"  after malloc(1) was enough, so no maps line changed.  The block is\n"
			"  inside [heap].",
		.act = malloc_under,
	},
	{
		.name = "after malloc(128 kB), at the mmap threshold",
		.explain =
			"  At 128 kB and above glibc asks the kernel for a mapping of the\n"
			"  block's own (mmap): a new anonymous maps line, 132 kB with glibc's\n"
			"  header page, and VmSize grew by it.",
		.act = malloc_over,
	},
	{
		.name = "after free() of the 128 kB block",
		.explain =
			"  free() of an mmap'd block is munmap(): its line is gone and VmSize\n"
			"  fell back at once.  The memory went back to the kernel.",
		.act = free_over,
	},
	{
		.name = "after free() of the 124 kB block",
		.explain =
			"  free() of a heap block only returns it to glibc's free lists: the\n"
			"  [heap] line stays as it was.",
		.act = free_under,
	},
	{
		.name = "after malloc(128 kB) again",
		.explain =
			"  The same size now comes from the heap: glibc raised its threshold\n"
			"  to the size of the mmap'd block it just freed (the dynamic mmap\n"
			"  threshold), betting that such blocks come and go often.",
		.act = malloc_again,
	},
};

static void text_case(const char *what, const struct mmap_case *c, bool freed)
{
	printf("  %-22s %7zu bytes at 0x%lx: %s%s\n", what, c->size, c->block,
	       c->new_mapping ? "a new mapping" : c->in_heap ? "in [heap]" :
	       "in an existing mapping",
	       !freed ? "" : c->gone_after_free ? ", gone after free()" :
	       ", still mapped after free()");
}

static void report_text(const struct run *r)
{
	const struct mmap_facts *f = &r->facts.mmap;

	printf("\n== malloc() and mmap() ==\n");
	text_case("under the threshold:", &f->under, true);
	text_case("at the threshold:", &f->over, true);
	text_case("the same again:", &f->again, false);
}

static struct json_object *case_json(const struct mmap_case *c, bool freed)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "size", json_object_new_int64((int64_t)c->size));
	json_object_object_add(o, "block", json_object_new_uint64(c->block));
	json_object_object_add(o, "new_mapping", json_object_new_boolean(c->new_mapping));
	json_object_object_add(o, "in_heap", json_object_new_boolean(c->in_heap));
	json_object_object_add(o, "gone_after_free", freed ?
			       json_object_new_boolean(c->gone_after_free) : NULL);
	return o;
}

static struct json_object *facts_json(const struct run *r)
{
	const struct mmap_facts *f = &r->facts.mmap;
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "under", case_json(&f->under, true));
	json_object_object_add(o, "over", case_json(&f->over, true));
	json_object_object_add(o, "again", case_json(&f->again, false));
	return o;
}

const struct lesson lesson_mmap = {
	.name = "mmap",
	.summary = "malloc() under 128 kB comes from the heap, at 128 kB from mmap(); free() returns only the latter",
	.steps = steps,
	.nsteps = NSTEPS,
	.in_subject = true,
	.watch_name = { "" },
	.setup = setup,
	.finish = finish,
	.report_text = report_text,
	.facts_json = facts_json,
};
