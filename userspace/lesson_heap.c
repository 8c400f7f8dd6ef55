// SPDX-License-Identifier: GPL-2.0
/*
 * The heap lesson: in a fresh process, malloc(1) makes the [heap] line
 * appear -- glibc moves the program break (brk) up by far more than one
 * byte -- and free() does not give it back.
 */
#include <json.h>
#include <stdio.h>
#include <string.h>

#include "lesson.h"

enum { BEFORE, AFTER_MALLOC, AFTER_FREE };

static int read_brk(struct session *s, int at)
{
	uint64_t brk;
	int ret = subject_call(&s->subject, SUBJECT_BRK, 0, 0, &brk);

	if (ret)
		return fail_sys("the subject's sbrk(0)", -ret);
	s->run->facts.heap.brk[at] = (unsigned long)brk;
	return 0;
}

static int brk_before(struct session *s)
{
	return read_brk(s, BEFORE);
}

static int malloc_step(struct session *s)
{
	struct heap_facts *h = &s->run->facts.heap;
	uint64_t p;
	int ret = subject_call(&s->subject, SUBJECT_MALLOC, 1, 0, &p);

	if (ret)
		return fail_sys("the subject's malloc(1)", -ret);
	h->block = (unsigned long)p;
	s->run->mark[0] = h->block;
	s->ctx.watch_addr[0] = h->block;
	return 0;
}

static int brk_after_malloc(struct session *s)
{
	return read_brk(s, AFTER_MALLOC);
}

static int free_step(struct session *s)
{
	int ret = subject_call(&s->subject, SUBJECT_FREE, s->run->facts.heap.block,
			       0, NULL);

	return ret ? fail_sys("the subject's free()", -ret) : 0;
}

static int brk_after_free(struct session *s)
{
	return read_brk(s, AFTER_FREE);
}

static int setup(struct session *s)
{
	s->run->mark_path = "[heap]";
	return 0;
}

/* The [heap] line's size at each step; 0 when there is none. */
static int finish(struct session *s)
{
	struct run *r = s->run;
	struct heap_facts *h = &r->facts.heap;

	for (int i = 0; i < r->nsteps && i < 3; i++) {
		const struct snapshot *snap = &r->step[i];

		h->heap_kb[i] = 0;
		for (int m = 0; m < snap->nmaps; m++)
			if (!strcmp(snap->maps[m].path, "[heap]"))
				h->heap_kb[i] = (long)((snap->maps[m].end -
							snap->maps[m].start) >> 10);
	}
	if (h->heap_kb[BEFORE])
		run_note(r, "the process had a [heap] of %ld kB before malloc(1): something in it allocated first",
			 h->heap_kb[BEFORE]);
	if (h->heap_kb[AFTER_MALLOC] != 132)
		run_note(r, "malloc(1) made a heap of %ld kB, not the textbook's 132 kB: glibc's top pad (M_TOP_PAD, glibc.malloc.top_pad) or page size differ",
			 h->heap_kb[AFTER_MALLOC]);
	if (h->heap_kb[AFTER_FREE] != h->heap_kb[AFTER_MALLOC])
		run_note(r, "free() changed the heap from %ld to %ld kB: glibc trimmed it (M_TRIM_THRESHOLD)",
			 h->heap_kb[AFTER_MALLOC], h->heap_kb[AFTER_FREE]);
	return 0;
}

static const struct step steps[] = {
	{
		.name = "a fresh process, before any malloc()",
		.explain =
			"  A new process has text, data, bss, libraries and a stack, but no\n"
			"  [heap] line: the heap is made on the first malloc().  sbrk(0) shows\n"
			"  where it will start: the program break, placed at random (ASLR)\n"
			"  above the bss.",
		.observe = brk_before,
	},
	{
		.name = "after malloc(1)",
		.explain =
			"  malloc(1) asked the kernel for far more than one byte: glibc moved\n"
			"  the program break up with brk() by 128 kB of padding plus the\n"
			"  chunk, so that the next small mallocs need no system call.  The\n"
			"  [heap] line appeared, and VmSize grew by its size; RssAnon by the\n"
			"  one page glibc wrote (the chunk's header): the rest is demand\n"
			"  paging.  RssFile grew by the pages of malloc's own code, run for\n"
			"  the first time.",
		.act = malloc_step,
		.observe = brk_after_malloc,
	},
	{
		.name = "after free()",
		.explain =
			"  free() put the byte back into glibc's free lists, not into the\n"
			"  kernel: the break and the [heap] line stay.  glibc gives the top of\n"
			"  the heap back (trims it) only when more than 128 kB is free there\n"
			"  (M_TRIM_THRESHOLD).",
		.act = free_step,
		.observe = brk_after_free,
	},
};

static void report_text(const struct run *r)
{
	const struct heap_facts *h = &r->facts.heap;

	printf("\n== the heap ==\n");
	printf("  [heap]: %ld kB before, %ld kB after malloc(1), %ld kB after free()\n",
	       h->heap_kb[BEFORE], h->heap_kb[AFTER_MALLOC], h->heap_kb[AFTER_FREE]);
	printf("  brk:    0x%lx before, 0x%lx after malloc(1) (%+ld kB), 0x%lx after free()\n",
	       h->brk[BEFORE], h->brk[AFTER_MALLOC],
	       (long)(h->brk[AFTER_MALLOC] - h->brk[BEFORE]) / 1024, h->brk[AFTER_FREE]);
	printf("  malloc(1) returned 0x%lx\n", h->block);
}

static struct json_object *facts_json(const struct run *r)
{
	static const char *const when[] = { "before", "after_malloc", "after_free" };
	const struct heap_facts *h = &r->facts.heap;
	struct json_object *o = json_object_new_object();
	char key[32];

	json_object_object_add(o, "block", json_object_new_uint64(h->block));
	for (int i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "heap_kb_%s", when[i]);
		json_object_object_add(o, key, json_object_new_int64(h->heap_kb[i]));
		snprintf(key, sizeof(key), "brk_%s", when[i]);
		json_object_object_add(o, key, json_object_new_uint64(h->brk[i]));
	}
	return o;
}

const struct lesson lesson_heap = {
	.name = "heap",
	.summary = "malloc(1) makes the [heap] appear (brk), and free() keeps it",
	.steps = steps,
	.nsteps = sizeof(steps) / sizeof(steps[0]),
	.in_subject = true,
	.watch_name = { "" },
	.setup = setup,
	.finish = finish,
	.report_text = report_text,
	.facts_json = facts_json,
};
