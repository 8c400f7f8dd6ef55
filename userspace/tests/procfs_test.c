// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the /proc parsers (userspace/procfs.c), on the host.
 *
 * Build and run from the top of the tree:
 *
 *   cc -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -Iuserspace \
 *      -Imodule -isystem $HOME/.cache/mapdrv/linux-source-6.1/tools/testing/selftests \
 *      userspace/tests/procfs_test.c userspace/procfs.c -o userspace/tests/procfs_test
 *   userspace/tests/procfs_test
 *
 * The snapshots of /proc taken in the VM (userspace/tests/data/README.md)
 * are read from $MAPDRV_TEST_DATA/<kernel>/, by default from data/ beside
 * the binary (found through /proc/self/exe), so the binary runs from
 * anywhere.  The expected values below are the ones those snapshots
 * hold: recapturing means updating them.
 *
 * Hand-made input goes through a tmpfile() stream, malformed input
 * included: each parser must answer -EINVAL or -ENOENT, not crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "procfs.h"

/*
 * 6.1's TEST() hands every test a variant parameter, and clang reports
 * it unused at each TEST() line, in this file.
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"

#define PAGE_KB		4L	/* the VMs' page size, in kB */
#define TOUCHED		16	/* pages capture_proc read */

/* A stream holding @len bytes of @text, NUL bytes included. */
static FILE *stream_n(const char *text, size_t len)
{
	FILE *f = tmpfile();

	if (!f)
		return NULL;
	if (fwrite(text, 1, len, f) != len || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return NULL;
	}
	return f;
}

static FILE *stream(const char *text)
{
	return stream_n(text, strlen(text));
}

/* A line of @len copies of @c after @prefix, then @suffix; malloc'd. */
static char *long_line(const char *prefix, char c, size_t len,
		       const char *suffix)
{
	size_t p = strlen(prefix), s = strlen(suffix);
	char *buf = malloc(p + len + s + 1);

	if (!buf)
		return NULL;
	memcpy(buf, prefix, p);
	memset(buf + p, c, len);
	memcpy(buf + p + len, suffix, s + 1);
	return buf;
}

static int data_dir(char *buf, size_t size)
{
	const char *env = getenv("MAPDRV_TEST_DATA");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env)
		return snprintf(buf, size, "%s", env) < (int)size ? 0 : -1;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -1;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return snprintf(buf, size, "%s/data", exe) < (int)size ? 0 : -1;
}

/* ---- the snapshots from the VM --------------------------------------- */

FIXTURE(snap) {
	char dir[PATH_MAX];
};

FIXTURE_VARIANT(snap) {
	const char *kernel;
	unsigned long map_start, map_end;	/* the whole buffer, rw-s */
	unsigned long window_start;		/* pages 8..11, r--s */
	unsigned int dev_minor;			/* devtmpfs's s_dev */
	unsigned long inode;
	long vm_size, vm_rss, rss_anon, rss_file, rss_shmem;
	int meminfo_n;
	long mem_total;
	const char *caller;
	int vmalloc_lines;
	int unpurged;		/* lazily freed areas, as it happened */
	int without_pages;	/* vmap, ioremap, percpu, unpurged */
};

FIXTURE_VARIANT_ADD(snap, v6_1) {
	.kernel = "6.1",
	.map_start = 0x7f74b6dd0000UL,
	.map_end = 0x7f74b6e10000UL,
	.window_start = 0x7f74b6dcc000UL,
	.dev_minor = 5,
	.inode = 99,
	/* 6.1 folds its per-thread RSS counters every 64 faults: not yet. */
	.vm_size = 1324, .vm_rss = 4, .rss_anon = 4, .rss_file = 0,
	.rss_shmem = 0,
	.meminfo_n = 54,
	.mem_total = 981476,
	.caller = "mapdrv_buffer_alloc+0xbd/0xd0 [mapdrv]",
	.vmalloc_lines = 84,
	.unpurged = 2,
	.without_pages = 10,
};

FIXTURE_VARIANT_ADD(snap, v6_12) {
	.kernel = "6.12",
	.map_start = 0x7f508fc94000UL,
	.map_end = 0x7f508fcd4000UL,
	.window_start = 0x7f508fc90000UL,
	.dev_minor = 6,
	.inode = 103,
	/* The binary lives on the initramfs (tmpfs): RssShmem. */
	.vm_size = 1324, .vm_rss = 764, .rss_anon = 48, .rss_file = 68,
	.rss_shmem = 648,
	.meminfo_n = 55,
	.mem_total = 988496,
	.caller = "mapdrv_buffer_alloc+0xc1/0xd0 [mapdrv]",
	.vmalloc_lines = 88,
	.unpurged = 0,
	.without_pages = 8,
};

FIXTURE_SETUP(snap)
{
	char top[PATH_MAX - 16];

	ASSERT_EQ(0, data_dir(top, sizeof(top)));
	snprintf(self->dir, sizeof(self->dir), "%s/%s", top, variant->kernel);
}

FIXTURE_TEARDOWN(snap)
{
}

static FILE *open_snap(const char *dir, const char *name)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "re");
}

#define OPEN_SNAP(name) ({						\
	FILE *__f = open_snap(self->dir, name);				\
	if (!__f)							\
		TH_LOG("%s/%s: %s (set MAPDRV_TEST_DATA?)",		\
		       self->dir, name, strerror(errno));		\
	ASSERT_TRUE(__f != NULL);					\
	__f; })

TEST_F(snap, maps_device_lines)
{
	FILE *f = OPEN_SNAP("maps");
	struct maps_entry all[64], e[4];
	int n = maps_read_all(f, all, 64), found = 0;

	fclose(f);
	ASSERT_LT(0, n);
	/* The window was mapped second and sits below the buffer. */
	for (int i = 0; i < n; i++)
		if (!strcmp(all[i].path, "/dev/mapdrv") && found < 4)
			e[found++] = all[i];
	ASSERT_EQ(2, found);

	EXPECT_EQ(variant->window_start, e[0].start);
	EXPECT_EQ(variant->window_start + 4 * 4096UL, e[0].end);
	EXPECT_STREQ("r--s", e[0].perms);
	EXPECT_EQ(8 * 4096ULL, e[0].offset);

	EXPECT_EQ(variant->map_start, e[1].start);
	EXPECT_EQ(variant->map_end, e[1].end);
	EXPECT_EQ(64 * 4096UL, e[1].end - e[1].start);
	EXPECT_STREQ("rw-s", e[1].perms);
	EXPECT_EQ(0ULL, e[1].offset);
	/* devtmpfs's device number, not the misc device's 10:N. */
	EXPECT_EQ(0U, e[1].dev_major);
	EXPECT_EQ(variant->dev_minor, e[1].dev_minor);
	EXPECT_EQ(variant->inode, e[1].inode);
	EXPECT_STREQ("/dev/mapdrv", e[1].path);
	EXPECT_EQ(e[0].inode, e[1].inode);
}

TEST_F(snap, maps_every_line_parses)
{
	FILE *f = OPEN_SNAP("maps");
	struct maps_entry e;
	char line[512];
	int n = 0, anon = 0, heap = 0, vdso = 0, stack = 0;

	while (fgets(line, sizeof(line), f)) {
		ASSERT_EQ(0, parse_maps_line(line, &e)) {
			TH_LOG("line: %s", line);
		}
		n++;
		anon += !strcmp(e.path, "");
		heap += !strcmp(e.path, "[heap]");
		vdso += !strcmp(e.path, "[vdso]");
		stack += !strcmp(e.path, "[stack]");
	}
	fclose(f);
	EXPECT_EQ(12, n);
	EXPECT_EQ(1, anon);
	EXPECT_EQ(1, heap);
	EXPECT_EQ(1, vdso);
	EXPECT_EQ(1, stack);
}

TEST_F(snap, status_memory_lines)
{
	FILE *f = OPEN_SNAP("status");
	struct status_mem st;

	ASSERT_EQ(0, parse_status(f, &st));
	fclose(f);
	EXPECT_EQ(variant->vm_size, st.vm_size);
	EXPECT_EQ(variant->vm_rss, st.vm_rss);
	EXPECT_EQ(variant->rss_anon, st.rss_anon);
	EXPECT_EQ(variant->rss_file, st.rss_file);
	EXPECT_EQ(variant->rss_shmem, st.rss_shmem);
	EXPECT_EQ(st.vm_rss, st.rss_anon + st.rss_file + st.rss_shmem);
}

