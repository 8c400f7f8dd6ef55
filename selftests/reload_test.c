// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest suite for mapdrv: loading and unloading the module.  Each
 * test unloads it and loads it again from MAPDRV_KO (mapdrv.sh and
 * scripts/vmrun set it) with the parameters it had, so the suite must
 * run alone: no other process may hold the device meanwhile.  Without
 * MAPDRV_KO the tests fail rather than pass unseen.
 */
#include <sys/stat.h>

#include "mapdrv_test.h"

FIXTURE(reload) {
	int fd;
	struct mapdrv_info info;
	char params[96];
};

FIXTURE_SETUP(reload)
{
	self->fd = open_device(_metadata, &self->info);
	ASSERT_LE(0, self->fd);
	ASSERT_NE(NULL, getenv("MAPDRV_KO"))
		TH_LOG("set MAPDRV_KO to the path of mapdrv.ko to test reloading");
	ASSERT_EQ(0, module_params(self->params, sizeof(self->params)))
		TH_LOG("%s: %s", SYSFS_PARAMS, strerror(errno));
}

/* Whatever failed, leave the module loaded for the tests that follow. */
FIXTURE_TEARDOWN(reload)
{
	if (self->fd >= 0)
		close(self->fd);
	if (access(SYSFS_MODULE, F_OK) && load_module(self->params))
		TH_LOG("reloading %s %s: %s", getenv("MAPDRV_KO"),
		       self->params, strerror(errno));
}

static void unload(struct __test_metadata *_metadata, int *fd)
{
	close(*fd);
	*fd = -1;
	ASSERT_EQ(0, unload_module())
		TH_LOG("delete_module: %s", strerror(errno));
	EXPECT_NE(0, access(MAPDRV_DEVICE, F_OK))
		TH_LOG("%s is still there", MAPDRV_DEVICE);
}

static void reload_as_before(struct __test_metadata *_metadata,
			     const char *params,
			     const struct mapdrv_info *before)
{
	char want[MARKER_MAX], got[MARKER_MAX];
	struct mapdrv_info info;
	unsigned long last;
	int fd;

	ASSERT_EQ(0, load_module(params))
		TH_LOG("finit_module %s %s: %s", getenv("MAPDRV_KO"), params,
		       strerror(errno));
	fd = open_device(_metadata, &info);
	ASSERT_LE(0, fd);
	EXPECT_EQ(before->pages, info.pages);
	EXPECT_EQ(before->flags, info.flags);

	last = info.pages - 1;
	EXPECT_EQ((ssize_t)sizeof(got),
		  pread(fd, got, sizeof(got), last * page_size))
		TH_LOG("pread: %s", strerror(errno));
	marker(want, last);
	EXPECT_STREQ(want, got);
	close(fd);
}

TEST_F(reload, unload_works_when_unused)
{
	unload(_metadata, &self->fd);
	reload_as_before(_metadata, self->params, &self->info);
}

static void load_must_fail(struct __test_metadata *_metadata,
			   const char *params, int err)
{
	int ret = load_module(params);

	EXPECT_EQ(-1, ret);
	EXPECT_EQ(err, errno) TH_LOG("finit_module %s: %s", params,
				     strerror(errno));
	/* Loaded after all: take it out again, or the reload cannot work. */
	if (!ret)
		unload_module();
}

TEST_F(reload, load_with_0_pages_einval)
{
	unload(_metadata, &self->fd);
	load_must_fail(_metadata, "pages=0", EINVAL);
	reload_as_before(_metadata, self->params, &self->info);
}

TEST_F(reload, load_with_4294967295_pages_einval)
{
	unload(_metadata, &self->fd);
	load_must_fail(_metadata, "pages=4294967295", EINVAL);
	reload_as_before(_metadata, self->params, &self->info);
}

TEST_F(reload, load_with_an_unknown_map_mode_einval)
{
	unload(_metadata, &self->fd);
	load_must_fail(_metadata, "map=lazy", EINVAL);
	EXPECT_NE(0, access(SYSFS_MODULE, F_OK));
	reload_as_before(_metadata, self->params, &self->info);
}

TEST_F(reload, load_with_a_mode_beyond_0777_einval)
{
	unload(_metadata, &self->fd);
	load_must_fail(_metadata, "mode=01777", EINVAL);
	reload_as_before(_metadata, self->params, &self->info);
}

/* 0 when an open for reading and writing fails with EACCES. */
static int open_denied(void *arg)
{
	(void)arg;
	return open(MAPDRV_DEVICE, O_RDWR) < 0 && errno == EACCES ? 0 : 1;
}

/* 0 when open, mmap and the marker work, and the walk is refused. */
static int open_and_map(void *arg)
{
	struct mapdrv_walk_info wi = { .page = 0 };
	char *map;
	int fd;

	(void)arg;
	fd = open(MAPDRV_DEVICE, O_RDWR);
	if (fd < 0)
		return 1;
	map = mmap(NULL, page_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED || strncmp(map, "mapdrv page 0", 14))
		return 2;
	/* PFNs and kernel addresses stay root's whatever the mode. */
	if (ioctl(fd, MAPDRV_IOC_WALK, &wi) != -1 || errno != EPERM)
		return 3;
	return 0;
}

TEST_F(reload, unprivileged_open_is_eacces_by_default)
{
	struct stat st;

	ASSERT_EQ(0, stat(MAPDRV_DEVICE, &st));
	ASSERT_EQ(0600, st.st_mode & 07777);
	EXPECT_TRUE(as_nobody(open_denied, NULL));
}

