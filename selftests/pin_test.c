// SPDX-License-Identifier: GPL-2.0
/*
 * Pages of /dev/mapdrv that something outside the module still holds
 * when the module goes: the buffer is freed by rmmod, but a page that a
 * pipe (vmsplice) or io_uring (a registered fixed buffer) holds a
 * reference to must stay what it was until that reference goes.  Each
 * test maps the device, hands pages to the other holder, writes through
 * the device after that (so the holder is seen to hold the buffer's own
 * pages, not a copy), unmaps, closes, unloads the module, and only then
 * reads the pages back through the holder: markers, the late write and
 * the zeros around them must all be intact.  On the debug kernel KASAN
 * watches the pages' life, and vmrun fails the run on any report.
 *
 * Needs root, the module loaded and MAPDRV_KO (the path of mapdrv.ko):
 * every test reloads the module as it was, so that later suites find it.
 *
 * TAP through kselftest.h, one forked child per test.  Not the kselftest
 * harness: 6.1's, the one this tree builds with, has no XFAIL, and one
 * test here is an expected failure where the kernel cannot do it at all:
 *   io_uring_setup() ENOSYS      io_uring compiled out (the debug kernel)
 *   register EOPNOTSUPP, < 6.5   file-backed memory other than shmem and
 *                                hugetlbfs refused as a fixed buffer
 *                                (io_uring/rsrc.c; from 6.5 GUP decides)
 * Any other error, on any kernel, fails.  Exits 0 when every test passed
 * or failed as expected, 1 otherwise.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* vmsplice(), memfd_create() */
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/io_uring.h>

#include "kselftest.h"

#include "mapdrv_module.h"
#include "mapdrv_uapi.h"

#define MARKER_MAX	64
#define TEST_TIMEOUT	60	/* seconds; a debug kernel is slow */

/* Written through the device after the pages were handed over. */
#define LATE_OFFSET	256
#define LATE_TEXT	"written after the pages were handed over"

static size_t page_size;
static unsigned long pages;
static char params[96];		/* the module's, to reload it as it was */

/* Why a test failed or was expected to: shared with the parent. */
static char *reason;
#define REASON_MAX	512

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, REASON_MAX, fmt, ap);
	va_end(ap);
}

/* Set when the tests cannot run at all: each then fails with it. */
static char unable[256];

/* A test's result: its child's exit status. */
enum { PASS = KSFT_PASS, FAIL = KSFT_FAIL, XFAIL = KSFT_XFAIL };

#define CHECK(cond, ...) do {					\
	if (!(cond)) {						\
		say(__VA_ARGS__);				\
		return FAIL;					\
	}							\
} while (0)

static unsigned long buffer_pages(void)
{
	char text[32];

	if (read_text(SYSFS_PARAMS "/pages", text, sizeof(text)))
		return 0;
	return strtoul(text, NULL, 10);
}

/*
 * Page @page as a holder gave it back in @buf: the marker, the late
 * write when @late, zeros everywhere else.  0, or FAIL with the reason.
 */
static int check_page(const char *buf, unsigned long page, bool late)
{
	char want[MARKER_MAX];
	size_t len, i;

	len = snprintf(want, sizeof(want), MAPDRV_MARKER_FMT, page) + 1;
	CHECK(!memcmp(buf, want, len), "page %lu: marker \"%.*s\", want \"%s\"",
	      page, (int)len, buf, want);
	if (late)
		CHECK(!memcmp(buf + LATE_OFFSET, LATE_TEXT, sizeof(LATE_TEXT)),
		      "page %lu: the write made after the hand-over is not there",
		      page);
	for (i = len; i < page_size; i++) {
		if (late && i >= LATE_OFFSET && i < LATE_OFFSET + sizeof(LATE_TEXT))
			continue;
		CHECK(!buf[i], "page %lu: byte %zu is 0x%02x, not 0", page, i,
		      (unsigned char)buf[i]);
	}
	return PASS;
}

/* The late write, through write(2): the buffer's page, not the mapping. */
static int write_late(int fd, unsigned long page)
{
	off_t off = page * page_size + LATE_OFFSET;

	CHECK(pwrite(fd, LATE_TEXT, sizeof(LATE_TEXT), off) ==
	      (ssize_t)sizeof(LATE_TEXT), "pwrite at %lld: %s", (long long)off,
	      strerror(errno));
	return PASS;
}