TEST_F(snap, smaps_device_mapping)
{
	FILE *f = OPEN_SNAP("smaps");
	struct smaps_entry e;

	ASSERT_EQ(0, parse_smaps(f, variant->map_start, &e));
	fclose(f);
	EXPECT_EQ(variant->map_start, e.map.start);
	EXPECT_STREQ("rw-s", e.map.perms);
	EXPECT_STREQ("/dev/mapdrv", e.map.path);
	EXPECT_EQ(64 * PAGE_KB, e.size);
	/* Exactly the pages capture_proc touched. */
	EXPECT_EQ(TOUCHED * PAGE_KB, e.rss);
	EXPECT_EQ(TOUCHED * PAGE_KB, e.pss);
	/* One mapper: private even on MAP_SHARED; the written page is dirty. */
	EXPECT_EQ(0, e.shared_clean);
	EXPECT_EQ(0, e.shared_dirty);
	EXPECT_EQ((TOUCHED - 1) * PAGE_KB, e.private_clean);
	EXPECT_EQ(PAGE_KB, e.private_dirty);
	EXPECT_EQ(TOUCHED * PAGE_KB, e.referenced);
	EXPECT_EQ(0, e.anonymous);
	/* sh: MAP_SHARED; de: VM_DONTEXPAND; sd: new VMAs are soft-dirty. */
	EXPECT_STREQ("rd wr sh mr mw me ms de sd", e.vmflags);
}

TEST_F(snap, smaps_untouched_window)
{
	FILE *f = OPEN_SNAP("smaps");
	struct smaps_entry e;

	ASSERT_EQ(0, parse_smaps(f, variant->window_start, &e));
	fclose(f);
	EXPECT_STREQ("r--s", e.map.perms);
	EXPECT_EQ(8 * 4096ULL, e.map.offset);
	EXPECT_EQ(4 * PAGE_KB, e.size);
	EXPECT_EQ(0, e.rss);
	EXPECT_STREQ("rd sh mr mw me ms de sd", e.vmflags);
}

TEST_F(snap, smaps_every_maps_entry)
{
	FILE *maps = OPEN_SNAP("maps");
	FILE *smaps = OPEN_SNAP("smaps");
	struct smaps_entry s;
	struct maps_entry m;
	char line[512];

	while (fgets(line, sizeof(line), maps)) {
		ASSERT_EQ(0, parse_maps_line(line, &m));
		rewind(smaps);
		ASSERT_EQ(0, parse_smaps(smaps, m.start, &s));
		EXPECT_EQ(m.end, s.map.end);
		EXPECT_STREQ(m.perms, s.map.perms);
		EXPECT_STREQ(m.path, s.map.path);
		EXPECT_EQ(s.size * 1024, (long)(m.end - m.start));
		EXPECT_GE(s.rss, 0);
		EXPECT_LE(s.rss, s.size);
	}
	fclose(maps);
	fclose(smaps);
}

TEST_F(snap, smaps_start_inside_mapping_not_found)
{
	FILE *f = OPEN_SNAP("smaps");
	struct smaps_entry e;

	EXPECT_EQ(-ENOENT, parse_smaps(f, variant->map_start + 4096, &e));
	fclose(f);
}

TEST_F(snap, meminfo_fields)
{
	FILE *f = OPEN_SNAP("meminfo");
	struct meminfo mi;

	ASSERT_EQ(0, parse_meminfo(f, &mi));
	fclose(f);
	EXPECT_EQ(variant->meminfo_n, mi.n);
	EXPECT_STREQ("MemTotal", mi.field[0].name);
	EXPECT_EQ(variant->mem_total, meminfo_get(&mi, "MemTotal"));
	EXPECT_GT(meminfo_get(&mi, "MemTotal"), 0);
	EXPECT_LT(meminfo_get(&mi, "MemFree"), meminfo_get(&mi, "MemTotal"));
	/* 5-level paging: 12.5 PiB of vmalloc space, which needs a 64-bit long. */
	EXPECT_EQ(13743895347199L, meminfo_get(&mi, "VmallocTotal"));
	/* No unit: a count of pages. */
	EXPECT_EQ(0, meminfo_get(&mi, "HugePages_Total"));
	EXPECT_EQ(2048, meminfo_get(&mi, "Hugepagesize"));
	EXPECT_GE(meminfo_get(&mi, "Active(file)"), 0);
	EXPECT_STREQ("DirectMap1G", mi.field[mi.n - 1].name);
}

TEST_F(snap, vmallocinfo_mapdrv_line)
{
	FILE *f = OPEN_SNAP("vmallocinfo");
	struct vmalloc_entry e;

	ASSERT_EQ(0, vmallocinfo_find(f, "[mapdrv]", &e));
	fclose(f);
	EXPECT_STREQ(variant->caller, e.caller);
	EXPECT_TRUE(strstr(e.caller, "mapdrv_buffer_alloc+") != NULL);
	EXPECT_TRUE(strstr(e.caller, "[mapdrv]") != NULL);
	EXPECT_EQ(64, e.pages);
	/* The guard page is in the size. */
	EXPECT_EQ(65 * 4096UL, e.size);
	EXPECT_TRUE(e.vmalloc);
}

TEST_F(snap, vmallocinfo_every_line_parses)
{
	FILE *f = OPEN_SNAP("vmallocinfo");
	struct vmalloc_entry e;
	int n = 0, unpurged = 0, no_pages = 0;
	char line[1024];

	while (fgets(line, sizeof(line), f)) {
		ASSERT_EQ(0, parse_vmallocinfo_line(line, &e)) {
			TH_LOG("line: %s", line);
		}
		n++;
		if (strstr(line, "unpurged vm_area")) {
			unpurged++;
			EXPECT_STREQ("", e.caller);
		}
		no_pages += e.pages < 0;
		EXPECT_EQ(0UL, e.size % 4096);
	}
	fclose(f);
	EXPECT_EQ(variant->vmalloc_lines, n);
	EXPECT_EQ(variant->unpurged, unpurged);
	EXPECT_EQ(variant->without_pages, no_pages);
}

TEST_F(snap, vmallocinfo_pages_sum_to_vmalloc_used)
{
	FILE *f = OPEN_SNAP("vmallocinfo");
	FILE *m = OPEN_SNAP("meminfo");
	struct vmalloc_entry e;
	struct meminfo mi;
	char line[1024];
	long pages = 0;

	while (fgets(line, sizeof(line), f)) {
		ASSERT_EQ(0, parse_vmallocinfo_line(line, &e));
		if (e.pages > 0)
			pages += e.pages;
	}
	fclose(f);
	ASSERT_EQ(0, parse_meminfo(m, &mi));
	fclose(m);
	EXPECT_EQ(meminfo_get(&mi, "VmallocUsed"), pages * PAGE_KB);
}

TEST_F(snap, pagemap_entries)
{
	FILE *f = OPEN_SNAP("pagemap");
	struct pagemap_entry pe;
	unsigned long long va, raw;
	int i = 0;

	while (fscanf(f, "%llx %llx", &va, &raw) == 2) {
		pagemap_decode(raw, &pe);
		EXPECT_EQ(variant->map_start + i * 4096UL, va);
		if (i < TOUCHED) {
			/* Root in the VM: the PFN is shown. */
			EXPECT_TRUE(pe.present);
			EXPECT_NE(0ULL, pe.pfn);
			EXPECT_TRUE(pe.file_shared);
			/* Mapped once: the kernel's vmalloc alias does not count. */
			EXPECT_TRUE(pe.exclusive);
		} else {
			EXPECT_FALSE(pe.present);
			EXPECT_EQ(0ULL, pe.pfn);
		}
		/* VM_SOFTDIRTY on the new VMA marks even the holes. */
		EXPECT_TRUE(pe.soft_dirty);
		EXPECT_FALSE(pe.swapped);
		EXPECT_FALSE(pe.uffd_wp);
		i++;
	}
	fclose(f);
	EXPECT_EQ(TOUCHED + 2, i);
}

/* ---- maps lines ------------------------------------------------------ */

TEST(maps_line_device)
{
	struct maps_entry e;

	ASSERT_EQ(0, parse_maps_line("7f10e6bcd000-7f10e6c0d000 rw-s 00002000 00:05 99                         /dev/mapdrv\n", &e));
	EXPECT_EQ(0x7f10e6bcd000UL, e.start);
	EXPECT_EQ(0x7f10e6c0d000UL, e.end);
	EXPECT_STREQ("rw-s", e.perms);
	EXPECT_EQ(0x2000ULL, e.offset);
	EXPECT_EQ(0U, e.dev_major);
	EXPECT_EQ(5U, e.dev_minor);
	EXPECT_EQ(99UL, e.inode);
	EXPECT_STREQ("/dev/mapdrv", e.path);
}

TEST(maps_line_anonymous_without_path)
{
	struct maps_entry e;

	/* The kernel ends a line without a path with a space. */
	ASSERT_EQ(0, parse_maps_line("004a9000-004be000 rw-p 00000000 00:00 0 \n", &e));
	EXPECT_STREQ("rw-p", e.perms);
	EXPECT_EQ(0UL, e.inode);
	EXPECT_STREQ("", e.path);
}

TEST(maps_line_anonymous_without_trailing_space)
{
	struct maps_entry e;

	ASSERT_EQ(0, parse_maps_line("004a9000-004be000 rw-p 00000000 00:00 0", &e));
	EXPECT_STREQ("", e.path);
}

TEST(maps_line_path_with_spaces)
{
	struct maps_entry e;

	ASSERT_EQ(0, parse_maps_line("7f0000000000-7f0000001000 r--p 00000000 08:01 1234                       /tmp/my lib  v2.so\n", &e));
	EXPECT_STREQ("/tmp/my lib  v2.so", e.path);
}

