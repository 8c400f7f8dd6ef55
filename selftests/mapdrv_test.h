/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What mapdrv_test (the device) and reload_test (loading and unloading)
 * share: the device's fixture setup, the page markers, running as
 * nobody, /proc read through mapview's parsers (userspace/procfs.c), and
 * main(), which loads the module first when it is not loaded.
 */
#ifndef _MAPDRV_TEST_H
#define _MAPDRV_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* mremap(), process_vm_readv(), splice() */
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter in its SIGALRM handler. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#include "mapdrv_module.h"
#include "mapdrv_uapi.h"
#include "procfs.h"

#define SYSFS_DEVICE	"/sys/class/misc/" MODULE_NAME
#define MARKER_MAX	64

static size_t page_size;
static const char *const map_names[] = MAPDRV_MAP_NAMES;

/* Open the device and check what MAPDRV_IOC_INFO says; the fd or -1. */
static inline int open_device(struct __test_metadata *_metadata,
			      struct mapdrv_info *info)
{
	int fd;

	fd = open(MAPDRV_DEVICE, O_RDWR | O_CLOEXEC);
	EXPECT_LE(0, fd) TH_LOG("open %s: %s", MAPDRV_DEVICE, strerror(errno));
	if (fd < 0)
		return -1;
	EXPECT_EQ(0, ioctl(fd, MAPDRV_IOC_INFO, info))
		TH_LOG("ioctl MAPDRV_IOC_INFO: %s", strerror(errno));
	EXPECT_EQ(info->pages * page_size, info->size);
	EXPECT_LT(0ULL, info->pages);
	if (!_metadata->passed) {
		close(fd);
		return -1;
	}
	return fd;
}

/* What the module wrote at the start of buffer page @page. */
static inline void marker(char *out, unsigned long page)
{
	snprintf(out, MARKER_MAX, MAPDRV_MARKER_FMT, page);
}

/* Run @fn in a child that is uid/gid nobody; true when it returned 0. */
static inline bool as_nobody(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork_as_nobody();

	if (pid < 0)
		return false;
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* ---- /proc, through userspace/procfs.c ------------------------------ */

/* Hand /proc/@path to one of procfs.c's parsers; its result, or -errno. */
#define PROC_PARSE(path, parser, ...) ({				\
	FILE *__f = fopen(path, "re");					\
	int __ret = __f ? parser(__f, __VA_ARGS__) : -errno;		\
									\
	if (__f)							\
		fclose(__f);						\
	__ret;								\
})

/* This process's VmSize in kB, or -1. */
static inline long status_vmsize_kb(void)
{
	struct status_mem st = { .vm_size = -1 };

	return PROC_PARSE("/proc/self/status", parse_status, &st) ? -1 :
		st.vm_size;
}

/* The smaps entry of this process's mapping that starts at @addr. */
static inline int proc_smaps(const void *addr, struct smaps_entry *e)
{
	return PROC_PARSE("/proc/self/smaps", parse_smaps,
			  (unsigned long)addr, e);
}

/* Rss of the mapping that starts at @addr in kB, or -1. */
static inline long smaps_rss_kb(const void *addr)
{
	struct smaps_entry e;

	return proc_smaps(addr, &e) ? -1 : e.rss;
}

/* Whether smaps' VmFlags "rd wr sh mr ..." holds the two letters @flag. */
static inline bool vmflags_has(const char *vmflags, const char *flag)
{
	for (const char *p = vmflags; (p = strstr(p, flag)); p += 2)
		if ((p == vmflags || p[-1] == ' ') && (!p[2] || p[2] == ' '))
			return true;
	return false;
}

static inline int proc_meminfo(struct meminfo *mi)
{
	return PROC_PARSE("/proc/meminfo", parse_meminfo, mi);
}

/* The PFN pagemap shows for @addr (root sees real PFNs); 0: not present. */
static inline uint64_t pagemap_pfn(const void *addr)
{
	struct pagemap_entry e;
	uint64_t raw;
	int fd, ret;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ret = pagemap_read(fd, (unsigned long)addr, (long)page_size, &raw);
	close(fd);
	if (ret)
		return 0;
	pagemap_decode(raw, &e);
	return e.present ? e.pfn : 0;
}

/*
 * main() of both suites.  Without the device, load MAPDRV_KO with
 * MAPDRV_MODPARAMS (libkmod) and unload it at the end; skip when there
 * is nothing to load.  On 6.1 SKIP() in a fixture setup does not stop
 * the test body, so the skip is decided here.
 */
static inline int mapdrv_suite_main(int argc, char **argv)
{
	const char *params = getenv("MAPDRV_MODPARAMS");
	bool loaded = false;
	int ret;

	page_size = sysconf(_SC_PAGESIZE);
	if (access(MAPDRV_DEVICE, F_OK)) {
		if (!getenv("MAPDRV_KO"))
			ksft_exit_skip("%s: %s (load mapdrv.ko or set MAPDRV_KO)\n",
				       MAPDRV_DEVICE, strerror(errno));
		if (load_module(params ? params : ""))
			ksft_exit_skip("loading %s %s: %s\n", getenv("MAPDRV_KO"),
				       params ? params : "", strerror(errno));
		loaded = true;
	}
	ret = test_harness_run(argc, argv);
	if (loaded && unload_module()) {
		/* Something still holds the module: a failure of its own. */
		ksft_print_msg("unloading %s: %s\n", MODULE_NAME, strerror(errno));
		ret = KSFT_FAIL;
	}
	return ret;
}

#endif /* _MAPDRV_TEST_H */