/* Unmap, close, unload: nothing of ours keeps the module. */
static int let_go(void *map, size_t len, int fd)
{
	CHECK(!munmap(map, len), "munmap: %s", strerror(errno));
	CHECK(!close(fd), "close: %s", strerror(errno));
	CHECK(!unload_module(), "rmmod %s while the pages are held: %s",
	      MODULE_NAME, strerror(errno));
	CHECK(access(MAPDRV_DEVICE, F_OK), "%s is still there after rmmod",
	      MAPDRV_DEVICE);
	return PASS;
}

static int map_device(int *fd, char **map)
{
	*fd = open(MAPDRV_DEVICE, O_RDWR | O_CLOEXEC);
	CHECK(*fd >= 0, "open %s: %s", MAPDRV_DEVICE, strerror(errno));
	*map = mmap(NULL, pages * page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    *fd, 0);
	CHECK(*map != MAP_FAILED, "mmap of %lu pages: %s", pages, strerror(errno));
	return PASS;
}

/* ---- vmsplice: the pipe holds the pages ------------------------------ */

static int vmsplice_pages_survive_rmmod(void)
{
	unsigned long which[3] = { 0, pages / 2, pages - 1 };
	struct iovec iov[3];
	char *map, *buf;
	int fd, pipefd[2], ret, i;
	ssize_t n;

	ret = map_device(&fd, &map);
	if (ret)
		return ret;
	CHECK(!pipe(pipefd), "pipe: %s", strerror(errno));
	/*
	 * Without SPLICE_F_GIFT the pipe takes a reference to each page
	 * (GUP, which faults them in through the module's handler) and
	 * copies nothing until it is read.
	 */
	for (i = 0; i < 3; i++) {
		iov[i].iov_base = map + which[i] * page_size;
		iov[i].iov_len = page_size;
	}
	n = vmsplice(pipefd[1], iov, 3, 0);
	CHECK(n == (ssize_t)(3 * page_size), "vmsplice of 3 pages: %zd (%s)", n,
	      n < 0 ? strerror(errno) : "short");
	for (i = 0; i < 3; i++) {
		ret = write_late(fd, which[i]);
		if (ret)
			return ret;
	}
	ret = let_go(map, pages * page_size, fd);
	if (ret)
		return ret;

	buf = malloc(page_size);
	CHECK(buf, "malloc: %s", strerror(errno));
	for (i = 0; i < 3; i++) {
		n = read(pipefd[0], buf, page_size);
		CHECK(n == (ssize_t)page_size, "read of page %lu from the pipe: %zd (%s)",
		      which[i], n, n < 0 ? strerror(errno) : "short");
		ret = check_page(buf, which[i], true);
		if (ret)
			return ret;
	}
	free(buf);
	close(pipefd[0]);
	close(pipefd[1]);
	return PASS;
}

/* ---- io_uring: a fixed buffer holds the pages ------------------------ */

struct ring {
	int fd;
	struct io_uring_params p;
	void *sq, *cq;
	size_t sq_len, cq_len;
	struct io_uring_sqe *sqes;
};

static int ring_setup(struct ring *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = syscall(__NR_io_uring_setup, 4, &r->p);
	if (r->fd < 0)
		return -1;
	r->sq_len = r->p.sq_off.array + r->p.sq_entries * sizeof(__u32);
	r->cq_len = r->p.cq_off.cqes + r->p.cq_entries * sizeof(struct io_uring_cqe);
	/* One mapping for both rings when the kernel offers it (5.4+). */
	if (r->p.features & IORING_FEAT_SINGLE_MMAP) {
		if (r->cq_len > r->sq_len)
			r->sq_len = r->cq_len;
		r->cq_len = 0;
	}
	r->sq = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	if (r->sq == MAP_FAILED)
		return -1;
	r->cq = r->sq;
	if (r->cq_len) {
		r->cq = mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
		if (r->cq == MAP_FAILED)
			return -1;
	}
	r->sqes = mmap(NULL, r->p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		       IORING_OFF_SQES);
	return r->sqes == MAP_FAILED ? -1 : 0;
}

#define RING_U32(base, off) ((__u32 *)((char *)(base) + (off)))

