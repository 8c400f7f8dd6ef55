// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection on module load, for the debug kernel, the way syzkaller
 * does it: fail the n-th allocation of the loading task
 * (/proc/thread-self/fail-nth, through failslab and fail_page_alloc) for
 * n = 1, 2, ... until a load no longer reaches the n-th.  Every load either
 * works or fails with ENOMEM and leaves nothing registered; at least one
 * failure must land in the buffer's allocation.  The kmemleak scan that
 * selftests/vm_suite.sh runs afterwards proves nothing leaked.
 *
 * Needs root, CONFIG_FAULT_INJECTION_DEBUG_FS, the module loaded, and
 * MAPDRV_KO naming it (the module is loaded again as it was at the end).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "mapdrv_module.h"

#define DEBUGFS		"/sys/kernel/debug"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define SWEEP_MAX	5000	/* more allocations than a load makes */

static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value) ? 0 : -1;
}

/* Set attribute @attr of both fault injectors to @value. */
static int inject(const char *attr, const char *value)
{
	static const char *const injectors[] = { "fail_page_alloc", "failslab" };
	char path[128];

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), DEBUGFS "/%s/%s", injectors[i], attr);
		if (write_file(path, value))
			return -1;
	}
	return 0;
}

/*
 * The injected load is a bare finit_module() on a file opened before:
 * the n-th allocation must be the kernel's loading, not libkmod reading
 * the file.  Returns 0 or -errno; *reached says whether the load made an
 * n-th allocation at all.
 */
static int load_injected(int fd, int nth, bool *reached)
{
	char value[16];
	int ret, err;

	snprintf(value, sizeof(value), "%d", nth);
	if (write_file(FAIL_NTH, value))
		return -EIO;
	ret = syscall(SYS_finit_module, fd, "pages=64", 0);
	err = errno;
	/* What is left of the count: 0 once the n-th call was failed. */
	*reached = read_text(FAIL_NTH, value, sizeof(value)) == 0 &&
		   atoi(value) == 0;
	write_file(FAIL_NTH, "0");
	return ret ? -err : 0;
}

/*
 * Did the kernel log, since the last call, that the buffer's allocation
 * failed?  Read from /dev/kmsg as it comes: the kernel's own allocation
 * failure reports are long, and would push it out of a small ring.
 */
static bool buffer_failure_logged(int kmsg)
{
	char rec[2048];
	bool seen = false;
	ssize_t n;

	for (;;) {
		n = read(kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* records lost: read on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		seen |= strstr(rec, "mapdrv: cannot allocate a buffer of 64 pages: -12") != NULL;
	}
	return seen;
}

/*
 * GFP_KERNEL and order-0 allocations may fail too, and quietly: a
 * forced failure's stack dump would read as a kernel report.
 */
static int inject_quietly_anywhere(void)
{
	if (inject("ignore-gfp-wait", "N") ||
	    write_file(DEBUGFS "/fail_page_alloc/ignore-gfp-highmem", "N") ||
	    write_file(DEBUGFS "/fail_page_alloc/min-order", "0"))
		return -1;
	return inject("verbose", "0");
}

/* Lines of /proc/self/maps: one per mapping. */
static int count_mappings(void)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strchr(line, '\n') != NULL;
	fclose(f);
	return n;
}

FIXTURE(inject) {
	char params[128];
};

FIXTURE_SETUP(inject)
{
	ASSERT_NE(NULL, getenv("MAPDRV_KO")) TH_LOG("set MAPDRV_KO to mapdrv.ko");
	ASSERT_EQ(0, access(DEBUGFS "/fail_page_alloc", F_OK))
		TH_LOG("no fault injection: needs CONFIG_FAULT_INJECTION_DEBUG_FS");
	ASSERT_EQ(0, module_params(self->params, sizeof(self->params)))
		TH_LOG("%s: %s", SYSFS_PARAMS, strerror(errno));
	ASSERT_EQ(0, unload_module()) TH_LOG("unload: %s", strerror(errno));
}

