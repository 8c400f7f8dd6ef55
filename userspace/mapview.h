/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What one run of mapview found: the lesson's steps and facts, and for
 * the device lesson the proof of sharing and the walk.  The lessons
 * (lesson_*.c) fill it; report_text.c, report_json.c and report_html.c
 * print it.
 */
#ifndef MAPVIEW_H
#define MAPVIEW_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "facts.h"
#include "frames.h"
#include "mapdrv_uapi.h"
#include "module_info.h"
#include "procfs.h"
#include "snapshot.h"

/* mapview's exit codes: usage() and mapview(1) say the same. */
enum {
	EXIT_USAGE = 1,		/* bad command line */
	EXIT_NODEV = 2,		/* no device: module not loaded */
	EXIT_PERM = 3,		/* the device is not ours to open */
	EXIT_LOAD = 4,		/* --load failed */
	EXIT_SYS = 5,		/* a system call or /proc read failed */
	EXIT_HIDDEN = 6,	/* --walk needs CAP_SYS_ADMIN */
};

struct options {
	const char *lesson;		/* --lesson NAME; NULL: device */
	const char *device;
	unsigned long touch;		/* pages to touch; 0: the lesson's default */
	bool touch_set;
	bool no_private, json, explain, step;
	long walk_page;			/* -1: no --walk */
	const char *html;		/* --html FILE */
	const char *load_path;
	char load_params[512];
};

#define MAPVIEW_MARKS	8	/* addresses whose maps lines are marked */
#define MAPVIEW_NOTES	6
#define MAPVIEW_NOTE_LEN 320

struct lesson;

struct run {
	const struct lesson *lesson;
	const char *device;
	pid_t pid;			/* the process measured */
	bool subject;			/* a fresh process, not mapview */
	long page_size;

	/* The maps lines the lesson is about: by path or by address. */
	const char *mark_path;
	unsigned long mark[MAPVIEW_MARKS];

	int nsteps;
	struct snapshot step[MAPVIEW_STEPS_MAX];

	/* Where this machine is not the textbook's, in sentences. */
	int nnotes;
	char note[MAPVIEW_NOTES][MAPVIEW_NOTE_LEN];

	union lesson_facts facts;

	/* The device lesson. */
	struct module_info module;
	bool have_info;
	struct mapdrv_info info;
	unsigned long touch;		/* pages read at step 3 */
	unsigned long written_page;	/* page written at step 4 */
	bool have_vmalloc;		/* the buffer's vmallocinfo line */
	struct vmalloc_entry vmalloc;
	bool pfns_hidden;		/* not CAP_SYS_ADMIN */
	struct frames frames;		/* touched pages, shared mapping */
	bool have_private_frame;
	struct frame private_frame;	/* the COW copy */
	bool have_walk;
	struct walk_report walk;
};

/* Add a sentence to the run's notes (printf format); extra ones are dropped. */
void run_note(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Whether maps line @m is one the lesson is about. */
bool run_marks(const struct run *r, const struct maps_entry *m);

/* The module parameter map= that gives mapping mode @mode. */
static inline const char *map_mode_name(unsigned int mode)
{
	static const char *const names[] = MAPDRV_MAP_NAMES;

	return mode < MAPDRV_MAP_MODES ? names[mode] : "unknown";
}

/* report_text.c: the human report, one section at a time. */
void report_text_header(const struct run *r);
/* Step @i to @out: stdout, or /dev/null for mapview's warm-up. */
void report_text_step(FILE *out, const struct run *r, int i, bool explain);
void report_text_notes(const struct run *r);
void report_text_frames(const struct run *r);
void report_text_walk(const struct run *r);

/* report_json.c: the whole run as one JSON object. */
struct json_object *report_json_object(const struct run *r);
int report_json(const struct run *r);

/* report_html.c: the run as one self-contained HTML page in @path. */
int report_html(const struct run *r, const char *path);

#endif /* MAPVIEW_H */