/* Submit one SQE and wait for its completion; the CQE's res, or -errno. */
static int ring_run(struct ring *r, const struct io_uring_sqe *sqe)
{
	__u32 tail, head, idx, mask;
	struct io_uring_cqe *cqe;
	int res;

	mask = *RING_U32(r->sq, r->p.sq_off.ring_mask);
	tail = *RING_U32(r->sq, r->p.sq_off.tail);
	idx = tail & mask;
	r->sqes[idx] = *sqe;
	RING_U32(r->sq, r->p.sq_off.array)[idx] = idx;
	__atomic_store_n(RING_U32(r->sq, r->p.sq_off.tail), tail + 1,
			 __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) < 0)
		return -errno;

	head = __atomic_load_n(RING_U32(r->cq, r->p.cq_off.head), __ATOMIC_ACQUIRE);
	if (head == __atomic_load_n(RING_U32(r->cq, r->p.cq_off.tail),
				    __ATOMIC_ACQUIRE))
		return -EAGAIN;		/* io_uring_enter waited for nothing */
	mask = *RING_U32(r->cq, r->p.cq_off.ring_mask);
	cqe = (struct io_uring_cqe *)((char *)r->cq + r->p.cq_off.cqes) +
	      (head & mask);
	res = cqe->res;
	__atomic_store_n(RING_U32(r->cq, r->p.cq_off.head), head + 1,
			 __ATOMIC_RELEASE);
	return res;
}

static bool kernel_before(int major, int minor)
{
	struct utsname u;
	int maj = 0, min = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &maj, &min) != 2)
		return false;
	return maj < major || (maj == major && min < minor);
}

static int io_uring_fixed_buffer_survives_rmmod(void)
{
	size_t len = pages * page_size;
	struct io_uring_sqe sqe;
	struct iovec iov;
	struct ring r;
	char *map, *copy;
	unsigned long i;
	int fd, out, ret;

	if (ring_setup(&r)) {
		/* ENOSYS only from a kernel without io_uring at all. */
		if (errno == ENOSYS) {
			say("io_uring_setup: ENOSYS: io_uring is not built into this kernel (CONFIG_IO_URING=n)");
			return XFAIL;
		}
		CHECK(0, "io_uring_setup and its rings: %s", strerror(errno));
	}
	ret = map_device(&fd, &map);
	if (ret)
		return ret;

	/* The whole buffer as fixed buffer 0: every page pinned (FOLL_LONGTERM). */
	iov.iov_base = map;
	iov.iov_len = len;
	if (syscall(__NR_io_uring_register, r.fd, IORING_REGISTER_BUFFERS, &iov, 1)) {
		if (errno == EOPNOTSUPP && kernel_before(6, 5)) {
			say("IORING_REGISTER_BUFFERS of a device mapping: EOPNOTSUPP: before 6.5 io_uring takes no file-backed memory but shmem and hugetlbfs as a fixed buffer");
			return XFAIL;
		}
		CHECK(0, "IORING_REGISTER_BUFFERS of the device's %lu pages: %s",
		      pages, strerror(errno));
	}
	for (i = 0; i < pages; i++) {
		ret = write_late(fd, i);
		if (ret)
			return ret;
	}
	ret = let_go(map, len, fd);
	if (ret)
		return ret;

	/*
	 * The fixed buffer, out to a memfd: WRITE_FIXED reads the pinned
	 * pages, found by their offset in the registered range (the user
	 * address is only a number now: nothing is mapped there).
	 */
	out = memfd_create("pin_test", MFD_CLOEXEC);
	CHECK(out >= 0, "memfd_create: %s", strerror(errno));
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_WRITE_FIXED;
	sqe.fd = out;
	sqe.addr = (uintptr_t)map;
	sqe.len = len;
	sqe.off = 0;
	sqe.buf_index = 0;
	ret = ring_run(&r, &sqe);
	CHECK(ret == (int)len, "IORING_OP_WRITE_FIXED of the buffer after rmmod: %d (%s)",
	      ret, ret < 0 ? strerror(-ret) : "short");

	copy = malloc(page_size);
	CHECK(copy, "malloc: %s", strerror(errno));
	for (i = 0; i < pages; i++) {
		CHECK(pread(out, copy, page_size, i * page_size) == (ssize_t)page_size,
		      "pread of the memfd: %s", strerror(errno));
		ret = check_page(copy, i, true);
		if (ret)
			return ret;
	}
	free(copy);
	/* Unregistering drops the pins: the pages are freed only now. */
	CHECK(!syscall(__NR_io_uring_register, r.fd, IORING_UNREGISTER_BUFFERS, NULL, 0),
	      "IORING_UNREGISTER_BUFFERS: %s", strerror(errno));
	close(out);
	close(r.fd);
	return PASS;
}

