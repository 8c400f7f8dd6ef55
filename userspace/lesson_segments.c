// SPDX-License-Identifier: GPL-2.0
/*
 * The segments lesson: where a process's objects live.  A function, a
 * constant, an initialised global, a zero global, a malloc()ed block,
 * an mmap()ed block and a local variable of mapview, each placed in the
 * line of /proc/self/maps that holds it.
 */
#include <errno.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lesson.h"

static const char a_constant[] = "a string in .rodata";
static int an_initialised_global = 42;
static int a_zero_global;
static void *a_malloced_block;
static void *an_mmapped_block;

/* The textbook's name for each object's place, in the order shown. */
enum { TEXT, RODATA, DATA, BSS, HEAP, MMAP, STACK };

static int place(struct run *r, int i, const char *object,
		 const char *segment, const void *addr)
{
	struct segment_object *o = &r->facts.segments.obj[i];

	o->object = object;
	o->segment = segment;
	o->addr = (unsigned long)addr;
	r->mark[i] = o->addr;
	return 0;
}

/* noinline: a frame of its own, whose local lies in the stack. */
static __attribute__((noinline)) int setup(struct session *s)
{
	struct run *r = s->run;
	volatile int a_local = 1;

	place(r, TEXT, "a function (setup)", "text", (const void *)(uintptr_t)setup);
	place(r, RODATA, "a constant", "rodata", a_constant);
	place(r, DATA, "an initialised global", "data", &an_initialised_global);
	place(r, BSS, "a zero global", "bss", &a_zero_global);
	place(r, STACK, "a local variable", "stack", (const void *)&a_local);
	return a_local + an_initialised_global + a_zero_global == 43 ? 0 :
		EXIT_SYS;
}

static int allocate_step(struct session *s)
{
	struct run *r = s->run;

	a_malloced_block = malloc(64);
	if (!a_malloced_block)
		return fail_sys("malloc", ENOMEM);
	an_mmapped_block = mmap(NULL, (size_t)r->page_size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (an_mmapped_block == MAP_FAILED) {
		an_mmapped_block = NULL;
		return fail_sys("mmap", errno);
	}
	place(r, HEAP, "a malloc()ed block (64 bytes)", "heap", a_malloced_block);
	place(r, MMAP, "an mmap()ed block", "mmap", an_mmapped_block);
	return 0;
}

static void cleanup(struct session *s)
{
	free(a_malloced_block);
	if (an_mmapped_block)
		munmap(an_mmapped_block, (size_t)s->run->page_size);
	a_malloced_block = an_mmapped_block = NULL;
}

static bool is_binary(const struct run *r, const struct maps_entry *m)
{
	const struct maps_entry *text = &r->facts.segments.obj[TEXT].map;

	return r->facts.segments.obj[TEXT].found && !strcmp(m->path, text->path);
}

static int finish(struct session *s)
{
	struct run *r = s->run;
	const struct snapshot *last = &r->step[r->nsteps - 1];
	struct segments_facts *f = &r->facts.segments;

	for (int i = 0; i < SEGMENT_OBJECTS; i++) {
		struct segment_object *o = &f->obj[i];
		int m = maps_lookup(last->maps, last->nmaps, o->addr);

		o->found = m >= 0;
		if (o->found)
			o->map = last->maps[m];
	}
	if (f->obj[BSS].found && !is_binary(r, &f->obj[BSS].map))
		run_note(r, "the zero global lies in an anonymous mapping after the binary's: the bss ran past the last page of the data segment");
	else if (f->obj[BSS].found)
		run_note(r, "the zero global shares the binary's rw-p line with the data: a small bss fits in the data segment's last page, so no separate line (textbooks draw one)");
	if (f->obj[HEAP].found && strcmp(f->obj[HEAP].map.path, "[heap]"))
		run_note(r, "the malloc()ed block is not in [heap]: glibc served it from another arena or mapping");
	run_note(r, "the binary is position-independent (PIE) and the addresses are randomised (ASLR): another run places everything elsewhere");
	return 0;
}

static const struct step steps[] = {
	{
		.name = "the program's own objects",
		.explain =
			"  The binary's file is mapped several times, once per kind of access:\n"
			"  r-xp is the text (code), r--p the constants, rw-p the initialised\n"
			"  globals and (in its last page, or a line after it) the zero ones.\n"
			"  The stack is [stack], at the top of the user's half.",
	},
	{
		.name = "after malloc(64) and mmap() of a page",
		.explain =
			"  The small malloc() came from [heap], above the binary; the mmap()\n"
			"  made a new anonymous line among the libraries, between the heap and\n"
			"  the stack.",
		.act = allocate_step,
	},
};

static void report_text(const struct run *r)
{
	const struct segments_facts *f = &r->facts.segments;

	printf("\n== where things live ==\n");
	for (int i = 0; i < SEGMENT_OBJECTS; i++) {
		const struct segment_object *o = &f->obj[i];

		printf("  %-30s 0x%016lx %-6s ", o->object, o->addr, o->segment);
		if (o->found)
			printf("%lx-%lx %s %s\n", o->map.start, o->map.end,
			       o->map.perms, *o->map.path ? o->map.path : "(anonymous)");
		else
			printf("(no maps line holds it)\n");
	}
}

static struct json_object *facts_json(const struct run *r)
{
	const struct segments_facts *f = &r->facts.segments;
	struct json_object *a = json_object_new_array();
	struct json_object *o = json_object_new_object();
	char line[512];

	for (int i = 0; i < SEGMENT_OBJECTS; i++) {
		const struct segment_object *s = &f->obj[i];
		const struct maps_entry *m = &s->map;
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "object", json_object_new_string(s->object));
		json_object_object_add(e, "segment", json_object_new_string(s->segment));
		json_object_object_add(e, "address", json_object_new_uint64(s->addr));
		maps_format(m, line, sizeof(line));
		json_object_object_add(e, "maps", s->found ?
				       json_object_new_string(line) : NULL);
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "objects", a);
	return o;
}

const struct lesson lesson_segments = {
	.name = "segments",
	.summary = "where a function, constants, globals, heap, mmap and stack live in maps",
	.steps = steps,
	.nsteps = sizeof(steps) / sizeof(steps[0]),
	.setup = setup,
	.finish = finish,
	.cleanup = cleanup,
	.report_text = report_text,
	.facts_json = facts_json,
};