FIXTURE_TEARDOWN(inject)
{
	write_file(FAIL_NTH, "0");
	if (access(SYSFS_MODULE, F_OK) && load_module(self->params))
		TH_LOG("reloading %s: %s", self->params, strerror(errno));
}

TEST_F_TIMEOUT(inject, failed_allocations_fail_the_load_cleanly, 600)
{
	int failures = 0, buffer_failures = 0, fd, kmsg, ret;

	bool reached;

	ASSERT_EQ(0, inject_quietly_anywhere());
	fd = open(getenv("MAPDRV_KO"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", getenv("MAPDRV_KO"), strerror(errno));
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, kmsg) TH_LOG("/dev/kmsg: %s", strerror(errno));
	lseek(kmsg, 0, SEEK_END);

	for (int nth = 1; nth <= SWEEP_MAX; nth++) {
		ret = load_injected(fd, nth, &reached);
		if (ret == 0) {
			ASSERT_EQ(0, unload_module());
			if (!reached)
				break;	/* the load makes fewer allocations */
			continue;	/* a failure the kernel tolerated */
		}
		failures++;
		buffer_failures += buffer_failure_logged(kmsg);
		EXPECT_EQ(-ENOMEM, ret) TH_LOG("failing allocation %d: %s", nth, strerror(-ret));
		EXPECT_NE(0, access("/sys/module/mapdrv", F_OK))
			TH_LOG("failing allocation %d left the module registered", nth);
		EXPECT_NE(0, access("/dev/mapdrv", F_OK))
			TH_LOG("failing allocation %d left /dev/mapdrv", nth);
		ASSERT_GT(SWEEP_MAX, nth) TH_LOG("the loads never stopped failing");
	}
	close(fd);
	close(kmsg);
	EXPECT_LT(0, failures);
	EXPECT_LT(0, buffer_failures)
		TH_LOG("none of %d injected failures hit the buffer's allocation",
		       failures);
	TH_LOG("%d loads failed, %d of them in the buffer's allocation",
	       failures, buffer_failures);
}

/*
 * premap maps every page inside mmap(): page tables are allocated there,
 * and any of them may fail.  Each mmap() must then fail with ENOMEM and
 * leave no mapping behind (the mm core unmaps what premap had mapped).
 */
TEST_F_TIMEOUT(inject, failed_allocations_fail_premap_mmap_cleanly, 300)
{
	const size_t len = 64 * sysconf(_SC_PAGESIZE);
	int failures = 0, fd, err, mappings;
	char value[16];
	bool reached;
	char *map;

	ASSERT_EQ(0, load_module("pages=64 map=premap"))
		TH_LOG("load pages=64 map=premap: %s", strerror(errno));
	ASSERT_EQ(0, inject_quietly_anywhere());
	fd = open("/dev/mapdrv", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("/dev/mapdrv: %s", strerror(errno));
	mappings = count_mappings();
	ASSERT_LT(0, mappings);

	for (int nth = 1; nth <= SWEEP_MAX; nth++) {
		snprintf(value, sizeof(value), "%d", nth);
		ASSERT_EQ(0, write_file(FAIL_NTH, value));
		map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		err = errno;
		reached = read_text(FAIL_NTH, value, sizeof(value)) == 0 &&
			  atoi(value) == 0;
		write_file(FAIL_NTH, "0");
		if (map != MAP_FAILED) {
			EXPECT_STREQ("mapdrv page 63", map + len - sysconf(_SC_PAGESIZE));
			munmap(map, len);
			if (!reached)
				break;	/* mmap makes fewer allocations */
			continue;
		}
		failures++;
		EXPECT_EQ(ENOMEM, err) TH_LOG("failing allocation %d: %s", nth, strerror(err));
		EXPECT_EQ(mappings, count_mappings())
			TH_LOG("failing allocation %d left a mapping", nth);
		ASSERT_GT(SWEEP_MAX, nth) TH_LOG("the mmaps never stopped failing");
	}
	close(fd);
	EXPECT_LT(0, failures);
	TH_LOG("%d mmaps failed", failures);
	EXPECT_EQ(0, unload_module()) TH_LOG("unload: %s", strerror(errno));
}

TEST_HARNESS_MAIN