TEST(maps_line_deleted_suffix_kept)
{
	struct maps_entry e;

	/* As printed: "x (deleted)" could also be a file's real name. */
	ASSERT_EQ(0, parse_maps_line("7f0000000000-7f0000001000 rw-s 00000000 00:01 2048                       /dev/zero (deleted)\n", &e));
	EXPECT_STREQ("/dev/zero (deleted)", e.path);
	EXPECT_EQ(1U, e.dev_minor);
}

TEST(maps_line_heap_and_vdso)
{
	struct maps_entry e;

	ASSERT_EQ(0, parse_maps_line("2d0c9000-2d0eb000 rw-p 00000000 00:00 0                                  [heap]\n", &e));
	EXPECT_STREQ("[heap]", e.path);
	ASSERT_EQ(0, parse_maps_line("7ffc4c6c4000-7ffc4c6c6000 r-xp 00000000 00:00 0                          [vdso]\n", &e));
	EXPECT_STREQ("[vdso]", e.path);
	EXPECT_STREQ("r-xp", e.perms);
}

TEST(maps_line_vsyscall_full_width)
{
	struct maps_entry e;

	ASSERT_EQ(0, parse_maps_line("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n", &e));
	EXPECT_EQ(0xffffffffff600000UL, e.start);
	EXPECT_STREQ("--xp", e.perms);
}

TEST(maps_line_large_offset_and_device)
{
	struct maps_entry e;

	ASSERT_EQ(0, parse_maps_line("7f0000000000-7f0000001000 r--s 1ffffff000 103:02 4294967296             /data/big\n", &e));
	EXPECT_EQ(0x1ffffff000ULL, e.offset);
	EXPECT_EQ(0x103U, e.dev_major);
	EXPECT_EQ(2U, e.dev_minor);
	EXPECT_EQ(4294967296UL, e.inode);
}

TEST(maps_line_path_of_255_bytes_fits)
{
	char *line = long_line("1000-2000 r--p 00000000 00:01 1 /", 'a', 254, "\n");
	struct maps_entry e;

	ASSERT_TRUE(line != NULL);
	ASSERT_EQ(0, parse_maps_line(line, &e));
	EXPECT_EQ(255UL, strlen(e.path));
	free(line);
}

TEST(maps_line_path_of_256_bytes_rejected)
{
	char *line = long_line("1000-2000 r--p 00000000 00:01 1 /", 'a', 255, "\n");
	struct maps_entry e;

	ASSERT_TRUE(line != NULL);
	/* Not truncated: a cut path could name another file. */
	EXPECT_EQ(-EINVAL, parse_maps_line(line, &e));
	free(line);
}

TEST(maps_line_truncated)
{
	struct maps_entry e;

	EXPECT_EQ(-EINVAL, parse_maps_line("7f10e6bcd000-7f10e6c0d000 rw-s 0000", &e));
}

TEST(maps_line_truncated_after_device)
{
	struct maps_entry e;

	EXPECT_EQ(-EINVAL, parse_maps_line("7f10e6bcd000-7f10e6c0d000 rw-s 00000000 00:05\n", &e));
}

TEST(maps_line_non_hex_address)
{
	struct maps_entry e;

	EXPECT_EQ(-EINVAL, parse_maps_line("7f10e6bcg000-7f10e6c0d000 rw-s 00000000 00:05 99 /dev/mapdrv\n", &e));
}

TEST(maps_line_address_overflow)
{
	struct maps_entry e;

	EXPECT_EQ(-EINVAL, parse_maps_line("1ffffffffffffffff-2ffffffffffffffff rw-s 00000000 00:05 99 /dev/mapdrv\n", &e));
}

TEST(maps_line_signed_address)
{
	struct maps_entry e;

	/* strtoul() would take "-1000" as ULONG_MAX - 0xfff. */
	EXPECT_EQ(-EINVAL, parse_maps_line("-1000-2000 rw-s 00000000 00:05 99 /dev/mapdrv\n", &e));
	EXPECT_EQ(-EINVAL, parse_maps_line(" 1000-2000 rw-s 00000000 00:05 99 /dev/mapdrv\n", &e));
}

TEST(maps_line_end_before_start)
{
	struct maps_entry e;

	EXPECT_EQ(-EINVAL, parse_maps_line("2000-1000 rw-s 00000000 00:05 99 /dev/mapdrv\n", &e));
}

TEST(maps_line_bad_perms)
{
	struct maps_entry e;

	EXPECT_EQ(-EINVAL, parse_maps_line("1000-2000 rwzs 00000000 00:05 99 /dev/mapdrv\n", &e));
	EXPECT_EQ(-EINVAL, parse_maps_line("1000-2000 rw- 00000000 00:05 99 /dev/mapdrv\n", &e));
	EXPECT_EQ(-EINVAL, parse_maps_line("1000-2000 rw-- 00000000 00:05 99 /dev/mapdrv\n", &e));
}

TEST(maps_line_letters_in_inode)
{
	struct maps_entry e;

	EXPECT_EQ(-EINVAL, parse_maps_line("1000-2000 rw-s 00000000 00:05 9x9 /dev/mapdrv\n", &e));
}

TEST(maps_line_device_without_colon)
{
	struct maps_entry e;

	EXPECT_EQ(-EINVAL, parse_maps_line("1000-2000 rw-s 00000000 0005 99 /dev/mapdrv\n", &e));
}

TEST(maps_line_empty)
{
	struct maps_entry e;

	EXPECT_EQ(-EINVAL, parse_maps_line("", &e));
	EXPECT_EQ(-EINVAL, parse_maps_line("\n", &e));
}

TEST(maps_line_failure_leaves_entry_alone)
{
	struct maps_entry e;

	ASSERT_EQ(0, parse_maps_line("1000-2000 rw-s 00000000 00:05 99 /dev/mapdrv\n", &e));
	ASSERT_EQ(-EINVAL, parse_maps_line("3000-4000 rw-s 00000000 00:05 9x /dev/mapdrv\n", &e));
	EXPECT_EQ(0x1000UL, e.start);
	EXPECT_STREQ("/dev/mapdrv", e.path);
}

/* ---- maps streams ---------------------------------------------------- */

static const char maps_two[] =
	"00400000-00401000 r--p 00000000 00:02 10                                 /tmp/capture_proc\n"
	"7f10e6bc9000-7f10e6bcd000 r--s 00008000 00:05 99                         /dev/mapdrv\n"
	"7f10e6bcd000-7f10e6c0d000 rw-s 00000000 00:05 99                         /dev/mapdrv\n"
	"7f10e6c0d000-7f10e6c0e000 rw-s 00000000 00:05 99                         /dev/mapdrv (deleted)\n"
	"7ffc4c6c4000-7ffc4c6c6000 r-xp 00000000 00:00 0                          [vdso]\n";

TEST(maps_read_all_empty_stream)
{
	FILE *f = stream("");
	struct maps_entry e[1];

	/* A kernel thread's maps is empty: no line, no error. */
	EXPECT_EQ(0, maps_read_all(f, e, 1));
	fclose(f);
}

TEST(maps_read_all_malformed_line_among_good_ones)
{
	FILE *f = stream("00400000-00401000 r--p 00000000 00:02 10 /tmp/x\n"
			 "zzzz\n"
			 "7f10e6bcd000-7f10e6c0d000 rw-s 00000000 00:05 99 /dev/mapdrv\n");
	struct maps_entry e[4];

	EXPECT_EQ(-EINVAL, maps_read_all(f, e, 4));
	fclose(f);
}

TEST(maps_read_all_nul_byte)
{
	static const char text[] = "1000-2000 rw-s 00000000 00:05 99 /dev/mapdrv\0x\n";
	FILE *f = stream_n(text, sizeof(text) - 1);
	struct maps_entry e[1];

	EXPECT_EQ(-EINVAL, maps_read_all(f, e, 1));
	fclose(f);
}

TEST(maps_read_all_overlong_line_then_the_next)
{
	/* A path far longer than any buffer, before an ordinary line. */
	char *line = long_line("1000-2000 r--p 00000000 08:01 7 /", 'd', 20000,
			       "\n3000-4000 rw-s 00000000 00:05 99 /dev/mapdrv\n");
	struct maps_entry e[2];
	FILE *f;

	ASSERT_TRUE(line != NULL);
	f = stream(line);
	ASSERT_EQ(2, maps_read_all(f, e, 2));
	EXPECT_EQ(0x1000UL, e[0].start);
	EXPECT_STREQ("...", e[0].path + strlen(e[0].path) - 3);
	EXPECT_EQ(0x3000UL, e[1].start);
	EXPECT_STREQ("/dev/mapdrv", e[1].path);
	fclose(f);
	free(line);
}

TEST(maps_read_all_overlong_malformed_line)
{
	/* Cut inside the padding: the path's start is never seen. */
	char *line = long_line("1000-2000 r--p 00000000 08:01 7", ' ', 20000,
			       "/x\n");
	struct maps_entry e[2];
	FILE *f;

	ASSERT_TRUE(line != NULL);
	f = stream(line);
	EXPECT_EQ(-EINVAL, maps_read_all(f, e, 2));
	fclose(f);
	free(line);
}

