// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest suite for mapdrv: one behaviour of /dev/mapdrv per test.
 *
 * Needs root and the module loaded (or MAPDRV_KO to load it from).  The
 * tests that unload the module are reload_test's.
 *
 * Tests that change the buffer put the old bytes back, markers included,
 * because every later test expects the buffer as the module made it.
 */
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "mapdrv_test.h"

FIXTURE(mapdrv) {
	int fd;
	struct mapdrv_info info;
};

FIXTURE_SETUP(mapdrv)
{
	self->fd = open_device(_metadata, &self->info);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(mapdrv)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* ---- what the buffer holds ------------------------------------------ */

TEST_F(mapdrv, marker_starts_every_page)
{
	char want[MARKER_MAX];
	unsigned long i;
	char *map;

	map = mmap(NULL, self->info.size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	for (i = 0; i < self->info.pages; i++) {
		marker(want, i);
		/* STREQ also checks the NUL right after the text. */
		ASSERT_STREQ(want, map + i * page_size) TH_LOG("page %lu", i);
	}
	munmap(map, self->info.size);
}

/* No stale kernel data may leak: the allocator must have zeroed it all. */
TEST_F(mapdrv, rest_of_every_page_is_zero)
{
	unsigned long i;
	size_t b;
	char *map;

	map = mmap(NULL, self->info.size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	for (i = 0; i < self->info.pages; i++) {
		const char *page = map + i * page_size;

		for (b = strnlen(page, page_size) + 1; b < page_size; b++)
			ASSERT_EQ(0, page[b])
				TH_LOG("page %lu byte %zu is 0x%02x", i, b,
				       (unsigned char)page[b]);
	}
	munmap(map, self->info.size);
}

TEST_F(mapdrv, mmap_at_offset_maps_those_pages)
{
	unsigned long k = self->info.pages / 2;
	char want[MARKER_MAX];
	char *map;

	if (self->info.pages < 3)
		SKIP(return, "needs 3 pages, the buffer has %llu",
		     (unsigned long long)self->info.pages);
	map = mmap(NULL, 2 * page_size, PROT_READ, MAP_SHARED, self->fd,
		   k * page_size);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap at page %lu: %s", k,
					  strerror(errno));
	marker(want, k);
	EXPECT_STREQ(want, map);
	marker(want, k + 1);
	EXPECT_STREQ(want, map + page_size);
	munmap(map, 2 * page_size);
}

/* ---- mmap requests outside the buffer ------------------------------- */

static void mmap_must_fail(struct __test_metadata *_metadata, int fd,
			   size_t len, off_t off, int err)
{
	void *map;

	errno = 0;
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, off);
	if (map != MAP_FAILED)
		munmap(map, len);
	ASSERT_EQ(MAP_FAILED, map)
		TH_LOG("mmap of %zu bytes at %lld succeeded", len,
		       (long long)off);
	ASSERT_EQ(err, errno) TH_LOG("mmap: %s", strerror(errno));
}

TEST_F(mapdrv, mmap_offset_at_end_einval)
{
	mmap_must_fail(_metadata, self->fd, page_size, self->info.size,
		       EINVAL);
}

TEST_F(mapdrv, mmap_length_past_end_einval)
{
	mmap_must_fail(_metadata, self->fd, self->info.size + page_size, 0,
		       EINVAL);
}

TEST_F(mapdrv, mmap_crossing_end_einval)
{
	mmap_must_fail(_metadata, self->fd, 2 * page_size,
		       self->info.size - page_size, EINVAL);
}

/* Large enough that offset + length overflows if the driver adds them. */
TEST_F(mapdrv, mmap_huge_offset_einval)
{
	mmap_must_fail(_metadata, self->fd, page_size,
		       INT64_MAX & ~(int64_t)(page_size - 1), EINVAL);
}

/*
 * Not EINVAL: the offset is unsigned to the mm core, whose file_mmap_ok()
 * refuses a page offset this large for a character device (EOVERFLOW)
 * before the driver's mmap is called.
 */
TEST_F(mapdrv, mmap_negative_offset_eoverflow)
{
	mmap_must_fail(_metadata, self->fd, page_size, -(off_t)page_size,
		       EOVERFLOW);
}

/* ---- read, write, llseek -------------------------------------------- */

TEST_F(mapdrv, read_at_end_returns_0)
{
	char c;

	ASSERT_EQ((off_t)self->info.size, lseek(self->fd, 0, SEEK_END))
		TH_LOG("lseek: %s", strerror(errno));
	ASSERT_EQ(0, read(self->fd, &c, 1)) TH_LOG("read: %s", strerror(errno));
}

/* An address with nothing mapped behind it: a page, unmapped again. */
static void *unmapped_address(void)
{
	void *p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, page_size);
	return p;
}

TEST_F(mapdrv, read_into_unmapped_buffer_efault)
{
	void *p = unmapped_address();

	ASSERT_NE(NULL, p);
	EXPECT_EQ(-1, pread(self->fd, p, 16, 0));
	EXPECT_EQ(EFAULT, errno) TH_LOG("pread: %s", strerror(errno));
}

/* Nothing is copied: the buffer keeps its marker. */
TEST_F(mapdrv, write_from_unmapped_buffer_efault_and_marker_stays)
{
	char want[MARKER_MAX], got[MARKER_MAX];
	void *p = unmapped_address();

	ASSERT_NE(NULL, p);
	EXPECT_EQ(-1, pwrite(self->fd, p, 16, 0));
	EXPECT_EQ(EFAULT, errno) TH_LOG("pwrite: %s", strerror(errno));
	marker(want, 0);
	ASSERT_EQ((ssize_t)sizeof(got), pread(self->fd, got, sizeof(got), 0));
	EXPECT_STREQ(want, got);
}

TEST_F(mapdrv, pread_negative_offset_einval)
{
	char c;

	EXPECT_EQ(-1, pread(self->fd, &c, 1, -1));
	EXPECT_EQ(EINVAL, errno) TH_LOG("pread: %s", strerror(errno));
}

TEST_F(mapdrv, pwrite_negative_offset_einval)
{
	char c = 'x';

	EXPECT_EQ(-1, pwrite(self->fd, &c, 1, -1));
	EXPECT_EQ(EINVAL, errno) TH_LOG("pwrite: %s", strerror(errno));
}

/* Zero bytes are written anywhere, the end too: nothing to refuse. */
TEST_F(mapdrv, write_of_0_bytes_returns_0)
{
	char c = 'x';

	EXPECT_EQ(0, pwrite(self->fd, &c, 0, 0)) TH_LOG("pwrite: %s", strerror(errno));
	EXPECT_EQ(0, pwrite(self->fd, &c, 0, (off_t)self->info.size))
		TH_LOG("pwrite at the end: %s", strerror(errno));
}

TEST_F(mapdrv, pread_far_past_end_returns_0)
{
	char c;

	ASSERT_EQ(0, pread(self->fd, &c, 1, 4 * self->info.size + 12345))
		TH_LOG("pread: %s", strerror(errno));
}

TEST_F(mapdrv, write_at_end_enospc)
{
	char c = 'x';

	ASSERT_EQ(-1, pwrite(self->fd, &c, 1, self->info.size));
	ASSERT_EQ(ENOSPC, errno) TH_LOG("pwrite: %s", strerror(errno));
}

