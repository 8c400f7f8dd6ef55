// SPDX-License-Identifier: GPL-2.0
/*
 * libkmod for loading mapdrv and reading its state: what insmod and
 * lsmod use, without running them.
 */
#include <dirent.h>
#include <errno.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module_info.h"

#define MODNAME "mapdrv"

int module_load(const char *path, const char *params, bool *inserted,
		char *msg, size_t msglen)
{
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	int ret;

	*inserted = false;
	ctx = kmod_new(NULL, NULL);
	if (!ctx) {
		snprintf(msg, msglen, "libkmod: cannot create a context");
		return -ENOMEM;
	}
	ret = kmod_module_new_from_path(ctx, path, &mod);
	if (ret < 0) {
		snprintf(msg, msglen, "%s: %s", path, strerror(-ret));
		goto out;
	}
	ret = kmod_module_insert_module(mod, 0, params);
	if (ret == -EEXIST) {
		ret = 0;		/* already loaded: use it as it is */
	} else if (ret < 0) {
		snprintf(msg, msglen, "loading %s%s%s: %s%s", path,
			 *params ? " " : "", params, strerror(-ret),
			 ret == -EINVAL ? " (see dmesg for the parameter at fault)" :
			 ret == -EPERM ? " (loading modules needs root)" : "");
	} else {
		*inserted = true;
	}
	kmod_module_unref(mod);
out:
	kmod_unref(ctx);
	return ret;
}

/* Read a one-line sysfs file into @buf, without the newline. */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* "huge=N pages=64": the parameters' current values, from sysfs. */
static void read_params(char *buf, size_t len)
{
	const char *dir = "/sys/module/" MODNAME "/parameters";
	char path[320], value[64];
	struct dirent **names;
	size_t used = 0;
	int n;

	buf[0] = '\0';
	n = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			read_line(path, value, sizeof(value));
			if (used < len)
				used += snprintf(buf + used, len - used, "%s%s=%s",
						 used ? " " : "", names[i]->d_name,
						 value);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

void module_info_read(struct module_info *mi)
{
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;

	memset(mi, 0, sizeof(*mi));
	mi->refcnt = -1;
	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return;
	if (kmod_module_new_from_name(ctx, MODNAME, &mod) == 0) {
		mi->loaded = kmod_module_get_initstate(mod) == KMOD_MODULE_LIVE;
		if (mi->loaded)
			mi->refcnt = kmod_module_get_refcnt(mod);
		kmod_module_unref(mod);
	}
	kmod_unref(ctx);
	if (!mi->loaded)
		return;
	/* Version and srcversion of the running module, not of a file. */
	read_line("/sys/module/" MODNAME "/version", mi->version,
		  sizeof(mi->version));
	read_line("/sys/module/" MODNAME "/srcversion", mi->srcversion,
		  sizeof(mi->srcversion));
	read_params(mi->params, sizeof(mi->params));
}