/* ---- status ---------------------------------------------------------- */

static const char status_ok[] =
	"Name:\tcapture_proc\n"
	"Umask:\t0022\n"
	"VmPeak:\t    1324 kB\n"
	"VmSize:\t    1324 kB\n"
	"VmHWM:\t     764 kB\n"
	"VmRSS:\t     764 kB\n"
	"RssAnon:\t      48 kB\n"
	"RssFile:\t      68 kB\n"
	"RssShmem:\t     648 kB\n"
	"Threads:\t1\n";

TEST(status_all_fields)
{
	FILE *f = stream(status_ok);
	struct status_mem st;

	ASSERT_EQ(0, parse_status(f, &st));
	fclose(f);
	EXPECT_EQ(1324, st.vm_size);
	EXPECT_EQ(764, st.vm_rss);
	EXPECT_EQ(48, st.rss_anon);
	EXPECT_EQ(68, st.rss_file);
	EXPECT_EQ(648, st.rss_shmem);
}

TEST(status_without_rss_split)
{
	/* Before 4.5 there were no RssAnon/RssFile/RssShmem lines. */
	FILE *f = stream("Name:\tx\nVmSize:\t 100 kB\nVmRSS:\t 20 kB\n");
	struct status_mem st;

	ASSERT_EQ(0, parse_status(f, &st));
	fclose(f);
	EXPECT_EQ(100, st.vm_size);
	EXPECT_EQ(20, st.vm_rss);
	EXPECT_EQ(-1, st.rss_anon);
	EXPECT_EQ(-1, st.rss_file);
	EXPECT_EQ(-1, st.rss_shmem);
}

TEST(status_missing_vmrss)
{
	FILE *f = stream("Name:\tx\nVmSize:\t 100 kB\nRssAnon:\t 20 kB\n");
	struct status_mem st;

	EXPECT_EQ(-EINVAL, parse_status(f, &st));
	fclose(f);
}

TEST(status_kernel_thread)
{
	/* kthreadd: no memory lines at all. */
	FILE *f = stream("Name:\tkthreadd\nUmask:\t0000\nState:\tS (sleeping)\nThreads:\t1\n");
	struct status_mem st;

	EXPECT_EQ(-EINVAL, parse_status(f, &st));
	fclose(f);
}

TEST(status_empty_stream)
{
	FILE *f = stream("");
	struct status_mem st;

	EXPECT_EQ(-EINVAL, parse_status(f, &st));
	fclose(f);
}

TEST(status_letters_in_number)
{
	FILE *f = stream("VmSize:\t 100 kB\nVmRSS:\t 2O kB\n");
	struct status_mem st;

	EXPECT_EQ(-EINVAL, parse_status(f, &st));
	fclose(f);
}

TEST(status_truncated_line)
{
	FILE *f = stream("VmSize:\t 100 kB\nVmRSS:\t     76");
	struct status_mem st;

	EXPECT_EQ(-EINVAL, parse_status(f, &st));
	fclose(f);
}

TEST(status_number_overflow)
{
	FILE *f = stream("VmSize:\t 100 kB\nVmRSS:\t 99999999999999999999 kB\n");
	struct status_mem st;

	EXPECT_EQ(-EINVAL, parse_status(f, &st));
	fclose(f);
}

TEST(status_negative_number)
{
	FILE *f = stream("VmSize:\t 100 kB\nVmRSS:\t -4 kB\n");
	struct status_mem st;

	EXPECT_EQ(-EINVAL, parse_status(f, &st));
	fclose(f);
}

TEST(status_duplicate_field)
{
	FILE *f = stream("VmSize:\t 100 kB\nVmRSS:\t 20 kB\nVmRSS:\t 30 kB\n");
	struct status_mem st;

	EXPECT_EQ(-EINVAL, parse_status(f, &st));
	fclose(f);
}

TEST(status_line_without_key)
{
	FILE *f = stream("VmSize:\t 100 kB\ngarbage\nVmRSS:\t 20 kB\n");
	struct status_mem st;

	EXPECT_EQ(-EINVAL, parse_status(f, &st));
	fclose(f);
}

TEST(status_overlong_unneeded_line_skipped)
{
	/* Cpus_allowed_list of a big machine can be that long. */
	char *text = long_line("VmSize:\t 100 kB\nCpus_allowed_list:\t", '7',
			       20000, "\nVmRSS:\t 20 kB\n");
	struct status_mem st;
	FILE *f;

	ASSERT_TRUE(text != NULL);
	f = stream(text);
	ASSERT_EQ(0, parse_status(f, &st));
	EXPECT_EQ(20, st.vm_rss);
	fclose(f);
	free(text);
}

TEST(status_overlong_needed_line)
{
	char *text = long_line("VmSize:\t 100 kB\nVmRSS:\t", ' ', 20000,
			       "20 kB\n");
	struct status_mem st;
	FILE *f;

	ASSERT_TRUE(text != NULL);
	f = stream(text);
	EXPECT_EQ(-EINVAL, parse_status(f, &st));
	fclose(f);
	free(text);
}

/* ---- smaps ----------------------------------------------------------- */

static const char smaps_two[] =
	"7f10e6bc9000-7f10e6bcd000 r--s 00008000 00:05 99                         /dev/mapdrv\n"
	"Size:                 16 kB\n"
	"KernelPageSize:        4 kB\n"
	"Rss:                   0 kB\n"
	"Pss:                   0 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            0 kB\n"
	"Anonymous:             0 kB\n"
	"THPeligible:    0\n"
	"VmFlags: rd sh mr mw me ms de sd \n"
	"7f10e6bcd000-7f10e6c0d000 rw-s 00000000 00:05 99                         /dev/mapdrv\n"
	"Size:                256 kB\n"
	"Rss:                  64 kB\n"
	"Pss:                  32 kB\n"
	"Shared_Clean:         60 kB\n"
	"Shared_Dirty:          4 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:           64 kB\n"
	"Anonymous:             0 kB\n"
	"ProtectionKey:         0\n"
	"VmFlags: rd wr sh mr mw me ms de \n";

TEST(smaps_second_entry)
{
	FILE *f = stream(smaps_two);
	struct smaps_entry e;

	ASSERT_EQ(0, parse_smaps(f, 0x7f10e6bcd000UL, &e));
	fclose(f);
	EXPECT_EQ(0x7f10e6c0d000UL, e.map.end);
	EXPECT_EQ(256, e.size);
	EXPECT_EQ(64, e.rss);
	EXPECT_EQ(32, e.pss);
	EXPECT_EQ(60, e.shared_clean);
	EXPECT_EQ(4, e.shared_dirty);
	EXPECT_EQ(0, e.private_clean);
	EXPECT_EQ(0, e.private_dirty);
	EXPECT_EQ(64, e.referenced);
	EXPECT_EQ(0, e.anonymous);
	EXPECT_STREQ("rd wr sh mr mw me ms de", e.vmflags);
}

TEST(smaps_entry_ends_at_next_header)
{
	FILE *f = stream(smaps_two);
	struct smaps_entry e;

	ASSERT_EQ(0, parse_smaps(f, 0x7f10e6bc9000UL, &e));
	fclose(f);
	EXPECT_EQ(16, e.size);
	EXPECT_EQ(0, e.rss);
	EXPECT_STREQ("rd sh mr mw me ms de sd", e.vmflags);
}

TEST(smaps_not_found)
{
	FILE *f = stream(smaps_two);
	struct smaps_entry e;

	EXPECT_EQ(-ENOENT, parse_smaps(f, 0x1000, &e));
	fclose(f);
}

TEST(smaps_empty_stream)
{
	FILE *f = stream("");
	struct smaps_entry e;

	EXPECT_EQ(-ENOENT, parse_smaps(f, 0x1000, &e));
	fclose(f);
}

TEST(smaps_missing_rss)
{
	FILE *f = stream("1000-2000 rw-s 00000000 00:05 99 /dev/mapdrv\n"
			 "Size:                  4 kB\n"
			 "Pss:                   0 kB\n"
			 "VmFlags: rd wr sh \n");
	struct smaps_entry e;

	EXPECT_EQ(-EINVAL, parse_smaps(f, 0x1000, &e));
	fclose(f);
}

TEST(smaps_absent_fields_are_minus_one)
{
	FILE *f = stream("1000-2000 rw-s 00000000 00:05 99 /dev/mapdrv\n"
			 "Rss:                   4 kB\n");
	struct smaps_entry e;

	ASSERT_EQ(0, parse_smaps(f, 0x1000, &e));
	fclose(f);
	EXPECT_EQ(4, e.rss);
	EXPECT_EQ(-1, e.size);
	EXPECT_EQ(-1, e.pss);
	EXPECT_EQ(-1, e.private_dirty);
	EXPECT_EQ(-1, e.anonymous);
	EXPECT_STREQ("", e.vmflags);
}