/* ---- the runner ------------------------------------------------------ */

/*
 * A fresh module as it was, whatever the test left (a failed one may
 * have written to the buffer before it could unload it), and its
 * markers checked.
 */
static bool reload(void)
{
	char want[MARKER_MAX], got[MARKER_MAX];
	bool ok;
	int fd;

	if (!access(SYSFS_MODULE, F_OK) && unload_module()) {
		ksft_print_msg("rmmod %s after the test: %s\n", MODULE_NAME,
			       strerror(errno));
		return false;
	}
	if (load_module(params)) {
		ksft_print_msg("reloading %s %s: %s\n", getenv("MAPDRV_KO"), params,
			       strerror(errno));
		return false;
	}
	fd = open(MAPDRV_DEVICE, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ksft_print_msg("open %s after the reload: %s\n", MAPDRV_DEVICE,
			       strerror(errno));
		return false;
	}
	snprintf(want, sizeof(want), MAPDRV_MARKER_FMT, pages - 1);
	ok = pread(fd, got, sizeof(got), (pages - 1) * page_size) == sizeof(got) &&
	     !strcmp(want, got);
	if (!ok)
		ksft_print_msg("after the reload the last page does not start \"%s\"\n",
			       want);
	close(fd);
	return ok;
}

static void run(const char *name, int (*fn)(void))
{
	int status, code = FAIL;
	pid_t pid;

	if (unable[0]) {
		ksft_test_result_fail("pin.%s: %s\n", name, unable);
		return;
	}
	reason[0] = '\0';
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		alarm(TEST_TIMEOUT);
		code = fn();
		fflush(stdout);
		_exit(code);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid) {
		if (WIFEXITED(status))
			code = WEXITSTATUS(status);
		else
			snprintf(reason, REASON_MAX, "killed by signal %d%s",
				 WTERMSIG(status),
				 WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
	} else {
		snprintf(reason, REASON_MAX, "fork: %s", strerror(errno));
	}
	/* Whatever happened, the next test and the next suite need it. */
	if (!reload() && code != FAIL) {
		code = FAIL;
		snprintf(reason, REASON_MAX, "the module did not come back");
	}
	if (code == PASS)
		ksft_test_result_pass("pin.%s\n", name);
	else if (code == XFAIL)
		ksft_test_result_xfail("pin.%s: %s\n", name, reason);
	else
		ksft_test_result_fail("pin.%s%s%s\n", name, reason[0] ? ": " : "",
				      reason);
}

int main(void)
{
	page_size = sysconf(_SC_PAGESIZE);
	ksft_print_header();
	ksft_set_plan(2);
	/*
	 * Nothing to test, or to reload with: every test fails saying so
	 * (a TAP line each, which 'make check' counts), none is skipped.
	 */
	reason = mmap(NULL, REASON_MAX, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (reason == MAP_FAILED)
		snprintf(unable, sizeof(unable), "mmap: %s", strerror(errno));
	else if (access(MAPDRV_DEVICE, F_OK))
		snprintf(unable, sizeof(unable), "%s: %s (load mapdrv.ko first)",
			 MAPDRV_DEVICE, strerror(errno));
	else if (!getenv("MAPDRV_KO"))
		snprintf(unable, sizeof(unable),
			 "MAPDRV_KO is not set: the tests unload mapdrv and load it again from there");
	else if (module_params(params, sizeof(params)))
		snprintf(unable, sizeof(unable), "%s: %s", SYSFS_PARAMS,
			 strerror(errno));
	else if ((pages = buffer_pages()) < 3)
		snprintf(unable, sizeof(unable),
			 "the buffer has %lu pages: these tests need 3", pages);

	run("vmsplice_pages_survive_rmmod", vmsplice_pages_survive_rmmod);
	run("io_uring_fixed_buffer_survives_rmmod",
	    io_uring_fixed_buffer_survives_rmmod);
	ksft_finished();
	return KSFT_FAIL;	/* not reached */
}
