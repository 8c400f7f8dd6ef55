/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A lesson: a table of steps, each a change made to a process followed
 * by a snapshot of what the process and the system then show.  steps.c
 * runs any lesson the same way (pauses, warm-up, snapshots); each
 * lesson_*.c holds one lesson's steps, facts and words.
 */
#ifndef MAPVIEW_LESSON_H
#define MAPVIEW_LESSON_H

#include <stdbool.h>
#include <stddef.h>

#include "mapview.h"
#include "subject.h"

struct json_object;

struct session {
	struct run *run;
	struct options *opt;
	struct snap_ctx ctx;		/* what the next snapshot reads */
	struct subject subject;		/* lessons with in_subject */
	int pagemap_fd;			/* /proc/self/pagemap */
	int printed;			/* steps already printed (--step) */
	bool loaded_by_us;		/* load_module() inserted it */
};

struct step {
	const char *name;		/* "after mmap" */
	const char *explain;		/* --explain's sentences */
	/* The change the step makes, before its snapshot; NULL: none. */
	int (*act)(struct session *s);
	/* After the snapshot: what must not count in the step's numbers. */
	int (*observe)(struct session *s);
	/* NULL: always taken; else whether this run takes it. */
	bool (*wanted)(const struct session *s);
};

struct lesson {
	const char *name;		/* --lesson NAME */
	const char *summary;		/* its line in --lessons */
	const struct step *steps;
	int nsteps;
	bool in_subject;		/* the steps act on a fresh process */
	/* Key of each watched mapping's smaps in JSON: "smaps", "smaps_X". */
	const char *watch_name[SNAP_WATCH];
	/* Before the first pause: check options, allocate; NULL: nothing. */
	int (*setup)(struct session *s);
	/* The step's --explain text in this run; NULL: the step's own. */
	const char *(*explain)(const struct session *s, const struct step *st);
	/* After the last step and its pause: the facts; NULL: nothing. */
	int (*finish)(struct session *s);
	/* Always, last: undo what setup and the steps left. */
	void (*cleanup)(struct session *s);
	/* What the lesson found, after the steps' tables. */
	void (*report_text)(const struct run *r);
	/* The "facts" object of --json. */
	struct json_object *(*facts_json)(const struct run *r);
};

/* lessons.c: every lesson, the device's first. */
extern const struct lesson *const lessons[];
extern const size_t nlessons;
const struct lesson *lesson_find(const char *name);

/* steps.c: run @s->run->lesson; an exit code (mapview.h). */
int lesson_run(struct session *s);

/* A failed call: its message on stderr, EXIT_SYS. */
int fail_sys(const char *what, int err);

/* Write a byte of every page of [@p, @p + @len) once, with its own value. */
void prefault(void *p, size_t len, long page_size);

/* Write a byte of every page of [@p, @p + @len), never reading one first. */
void write_pages(void *p, size_t len, long page_size);

/* --load: insert the module unless it is loaded; 0 or EXIT_LOAD. */
int load_module(struct session *s);

/* Open the device, or explain why not; 0 or an exit code. */
int open_device(const char *device, int *fd);

#endif /* MAPVIEW_LESSON_H */