/* The classroom switch: mode=0666 lets every user map the buffer. */
TEST_F(reload, mode_0666_lets_users_map_but_not_walk)
{
	char params[128];
	struct stat st;

	unload(_metadata, &self->fd);
	snprintf(params, sizeof(params), "%s mode=0666", self->params);
	ASSERT_EQ(0, load_module(params)) TH_LOG("load %s: %s", params, strerror(errno));
	ASSERT_EQ(0, stat(MAPDRV_DEVICE, &st));
	EXPECT_EQ(0666, st.st_mode & 07777);
	EXPECT_TRUE(as_nobody(open_and_map, NULL));
	ASSERT_EQ(0, unload_module()) TH_LOG("unload: %s", strerror(errno));
	reload_as_before(_metadata, self->params, &self->info);
}

/*
 * VmallocUsed, exact to the page.  Since 7.1 it is a vmstat counter: each
 * CPU keeps its share of the count to itself up to a threshold, so that
 * after a module gave back every page a read can still be off by tens of
 * kB (5340 kB against 5276 after a huge=1 cycle).  Writing stat_refresh
 * first folds every CPU's share into the total: the count is then exact,
 * and one page leaked (4 kB) still shows.  6.x has the file too and
 * VmallocUsed was exact there already: the write changes nothing.  -1 if
 * the fold or the read failed.
 */
static long vmalloc_used_kb(void)
{
	struct meminfo mi;
	int fd;

	/* Fold the per-CPU counts in first: the sum must be exact. */
	fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = write(fd, "1", 1);

		close(fd);
		if (n != 1)
			return -1;
	}
	return proc_meminfo(&mi) ? -1 : meminfo_get(&mi, "VmallocUsed");
}

/* How many tasks the system has: the last field of /proc/loadavg. */
static long nr_tasks(void)
{
	char buf[128], *slash;

	if (read_text("/proc/loadavg", buf, sizeof(buf)))
		return -1;
	slash = strchr(buf, '/');
	return slash ? strtol(slash + 1, NULL, 10) : -1;
}

/*
 * VmallocUsed once it holds still: kernel stacks are vmalloc'd, and a
 * kworker starting or ending moves the count while we look.  Returns the
 * value and the task count it was read with.
 */
static long settled_vmalloc_kb(long *tasks)
{
	long kb = vmalloc_used_kb(), again;

	for (int i = 0; i < 10; i++) {
		*tasks = nr_tasks();
		usleep(20000);
		again = vmalloc_used_kb();
		if (again == kb && nr_tasks() == *tasks)
			break;
		kb = again;
	}
	return kb;
}

/*
 * 100 loads and unloads through libkmod with buffer sizes from 1 page
 * up and every map mode: each unload gives back every page (VmallocUsed returns to what it
 * was with the module out, whenever the kernel runs as many tasks as
 * then: another task's stack is not ours), and each load serves its last
 * page's marker.
 */
TEST_F_TIMEOUT(reload, load_unload_100_cycles_give_back_vmalloc, 300)
{
	static const unsigned int sizes[] = { 1, 2, 3, 17, 64, 511, 512, 513, 1024, 4096 };
	char params[64], want[MARKER_MAX], got[MARKER_MAX];
	long baseline, now, base_tasks, tasks;
	char *map;
	int fd, compared = 0;
	unsigned int pages;

	unload(_metadata, &self->fd);
	baseline = settled_vmalloc_kb(&base_tasks);
	ASSERT_LT(0, baseline) TH_LOG("VmallocUsed: no value, or stat_refresh failed");
	for (int i = 0; i < 100; i++) {
		pages = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
		snprintf(params, sizeof(params), "pages=%u huge=%d map=%s",
			 pages, i & 1, map_names[i % MAPDRV_MAP_MODES]);
		ASSERT_EQ(0, load_module(params))
			TH_LOG("cycle %d: load %s: %s", i, params, strerror(errno));
		fd = open(MAPDRV_DEVICE, O_RDONLY);
		ASSERT_LE(0, fd) TH_LOG("cycle %d: open: %s", i, strerror(errno));
		ASSERT_EQ((ssize_t)sizeof(got),
			  pread(fd, got, sizeof(got), (off_t)(pages - 1) * page_size));
		marker(want, pages - 1);
		ASSERT_STREQ(want, got) TH_LOG("cycle %d", i);
		/* Mapped too, so that every map mode's path runs and unwinds. */
		map = mmap(NULL, pages * page_size, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, map) TH_LOG("cycle %d: mmap: %s", i, strerror(errno));
		ASSERT_STREQ(want, map + (pages - 1) * page_size) TH_LOG("cycle %d", i);
		munmap(map, pages * page_size);
		close(fd);
		ASSERT_EQ(0, unload_module())
			TH_LOG("cycle %d: unload: %s", i, strerror(errno));
		now = settled_vmalloc_kb(&tasks);
		if (tasks != base_tasks) {
			/* Another task came or went: start over from here. */
			baseline = now;
			base_tasks = tasks;
			continue;
		}
		compared++;
		ASSERT_EQ(baseline, now) TH_LOG("cycle %d (%s): VmallocUsed %ld kB, was %ld kB",
						i, params, now, baseline);
	}
	/* Most cycles must have been compared, or the test proved nothing. */
	EXPECT_LE(90, compared);
	reload_as_before(_metadata, self->params, &self->info);
}

int main(int argc, char **argv)
{
	return mapdrv_suite_main(argc, argv);
}
