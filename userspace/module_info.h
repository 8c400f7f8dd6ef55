/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mapview's view of the mapdrv module through libkmod: loading it from a
 * path, and the facts the report header shows.
 */
#ifndef MAPVIEW_MODULE_INFO_H
#define MAPVIEW_MODULE_INFO_H

#include <stdbool.h>

struct module_info {
	bool loaded;
	char version[32];	/* MODULE_VERSION */
	char srcversion[32];	/* a hash of the sources */
	char params[128];	/* "huge=N pages=1024" from sysfs */
	int refcnt;		/* open files and mappings pin it */
	bool loaded_by_us;	/* --load inserted it */
};

/*
 * Insert @path with @params unless mapdrv is already loaded.  Returns 0 or
 * a negative errno; @msg gets a sentence naming the cause.
 */
int module_load(const char *path, const char *params, bool *inserted,
		char *msg, size_t msglen);

/* Fill @mi for the loaded mapdrv module; loaded=false when it is not. */
void module_info_read(struct module_info *mi);

#endif /* MAPVIEW_MODULE_INFO_H */
