// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest suite for mapdrv: every behaviour of /dev/mapdrv, one test
 * each.  Needs root and the module loaded; the reload tests also need
 * MAPDRV_KO, the path of mapdrv.ko (scripts/vmrun and mapdrv.sh set it).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mapdrv_uapi.h"

#define SYSFS_PARAMS	"/sys/module/mapdrv/parameters"
#define SYSFS_FAULTS	"/sys/class/misc/mapdrv/faults"

static long page_size;

FIXTURE(mapdrv) {
	int fd;
	struct mapdrv_info info;
};

FIXTURE_SETUP(mapdrv)
{
	self->fd = open(MAPDRV_DEVICE, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", MAPDRV_DEVICE, strerror(errno));
	ASSERT_EQ(0, ioctl(self->fd, MAPDRV_IOC_INFO, &self->info))
		TH_LOG("MAPDRV_IOC_INFO: %s", strerror(errno));
	ASSERT_EQ(self->info.size, self->info.pages * page_size);
}

FIXTURE_TEARDOWN(mapdrv)
{
	if (self->fd >= 0)
		close(self->fd);
}

static void *map_dev(int fd, size_t len, int prot, int flags, off_t off)
{
	return mmap(NULL, len, prot, flags, fd, off);
}

static void marker(char *out, size_t len, unsigned long page)
{
	snprintf(out, len, MAPDRV_MARKER_FMT, page);
}

/* Read a small text file into @buf, without its trailing newline. */
static int read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
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

/* A field ("Rss:", "VmSize:") of the smaps entry at @addr, or of status. */
static long proc_kb(const char *path, unsigned long addr, const char *field)
{
	char line[512];
	unsigned long start, end;
	int in = addr == 0;
	long kb = -1;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (addr && sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = start == addr;
			continue;
		}
		if (in && !strncmp(line, field, strlen(field))) {
			kb = strtol(line + strlen(field), NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

static unsigned long long sysfs_faults(void)
{
	char buf[64];

	if (read_text(SYSFS_FAULTS, buf, sizeof(buf)))
		return ULLONG_MAX;
	return strtoull(buf, NULL, 10);
}

static int delete_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

static int load_module(const char *params)
{
	const char *ko = getenv("MAPDRV_KO");
	int fd, ret;

	if (!ko) {
		errno = ENOENT;
		return -1;
	}
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, params, 0);
	close(fd);
	return ret;
}

/* The parameters the module runs with, to load it again the same way. */
static int current_params(char *out, size_t len)
{
	char pages[32], huge[8];

	if (read_text(SYSFS_PARAMS "/pages", pages, sizeof(pages)) ||
	    read_text(SYSFS_PARAMS "/huge", huge, sizeof(huge)))
		return -1;
	snprintf(out, len, "pages=%s huge=%s", pages, huge);
	return 0;
}

/* ---- what the buffer holds ---------------------------------------- */

TEST_F(mapdrv, marker_at_every_page)
{
	char want[64];
	char *map;

	map = map_dev(self->fd, self->info.size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	for (unsigned long i = 0; i < self->info.pages; i++) {
		marker(want, sizeof(want), i);
		ASSERT_STREQ(want, map + i * page_size) TH_LOG("page %lu", i);
	}
	munmap(map, self->info.size);
}

TEST_F(mapdrv, rest_of_every_page_is_zero)
{
	char *map, *page;
	size_t len;

	map = map_dev(self->fd, self->info.size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	for (unsigned long i = 0; i < self->info.pages; i++) {
		page = map + i * page_size;
		len = strnlen(page, page_size) + 1;
		for (size_t b = len; b < (size_t)page_size; b++) {
			ASSERT_EQ(0, page[b]) TH_LOG("page %lu byte %zu", i, b);
		}
	}
	munmap(map, self->info.size);
}

TEST_F(mapdrv, mapping_at_an_offset)
{
	unsigned long first = self->info.pages / 2;
	char want[64];
	char *map;

	ASSERT_LE(2, self->info.pages - first);
	map = map_dev(self->fd, 2 * page_size, PROT_READ, MAP_SHARED,
		      first * page_size);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	marker(want, sizeof(want), first);
	EXPECT_STREQ(want, map);
	marker(want, sizeof(want), first + 1);
	EXPECT_STREQ(want, map + page_size);
	munmap(map, 2 * page_size);
}

/* ---- mmap requests that do not fit: EINVAL ------------------------ */

static void expect_einval(struct __test_metadata *_metadata, int fd,
			  size_t len, off_t off)
{
	void *map = map_dev(fd, len, PROT_READ, MAP_SHARED, off);

	if (map != MAP_FAILED)
		munmap(map, len);
	ASSERT_EQ(MAP_FAILED, map);
	ASSERT_EQ(EINVAL, errno) TH_LOG("mmap: %s", strerror(errno));
}

TEST_F(mapdrv, mmap_offset_at_end_einval)
{
	expect_einval(_metadata, self->fd, page_size, self->info.size);
}

TEST_F(mapdrv, mmap_length_past_end_einval)
{
	expect_einval(_metadata, self->fd, self->info.size + page_size, 0);
}

TEST_F(mapdrv, mmap_crossing_end_einval)
{
	expect_einval(_metadata, self->fd, 2 * page_size,
		      self->info.size - page_size);
}

TEST_F(mapdrv, mmap_huge_offset_einval)
{
	expect_einval(_metadata, self->fd, page_size,
		      INT64_MAX & ~(page_size - 1));
}

/* The mm core refuses this one before the driver sees it: pgoff wraps. */
TEST_F(mapdrv, mmap_negative_offset_eoverflow)
{
	void *map = map_dev(self->fd, page_size, PROT_READ, MAP_SHARED,
			    -page_size);

	if (map != MAP_FAILED)
		munmap(map, page_size);
	ASSERT_EQ(MAP_FAILED, map);
	ASSERT_EQ(EOVERFLOW, errno) TH_LOG("mmap: %s", strerror(errno));
}

/* ---- read, write, llseek ------------------------------------------ */

TEST_F(mapdrv, read_at_end_returns_0)
{
	char c;

	ASSERT_EQ((off_t)self->info.size, lseek(self->fd, 0, SEEK_END));
	ASSERT_EQ(0, read(self->fd, &c, 1));
}

TEST_F(mapdrv, pread_far_past_end_returns_0)
{
	char c;

	ASSERT_EQ(0, pread(self->fd, &c, 1, self->info.size * 4));
}

TEST_F(mapdrv, write_at_end_enospc)
{
	char c = 'x';

	ASSERT_EQ(-1, pwrite(self->fd, &c, 1, self->info.size));
	ASSERT_EQ(ENOSPC, errno);
}

TEST_F(mapdrv, write_crossing_end_is_short)
{
	char out[8] = "ABCDEFGH", in[8], saved[4];
	off_t off = self->info.size - 4;

	ASSERT_EQ(4, pread(self->fd, saved, 4, off));
	ASSERT_EQ(4, pwrite(self->fd, out, 8, off));
	ASSERT_EQ(4, pread(self->fd, in, 8, off));
	EXPECT_EQ(0, memcmp(in, out, 4));
	ASSERT_EQ(4, pwrite(self->fd, saved, 4, off));
}

TEST_F(mapdrv, negative_seek_einval)
{
	ASSERT_EQ(-1, lseek(self->fd, -1, SEEK_SET));
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(mapdrv, seek_end_is_size)
{
	ASSERT_EQ((off_t)self->info.size, lseek(self->fd, 0, SEEK_END));
}

/* ---- the same bytes through read/write and the mapping ------------- */

TEST_F(mapdrv, pwrite_seen_through_mapping)
{
	const char text[] = "written by pwrite";
	char zero[sizeof(text)] = "";
	off_t off = page_size + 100;
	char *map;

	map = map_dev(self->fd, self->info.size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	ASSERT_EQ(sizeof(text), pwrite(self->fd, text, sizeof(text), off));
	EXPECT_STREQ(text, map + off);
	munmap(map, self->info.size);
	/* Leave the buffer as loaded: the other tests check its zeroes. */
	ASSERT_EQ(sizeof(zero), pwrite(self->fd, zero, sizeof(zero), off));
}

TEST_F(mapdrv, store_through_mapping_seen_by_pread)
{
	const char text[] = "stored through the mapping";
	off_t off = page_size + 200;
	char in[sizeof(text)];
	char *map;

	map = map_dev(self->fd, self->info.size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	memcpy(map + off, text, sizeof(text));
	ASSERT_EQ(sizeof(in), pread(self->fd, in, sizeof(in), off));
	EXPECT_STREQ(text, in);
	memset(map + off, 0, sizeof(text));
	munmap(map, self->info.size);
}

TEST_F(mapdrv, private_write_is_copy_on_write)
{
	char *priv, *shared, in[64], want[64];

	marker(want, sizeof(want), 0);
	priv = map_dev(self->fd, page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE, 0);
	ASSERT_NE(MAP_FAILED, priv) TH_LOG("mmap: %s", strerror(errno));
	shared = map_dev(self->fd, page_size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, shared) TH_LOG("mmap: %s", strerror(errno));

	EXPECT_STREQ(want, priv);		/* read: the buffer's page */
	strcpy(priv, "private copy");		/* write: a copy of it */
	EXPECT_STREQ("private copy", priv);
	EXPECT_STREQ(want, shared);
	ASSERT_EQ(sizeof(in), pread(self->fd, in, sizeof(in), 0));
	EXPECT_STREQ(want, in);
	munmap(priv, page_size);
	munmap(shared, page_size);
}

TEST_F(mapdrv, fork_shares_the_mapping)
{
	const char text[] = "from the child";
	off_t off = 2 * page_size + 300;
	char *map;
	int status;
	pid_t pid;

	map = map_dev(self->fd, self->info.size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		memcpy(map + off, text, sizeof(text));
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_STREQ(text, map + off);
	memset(map + off, 0, sizeof(text));
	munmap(map, self->info.size);
}

TEST_F(mapdrv, mremap_growth_refused)
{
	void *map, *grown;

	map = map_dev(self->fd, page_size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	grown = mremap(map, page_size, 2 * page_size, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, grown);
	EXPECT_EQ(EFAULT, errno);
	munmap(grown == MAP_FAILED ? map : grown,
	       grown == MAP_FAILED ? page_size : 2 * page_size);
}

/* No mapping reaches past the buffer, so no access past it finds a page. */
TEST_F_SIGNAL(mapdrv, access_past_mapping_end_faults, SIGSEGV)
{
	volatile char *map;
	char *hole;

	/* Reserve two pages so that the one after the mapping is ours. */
	hole = mmap(NULL, 2 * page_size, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole) TH_LOG("mmap: %s", strerror(errno));
	map = mmap(hole, page_size, PROT_READ, MAP_SHARED | MAP_FIXED,
		   self->fd, self->info.size - page_size);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	ASSERT_EQ(0, munmap(hole + page_size, page_size));
	ASSERT_EQ('m', map[0]);
	(void)map[page_size];
}

/* ---- what the kernel accounts --------------------------------------- */

TEST_F(mapdrv, fault_counter_counts_touched_pages)
{
	unsigned long n = self->info.pages < 8 ? self->info.pages : 8;
	struct mapdrv_info after;
	volatile char *map;
	char sum = 0;

	map = map_dev(self->fd, self->info.size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	for (unsigned long i = 0; i < n; i++)
		sum += map[i * page_size];
	ASSERT_EQ(0, ioctl(self->fd, MAPDRV_IOC_INFO, &after));
	EXPECT_EQ(self->info.faults + n, after.faults) TH_LOG("sum %d", sum);
	EXPECT_EQ(after.faults, sysfs_faults());
	munmap((void *)map, self->info.size);
}

TEST_F(mapdrv, huge_leaf_path_taken_iff_huge)
{
	volatile char *map;
	struct mapdrv_info after;
	char c;

	map = map_dev(self->fd, self->info.size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	c = map[0];
	ASSERT_EQ('m', c);
	ASSERT_EQ(0, ioctl(self->fd, MAPDRV_IOC_INFO, &after));
	munmap((void *)map, self->info.size);
	if (!(self->info.flags & MAPDRV_INFO_HUGE) ||
	    self->info.size < 2UL << 20) {
		EXPECT_EQ(0, after.leaf_faults);
	} else {
		/* A buffer of 2 MiB or more gets PMD leaves from vmalloc_huge. */
		EXPECT_EQ(self->info.leaf_faults + 1, after.leaf_faults);
	}
}

TEST_F(mapdrv, vsz_grows_at_mmap_rss_as_touched)
{
	unsigned long pages = self->info.pages < 16 ? self->info.pages : 16;
	long vsz_before, vsz_after, rss;
	volatile char *map;

	vsz_before = proc_kb("/proc/self/status", 0, "VmSize:");
	map = map_dev(self->fd, pages * page_size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	vsz_after = proc_kb("/proc/self/status", 0, "VmSize:");
	EXPECT_EQ(vsz_before + (long)pages * page_size / 1024, vsz_after);
	rss = proc_kb("/proc/self/smaps", (unsigned long)map, "Rss:");
	EXPECT_EQ(0, rss);
	for (unsigned long i = 0; i < pages / 2; i++)
		(void)map[i * page_size];
	rss = proc_kb("/proc/self/smaps", (unsigned long)map, "Rss:");
	EXPECT_EQ((long)(pages / 2 * page_size / 1024), rss);
	munmap((void *)map, pages * page_size);
}

TEST_F(mapdrv, process_vm_readv_reads_mapping)
{
	char want[64], got[64] = "";
	struct iovec local = { got, sizeof(got) }, remote;
	char *map;

	map = map_dev(self->fd, page_size, PROT_READ, MAP_SHARED, page_size);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	remote.iov_base = map;
	remote.iov_len = sizeof(got);
	/* get_user_pages() on the mapping: only ordinary pages allow it. */
	ASSERT_EQ((ssize_t)sizeof(got),
		  process_vm_readv(getpid(), &local, 1, &remote, 1, 0))
		TH_LOG("process_vm_readv: %s", strerror(errno));
	marker(want, sizeof(want), 1);
	EXPECT_STREQ(want, got);
	munmap(map, page_size);
}

TEST_F(mapdrv, unknown_ioctl_enotty)
{
	ASSERT_EQ(-1, ioctl(self->fd, _IO(MAPDRV_IOC_MAGIC, 99)));
	ASSERT_EQ(ENOTTY, errno);
}

TEST_F(mapdrv, device_node_is_0600)
{
	struct stat st;

	ASSERT_EQ(0, stat(MAPDRV_DEVICE, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
}

TEST_F(mapdrv, pages_param_read_only_and_true)
{
	struct stat st;
	char buf[32];

	ASSERT_EQ(0, stat(SYSFS_PARAMS "/pages", &st));
	EXPECT_EQ(0444, st.st_mode & 07777);
	ASSERT_EQ(0, read_text(SYSFS_PARAMS "/pages", buf, sizeof(buf)));
	EXPECT_EQ(self->info.pages, strtoull(buf, NULL, 10));
}

TEST_F(mapdrv, vmallocinfo_names_the_caller)
{
	char line[512], want[64];
	int found = 0;
	FILE *f;

	snprintf(want, sizeof(want), " pages=%llu ",
		 (unsigned long long)self->info.pages);
	f = fopen("/proc/vmallocinfo", "r");
	ASSERT_NE(NULL, f) TH_LOG("/proc/vmallocinfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " mapdrv_buffer_alloc+") &&
		    strstr(line, " [mapdrv] ") && strstr(line, want))
			found++;
	fclose(f);
	EXPECT_EQ(1, found);
}

/* ---- the walk, replayed: MAPDRV_IOC_WALK ----------------------------- */

static int walk(int fd, unsigned long page, struct mapdrv_walk_info *wi)
{
	memset(wi, 0, sizeof(*wi));
	wi->page = page;
	return ioctl(fd, MAPDRV_IOC_WALK, wi);
}

/* The PFN /proc/self/pagemap shows for @addr (root sees real PFNs). */
static uint64_t pagemap_pfn(const void *addr)
{
	uint64_t entry = 0;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return 0;
	if (pread(fd, &entry, sizeof(entry),
		  (uintptr_t)addr / page_size * sizeof(entry)) != sizeof(entry))
		entry = 0;
	close(fd);
	if (!(entry >> 63))		/* not present */
		return 0;
	return entry & ((1ULL << 55) - 1);
}

TEST_F(mapdrv, walk_agrees_with_vmalloc_to_page)
{
	struct mapdrv_walk_info wi;

	for (unsigned long i = 0; i < self->info.pages; i++) {
		ASSERT_EQ(0, walk(self->fd, i, &wi)) TH_LOG("page %lu: %s", i, strerror(errno));
		ASSERT_EQ(1, wi.found) TH_LOG("page %lu: hole at level %u", i, wi.level);
		ASSERT_NE(0, wi.pfn);
		ASSERT_EQ(wi.vmalloc_to_page_pfn, wi.pfn) TH_LOG("page %lu", i);
	}
}

TEST_F(mapdrv, walk_ends_at_pmd_leaf_iff_huge)
{
	struct mapdrv_walk_info wi;
	int huge = (self->info.flags & MAPDRV_INFO_HUGE) &&
		   self->info.size >= 2UL << 20;

	ASSERT_EQ(0, walk(self->fd, 0, &wi));
	EXPECT_EQ(huge ? MAPDRV_LEVEL_PMD : MAPDRV_LEVEL_PTE, wi.level);
}

TEST_F(mapdrv, walk_reports_paging_mode)
{
	struct mapdrv_walk_info wi;
	char line[4096];
	int la57 = 0;
	FILE *f;

	f = fopen("/proc/cpuinfo", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5) && strstr(line, " la57"))
			la57 = 1;
	fclose(f);
	ASSERT_EQ(0, walk(self->fd, 0, &wi));
	EXPECT_EQ(la57 ? 5U : 4U, wi.pgtable_levels);
	/* The buffer lives in the kernel half: the top index is 256 or above. */
	EXPECT_LE(256U, wi.index[MAPDRV_LEVEL_PGD]);
}

TEST_F(mapdrv, user_pfn_is_the_kernel_pfn)
{
	unsigned long page = self->info.pages - 1;
	struct mapdrv_walk_info wi;
	volatile char *map;

	map = map_dev(self->fd, self->info.size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	ASSERT_EQ('m', map[page * page_size]);
	ASSERT_EQ(0, walk(self->fd, page, &wi));
	EXPECT_NE(0, wi.pfn);
	EXPECT_EQ(wi.pfn, pagemap_pfn((const void *)(map + page * page_size)));
	munmap((void *)map, self->info.size);
}

TEST_F(mapdrv, private_write_moves_to_another_pfn)
{
	struct mapdrv_walk_info wi;
	char *map;
	uint64_t pfn;

	map = map_dev(self->fd, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	ASSERT_EQ(0, walk(self->fd, 0, &wi));
	ASSERT_EQ('m', map[0]);
	EXPECT_EQ(wi.pfn, pagemap_pfn(map));	/* read: the buffer's page */
	map[100] = 'x';
	pfn = pagemap_pfn(map);
	EXPECT_NE(0, pfn);
	EXPECT_NE(wi.pfn, pfn);			/* written: a private copy */
	munmap(map, page_size);
}

TEST_F(mapdrv, walk_of_page_past_end_einval)
{
	struct mapdrv_walk_info wi;

	ASSERT_EQ(-1, walk(self->fd, self->info.pages, &wi));
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(mapdrv, walk_bad_pointer_efault)
{
	ASSERT_EQ(-1, ioctl(self->fd, MAPDRV_IOC_WALK, (void *)8));
	ASSERT_EQ(EFAULT, errno);
}

TEST_F(mapdrv, walk_without_cap_sys_admin_eperm)
{
	struct mapdrv_walk_info wi;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The open fd stays usable; the capability is what is gone. */
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(walk(self->fd, 0, &wi) == -1 && errno == EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* ---- unload and load ------------------------------------------------- */

TEST_F(mapdrv, unload_refused_while_open)
{
	ASSERT_EQ(-1, delete_module("mapdrv"));
	ASSERT_EQ(EWOULDBLOCK, errno);
}

TEST_F(mapdrv, unload_refused_while_mapped)
{
	char want[64];
	char *map;

	map = map_dev(self->fd, page_size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(-1, delete_module("mapdrv"));
	ASSERT_EQ(EWOULDBLOCK, errno);
	marker(want, sizeof(want), 0);
	EXPECT_STREQ(want, map);
	munmap(map, page_size);
}

TEST_F(mapdrv, unload_refused_while_child_maps)
{
	int go[2], status;
	char *map, c;
	pid_t pid;

	ASSERT_EQ(0, pipe(go));
	map = map_dev(self->fd, page_size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(go[1]);
		/* Hold the inherited mapping until the parent has tried. */
		_exit(read(go[0], &c, 1) == 0 && map[0] == 'm' ? 0 : 1);
	}
	close(go[0]);
	munmap(map, page_size);
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(-1, delete_module("mapdrv"));
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(go[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * The tests below unload the module and load it again with the
 * parameters it had, from MAPDRV_KO.  They run last.
 */
FIXTURE(reload) {
	char params[96];
};

FIXTURE_SETUP(reload)
{
	ASSERT_NE(NULL, getenv("MAPDRV_KO"))
		TH_LOG("MAPDRV_KO must name mapdrv.ko for the reload tests");
	ASSERT_EQ(0, current_params(self->params, sizeof(self->params)));
}

FIXTURE_TEARDOWN(reload)
{
}

static void reload_as_before(struct __test_metadata *_metadata,
			     const char *params)
{
	char want[64], got[64] = "";
	int fd;

	ASSERT_EQ(0, load_module(params))
		TH_LOG("load %s %s: %s", getenv("MAPDRV_KO"), params,
		       strerror(errno));
	fd = open(MAPDRV_DEVICE, O_RDONLY);
	ASSERT_LE(0, fd) TH_LOG("%s after reload: %s", MAPDRV_DEVICE,
				strerror(errno));
	ASSERT_LT(0, read(fd, got, sizeof(got) - 1));
	close(fd);
	marker(want, sizeof(want), 0);
	EXPECT_STREQ(want, got);
}

TEST_F(reload, unload_works_when_unused)
{
	ASSERT_EQ(0, delete_module("mapdrv"))
		TH_LOG("delete_module: %s", strerror(errno));
	ASSERT_NE(0, access(MAPDRV_DEVICE, F_OK));
	reload_as_before(_metadata, self->params);
}

TEST_F(reload, load_with_zero_pages_einval)
{
	ASSERT_EQ(0, delete_module("mapdrv"));
	EXPECT_EQ(-1, load_module("pages=0"));
	EXPECT_EQ(EINVAL, errno);
	reload_as_before(_metadata, self->params);
}

TEST_F(reload, load_with_too_many_pages_einval)
{
	ASSERT_EQ(0, delete_module("mapdrv"));
	EXPECT_EQ(-1, load_module("pages=4294967295"));
	EXPECT_EQ(EINVAL, errno);
	reload_as_before(_metadata, self->params);
}

int main(int argc, char **argv)
{
	page_size = sysconf(_SC_PAGESIZE);
	/* On 6.1 SKIP() in a fixture setup does not stop the test body. */
	if (access(MAPDRV_DEVICE, F_OK))
		ksft_exit_skip("%s missing: load mapdrv.ko first\n", MAPDRV_DEVICE);
	return test_harness_run(argc, argv);
}