/* 8 bytes written 4 before the end: the 4 that fit, and nothing else. */
TEST_F(mapdrv, write_crossing_end_is_short)
{
	static const char text[] = "ABCDEFGH";
	off_t off = self->info.size - 4;
	char saved[4], got[8];

	ASSERT_EQ(4, pread(self->fd, saved, 4, off))
		TH_LOG("pread: %s", strerror(errno));
	EXPECT_EQ(4, pwrite(self->fd, text, 8, off))
		TH_LOG("pwrite: %s", strerror(errno));
	EXPECT_EQ(4, pread(self->fd, got, 8, off))
		TH_LOG("pread: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(text, got, 4));
	ASSERT_EQ(4, pwrite(self->fd, saved, 4, off))
		TH_LOG("restoring: %s", strerror(errno));
}

TEST_F(mapdrv, seek_negative_einval)
{
	ASSERT_EQ(-1, lseek(self->fd, -1, SEEK_SET));
	ASSERT_EQ(EINVAL, errno) TH_LOG("lseek: %s", strerror(errno));
}

TEST_F(mapdrv, seek_end_returns_size)
{
	ASSERT_EQ((off_t)self->info.size, lseek(self->fd, 0, SEEK_END))
		TH_LOG("lseek: %s", strerror(errno));
}

/* ---- read and write in every form, and the end of the buffer --------- */

/*
 * The last page, so that the marker read is the buffer's own and not a
 * neighbour's; split after 5 bytes, so that the marker spans both.
 */
TEST_F(mapdrv, readv_fills_two_iovecs_in_order)
{
	off_t off = (self->info.pages - 1) * page_size;
	char want[MARKER_MAX], head[5], tail[MARKER_MAX];
	struct iovec iov[2] = {
		{ head, sizeof(head) }, { tail, sizeof(tail) },
	};

	marker(want, self->info.pages - 1);
	ASSERT_EQ(off, lseek(self->fd, off, SEEK_SET))
		TH_LOG("lseek: %s", strerror(errno));
	ASSERT_EQ((ssize_t)(sizeof(head) + sizeof(tail)), readv(self->fd, iov, 2))
		TH_LOG("readv: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(want, head, sizeof(head)));
	EXPECT_STREQ(want + sizeof(head), tail);
	EXPECT_EQ(off + (off_t)(sizeof(head) + sizeof(tail)),
		  lseek(self->fd, 0, SEEK_CUR));
}

/* Past the last page's marker: bytes that are zero until written. */
TEST_F(mapdrv, writev_writes_two_iovecs_in_order)
{
	static const char first[] = "first, ", second[] = "then second";
	off_t off = (self->info.pages - 1) * page_size + 100;
	char saved[sizeof(first) + sizeof(second)], got[sizeof(saved)];
	struct iovec iov[2] = {
		{ (void *)first, sizeof(first) - 1 },
		{ (void *)second, sizeof(second) },
	};
	ssize_t len = sizeof(first) - 1 + sizeof(second);

	ASSERT_EQ(len, pread(self->fd, saved, len, off))
		TH_LOG("pread: %s", strerror(errno));
	ASSERT_EQ(off, lseek(self->fd, off, SEEK_SET));
	EXPECT_EQ(len, writev(self->fd, iov, 2))
		TH_LOG("writev: %s", strerror(errno));
	EXPECT_EQ(off + len, lseek(self->fd, 0, SEEK_CUR));
	EXPECT_EQ(len, pread(self->fd, got, len, off))
		TH_LOG("pread: %s", strerror(errno));
	EXPECT_STREQ("first, then second", got);
	ASSERT_EQ(len, pwrite(self->fd, saved, len, off))
		TH_LOG("restoring: %s", strerror(errno));
}

/* preadv2 reads at its offset and leaves the file position alone. */
TEST_F(mapdrv, preadv2_at_offset_reads_there)
{
	unsigned long page = self->info.pages / 2;
	char want[MARKER_MAX], head[3], tail[MARKER_MAX];
	struct iovec iov[2] = {
		{ head, sizeof(head) }, { tail, sizeof(tail) },
	};

	marker(want, page);
	ASSERT_EQ((ssize_t)(sizeof(head) + sizeof(tail)),
		  preadv2(self->fd, iov, 2, page * page_size, 0))
		TH_LOG("preadv2: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(want, head, sizeof(head)));
	EXPECT_STREQ(want + sizeof(head), tail);
	EXPECT_EQ(0, lseek(self->fd, 0, SEEK_CUR));
}

TEST_F(mapdrv, pwritev2_at_offset_writes_there)
{
	static const char text[] = "written by pwritev2";
	off_t off = (self->info.pages / 2) * page_size + 200;
	char saved[sizeof(text)], got[sizeof(text)];
	struct iovec iov[2] = {
		{ (void *)text, 8 }, { (void *)(text + 8), sizeof(text) - 8 },
	};

	ASSERT_EQ((ssize_t)sizeof(saved), pread(self->fd, saved, sizeof(saved), off))
		TH_LOG("pread: %s", strerror(errno));
	EXPECT_EQ((ssize_t)sizeof(text), pwritev2(self->fd, iov, 2, off, 0))
		TH_LOG("pwritev2: %s", strerror(errno));
	EXPECT_EQ(0, lseek(self->fd, 0, SEEK_CUR));
	EXPECT_EQ((ssize_t)sizeof(got), pread(self->fd, got, sizeof(got), off))
		TH_LOG("pread: %s", strerror(errno));
	EXPECT_STREQ(text, got);
	ASSERT_EQ((ssize_t)sizeof(saved), pwrite(self->fd, saved, sizeof(saved), off))
		TH_LOG("restoring: %s", strerror(errno));
}

/* 8 bytes asked for 4 before the end: the 4 there, and the end reached. */
TEST_F(mapdrv, read_crossing_end_is_short)
{
	off_t off = self->info.size - 4;
	char got[8];

	ASSERT_EQ(off, lseek(self->fd, off, SEEK_SET));
	EXPECT_EQ(4, read(self->fd, got, sizeof(got)))
		TH_LOG("read: %s", strerror(errno));
	EXPECT_EQ((off_t)self->info.size, lseek(self->fd, 0, SEEK_CUR));
}

TEST_F(mapdrv, preadv2_at_end_returns_0)
{
	char c;
	struct iovec iov = { &c, 1 };

	ASSERT_EQ(0, preadv2(self->fd, &iov, 1, self->info.size, 0))
		TH_LOG("preadv2: %s", strerror(errno));
}

/* Two iovecs, 4 bytes before the end: the first filled, 2 of the second. */
TEST_F(mapdrv, preadv2_crossing_end_is_short)
{
	char a[2], b[6];
	struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };

	ASSERT_EQ(4, preadv2(self->fd, iov, 2, self->info.size - 4, 0))
		TH_LOG("preadv2: %s", strerror(errno));
}

/* write(), not pwrite(): from the file position, which stays put. */
TEST_F(mapdrv, write_after_seek_end_enospc)
{
	char c = 'x';

	ASSERT_EQ((off_t)self->info.size, lseek(self->fd, 0, SEEK_END));
	EXPECT_EQ(-1, write(self->fd, &c, 1));
	EXPECT_EQ(ENOSPC, errno) TH_LOG("write: %s", strerror(errno));
	EXPECT_EQ((off_t)self->info.size, lseek(self->fd, 0, SEEK_CUR));
}

TEST_F(mapdrv, pwritev2_at_end_enospc)
{
	char c = 'x';
	struct iovec iov = { &c, 1 };

	ASSERT_EQ(-1, pwritev2(self->fd, &iov, 1, self->info.size, 0));
	ASSERT_EQ(ENOSPC, errno) TH_LOG("pwritev2: %s", strerror(errno));
}

TEST_F(mapdrv, pwritev2_crossing_end_is_short)
{
	static const char text[] = "ABCDEFGH";
	off_t off = self->info.size - 4;
	struct iovec iov[2] = {
		{ (void *)text, 2 }, { (void *)(text + 2), 6 },
	};
	char saved[4], got[8];

	ASSERT_EQ(4, pread(self->fd, saved, 4, off))
		TH_LOG("pread: %s", strerror(errno));
	EXPECT_EQ(4, pwritev2(self->fd, iov, 2, off, 0))
		TH_LOG("pwritev2: %s", strerror(errno));
	EXPECT_EQ(4, pread(self->fd, got, sizeof(got), off));
	EXPECT_EQ(0, memcmp(text, got, 4));
	ASSERT_EQ(4, pwrite(self->fd, saved, 4, off))
		TH_LOG("restoring: %s", strerror(errno));
}

/* Page 0's marker, put back if a write got through. */
static void expect_marker_0(struct __test_metadata *_metadata, int fd)
{
	char want[MARKER_MAX], got[MARKER_MAX];

	marker(want, 0);
	ASSERT_EQ((ssize_t)sizeof(got), pread(fd, got, sizeof(got), 0))
		TH_LOG("pread: %s", strerror(errno));
	EXPECT_STREQ(want, got);
	/* The harness's ASSERT is two statements: braces, not a bare if. */
	if (strcmp(want, got)) {
		ASSERT_EQ((ssize_t)strlen(want) + 1,
			  pwrite(fd, want, strlen(want) + 1, 0))
			TH_LOG("restoring: %s", strerror(errno));
	}
}

/*
 * An append starts at the end of a file that cannot grow: ENOSPC, as on
 * a full block device, and nothing written (not at offset 0 either).
 */
TEST_F(mapdrv, o_append_write_enospc_and_marker_stays)
{
	int fd;

	fd = open(MAPDRV_DEVICE, O_WRONLY | O_APPEND | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open O_APPEND: %s", strerror(errno));
	EXPECT_EQ(-1, write(fd, "x\n", 2));
	EXPECT_EQ(ENOSPC, errno) TH_LOG("write: %s", strerror(errno));
	close(fd);
	expect_marker_0(_metadata, self->fd);
}

/* The same per call: RWF_APPEND ignores the offset given, 0 here. */
TEST_F(mapdrv, pwritev2_rwf_append_enospc_and_marker_stays)
{
	struct iovec iov = { "x\n", 2 };

	EXPECT_EQ(-1, pwritev2(self->fd, &iov, 1, 0, RWF_APPEND));
	EXPECT_EQ(ENOSPC, errno) TH_LOG("pwritev2: %s", strerror(errno));
	expect_marker_0(_metadata, self->fd);
}

/* ---- fsync, fdatasync, msync: nothing to write back ------------------- */

TEST_F(mapdrv, fsync_returns_0)
{
	ASSERT_EQ(0, fsync(self->fd)) TH_LOG("fsync: %s", strerror(errno));
}

TEST_F(mapdrv, fdatasync_returns_0)
{
	ASSERT_EQ(0, fdatasync(self->fd)) TH_LOG("fdatasync: %s", strerror(errno));
}

/*
 * A shared mapping with a page mapped: MS_SYNC asks the file to write the
 * range back (vfs_fsync_range), MS_ASYNC only checks the range.
 */
static void msync_must_work(struct __test_metadata *_metadata, int fd,
			    int flags)
{
	volatile char *map;

	map = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ('m', map[0]);
	EXPECT_EQ(0, msync((void *)map, page_size, flags))
		TH_LOG("msync: %s", strerror(errno));
	munmap((void *)map, page_size);
}

TEST_F(mapdrv, msync_ms_sync_returns_0)
{
	msync_must_work(_metadata, self->fd, MS_SYNC);
}

TEST_F(mapdrv, msync_ms_async_returns_0)
{
	msync_must_work(_metadata, self->fd, MS_ASYNC);
}

/* ---- sendfile and splice, both ways ----------------------------------- */

/*
 * A file for sendfile and splice to fill or drain: a memfd, a shmem file
 * that needs no writable directory (every kernel of the matrix, the
 * debug kernel's tinyconfig included, has CONFIG_MEMFD_CREATE).
 */
static int scratch_file(struct __test_metadata *_metadata, const void *data,
			size_t len)
{
	int fd;

	fd = memfd_create("mapdrv_test", MFD_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("memfd_create: %s", strerror(errno));
	if (len) {
		ASSERT_EQ((ssize_t)len, pwrite(fd, data, len, 0))
			TH_LOG("pwrite: %s", strerror(errno));
	}
	return fd;
}

/* How many of @file's pages do not start with the buffer's marker. */
static unsigned long markers_missing(int file, unsigned long pages)
{
	char want[MARKER_MAX], got[MARKER_MAX];
	unsigned long i, missing = 0;

	for (i = 0; i < pages; i++) {
		marker(want, i);
		if (pread(file, got, sizeof(got), i * page_size) != sizeof(got) ||
		    strcmp(want, got))
			missing++;
	}
	return missing;
}

/* The whole buffer into a file: every page's marker arrives. */
TEST_F(mapdrv, sendfile_device_to_file_copies_markers)
{
	off_t in = 0;
	size_t done = 0;
	struct stat st;
	ssize_t n = 0;
	int file;

	file = scratch_file(_metadata, NULL, 0);
	while (done < self->info.size &&
	       (n = sendfile(file, self->fd, &in, self->info.size - done)) > 0)
		done += n;
	EXPECT_LE(0, n) TH_LOG("sendfile: %s", strerror(errno));
	EXPECT_EQ(self->info.size, done);
	EXPECT_EQ((off_t)self->info.size, in);
	ASSERT_EQ(0, fstat(file, &st));
	EXPECT_EQ((off_t)self->info.size, st.st_size);
	EXPECT_EQ(0UL, markers_missing(file, self->info.pages));
	/* With an offset of its own, sendfile leaves the position alone. */
	EXPECT_EQ(0, lseek(self->fd, 0, SEEK_CUR));
	close(file);
}

TEST_F(mapdrv, sendfile_from_end_returns_0)
{
	off_t in = self->info.size;
	int file;

	file = scratch_file(_metadata, NULL, 0);
	EXPECT_EQ(0, sendfile(file, self->fd, &in, page_size))
		TH_LOG("sendfile: %s", strerror(errno));
	close(file);
}

/* From a file into the device, at the device's file position. */
TEST_F(mapdrv, sendfile_file_to_device_writes_buffer)
{
	static const char text[] = "sent from a file";
	off_t off = (self->info.pages - 1) * page_size + 300, in = 0;
	char saved[sizeof(text)], got[sizeof(text)];
	int file;

	file = scratch_file(_metadata, text, sizeof(text));
	ASSERT_EQ((ssize_t)sizeof(saved), pread(self->fd, saved, sizeof(saved), off))
		TH_LOG("pread: %s", strerror(errno));
	ASSERT_EQ(off, lseek(self->fd, off, SEEK_SET));
	EXPECT_EQ((ssize_t)sizeof(text), sendfile(self->fd, file, &in, sizeof(text)))
		TH_LOG("sendfile: %s", strerror(errno));
	EXPECT_EQ(off + (off_t)sizeof(text), lseek(self->fd, 0, SEEK_CUR));
	EXPECT_EQ((ssize_t)sizeof(got), pread(self->fd, got, sizeof(got), off))
		TH_LOG("pread: %s", strerror(errno));
	EXPECT_STREQ(text, got);
	ASSERT_EQ((ssize_t)sizeof(saved), pwrite(self->fd, saved, sizeof(saved), off))
		TH_LOG("restoring: %s", strerror(errno));
	close(file);
}

TEST_F(mapdrv, sendfile_into_device_crossing_end_is_short)
{
	static const char text[] = "ABCDEFGH";
	off_t off = self->info.size - 4, in = 0;
	char saved[4], got[8];
	int file;

	file = scratch_file(_metadata, text, 8);
	ASSERT_EQ(4, pread(self->fd, saved, 4, off))
		TH_LOG("pread: %s", strerror(errno));
	ASSERT_EQ(off, lseek(self->fd, off, SEEK_SET));
	EXPECT_EQ(4, sendfile(self->fd, file, &in, 8))
		TH_LOG("sendfile: %s", strerror(errno));
	EXPECT_EQ(4, pread(self->fd, got, sizeof(got), off));
	EXPECT_EQ(0, memcmp(text, got, 4));
	ASSERT_EQ(4, pwrite(self->fd, saved, 4, off))
		TH_LOG("restoring: %s", strerror(errno));
	close(file);
}

TEST_F(mapdrv, sendfile_into_device_at_end_enospc)
{
	off_t in = 0;
	int file;

	file = scratch_file(_metadata, "x", 1);
	ASSERT_EQ((off_t)self->info.size, lseek(self->fd, 0, SEEK_END));
	EXPECT_EQ(-1, sendfile(self->fd, file, &in, 1));
	EXPECT_EQ(ENOSPC, errno) TH_LOG("sendfile: %s", strerror(errno));
	close(file);
}

/* splice() until @len bytes moved, an error or the end; the bytes moved. */
static ssize_t splice_all(int in, loff_t *off_in, int out, loff_t *off_out,
			  size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = splice(in, off_in, out, off_out, len - done, 0);
		if (n < 0)
			return done ? (ssize_t)done : -1;
		if (!n)
			break;
		done += n;
	}
	return done;
}

/* The last two pages (one on a 1-page buffer) through a pipe to a file. */
TEST_F(mapdrv, splice_device_to_pipe_to_file)
{
	unsigned long first = self->info.pages > 1 ? self->info.pages - 2 : 0;
	unsigned long n = self->info.pages - first, i;
	char want[MARKER_MAX], got[MARKER_MAX];
	loff_t in = first * page_size, out = 0;
	size_t len = n * page_size;
	int pipefd[2], file;

	file = scratch_file(_metadata, NULL, 0);
	ASSERT_EQ(0, pipe(pipefd)) TH_LOG("pipe: %s", strerror(errno));
	EXPECT_EQ((ssize_t)len, splice_all(self->fd, &in, pipefd[1], NULL, len))
		TH_LOG("splice device -> pipe: %s", strerror(errno));
	EXPECT_EQ((ssize_t)len, splice_all(pipefd[0], NULL, file, &out, len))
		TH_LOG("splice pipe -> file: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		marker(want, first + i);
		EXPECT_EQ((ssize_t)sizeof(got),
			  pread(file, got, sizeof(got), i * page_size));
		EXPECT_STREQ(want, got);
	}
	close(pipefd[0]);
	close(pipefd[1]);
	close(file);
}

TEST_F(mapdrv, splice_from_end_returns_0)
{
	loff_t in = self->info.size;
	int pipefd[2];

	ASSERT_EQ(0, pipe(pipefd)) TH_LOG("pipe: %s", strerror(errno));
	EXPECT_EQ(0, splice(self->fd, &in, pipefd[1], NULL, page_size, 0))
		TH_LOG("splice: %s", strerror(errno));
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_F(mapdrv, splice_file_to_pipe_to_device)
{
	static const char text[] = "spliced from a file";
	loff_t off = (self->info.pages - 1) * page_size + 400, in = 0, out = off;
	char saved[sizeof(text)], got[sizeof(text)];
	int pipefd[2], file;

	file = scratch_file(_metadata, text, sizeof(text));
	ASSERT_EQ((ssize_t)sizeof(saved), pread(self->fd, saved, sizeof(saved), off))
		TH_LOG("pread: %s", strerror(errno));
	ASSERT_EQ(0, pipe(pipefd)) TH_LOG("pipe: %s", strerror(errno));
	EXPECT_EQ((ssize_t)sizeof(text),
		  splice_all(file, &in, pipefd[1], NULL, sizeof(text)))
		TH_LOG("splice file -> pipe: %s", strerror(errno));
	EXPECT_EQ((ssize_t)sizeof(text),
		  splice_all(pipefd[0], NULL, self->fd, &out, sizeof(text)))
		TH_LOG("splice pipe -> device: %s", strerror(errno));
	EXPECT_EQ(off + (loff_t)sizeof(text), out);
	EXPECT_EQ((ssize_t)sizeof(got), pread(self->fd, got, sizeof(got), off))
		TH_LOG("pread: %s", strerror(errno));
	EXPECT_STREQ(text, got);
	ASSERT_EQ((ssize_t)sizeof(saved), pwrite(self->fd, saved, sizeof(saved), off))
		TH_LOG("restoring: %s", strerror(errno));
	close(pipefd[0]);
	close(pipefd[1]);
	close(file);
}

TEST_F(mapdrv, splice_into_device_at_end_enospc)
{
	loff_t out = self->info.size;
	int pipefd[2];

	ASSERT_EQ(0, pipe(pipefd)) TH_LOG("pipe: %s", strerror(errno));
	ASSERT_EQ(1, write(pipefd[1], "x", 1));
	EXPECT_EQ(-1, splice(pipefd[0], NULL, self->fd, &out, 1, 0));
	EXPECT_EQ(ENOSPC, errno) TH_LOG("splice: %s", strerror(errno));
	close(pipefd[0]);
	close(pipefd[1]);
}

/* ---- one buffer behind read/write and every mapping ------------------ */

/*
 * The page is faulted in before the write, so what the mapping shows
 * later proves it maps the buffer itself, not a copy taken at fault time.
 */
TEST_F(mapdrv, pwrite_seen_through_shared_mapping)
{
	static const char text[] = "written by pwrite";
	off_t off = (self->info.pages - 1) * page_size;
	char saved[sizeof(text)], want[MARKER_MAX];
	volatile char *map;

	ASSERT_EQ((ssize_t)sizeof(saved), pread(self->fd, saved, sizeof(saved), off))
		TH_LOG("pread: %s", strerror(errno));
	map = mmap(NULL, page_size, PROT_READ, MAP_SHARED, self->fd, off);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	marker(want, self->info.pages - 1);
	EXPECT_STREQ(want, (const char *)map);

	EXPECT_EQ((ssize_t)sizeof(text), pwrite(self->fd, text, sizeof(text), off))
		TH_LOG("pwrite: %s", strerror(errno));
	EXPECT_STREQ(text, (const char *)map);

	munmap((void *)map, page_size);
	ASSERT_EQ((ssize_t)sizeof(saved), pwrite(self->fd, saved, sizeof(saved), off))
		TH_LOG("restoring: %s", strerror(errno));
}

TEST_F(mapdrv, store_through_shared_mapping_seen_by_pread)
{
	static const char text[] = "stored through the mapping";
	off_t off = (self->info.pages - 1) * page_size;
	char saved[sizeof(text)], got[sizeof(text)];
	char *map;

	map = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->fd, off);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	memcpy(saved, map, sizeof(saved));
	memcpy(map, text, sizeof(text));
	EXPECT_EQ((ssize_t)sizeof(got), pread(self->fd, got, sizeof(got), off))
		TH_LOG("pread: %s", strerror(errno));
	EXPECT_STREQ(text, got);
	memcpy(map, saved, sizeof(saved));
	munmap(map, page_size);
}

TEST_F(mapdrv, private_write_is_copy_on_write)
{
	static const char text[] = "private copy";
	char want[MARKER_MAX], got[MARKER_MAX];
	char *priv, *shared;

	marker(want, 0);
	priv = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		    self->fd, 0);
	ASSERT_NE(MAP_FAILED, priv) TH_LOG("mmap private: %s", strerror(errno));
	shared = mmap(NULL, page_size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, shared) TH_LOG("mmap shared: %s", strerror(errno));

	/* Read first, so the write has a mapped buffer page to copy. */
	EXPECT_STREQ(want, priv);
	memcpy(priv, text, sizeof(text));

	EXPECT_STREQ(text, priv);
	EXPECT_STREQ(want, shared);
	EXPECT_EQ((ssize_t)sizeof(got), pread(self->fd, got, sizeof(got), 0))
		TH_LOG("pread: %s", strerror(errno));
	EXPECT_STREQ(want, got);

	/* Should the copy have reached the buffer, undo it for the rest. */
	if (strcmp(want, got))
		pwrite(self->fd, want, strlen(want) + 1, 0);
	munmap(priv, page_size);
	munmap(shared, page_size);
}

TEST_F(mapdrv, fork_child_store_seen_by_parent)
{
	static const char text[] = "stored by the child";
	char saved[sizeof(text)];
	int status;
	char *map;
	pid_t pid;

	map = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	memcpy(saved, map, sizeof(saved));

	pid = fork();
	ASSERT_LE(0, pid) TH_LOG("fork: %s", strerror(errno));
	if (pid == 0) {
		memcpy(map, text, sizeof(text));
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0))
		TH_LOG("waitpid: %s", strerror(errno));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_STREQ(text, map);

	memcpy(map, saved, sizeof(saved));
	munmap(map, page_size);
}

/* The buffer cannot grow, so neither may a mapping of it (VM_DONTEXPAND). */
TEST_F(mapdrv, mremap_growth_refused)
{
	void *map, *grown;

	map = mmap(NULL, page_size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	errno = 0;
	grown = mremap(map, page_size, 2 * page_size, MREMAP_MAYMOVE);
	if (grown != MAP_FAILED) {
		munmap(grown, 2 * page_size);
		map = NULL;
	}
	EXPECT_EQ(MAP_FAILED, grown);
	EXPECT_EQ(EFAULT, errno) TH_LOG("mremap: %s", strerror(errno));
	if (map)
		munmap(map, page_size);
}

/* ---- what the kernel counts ------------------------------------------ */

/*
 * Does touching every @stride-th page of the mapping [map, map + pages)
 * leave page @i mapped, in the module's map mode?  faultaround maps the
 * window of info->window pages, aligned on the virtual address, around
 * each touched page.
 */
static bool mapped_after_touch(const struct mapdrv_info *info,
			       const void *map, unsigned long pages,
			       unsigned long stride, unsigned long i)
{
	unsigned long first = (unsigned long)map / page_size, w, lo, hi;

	switch (info->map_mode) {
	case MAPDRV_MAP_FAULT:
		return i % stride == 0;
	case MAPDRV_MAP_FAULTAROUND:
		/* The window of page i, as indices into the mapping. */
		w = (first + i) / info->window * info->window;
		lo = w > first ? w - first : 0;
		hi = w + info->window - first < pages ?
		     w + info->window - first : pages;
		/* Some multiple of stride in [lo, hi) was touched. */
		return (lo + stride - 1) / stride * stride < hi;
	default:
		return true;	/* premap: mapped at mmap */
	}
}

static unsigned long count_mapped_after_touch(const struct mapdrv_info *info,
					      const void *map,
					      unsigned long pages,
					      unsigned long stride)
{
	unsigned long i, n = 0;

	for (i = 0; i < pages; i++)
		n += mapped_after_touch(info, map, pages, stride, i);
	return n;
}

/* The faults that touching every @stride-th page takes, per map mode. */
static unsigned long faults_for_touch(const struct mapdrv_info *info,
				      const void *map, unsigned long pages,
				      unsigned long stride)
{
	unsigned long first = (unsigned long)map / page_size, i, n = 0;
	unsigned long last_window = ~0UL;

	for (i = 0; i < pages; i += stride) {
		if (info->map_mode == MAPDRV_MAP_FAULT) {
			n++;
		} else if (info->map_mode == MAPDRV_MAP_FAULTAROUND &&
			   (first + i) / info->window != last_window) {
			/* The first touch in a window maps all of it. */
			last_window = (first + i) / info->window;
			n++;
		}
	}
	return n;
}

TEST_F(mapdrv, map_param_names_the_info_mode)
{
	char text[32];

	ASSERT_GT(MAPDRV_MAP_MODES, self->info.map_mode);
	ASSERT_EQ(0, read_text(SYSFS_PARAMS "/map", text, sizeof(text)))
		TH_LOG("%s/map: %s", SYSFS_PARAMS, strerror(errno));
	EXPECT_STREQ(map_names[self->info.map_mode], text);
	EXPECT_EQ(16U, self->info.window);
}

/*
 * Touch every page of a fresh mapping twice: the faults and the pages
 * mapped follow the map mode (fault: one each per page; faultaround: one
 * fault per window; premap: all pages at mmap, no fault), and the second
 * round faults no more.
 */
TEST_F(mapdrv, faults_and_mapped_pages_follow_the_map_mode)
{
	unsigned long n = self->info.pages < 40 ? self->info.pages : 40;
	struct mapdrv_info before, after;
	volatile char *map;
	unsigned long i;

	ASSERT_EQ(0, ioctl(self->fd, MAPDRV_IOC_INFO, &before))
		TH_LOG("ioctl MAPDRV_IOC_INFO: %s", strerror(errno));
	map = mmap(NULL, n * page_size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	for (i = 0; i < n; i++)
		EXPECT_EQ('m', map[i * page_size]);
	for (i = 0; i < n; i++)
		EXPECT_EQ('a', map[i * page_size + 1]);
	ASSERT_EQ(0, ioctl(self->fd, MAPDRV_IOC_INFO, &after))
		TH_LOG("ioctl MAPDRV_IOC_INFO: %s", strerror(errno));
	EXPECT_EQ(before.mapped + n, after.mapped);
	EXPECT_EQ(before.faults + faults_for_touch(&before, (void *)map, n, 1),
		  after.faults) TH_LOG("map=%s", map_names[before.map_mode]);
	munmap((void *)map, n * page_size);
}

static unsigned long long sysfs_counter(const char *name)
{
	char path[96], text[32];

	snprintf(path, sizeof(path), SYSFS_DEVICE "/%s", name);
	if (read_text(path, text, sizeof(text)))
		return ~0ULL;
	return strtoull(text, NULL, 10);
}

TEST_F(mapdrv, sysfs_counters_agree_with_ioctl)
{
	struct mapdrv_info info;
	volatile char *map;

	/* A page mapped first, so that a counter stuck at 0 cannot agree. */
	map = mmap(NULL, page_size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ('m', map[0]);
	munmap((void *)map, page_size);

	ASSERT_EQ(0, ioctl(self->fd, MAPDRV_IOC_INFO, &info))
		TH_LOG("ioctl MAPDRV_IOC_INFO: %s", strerror(errno));
	EXPECT_LT(0ULL, info.mapped);
	EXPECT_EQ(info.mapped, sysfs_counter("mapped"));
	EXPECT_EQ(info.faults, sysfs_counter("faults"));
}

/*
 * A leaf page is one mapped from a PMD leaf of the kernel's mapping,
 * which only vmalloc_huge of 2 MiB or more produces.
 */
TEST_F(mapdrv, leaf_pages_only_with_huge_buffer)
{
	bool leaves = (self->info.flags & MAPDRV_INFO_HUGE) &&
		      self->info.size >= 2UL << 20;
	struct mapdrv_info before, after;
	volatile char *map;

	ASSERT_EQ(0, ioctl(self->fd, MAPDRV_IOC_INFO, &before))
		TH_LOG("ioctl MAPDRV_IOC_INFO: %s", strerror(errno));
	map = mmap(NULL, page_size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ('m', map[0]);
	ASSERT_EQ(0, ioctl(self->fd, MAPDRV_IOC_INFO, &after))
		TH_LOG("ioctl MAPDRV_IOC_INFO: %s", strerror(errno));
	munmap((void *)map, page_size);
	EXPECT_EQ(before.mapped + 1, after.mapped);
	EXPECT_EQ(before.leaf_pages + (leaves ? 1 : 0), after.leaf_pages);
}

/* smaps Rss walks the page tables: exact, unlike status VmRSS. */
TEST_F(mapdrv, smaps_rss_after_mmap_follows_the_map_mode)
{
	size_t len = (self->info.pages < 16 ? self->info.pages : 16) * page_size;
	long want = self->info.map_mode == MAPDRV_MAP_PREMAP ? len / 1024 : 0;
	char *map;

	map = mmap(NULL, len, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(want, smaps_rss_kb(map))
		TH_LOG("map=%s", map_names[self->info.map_mode]);
	munmap(map, len);
}

TEST_F(mapdrv, smaps_rss_counts_the_pages_touching_maps)
{
	unsigned long m = self->info.pages < 48 ? self->info.pages : 48;
	unsigned long stride = 2, i, want;
	volatile char *map;

	map = mmap(NULL, m * page_size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	/* Every other page: in fault mode no neighbour is mapped with it. */
	for (i = 0; i < m; i += stride)
		EXPECT_EQ('m', map[i * page_size]);
	want = count_mapped_after_touch(&self->info, (void *)map, m, stride);
	EXPECT_EQ((long)(want * page_size / 1024), smaps_rss_kb((void *)map))
		TH_LOG("map=%s", map_names[self->info.map_mode]);
	munmap((void *)map, m * page_size);
}

/* Page by page: the pagemap's present bit is what touching mapped. */
TEST_F(mapdrv, pagemap_present_bits_follow_the_map_mode)
{
	unsigned long m = self->info.pages < 48 ? self->info.pages : 48;
	unsigned long stride = 3, i, mismatched = 0;
	uint64_t raw;
	volatile char *map;
	int pagemap;

	pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, pagemap) TH_LOG("/proc/self/pagemap: %s", strerror(errno));
	map = mmap(NULL, m * page_size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	for (i = 0; i < m; i += stride)
		EXPECT_EQ('m', map[i * page_size]);
	for (i = 0; i < m; i++) {
		struct pagemap_entry e;

		ASSERT_EQ(0, pagemap_read(pagemap, (unsigned long)(map + i * page_size),
					  (long)page_size, &raw));
		pagemap_decode(raw, &e);
		if (e.present !=
		    mapped_after_touch(&self->info, (void *)map, m, stride, i)) {
			TH_LOG("page %lu: present %d", i, e.present);
			mismatched++;
		}
	}
	EXPECT_EQ(0UL, mismatched) TH_LOG("map=%s", map_names[self->info.map_mode]);
	munmap((void *)map, m * page_size);
	close(pagemap);
}

/*
 * Pages that are inserted (faultaround, premap) need VM_MIXEDMAP, which
 * smaps shows as "mm"; one page per fault does not.
 */
TEST_F(mapdrv, smaps_vmflags_mixedmap_only_when_inserting)
{
	bool inserting = self->info.map_mode != MAPDRV_MAP_FAULT;
	struct smaps_entry e;
	char *map;

	map = mmap(NULL, page_size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	ASSERT_EQ(0, proc_smaps(map, &e)) TH_LOG("no smaps entry for the mapping");
	EXPECT_EQ(inserting, vmflags_has(e.vmflags, "mm")) TH_LOG("%s", e.vmflags);
	munmap(map, page_size);
}

/*
 * MADV_DONTNEED unmaps the pages; the next touch faults them back in
 * every mode, premap included.
 */
TEST_F(mapdrv, dontneed_then_touch_faults_the_page_back)
{
	size_t len = (self->info.pages < 4 ? self->info.pages : 4) * page_size;
	struct mapdrv_info before, after;
	char want[MARKER_MAX];
	volatile char *map;
	size_t i;

	map = mmap(NULL, len, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	for (i = 0; i < len; i += page_size)
		EXPECT_EQ('m', map[i]);
	ASSERT_EQ(0, madvise((void *)map, len, MADV_DONTNEED))
		TH_LOG("madvise: %s", strerror(errno));
	EXPECT_EQ(0, smaps_rss_kb((void *)map));
	ASSERT_EQ(0, ioctl(self->fd, MAPDRV_IOC_INFO, &before));
	marker(want, 0);
	EXPECT_STREQ(want, (char *)map);
	ASSERT_EQ(0, ioctl(self->fd, MAPDRV_IOC_INFO, &after));
	EXPECT_EQ(before.faults + 1, after.faults);
	EXPECT_LE(before.mapped + 1, after.mapped);
	munmap((void *)map, len);
}

TEST_F(mapdrv, vmsize_grows_by_mapping_at_mmap)
{
	size_t len = (self->info.pages < 16 ? self->info.pages : 16) * page_size;
	long before, after;
	char *map;

	/* A first fopen() may grow the heap: not in the numbers compared. */
	status_vmsize_kb();
	before = status_vmsize_kb();
	ASSERT_LT(0, before) TH_LOG("no VmSize in /proc/self/status");
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	after = status_vmsize_kb();
	EXPECT_EQ(before + (long)(len / 1024), after);
	munmap(map, len);
}

/* get_user_pages() on the mapping: it works only on ordinary pages. */
TEST_F(mapdrv, process_vm_readv_reads_marker)
{
	char want[MARKER_MAX], got[MARKER_MAX] = "";
	struct iovec local = { got, sizeof(got) }, remote;
	char *map;

	map = mmap(NULL, self->info.size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	/* Untouched, so the read itself has to fault the page in. */
	remote.iov_base = map + (self->info.pages - 1) * page_size;
	remote.iov_len = sizeof(got);
	EXPECT_EQ((ssize_t)sizeof(got),
		  process_vm_readv(getpid(), &local, 1, &remote, 1, 0))
		TH_LOG("process_vm_readv: %s", strerror(errno));
	marker(want, self->info.pages - 1);
	EXPECT_STREQ(want, got);
	munmap(map, self->info.size);
}

/* ---- the interface around the buffer ---------------------------------- */

TEST_F(mapdrv, unknown_ioctl_enotty)
{
	ASSERT_EQ(-1, ioctl(self->fd, _IO(MAPDRV_IOC_MAGIC, 99)));
	ASSERT_EQ(ENOTTY, errno) TH_LOG("ioctl: %s", strerror(errno));
}

TEST_F(mapdrv, device_node_is_char_0600)
{
	struct stat st;

	ASSERT_EQ(0, stat(MAPDRV_DEVICE, &st))
		TH_LOG("stat %s: %s", MAPDRV_DEVICE, strerror(errno));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600U, st.st_mode & 07777) TH_LOG("mode %o", st.st_mode);
}

TEST_F(mapdrv, pages_param_0444_and_matches_info)
{
	const char *path = SYSFS_PARAMS "/pages";
	struct stat st;
	char text[32];

	ASSERT_EQ(0, stat(path, &st)) TH_LOG("stat %s: %s", path, strerror(errno));
	EXPECT_EQ(0444U, st.st_mode & 07777) TH_LOG("mode %o", st.st_mode);
	ASSERT_EQ(0, read_text(path, text, sizeof(text)))
		TH_LOG("%s: %s", path, strerror(errno));
	EXPECT_EQ(self->info.pages, strtoull(text, NULL, 10))
		TH_LOG("%s reads \"%s\"", path, text);
}

/* The allocation is named after its caller, not after freed init text. */
TEST_F(mapdrv, vmallocinfo_names_the_buffer)
{
	struct vmalloc_entry e;
	char line[512];
	int found = 0;
	FILE *f;

	/* Line by line: on a busy host the file is large. */
	f = fopen("/proc/vmallocinfo", "re");
	ASSERT_NE(NULL, f) TH_LOG("/proc/vmallocinfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!parse_vmallocinfo_line(line, &e) &&
		    strstr(e.caller, "mapdrv_buffer_alloc+") &&
		    strstr(e.caller, " [mapdrv]") &&
		    e.pages == (long)self->info.pages)
			found++;
	fclose(f);
	EXPECT_EQ(1, found) TH_LOG("lines of mapdrv_buffer_alloc+ [mapdrv], pages=%llu",
				   (unsigned long long)self->info.pages);
}

/* ---- MAPDRV_IOC_WALK: the fault handler's walk, replayed ------------- */

static int walk(int fd, unsigned long page, struct mapdrv_walk_info *wi)
{
	memset(wi, 0, sizeof(*wi));
	wi->page = page;
	return ioctl(fd, MAPDRV_IOC_WALK, wi);
}

TEST_F(mapdrv, walk_agrees_with_vmalloc_to_page)
{
	struct mapdrv_walk_info wi;
	unsigned long i;

	for (i = 0; i < self->info.pages; i++) {
		ASSERT_EQ(0, walk(self->fd, i, &wi))
			TH_LOG("MAPDRV_IOC_WALK page %lu: %s", i, strerror(errno));
		ASSERT_EQ(1U, wi.found)
			TH_LOG("page %lu: hole at level %u", i, wi.level);
		ASSERT_NE(0ULL, wi.pfn);
		ASSERT_EQ(wi.vmalloc_to_page_pfn, wi.pfn) TH_LOG("page %lu", i);
	}
}

TEST_F(mapdrv, walk_ends_at_pmd_leaf_only_when_huge)
{
	bool leaves = (self->info.flags & MAPDRV_INFO_HUGE) &&
		      self->info.size >= 2UL << 20;
	struct mapdrv_walk_info wi;

	ASSERT_EQ(0, walk(self->fd, 0, &wi))
		TH_LOG("MAPDRV_IOC_WALK: %s", strerror(errno));
	EXPECT_EQ((unsigned int)(leaves ? MAPDRV_LEVEL_PMD : MAPDRV_LEVEL_PTE),
		  wi.level);
}

/*
 * Whether the kernel runs 5-level paging, seen without the module: x86
 * lists la57 in /proc/cpuinfo once it enabled it; arm64's fifth level
 * (LPA2) widens user space to 52 bits, so a hint above 2^48 is honoured.
 */
static bool five_level_paging(void)
{
#if defined(__aarch64__)
	void *p = mmap((void *)(1UL << 50), page_size, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool high = p != MAP_FAILED && (uintptr_t)p >= 1UL << 48;

	if (p != MAP_FAILED)
		munmap(p, page_size);
	return high;
#else
	char line[4096];
	bool la57 = false;
	FILE *f = fopen("/proc/cpuinfo", "re");

	while (f && !la57 && fgets(line, sizeof(line), f))
		la57 = !strncmp(line, "flags", 5) && strstr(line, " la57");
	if (f)
		fclose(f);
	return la57;
#endif
}

TEST_F(mapdrv, walk_reports_paging_mode)
{
	struct mapdrv_walk_info wi;
	bool five = five_level_paging();

	ASSERT_EQ(0, walk(self->fd, 0, &wi))
		TH_LOG("MAPDRV_IOC_WALK: %s", strerror(errno));
	EXPECT_EQ(five ? 5U : 4U, wi.pgtable_levels);
	EXPECT_EQ(5U - __builtin_popcount(wi.folded), wi.pgtable_levels);
	EXPECT_NE(0ULL, wi.root);
#if defined(__aarch64__)
	EXPECT_EQ((unsigned int)MAPDRV_ARCH_ARM64, wi.arch);
	/*
	 * Booted with 4 levels, a 5-level kernel skips the pgd (TTBR1 points
	 * at the p4d table); a 4-level kernel folds the p4d, as x86 does.
	 */
	if (five) {
		EXPECT_EQ(0U, wi.folded);
	} else {
		EXPECT_TRUE(wi.folded == 1U << MAPDRV_LEVEL_PGD ||
			    wi.folded == 1U << MAPDRV_LEVEL_P4D)
			TH_LOG("folded 0x%x", wi.folded);
	}
	/* The root is TTBR1's base: not the ASID (63:48) nor CnP (0). */
	EXPECT_EQ((wi.ttbr1 & 0x0000ffffffffffc0ULL) |
		  (wi.ttbr1 & 0x3cULL) << 46, wi.root)
		TH_LOG("TTBR1_EL1 0x%llx", (unsigned long long)wi.ttbr1);
#else
	EXPECT_EQ((unsigned int)MAPDRV_ARCH_X86_64, wi.arch);
	/* 4-level paging: p4d_offset() hands back the pgd entry. */
	EXPECT_EQ(five ? 0U : 1U << MAPDRV_LEVEL_P4D, wi.folded);
	EXPECT_EQ(0ULL, wi.ttbr1);
	/* The buffer lives in the kernel half: the top index is 256 or above. */
	EXPECT_LE(256U, wi.index[MAPDRV_LEVEL_PGD]);
#endif
}

/*
 * Every level shown is one the walk read: a folded level has no entry,
 * index or next table, and nothing below the stop was read.  Each level
 * read points at the next table; the last at the page itself (a PTE) or
 * at the start of the huge leaf that holds it.
 */
TEST_F(mapdrv, walk_shows_folded_levels_and_what_entries_point_at)
{
	unsigned long long per_table = page_size / 8, leaf;
	struct mapdrv_walk_info wi;
	unsigned long i;
	unsigned int l;

	for (i = 0; i < self->info.pages; i++) {
		ASSERT_EQ(0, walk(self->fd, i, &wi))
			TH_LOG("MAPDRV_IOC_WALK page %lu: %s", i, strerror(errno));
		ASSERT_EQ(1U, wi.found) TH_LOG("page %lu", i);
		ASSERT_GT(MAPDRV_LEVELS, wi.level);
		ASSERT_FALSE(wi.folded & 1U << wi.level) TH_LOG("page %lu", i);
		for (l = 0; l < MAPDRV_LEVELS; l++) {
			if ((wi.folded & 1U << l) || l > wi.level) {
				ASSERT_EQ(0ULL, wi.entry[l]) TH_LOG("page %lu level %u", i, l);
				ASSERT_EQ(0ULL, wi.next_pfn[l]) TH_LOG("page %lu level %u", i, l);
				if (wi.folded & 1U << l)
					ASSERT_EQ(0U, wi.index[l]) TH_LOG("page %lu level %u", i, l);
			} else {
				ASSERT_NE(0ULL, wi.next_pfn[l]) TH_LOG("page %lu level %u", i, l);
			}
		}
		if (wi.level == MAPDRV_LEVEL_PTE) {
			ASSERT_EQ(wi.pfn, wi.next_pfn[MAPDRV_LEVEL_PTE]) TH_LOG("page %lu", i);
			continue;
		}
		leaf = wi.level == MAPDRV_LEVEL_PMD ? per_table : per_table * per_table;
		ASSERT_EQ(0ULL, wi.next_pfn[wi.level] % leaf) TH_LOG("page %lu", i);
		ASSERT_GT(leaf, wi.pfn - wi.next_pfn[wi.level]) TH_LOG("page %lu", i);
	}
}

TEST_F(mapdrv, user_pfn_is_kernel_pfn)
{
	unsigned long page = self->info.pages - 1;
	struct mapdrv_walk_info wi;
	volatile char *map;

	map = mmap(NULL, self->info.size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	ASSERT_EQ('m', map[page * page_size]);
	ASSERT_EQ(0, walk(self->fd, page, &wi))
		TH_LOG("MAPDRV_IOC_WALK: %s", strerror(errno));
	EXPECT_NE(0ULL, wi.pfn);
	EXPECT_EQ(wi.pfn, pagemap_pfn((const void *)(map + page * page_size)));
	munmap((void *)map, self->info.size);
}

TEST_F(mapdrv, private_write_moves_to_another_pfn)
{
	struct mapdrv_walk_info wi;
	char saved;
	uint64_t pfn;
	char *map;

	map = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		   self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	ASSERT_EQ(0, walk(self->fd, 0, &wi))
		TH_LOG("MAPDRV_IOC_WALK: %s", strerror(errno));
	ASSERT_EQ('m', map[0]);
	EXPECT_EQ(wi.pfn, pagemap_pfn(map));	/* read: the buffer's page */
	saved = map[100];
	map[100] = saved ^ 1;
	pfn = pagemap_pfn(map);
	EXPECT_NE(0U, pfn);
	EXPECT_NE(wi.pfn, pfn);			/* written: a private copy */
	munmap(map, page_size);
}

TEST_F(mapdrv, walk_past_end_einval)
{
	struct mapdrv_walk_info wi;

	ASSERT_EQ(-1, walk(self->fd, self->info.pages, &wi));
	ASSERT_EQ(EINVAL, errno) TH_LOG("MAPDRV_IOC_WALK: %s", strerror(errno));
}

TEST_F(mapdrv, info_bad_pointer_efault)
{
	EXPECT_EQ(-1, ioctl(self->fd, MAPDRV_IOC_INFO, (void *)8));
	EXPECT_EQ(EFAULT, errno);
}

/* 0 when nothing nobody can read of mapdrv looks like a kernel address. */
static int sysfs_shows_no_address(void *arg)
{
	static const char *const files[] = {
		SYSFS_PARAMS "/pages", SYSFS_PARAMS "/huge", SYSFS_PARAMS "/mode",
		SYSFS_PARAMS "/map", SYSFS_DEVICE "/faults",
		SYSFS_DEVICE "/mapped", "/sys/module/mapdrv/version",
		"/sys/module/mapdrv/srcversion", "/sys/module/mapdrv/refcnt",
	};
	char buf[256];

	(void)arg;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (read_text(files[i], buf, sizeof(buf)))
			return 1;	/* all of them are world-readable */
		if (strstr(buf, "ffff") || strtoull(buf, NULL, 0) > (1ULL << 47))
			return 2;
	}
	return 0;
}

TEST_F(mapdrv, sysfs_shows_nobody_no_address)
{
	EXPECT_TRUE(as_nobody(sysfs_shows_no_address, NULL));
}

TEST_F(mapdrv, walk_bad_pointer_efault)
{
	ASSERT_EQ(-1, ioctl(self->fd, MAPDRV_IOC_WALK, (void *)8));
	ASSERT_EQ(EFAULT, errno) TH_LOG("MAPDRV_IOC_WALK: %s", strerror(errno));
}

/* The timing runs first; the copy back to the bad pointer fails. */
TEST_F(mapdrv, walk_bench_bad_pointer_efault)
{
	ASSERT_EQ(-1, ioctl(self->fd, MAPDRV_IOC_WALK_BENCH, (void *)8));
	ASSERT_EQ(EFAULT, errno) TH_LOG("MAPDRV_IOC_WALK_BENCH: %s", strerror(errno));
}

/* 0 when the walk on fd *@arg fails with EPERM. */
static int walk_refused(void *arg)
{
	struct mapdrv_walk_info wi;

	return walk(*(int *)arg, 0, &wi) == -1 && errno == EPERM ? 0 : 1;
}

/* The open fd stays usable as nobody; the capability is what is gone. */
TEST_F(mapdrv, walk_without_cap_sys_admin_eperm)
{
	EXPECT_TRUE(as_nobody(walk_refused, &self->fd));
}

/*
 * The benchmark's ioctl: the walk and vmalloc_to_page() timed in the
 * kernel.  A kernel whose clock ticks in jiffies (the debug kernel's
 * tinyconfig) times a short pass as 0 ns, so the calls are summed until
 * both clocks have moved.
 */
TEST_F(mapdrv, walk_bench_times_both_over_every_page)
{
	unsigned long long walk_ns = 0, vtp_ns = 0, passes = 0;
	struct mapdrv_walk_bench wb;
	int calls;

	for (calls = 0; calls < 500 && (!walk_ns || !vtp_ns); calls++) {
		memset(&wb, 0xff, sizeof(wb));
		ASSERT_EQ(0, ioctl(self->fd, MAPDRV_IOC_WALK_BENCH, &wb))
			TH_LOG("MAPDRV_IOC_WALK_BENCH: %s", strerror(errno));
		ASSERT_EQ(self->info.pages, wb.pages);
		ASSERT_EQ(2ULL, wb.passes);
		ASSERT_EQ(0ULL, wb.mismatches);
		walk_ns += wb.walk_ns;
		vtp_ns += wb.vmalloc_to_page_ns;
		passes += wb.passes;
	}
	EXPECT_LT(0ULL, walk_ns) TH_LOG("%d calls", calls);
	EXPECT_LT(0ULL, vtp_ns) TH_LOG("%d calls", calls);
	/* Under 1 ms a page each, or the clock or the loop is broken. */
	EXPECT_GT(wb.pages * passes * 1000000, walk_ns);
	EXPECT_GT(wb.pages * passes * 1000000, vtp_ns);
}

static int walk_bench_refused(void *arg)
{
	struct mapdrv_walk_bench wb;

	return ioctl(*(int *)arg, MAPDRV_IOC_WALK_BENCH, &wb) == -1 &&
	       errno == EPERM ? 0 : 1;
}

TEST_F(mapdrv, walk_bench_without_cap_sys_admin_eperm)
{
	EXPECT_TRUE(as_nobody(walk_bench_refused, &self->fd));
}

/* ---- the module's lifetime ------------------------------------------- */

/* A mapping holds its file, the file holds the module. */
TEST_F(mapdrv, unload_refused_while_mapped)
{
	char want[MARKER_MAX];
	char *map;

	map = mmap(NULL, page_size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	close(self->fd);
	self->fd = -1;

	/* The mapping's file is the only reference left. */
	EXPECT_EQ(1, module_refcnt());
	EXPECT_EQ(-1, unload_module());
	EXPECT_EQ(EWOULDBLOCK, errno) TH_LOG("delete_module: %s", strerror(errno));
	EXPECT_TRUE(module_live());
	marker(want, 0);
	EXPECT_STREQ(want, map);
	munmap(map, page_size);
}

TEST_F(mapdrv, unload_refused_while_open)
{
	EXPECT_EQ(1, module_refcnt());
	EXPECT_EQ(-1, unload_module());
	EXPECT_EQ(EWOULDBLOCK, errno) TH_LOG("delete_module: %s", strerror(errno));
	/* Still served after the attempt. */
	EXPECT_EQ(0, ioctl(self->fd, MAPDRV_IOC_INFO, &self->info))
		TH_LOG("ioctl MAPDRV_IOC_INFO: %s", strerror(errno));
}

TEST_F(mapdrv, unload_refused_while_child_maps)
{
	int ready[2], done[2], status;
	char c, want[MARKER_MAX];
	char *map;
	pid_t pid;

	marker(want, 0);
	ASSERT_EQ(0, pipe(ready)) TH_LOG("pipe: %s", strerror(errno));
	ASSERT_EQ(0, pipe(done)) TH_LOG("pipe: %s", strerror(errno));
	map = mmap(NULL, page_size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));

	pid = fork();
	ASSERT_LE(0, pid) TH_LOG("fork: %s", strerror(errno));
	if (pid == 0) {
		/* Only the inherited mapping may hold the module. */
		close(self->fd);
		close(ready[0]);
		close(done[1]);
		close(ready[1]);
		/* Until the parent is done trying, then check the mapping. */
		if (read(done[0], &c, 1) != 0)
			_exit(2);
		_exit(strcmp(want, map) ? 1 : 0);
	}
	close(ready[1]);
	close(done[0]);
	/* The child has closed its fd once its end of ready is gone. */
	EXPECT_EQ(0, read(ready[0], &c, 1));
	munmap(map, page_size);
	close(self->fd);
	self->fd = -1;

	EXPECT_EQ(1, module_refcnt());
	EXPECT_EQ(-1, unload_module());
	EXPECT_EQ(EWOULDBLOCK, errno) TH_LOG("delete_module: %s", strerror(errno));

	close(done[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0))
		TH_LOG("waitpid: %s", strerror(errno));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("the child's mapping lost the marker");
	close(ready[0]);
}

int main(int argc, char **argv)
{
	return mapdrv_suite_main(argc, argv);
}