TEST(smaps_letters_in_number)
{
	FILE *f = stream("1000-2000 rw-s 00000000 00:05 99 /dev/mapdrv\n"
			 "Rss:                   4x kB\n");
	struct smaps_entry e;

	EXPECT_EQ(-EINVAL, parse_smaps(f, 0x1000, &e));
	fclose(f);
}

TEST(smaps_field_before_any_header)
{
	FILE *f = stream("Rss:                   4 kB\n"
			 "1000-2000 rw-s 00000000 00:05 99 /dev/mapdrv\n"
			 "Rss:                   4 kB\n");
	struct smaps_entry e;

	EXPECT_EQ(-EINVAL, parse_smaps(f, 0x1000, &e));
	fclose(f);
}

TEST(smaps_malformed_earlier_header)
{
	FILE *f = stream("0fff-1000 rw-s 00000000 00:05\n"
			 "Rss:                   4 kB\n"
			 "1000-2000 rw-s 00000000 00:05 99 /dev/mapdrv\n"
			 "Rss:                   4 kB\n");
	struct smaps_entry e;

	EXPECT_EQ(-EINVAL, parse_smaps(f, 0x1000, &e));
	fclose(f);
}

TEST(smaps_truncated_field)
{
	FILE *f = stream("1000-2000 rw-s 00000000 00:05 99 /dev/mapdrv\n"
			 "Rss:      ");
	struct smaps_entry e;

	EXPECT_EQ(-EINVAL, parse_smaps(f, 0x1000, &e));
	fclose(f);
}

TEST(smaps_duplicate_field)
{
	FILE *f = stream("1000-2000 rw-s 00000000 00:05 99 /dev/mapdrv\n"
			 "Rss:                   4 kB\n"
			 "Rss:                   8 kB\n");
	struct smaps_entry e;

	EXPECT_EQ(-EINVAL, parse_smaps(f, 0x1000, &e));
	fclose(f);
}

TEST(smaps_vmflags_too_long)
{
	char text[512];
	struct smaps_entry e;
	size_t len;
	FILE *f;
	int i;

	len = (size_t)snprintf(text, sizeof(text),
			       "1000-2000 rw-s 00000000 00:05 99 /dev/mapdrv\n"
			       "Rss:                   4 kB\n"
			       "VmFlags:");
	/* 64 flags: 191 bytes, more than vmflags[128] holds. */
	for (i = 0; i < 64; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, " ab");
	snprintf(text + len, sizeof(text) - len, " \n");
	f = stream(text);
	EXPECT_EQ(-EINVAL, parse_smaps(f, 0x1000, &e));
	fclose(f);
}

TEST(smaps_vmflags_malformed)
{
	FILE *f = stream("1000-2000 rw-s 00000000 00:05 99 /dev/mapdrv\n"
			 "Rss:                   4 kB\n"
			 "VmFlags: rd wrx sh \n");
	struct smaps_entry e;

	EXPECT_EQ(-EINVAL, parse_smaps(f, 0x1000, &e));
	fclose(f);
}

/* ---- smaps_rollup ---------------------------------------------------- */

/* As the 6.12 VM prints it (6.1's lacks KSM). */
static const char rollup_612[] =
	"00400000-7fffbe39b000 ---p 00000000 00:00 0                              [rollup]\n"
	"Rss:                1464 kB\n"
	"Pss:                 756 kB\n"
	"Pss_Dirty:           754 kB\n"
	"Pss_Anon:             52 kB\n"
	"Pss_File:              2 kB\n"
	"Pss_Shmem:           702 kB\n"
	"Shared_Clean:          4 kB\n"
	"Shared_Dirty:       1408 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:        52 kB\n"
	"Referenced:         1464 kB\n"
	"Anonymous:            52 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n";

TEST(rollup_fields)
{
	FILE *f = stream(rollup_612);
	struct smaps_entry e;

	ASSERT_EQ(0, parse_smaps_rollup(f, &e));
	fclose(f);
	EXPECT_EQ(0x400000UL, e.map.start);
	EXPECT_EQ(0x7fffbe39b000UL, e.map.end);
	EXPECT_STREQ("[rollup]", e.map.path);
	EXPECT_EQ(1464, e.rss);
	EXPECT_EQ(756, e.pss);
	EXPECT_EQ(4, e.shared_clean);
	EXPECT_EQ(1408, e.shared_dirty);
	EXPECT_EQ(0, e.private_clean);
	EXPECT_EQ(52, e.private_dirty);
	EXPECT_EQ(1464, e.referenced);
	EXPECT_EQ(52, e.anonymous);
	/* No Size line: the sum of the sizes would be VmSize, elsewhere. */
	EXPECT_EQ(-1, e.size);
	EXPECT_STREQ("", e.vmflags);
}

/* smaps itself: the first entry is some mapping, not the rollup. */
TEST(rollup_of_smaps_is_refused)
{
	FILE *f = stream(smaps_two);
	struct smaps_entry e;

	EXPECT_EQ(-EINVAL, parse_smaps_rollup(f, &e));
	fclose(f);
}

TEST(rollup_second_entry_is_refused)
{
	FILE *f = stream("1000-9000 ---p 00000000 00:00 0 [rollup]\n"
			 "Rss:                   4 kB\n"
			 "1000-9000 ---p 00000000 00:00 0 [rollup]\n"
			 "Rss:                   8 kB\n");
	struct smaps_entry e;

	EXPECT_EQ(-EINVAL, parse_smaps_rollup(f, &e));
	fclose(f);
}

TEST(rollup_empty_or_without_rss)
{
	FILE *f = stream("");
	struct smaps_entry e;

	EXPECT_EQ(-EINVAL, parse_smaps_rollup(f, &e));
	fclose(f);
	f = stream("1000-9000 ---p 00000000 00:00 0 [rollup]\n"
		   "Pss:                   4 kB\n");
	EXPECT_EQ(-EINVAL, parse_smaps_rollup(f, &e));
	fclose(f);
}

TEST(rollup_with_vmflags_is_refused)
{
	FILE *f = stream("1000-9000 ---p 00000000 00:00 0 [rollup]\n"
			 "Rss:                   4 kB\n"
			 "VmFlags: rd wr \n");
	struct smaps_entry e;

	EXPECT_EQ(-EINVAL, parse_smaps_rollup(f, &e));
	fclose(f);
}

/* ---- meminfo --------------------------------------------------------- */

TEST(meminfo_units_and_counts)
{
	FILE *f = stream("MemTotal:         981476 kB\n"
			 "Active(anon):        100 kB\n"
			 "HugePages_Total:       3\n"
			 "Hugepagesize:       2048 kB\n");
	struct meminfo mi;

	ASSERT_EQ(0, parse_meminfo(f, &mi));
	fclose(f);
	ASSERT_EQ(4, mi.n);
	EXPECT_STREQ("Active(anon)", mi.field[1].name);
	EXPECT_EQ(100, mi.field[1].kb);
	EXPECT_EQ(3, meminfo_get(&mi, "HugePages_Total"));
	EXPECT_EQ(2048, meminfo_get(&mi, "Hugepagesize"));
}

TEST(meminfo_get_absent)
{
	FILE *f = stream("MemTotal:         981476 kB\n");
	struct meminfo mi;

	ASSERT_EQ(0, parse_meminfo(f, &mi));
	fclose(f);
	EXPECT_EQ(-1, meminfo_get(&mi, "MemFree"));
	EXPECT_EQ(-1, meminfo_get(&mi, "MemTot"));
}

TEST(meminfo_empty_stream)
{
	FILE *f = stream("");
	struct meminfo mi;

	EXPECT_EQ(-EINVAL, parse_meminfo(f, &mi));
	EXPECT_EQ(0, mi.n);
	fclose(f);
}

TEST(meminfo_missing_memtotal)
{
	FILE *f = stream("MemFree:         942112 kB\n");
	struct meminfo mi;

	EXPECT_EQ(-EINVAL, parse_meminfo(f, &mi));
	fclose(f);
}

TEST(meminfo_letters_in_number)
{
	FILE *f = stream("MemTotal:         981476 kB\nMemFree:  94e112 kB\n");
	struct meminfo mi;

	EXPECT_EQ(-EINVAL, parse_meminfo(f, &mi));
	EXPECT_EQ(0, mi.n);
	fclose(f);
}

TEST(meminfo_unknown_unit)
{
	FILE *f = stream("MemTotal:         981476 MB\n");
	struct meminfo mi;

	EXPECT_EQ(-EINVAL, parse_meminfo(f, &mi));
	fclose(f);
}

TEST(meminfo_truncated_line)
{
	FILE *f = stream("MemTotal:         981476 kB\nMemFree:");
	struct meminfo mi;

	EXPECT_EQ(-EINVAL, parse_meminfo(f, &mi));
	fclose(f);
}

TEST(meminfo_duplicate_field)
{
	FILE *f = stream("MemTotal:   2 kB\nMemFree:  1 kB\nMemFree:  1 kB\n");
	struct meminfo mi;

	EXPECT_EQ(-EINVAL, parse_meminfo(f, &mi));
	fclose(f);
}

