/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What one run of mapview found: the steps of the walkthrough, the proof
 * of sharing and the walk.  mapview.c fills it; report_text.c and
 * report_json.c print it.
 */
#ifndef MAPVIEW_H
#define MAPVIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "frames.h"
#include "mapdrv_uapi.h"
#include "module_info.h"
#include "procfs.h"
#include "snapshot.h"

#define MAPVIEW_STEPS 7

struct run {
	const char *device;
	struct module_info module;
	struct mapdrv_info info;
	long page_size;
	unsigned long touch;		/* pages read at step 3 */
	unsigned long written_page;	/* page written at step 4 */

	bool have_vmalloc;		/* the buffer's vmallocinfo line */
	struct vmalloc_entry vmalloc;

	int nsteps;
	struct snapshot step[MAPVIEW_STEPS];

	bool pfns_hidden;		/* not CAP_SYS_ADMIN */
	struct frames frames;		/* touched pages, shared mapping */
	bool have_private_frame;
	struct frame private_frame;	/* the COW copy */

	bool have_walk;
	struct walk_report walk;
};

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
void report_text_frames(const struct run *r);
void report_text_walk(const struct run *r);

/* report_json.c: the whole run as one JSON object on stdout. */
int report_json(const struct run *r);

#endif /* MAPVIEW_H */
