/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the mapdrv selftests (and the benchmark) share: reading the
 * module's small sysfs files, and loading and unloading mapdrv.ko through
 * libkmod, as modprobe and rmmod do.  The calls return 0, or -1 with errno set, like the
 * syscalls, so that a test reads the same either way.
 *
 * Each test is one program, so this is a header of static inline
 * functions, like the kselftest harness itself.
 */
#ifndef _MAPDRV_MODULE_H
#define _MAPDRV_MODULE_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <syslog.h>
#include <unistd.h>

#include <libkmod.h>

#define MODULE_NAME	"mapdrv"
#define SYSFS_MODULE	"/sys/module/" MODULE_NAME
#define SYSFS_PARAMS	SYSFS_MODULE "/parameters"

/* A small sysfs or procfs file, without its newline. */
static inline int read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* libkmod returns -errno; turn that into -1 with errno. */
static inline int kmod_result(int ret)
{
	if (ret >= 0)
		return 0;
	errno = -ret;
	return -1;
}

/*
 * A libkmod context that logs nothing: the suites report each failure
 * with its errno themselves, and libkmod's own line on stderr reaches the
 * VM's console beside the TAP lines on stdout.  Once it landed in front
 * of an "ok" line, which the count then missed (7.3: 4812 of 4813).
 */
static inline struct kmod_ctx *quiet_kmod_new(void)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);

	if (ctx)
		kmod_set_log_priority(ctx, LOG_CRIT);
	return ctx;
}

/* Insert MAPDRV_KO (the path of mapdrv.ko) with @params. */
static inline int load_module(const char *params)
{
	const char *ko = getenv("MAPDRV_KO");
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	int ret;

	if (!ko) {
		errno = ENOENT;
		return -1;
	}
	ctx = quiet_kmod_new();
	if (!ctx) {
		errno = ENOMEM;
		return -1;
	}
	ret = kmod_module_new_from_path(ctx, ko, &mod);
	if (ret >= 0) {
		ret = kmod_module_insert_module(mod, 0, params);
		kmod_module_unref(mod);
	}
	kmod_unref(ctx);
	return kmod_result(ret);
}

/* The loaded module in a fresh libkmod context; NULL when out of memory. */
static inline struct kmod_module *module_get(struct kmod_ctx **ctx)
{
	struct kmod_module *mod = NULL;

	*ctx = quiet_kmod_new();
	if (*ctx && kmod_module_new_from_name(*ctx, MODULE_NAME, &mod) < 0)
		mod = NULL;
	return mod;
}

static inline void module_put(struct kmod_ctx *ctx, struct kmod_module *mod)
{
	if (mod)
		kmod_module_unref(mod);
	kmod_unref(ctx);
}

/* Never waits: a module in use gives EAGAIN (EWOULDBLOCK). */
static inline int unload_module(void)
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod = module_get(&ctx);
	int ret = -ENOMEM;

	if (mod)
		ret = kmod_module_remove_module(mod, KMOD_REMOVE_NOWAIT);
	module_put(ctx, mod);
	return kmod_result(ret);
}

/* The module's reference count (/sys/module/mapdrv/refcnt), or -1. */
static inline int module_refcnt(void)
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod = module_get(&ctx);
	int refcnt = mod ? kmod_module_get_refcnt(mod) : -1;

	module_put(ctx, mod);
	return refcnt;
}

static inline bool module_live(void)
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod = module_get(&ctx);
	bool live = mod && kmod_module_get_initstate(mod) == KMOD_MODULE_LIVE;

	module_put(ctx, mod);
	return live;
}

/*
 * The parameters the module was loaded with, as load_module() takes
 * them, so that a test that reloads it can put it back as it was.
 */
static inline int module_params(char *buf, size_t len)
{
	static const char *const names[] = { "pages", "huge", "mode", "map" };
	char path[96], value[32];
	size_t used = 0;
	int n;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), SYSFS_PARAMS "/%s", names[i]);
		if (read_text(path, value, sizeof(value)))
			return -1;
		n = snprintf(buf + used, len - used, "%s%s=%s",
			     i ? " " : "", names[i], value);
		if (n < 0 || (size_t)n >= len - used) {
			errno = ENAMETOOLONG;
			return -1;
		}
		used += n;
	}
	return 0;
}

/*
 * fork() a child that runs as uid and gid nobody (65534): the child gets
 * 0 only once it is nobody, and exits 126 if it cannot become nobody.
 * The parent gets the pid, or -1.
 */
static inline pid_t fork_as_nobody(void)
{
	pid_t pid = fork();

	if (pid == 0 && (setgid(65534) || setuid(65534)))
		_exit(126);
	return pid;
}

#endif /* _MAPDRV_MODULE_H */