TEST(meminfo_name_too_long)
{
	/* 32 characters: one more than field.name holds. */
	FILE *f = stream("MemTotal:   2 kB\nAbcdefghijklmnopqrstuvwxyzABCDEF:  1 kB\n");
	struct meminfo mi;

	EXPECT_EQ(-EINVAL, parse_meminfo(f, &mi));
	fclose(f);
}

TEST(meminfo_too_many_fields)
{
	char text[MEMINFO_MAX * 32 + 64];
	size_t len = 0;
	struct meminfo mi;
	FILE *f;
	int i;

	len += snprintf(text + len, sizeof(text) - len, "MemTotal: 1 kB\n");
	for (i = 0; i < MEMINFO_MAX; i++)
		len += snprintf(text + len, sizeof(text) - len,
				"Field%d: %d kB\n", i, i);
	f = stream(text);
	EXPECT_EQ(-EINVAL, parse_meminfo(f, &mi));
	fclose(f);
}

TEST(meminfo_exactly_max_fields)
{
	char text[MEMINFO_MAX * 32 + 64];
	size_t len = 0;
	struct meminfo mi;
	FILE *f;
	int i;

	len += snprintf(text + len, sizeof(text) - len, "MemTotal: 1 kB\n");
	for (i = 1; i < MEMINFO_MAX; i++)
		len += snprintf(text + len, sizeof(text) - len,
				"Field%d: %d kB\n", i, i);
	f = stream(text);
	ASSERT_EQ(0, parse_meminfo(f, &mi));
	EXPECT_EQ(MEMINFO_MAX, mi.n);
	EXPECT_EQ(MEMINFO_MAX - 1, meminfo_get(&mi, "Field79"));
	fclose(f);
}

TEST(meminfo_overlong_line)
{
	char *text = long_line("MemTotal: 1 kB\nMemFree:", ' ', 20000, "1 kB\n");
	struct meminfo mi;
	FILE *f;

	ASSERT_TRUE(text != NULL);
	f = stream(text);
	EXPECT_EQ(-EINVAL, parse_meminfo(f, &mi));
	fclose(f);
	free(text);
}

/* ---- vmallocinfo ----------------------------------------------------- */

TEST(vmalloc_line_module_caller)
{
	struct vmalloc_entry e;

	ASSERT_EQ(0, parse_vmallocinfo_line("0x00000000ae8a18aa-0x00000000bad9a254  266240 mapdrv_buffer_alloc+0xbd/0xd0 [mapdrv] pages=64 vmalloc N0=64\n", &e));
	EXPECT_EQ(0xae8a18aaULL, e.start);
	EXPECT_EQ(0xbad9a254ULL, e.end);
	EXPECT_EQ(266240UL, e.size);
	EXPECT_STREQ("mapdrv_buffer_alloc+0xbd/0xd0 [mapdrv]", e.caller);
	EXPECT_EQ(64, e.pages);
	EXPECT_TRUE(e.vmalloc);
}

TEST(vmalloc_line_builtin_ioremap)
{
	struct vmalloc_entry e;

	ASSERT_EQ(0, parse_vmallocinfo_line("0xffffc90000000000-0xffffc90000002000    8192 acpi_os_map_iomem+0x1b6/0x1d0 phys=0x000000003ffe1000 ioremap\n", &e));
	EXPECT_EQ(0xffffc90000000000ULL, e.start);
	EXPECT_STREQ("acpi_os_map_iomem+0x1b6/0x1d0", e.caller);
	EXPECT_EQ(-1, e.pages);
	EXPECT_FALSE(e.vmalloc);
}

TEST(vmalloc_line_raw_address_caller)
{
	struct vmalloc_entry e;

	/* Freed __init text has no symbol left. */
	ASSERT_EQ(0, parse_vmallocinfo_line("0xffffc90000000000-0xffffc90000003000   12288 0xffffffffc0a01234 pages=2 vmalloc N0=2", &e));
	EXPECT_STREQ("0xffffffffc0a01234", e.caller);
	EXPECT_EQ(2, e.pages);
}

TEST(vmalloc_line_unpurged)
{
	struct vmalloc_entry e;

	ASSERT_EQ(0, parse_vmallocinfo_line("0x00000000f0c29faf-0x00000000efcb71ff   20480 unpurged vm_area\n", &e));
	EXPECT_STREQ("", e.caller);
	EXPECT_EQ(-1, e.pages);
	EXPECT_FALSE(e.vmalloc);
}

TEST(vmalloc_line_vm_map_ram)
{
	struct vmalloc_entry e;

	ASSERT_EQ(0, parse_vmallocinfo_line("0x00000000f0c29faf-0x00000000efcb71ff   16384 vm_map_ram\n", &e));
	EXPECT_STREQ("", e.caller);
}

TEST(vmalloc_line_hashed_start_after_end)
{
	struct vmalloc_entry e;

	/* Hashed pointers keep no order. */
	ASSERT_EQ(0, parse_vmallocinfo_line("0x00000000c54d5b03-0x000000003003b5d4  266240 mapdrv_buffer_alloc+0xc1/0xd0 [mapdrv] pages=64 vmalloc N0=64\n", &e));
	EXPECT_GT(e.start, e.end);
}

TEST(vmalloc_line_several_nodes_and_flags)
{
	struct vmalloc_entry e;

	ASSERT_EQ(0, parse_vmallocinfo_line("0x0-0x0 2101248 foo+0x1/0x2 pages=512 vmalloc user vpages N0=256 N1=256", &e));
	EXPECT_EQ(512, e.pages);
	EXPECT_TRUE(e.vmalloc);
}

TEST(vmalloc_line_unknown_flag_word)
{
	struct vmalloc_entry e;

	/* A newer kernel's flag: accepted, not understood. */
	ASSERT_EQ(0, parse_vmallocinfo_line("0x0-0x0 8192 foo+0x1/0x2 pages=1 vmalloc new_flag N0=1", &e));
	EXPECT_EQ(1, e.pages);
}

TEST(vmalloc_line_missing_0x)
{
	struct vmalloc_entry e;

	EXPECT_EQ(-EINVAL, parse_vmallocinfo_line("00000000ae8a18aa-0x00000000bad9a254  266240 foo+0x1/0x2 pages=64 vmalloc N0=64", &e));
}

TEST(vmalloc_line_non_hex_address)
{
	struct vmalloc_entry e;

	EXPECT_EQ(-EINVAL, parse_vmallocinfo_line("0x00000000ae8a18ag-0x00000000bad9a254  266240 foo+0x1/0x2 pages=64 vmalloc N0=64", &e));
}

TEST(vmalloc_line_letters_in_size)
{
	struct vmalloc_entry e;

	EXPECT_EQ(-EINVAL, parse_vmallocinfo_line("0x0-0x0  26624O foo+0x1/0x2 pages=64 vmalloc N0=64", &e));
}

TEST(vmalloc_line_letters_in_pages)
{
	struct vmalloc_entry e;

	EXPECT_EQ(-EINVAL, parse_vmallocinfo_line("0x0-0x0 266240 foo+0x1/0x2 pages=6x vmalloc N0=64", &e));
	EXPECT_EQ(-EINVAL, parse_vmallocinfo_line("0x0-0x0 266240 foo+0x1/0x2 pages= vmalloc N0=64", &e));
}

TEST(vmalloc_line_truncated)
{
	struct vmalloc_entry e;

	EXPECT_EQ(-EINVAL, parse_vmallocinfo_line("0x00000000ae8a18aa-0x00000000", &e));
	EXPECT_EQ(-EINVAL, parse_vmallocinfo_line("0x00000000ae8a18aa-0x00000000bad9a254\n", &e));
}

TEST(vmalloc_line_unterminated_module)
{
	struct vmalloc_entry e;

	EXPECT_EQ(-EINVAL, parse_vmallocinfo_line("0x0-0x0 8192 foo+0x1/0x2 [mapdrv pages=1 vmalloc N0=1", &e));
}

TEST(vmalloc_line_duplicate_pages)
{
	struct vmalloc_entry e;

	EXPECT_EQ(-EINVAL, parse_vmallocinfo_line("0x0-0x0 8192 foo+0x1/0x2 pages=1 pages=2 vmalloc N0=1", &e));
}

TEST(vmalloc_line_word_after_node_counts)
{
	struct vmalloc_entry e;

	EXPECT_EQ(-EINVAL, parse_vmallocinfo_line("0x0-0x0 8192 foo+0x1/0x2 pages=1 N0=1 vmalloc", &e));
}

TEST(vmalloc_line_caller_too_long)
{
	char *line = long_line("0x0-0x0 8192 ", 'f', 200, "+0x1/0x2 pages=1 vmalloc N0=1");
	struct vmalloc_entry e;

	ASSERT_TRUE(line != NULL);
	EXPECT_EQ(-EINVAL, parse_vmallocinfo_line(line, &e));
	free(line);
}

