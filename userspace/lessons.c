// SPDX-License-Identifier: GPL-2.0
/*
 * The lessons mapview knows, in the order of the chapter they teach:
 * --lessons lists them, --lesson NAME runs one.  A new lesson is a new
 * lesson_*.c and a line here.
 */
#include <string.h>

#include "lesson.h"

extern const struct lesson lesson_device, lesson_heap, lesson_mmap,
	lesson_demand, lesson_cow, lesson_free, lesson_segments;

const struct lesson *const lessons[] = {
	&lesson_device,
	&lesson_segments,
	&lesson_heap,
	&lesson_mmap,
	&lesson_demand,
	&lesson_cow,
	&lesson_free,
};

const size_t nlessons = sizeof(lessons) / sizeof(lessons[0]);

const struct lesson *lesson_find(const char *name)
{
	for (size_t i = 0; i < nlessons; i++)
		if (!strcmp(lessons[i]->name, name))
			return lessons[i];
	return NULL;
}