static const char vmallocinfo_text[] =
	"0x00000000579a1a71-0x0000000089355034   20480 irq_init_percpu_irqstack+0xf0/0x120 vmap\n"
	"0x00000000557e5094-0x00000000df16694e    8192 gen_pool_add_owner+0x3a/0xc0 pages=1 vmalloc N0=1\n"
	"0x00000000ae8a18aa-0x00000000bad9a254  266240 mapdrv_buffer_alloc+0xbd/0xd0 [mapdrv] pages=64 vmalloc N0=64\n"
	"0x00000000ae8a18aa-0x00000000bad9a254   12288 mapdrv_other+0x10/0x20 [mapdrv] pages=2 vmalloc N0=2\n"
	"0x00000000f0c29faf-0x00000000efcb71ff   20480 unpurged vm_area\n";

TEST(vmallocinfo_find_first_match)
{
	FILE *f = stream(vmallocinfo_text);
	struct vmalloc_entry e;

	ASSERT_EQ(0, vmallocinfo_find(f, "[mapdrv]", &e));
	fclose(f);
	EXPECT_EQ(64, e.pages);
	EXPECT_STREQ("mapdrv_buffer_alloc+0xbd/0xd0 [mapdrv]", e.caller);
}

TEST(vmallocinfo_find_none)
{
	FILE *f = stream(vmallocinfo_text);
	struct vmalloc_entry e;

	EXPECT_EQ(-ENOENT, vmallocinfo_find(f, "[nosuchmod]", &e));
	fclose(f);
}

TEST(vmallocinfo_find_empty_stream)
{
	FILE *f = stream("");
	struct vmalloc_entry e;

	EXPECT_EQ(-ENOENT, vmallocinfo_find(f, "[mapdrv]", &e));
	fclose(f);
}

TEST(vmallocinfo_find_malformed_line_before)
{
	FILE *f = stream("0x0-0x0 8192 foo+0x1/0x2 pages=1x vmalloc N0=1\n"
			 "0x0-0x0 266240 mapdrv_buffer_alloc+0xbd/0xd0 [mapdrv] pages=64 vmalloc N0=64\n");
	struct vmalloc_entry e;

	EXPECT_EQ(-EINVAL, vmallocinfo_find(f, "[mapdrv]", &e));
	fclose(f);
}

TEST(vmallocinfo_find_overlong_node_counts)
{
	static char text[32768];
	struct vmalloc_entry e;
	size_t len;
	FILE *f;
	int i;

	/* Thousands of NUMA nodes: the line is cut within N<node>=. */
	len = (size_t)snprintf(text, sizeof(text),
			       "0x0-0x0 266240 mapdrv_buffer_alloc+0xbd/0xd0 [mapdrv] pages=64 vmalloc");
	for (i = 0; i < 2000; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					" N%d=1", i);
	snprintf(text + len, sizeof(text) - len, "\n");
	f = stream(text);
	ASSERT_EQ(0, vmallocinfo_find(f, "[mapdrv]", &e));
	EXPECT_EQ(64, e.pages);
	EXPECT_TRUE(e.vmalloc);
	fclose(f);
}

TEST(vmallocinfo_find_overlong_caller)
{
	/* Cut before the node counts: pages= may be lost, refuse. */
	char *text = long_line("0x0-0x0 8192 ", 'f', 20000,
			       "+0x1/0x2 [mapdrv] pages=1 vmalloc N0=1\n");
	struct vmalloc_entry e;
	FILE *f;

	ASSERT_TRUE(text != NULL);
	f = stream(text);
	EXPECT_EQ(-EINVAL, vmallocinfo_find(f, "[mapdrv]", &e));
	fclose(f);
	free(text);
}

/* ---- pagemap --------------------------------------------------------- */

#define PM_PRESENT	(UINT64_C(1) << 63)
#define PM_SWAP		(UINT64_C(1) << 62)
#define PM_FILE		(UINT64_C(1) << 61)
#define PM_UFFD_WP	(UINT64_C(1) << 57)
#define PM_EXCLUSIVE	(UINT64_C(1) << 56)
#define PM_SOFT_DIRTY	(UINT64_C(1) << 55)
#define PM_PFN_MASK	((UINT64_C(1) << 55) - 1)

TEST(pagemap_decode_zero)
{
	struct pagemap_entry e;

	pagemap_decode(0, &e);
	EXPECT_FALSE(e.present);
	EXPECT_EQ(0ULL, e.pfn);
	EXPECT_FALSE(e.soft_dirty);
	EXPECT_FALSE(e.exclusive);
	EXPECT_FALSE(e.uffd_wp);
	EXPECT_FALSE(e.file_shared);
	EXPECT_FALSE(e.swapped);
}

TEST(pagemap_decode_present_pfn)
{
	struct pagemap_entry e;

	pagemap_decode(PM_PRESENT | 0x2cd1b, &e);
	EXPECT_TRUE(e.present);
	EXPECT_EQ(0x2cd1bULL, e.pfn);
	EXPECT_FALSE(e.file_shared);
}

TEST(pagemap_decode_pfn_mask)
{
	struct pagemap_entry e;

	/* Every flag bit set: none of them leaks into the PFN. */
	pagemap_decode(~UINT64_C(0), &e);
	EXPECT_EQ(PM_PFN_MASK, e.pfn);
	EXPECT_TRUE(e.present);
	EXPECT_TRUE(e.soft_dirty);
	EXPECT_TRUE(e.exclusive);
	EXPECT_TRUE(e.uffd_wp);
	EXPECT_TRUE(e.file_shared);
	EXPECT_TRUE(e.swapped);
}

TEST(pagemap_decode_soft_dirty)
{
	struct pagemap_entry e;

	pagemap_decode(PM_SOFT_DIRTY, &e);
	EXPECT_TRUE(e.soft_dirty);
	EXPECT_FALSE(e.present);
	EXPECT_FALSE(e.exclusive);
}

TEST(pagemap_decode_exclusive)
{
	struct pagemap_entry e;

	pagemap_decode(PM_PRESENT | PM_EXCLUSIVE | 1, &e);
	EXPECT_TRUE(e.exclusive);
	EXPECT_FALSE(e.soft_dirty);
	EXPECT_FALSE(e.uffd_wp);
	EXPECT_EQ(1ULL, e.pfn);
}

TEST(pagemap_decode_uffd_wp)
{
	struct pagemap_entry e;

	pagemap_decode(PM_UFFD_WP, &e);
	EXPECT_TRUE(e.uffd_wp);
	EXPECT_FALSE(e.exclusive);
}

TEST(pagemap_decode_file_shared)
{
	struct pagemap_entry e;

	/* A real entry of the device mapping (6.1 snapshot). */
	pagemap_decode(UINT64_C(0xa1800000000023c6), &e);
	EXPECT_TRUE(e.present);
	EXPECT_TRUE(e.file_shared);
	EXPECT_TRUE(e.exclusive);
	EXPECT_TRUE(e.soft_dirty);
	EXPECT_FALSE(e.swapped);
	EXPECT_EQ(0x23c6ULL, e.pfn);
}

TEST(pagemap_decode_swapped)
{
	struct pagemap_entry e;

	/* Bits 0-4 swap type, 5-54 offset: not a PFN. */
	pagemap_decode(PM_SWAP | (0x1234 << 5) | 1, &e);
	EXPECT_TRUE(e.swapped);
	EXPECT_FALSE(e.present);
	EXPECT_EQ(0ULL, e.pfn);
}

TEST(pagemap_decode_hidden_pfn)
{
	struct pagemap_entry e;

	/* Without CAP_SYS_ADMIN the kernel zeroes the PFN of a present page. */
	pagemap_decode(PM_PRESENT | PM_FILE | PM_EXCLUSIVE, &e);
	EXPECT_TRUE(e.present);
	EXPECT_TRUE(e.file_shared);
	EXPECT_EQ(0ULL, e.pfn);
}

/* A pagemap stand-in: entry i holds 0x1000 + i. */
static int fake_pagemap(struct __test_metadata *_metadata, char *path,
			size_t entries, size_t extra_bytes)
{
	uint64_t v;
	size_t i;
	int fd;

	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	unlink(path);
	for (i = 0; i < entries; i++) {
		v = 0x1000 + i;
		ASSERT_EQ((ssize_t)sizeof(v), write(fd, &v, sizeof(v)));
	}
	v = 0;
	ASSERT_EQ((ssize_t)extra_bytes, write(fd, &v, extra_bytes));
	return fd;
}

TEST(pagemap_read_offset)
{
	char path[] = "/tmp/procfs_test.XXXXXX";
	int fd = fake_pagemap(_metadata, path, 16, 0);
	uint64_t raw;

	ASSERT_EQ(0, pagemap_read(fd, 0, 4096, &raw));
	EXPECT_EQ(0x1000ULL, raw);
	ASSERT_EQ(0, pagemap_read(fd, 5 * 4096UL, 4096, &raw));
	EXPECT_EQ(0x1005ULL, raw);
	ASSERT_EQ(0, pagemap_read(fd, 15 * 4096UL, 4096, &raw));
	EXPECT_EQ(0x100fULL, raw);
	close(fd);
}

TEST(pagemap_read_unaligned_address)
{
	char path[] = "/tmp/procfs_test.XXXXXX";
	int fd = fake_pagemap(_metadata, path, 16, 0);
	uint64_t raw;

	/* Any byte of the page reads the page's entry. */
	ASSERT_EQ(0, pagemap_read(fd, 7 * 4096UL + 4095, 4096, &raw));
	EXPECT_EQ(0x1007ULL, raw);
	close(fd);
}

TEST(pagemap_read_other_page_size)
{
	char path[] = "/tmp/procfs_test.XXXXXX";
	int fd = fake_pagemap(_metadata, path, 16, 0);
	uint64_t raw;

	ASSERT_EQ(0, pagemap_read(fd, 3 * 16384UL, 16384, &raw));
	EXPECT_EQ(0x1003ULL, raw);
	close(fd);
}

TEST(pagemap_read_past_end)
{
	char path[] = "/tmp/procfs_test.XXXXXX";
	int fd = fake_pagemap(_metadata, path, 16, 0);
	uint64_t raw = 42;

	EXPECT_EQ(-EIO, pagemap_read(fd, 16 * 4096UL, 4096, &raw));
	EXPECT_EQ(42ULL, raw);
	close(fd);
}

TEST(pagemap_read_short)
{
	char path[] = "/tmp/procfs_test.XXXXXX";
	int fd = fake_pagemap(_metadata, path, 2, 4);
	uint64_t raw;

	/* Entry 2 has 4 of its 8 bytes. */
	EXPECT_EQ(-EIO, pagemap_read(fd, 2 * 4096UL, 4096, &raw));
	close(fd);
}

TEST(pagemap_read_bad_page_size)
{
	char path[] = "/tmp/procfs_test.XXXXXX";
	int fd = fake_pagemap(_metadata, path, 16, 0);
	uint64_t raw;

	EXPECT_EQ(-EINVAL, pagemap_read(fd, 4096, 0, &raw));
	EXPECT_EQ(-EINVAL, pagemap_read(fd, 4096, -4096, &raw));
	EXPECT_EQ(-EINVAL, pagemap_read(fd, 4096, 3000, &raw));
	close(fd);
}

TEST(pagemap_read_offset_overflow)
{
	char path[] = "/tmp/procfs_test.XXXXXX";
	int fd = fake_pagemap(_metadata, path, 16, 0);
	uint64_t raw;

	/* With 1-byte pages the offset would not fit an off_t. */
	EXPECT_EQ(-EINVAL, pagemap_read(fd, ~0UL, 1, &raw));
	close(fd);
}

TEST(pagemap_read_bad_fd)
{
	uint64_t raw;

	EXPECT_EQ(-EBADF, pagemap_read(-1, 0, 4096, &raw));
}

TEST(pagemap_read_self)
{
	long page_size = sysconf(_SC_PAGESIZE);
	struct pagemap_entry pe;
	volatile char *p;
	uint64_t raw;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "/proc/self/pagemap: %s", strerror(errno));
	p = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	p[0] = 1;

	ASSERT_EQ(0, pagemap_read(fd, (unsigned long)p, page_size, &raw));
	pagemap_decode(raw, &pe);
	EXPECT_TRUE(pe.present);
	EXPECT_FALSE(pe.file_shared);
	ASSERT_EQ(0, pagemap_read(fd, (unsigned long)p + page_size, page_size,
				  &raw));
	pagemap_decode(raw, &pe);
	EXPECT_FALSE(pe.present);
	munmap((void *)p, 2 * page_size);
	close(fd);
}

/* ---- every maps line, an address's line, stat's minflt -------------- */

TEST(maps_read_all_every_line_in_order)
{
	FILE *f = stream(maps_two);
	struct maps_entry e[8];

	ASSERT_EQ(5, maps_read_all(f, e, 8));
	fclose(f);
	EXPECT_EQ(0x400000UL, e[0].start);
	EXPECT_STREQ("/tmp/capture_proc", e[0].path);
	EXPECT_STREQ("/dev/mapdrv (deleted)", e[3].path);
	EXPECT_STREQ("[vdso]", e[4].path);
}

TEST(maps_read_all_more_lines_than_room)
{
	FILE *f = stream(maps_two);
	struct maps_entry e[4];

	/* Never a silent cut: the lines the lesson is about may be last. */
	EXPECT_EQ(-EOVERFLOW, maps_read_all(f, e, 4));
	fclose(f);
}

TEST(maps_read_all_long_path_is_cut_and_marked)
{
	char line[1024];
	struct maps_entry e[1];
	FILE *f;
	int n;

	n = snprintf(line, sizeof(line), "7f0000000000-7f0000001000 r--p 00000000 08:01 12 /");
	memset(line + n, 'a', 600);
	line[n + 600] = '\0';
	f = stream(line);
	ASSERT_EQ(1, maps_read_all(f, e, 1));
	fclose(f);
	EXPECT_EQ(sizeof(e[0].path) - 1, strlen(e[0].path));
	EXPECT_STREQ("...", e[0].path + sizeof(e[0].path) - 4);
}

TEST(maps_read_all_malformed_line)
{
	FILE *f = stream("7f0000000000-7f0000001000 r--x 00000000 08:01 12 /x\n");
	struct maps_entry e[1];

	EXPECT_EQ(-EINVAL, maps_read_all(f, e, 1));
	fclose(f);
}

TEST(maps_lookup_finds_the_holding_line)
{
	FILE *f = stream(maps_two);
	struct maps_entry e[8];
	int n = maps_read_all(f, e, 8);

	fclose(f);
	ASSERT_EQ(5, n);
	EXPECT_EQ(1, maps_lookup(e, n, 0x7f10e6bc9000UL));
	EXPECT_EQ(1, maps_lookup(e, n, 0x7f10e6bccfffUL));
	EXPECT_EQ(2, maps_lookup(e, n, 0x7f10e6bcd000UL));
	EXPECT_EQ(-1, maps_lookup(e, n, 0x401000UL));	/* a hole */
}

TEST(maps_format_is_the_line_without_padding)
{
	struct maps_entry e;
	char buf[512];

	ASSERT_EQ(0, parse_maps_line("7f10e6bcd000-7f10e6c0d000 rw-s 00000000 00:05 99                         /dev/mapdrv", &e));
	maps_format(&e, buf, sizeof(buf));
	EXPECT_STREQ("7f10e6bcd000-7f10e6c0d000 rw-s 00000000 00:05 99 /dev/mapdrv", buf);
}

TEST(stat_minflt_after_a_comm_with_spaces_and_parens)
{
	FILE *f = stream("4242 (a (b) c) S 1 4242 4242 0 -1 4194560 1234 0 5 0 1 2 0 0 20 0 1 0 99 1000 10\n");
	long minflt = -1;

	ASSERT_EQ(0, parse_stat_minflt(f, &minflt));
	fclose(f);
	EXPECT_EQ(1234, minflt);
}

TEST(stat_minflt_truncated_line)
{
	FILE *f = stream("4242 (sh) S 1 4242\n");
	long minflt = -1;

	EXPECT_EQ(-EINVAL, parse_stat_minflt(f, &minflt));
	fclose(f);
}

TEST(zoneinfo_pcp_sums_every_cpu_and_zone)
{
	FILE *f = stream("Node 0, zone      DMA\n"
			 "  pages free     3840\n"
			 "  pagesets\n"
			 "    cpu: 0\n"
			 "              count: 3\n"
			 "              high:  0\n"
			 "    cpu: 1\n"
			 "              count: 5\n"
			 "Node 0, zone    DMA32\n"
			 "  pagesets\n"
			 "    cpu: 0\n"
			 "              count: 1200\n"
			 "              high:  4004\n"
			 "              batch: 63\n"
			 "  vm stats threshold: 24\n");
	long pages = -1;

	ASSERT_EQ(0, parse_zoneinfo_pcp(f, &pages));
	fclose(f);
	EXPECT_EQ(1208, pages);
}

TEST(zoneinfo_pcp_without_pagesets)
{
	FILE *f = stream("Node 0, zone      DMA\n  pages free     3840\n");
	long pages = -1;

	EXPECT_EQ(-EINVAL, parse_zoneinfo_pcp(f, &pages));
	fclose(f);
	EXPECT_EQ(-1, pages);
}

TEST(vmallocinfo_line_before_pointer_hashing_is_ready)
{
	struct vmalloc_entry e;

	/* The debug kernel, seconds after boot: %p not hashed yet. */
	ASSERT_EQ(0, parse_vmallocinfo_line("0x(____ptrval____)-0x(____ptrval____) 4198400 mapdrv_buffer_alloc+0x32/0x10a [mapdrv] pages=1024 vmalloc vpages", &e));
	EXPECT_EQ(0ULL, e.start);
	EXPECT_EQ(0ULL, e.end);
	EXPECT_EQ(4198400UL, e.size);
	EXPECT_EQ(1024, e.pages);
	EXPECT_STREQ("mapdrv_buffer_alloc+0x32/0x10a [mapdrv]", e.caller);
	EXPECT_TRUE(e.vmalloc);
	EXPECT_EQ(-EINVAL, parse_vmallocinfo_line("0x(____ptrval___-0x0 4096 f+0x1/0x2 pages=1 vmalloc", &e));
}

TEST_HARNESS_MAIN
