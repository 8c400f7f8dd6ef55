// SPDX-License-Identifier: GPL-2.0
/*
 * The cases that need the module: the first touch in each map mode,
 * pread() instead of mmap, rereading a mapping already there, two
 * threads faulting at once, and the module's own page-table walk.  Each
 * checks what it read and what the module counted, so that a fast
 * number is never a wrong one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mapdrv_uapi.h"
#include "bench.h"

/* The case that times each enum mapdrv_map_mode. */
const char *const mapdrv_cases[] = {
	"mapdrv-fault", "mapdrv-faultaround", "mapdrv-premap",
};

int open_device(void)
{
	int fd = open(MAPDRV_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		error_errno("open %s", MAPDRV_DEVICE);
	return fd;
}

int get_info(int fd, struct mapdrv_info *info)
{
	if (ioctl(fd, MAPDRV_IOC_INFO, info)) {
		error_errno("ioctl MAPDRV_IOC_INFO on %s", MAPDRV_DEVICE);
		return -1;
	}
	return 0;
}

/* The module must have put every page of a @pages-page mapping in place. */
static int check_mapped(const struct mapdrv_info *before,
			const struct mapdrv_info *after, size_t pages)
{
	unsigned long long mapped = after->mapped - before->mapped;

	if (mapped == pages)
		return 0;
	error_msg("the module mapped %llu pages for a %zu-page mapping touched once",
		  mapped, pages);
	return -1;
}

/* ---- first touch: mapdrv and its peers ------------------------------ */

/*
 * open, [mmap, read a byte per page], munmap, close: only [] is timed.
 * The same for a peer's device (bench/peers/), whose pages carry the
 * same markers; only mapdrv counts what it mapped, so only mapdrv's
 * counters are checked.
 */
int run_device_first_touch(void *arg, double *value)
{
	struct first_touch *c = arg;
	struct mapdrv_info before, after;
	uint64_t t0, t1;
	size_t bad;
	char *p;
	int fd;

	fd = open(c->device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		error_errno("open %s", c->device);
		return -1;
	}
	if (c->mapdrv && get_info(fd, &before))
		goto fail;
	t0 = now_ns();
	p = map(c->size, PROT_READ, MAP_SHARED, fd, c->device);
	if (!p)
		goto fail;
	bad = touch_read(p, c->pages, MARKER_BYTE);
	t1 = now_ns();
	munmap(p, c->size);
	if (c->mapdrv && get_info(fd, &after))
		goto fail;
	close(fd);
	*value = (double)(t1 - t0) / c->pages;
	if (check_markers(bad, c->pages, c->device))
		return -1;
	if (!c->mapdrv)
		return 0;
	c->faults = after.faults - before.faults;
	return check_mapped(&before, &after, c->pages);
fail:
	close(fd);
	return -1;
}

/* ---- read-copy: pread() instead of mmap ------------------------------ */

struct read_copy {
	int fd;
	char *dst;		/* faulted in before any timing */
	size_t size;
	size_t pages;
};

static int run_read_copy(void *arg, double *value)
{
	struct read_copy *c = arg;
	size_t done = 0;
	uint64_t t0, t1;
	ssize_t n;

	/* So that the check below sees this run's bytes, not the last's. */
	for (size_t i = 0; i < c->pages; i++)
		c->dst[i * page_size] = 0;

	t0 = now_ns();
	while (done < c->size) {
		n = pread(c->fd, c->dst + done, c->size - done, done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_errno("pread %s at %zu", MAPDRV_DEVICE, done);
			return -1;
		}
		if (n == 0) {
			error_msg("pread %s: end of file at %zu of %zu bytes",
				  MAPDRV_DEVICE, done, c->size);
			return -1;
		}
		done += n;
	}
	t1 = now_ns();
	*value = (double)(t1 - t0) / c->pages;
	return check_markers(touch_read(c->dst, c->pages, MARKER_BYTE),
			     c->pages, "pread copy");
}

void bench_read_copy(size_t size, int runs)
{
	struct read_copy c = { .size = size, .pages = size / page_size };

	c.fd = open_device();
	c.dst = map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, "read-copy destination");
	if (c.fd < 0 || !c.dst) {
		record_failure("read-copy", size);
	} else {
		memset(c.dst, 0, size);
		measure("read-copy", size, NS_PER_PAGE, runs, run_read_copy, &c);
	}
	if (c.dst)
		munmap(c.dst, size);
	if (c.fd >= 0)
		close(c.fd);
}

/* ---- reread: a mapping that is already there ------------------------ */

/*
 * A shared mapping of the whole buffer with every page in place, checked,
 * for run_reread(): this is about reading, not faults.  The fd is closed
 * (the mapping keeps the file).  NULL on failure, with a message.
 */
void *map_mapdrv_reread(size_t size)
{
	struct mapdrv_info before, after;
	size_t pages = size / page_size;
	void *p = NULL;
	int fd;

	fd = open_device();
	if (fd < 0)
		return NULL;
	if (get_info(fd, &before))
		goto out;
	p = map(size, PROT_READ, MAP_SHARED, fd, MAPDRV_DEVICE);
	if (!p)
		goto out;
	if (check_markers(touch_read(p, pages, MARKER_BYTE), pages,
			  "mapdrv mapping") ||
	    get_info(fd, &after) || check_mapped(&before, &after, pages)) {
		munmap(p, size);
		p = NULL;
	}
out:
	close(fd);
	return p;
}

/* ---- threads: two faulting at once ----------------------------------- */

struct toucher {
	pthread_t thread;
	const char *first;	/* first page of this thread's share */
	size_t pages;
	size_t bad;
	pthread_barrier_t *ready, *go;
};

static void *toucher_main(void *arg)
{
	struct toucher *t = arg;

	pthread_barrier_wait(t->ready);
	pthread_barrier_wait(t->go);
	t->bad = touch_read(t->first, t->pages, MARKER_BYTE);
	return NULL;
}

/*
 * A fresh mapping, each thread touches its share.  Two barriers: after
 * "ready" every thread exists and is about to wait on "go", so the time
 * taken from there to the last join holds the touching and the threads'
 * wake-up, not their creation.  The same for one thread as for two.
 */
int run_threads(void *arg, double *value)
{
	struct threads *c = arg;
	struct mapdrv_info before, after;
	pthread_barrier_t ready, go;
	struct toucher t[2];
	size_t share = c->pages / c->nthreads, bad = 0;
	uint64_t t0, t1;
	int i, err, ret = -1;
	char *p;

	if (get_info(c->fd, &before))
		return -1;
	p = map(c->size, PROT_READ, MAP_SHARED, c->fd, MAPDRV_DEVICE);
	if (!p)
		return -1;
	pthread_barrier_init(&ready, NULL, c->nthreads + 1);
	pthread_barrier_init(&go, NULL, c->nthreads + 1);
	for (i = 0; i < c->nthreads; i++) {
		t[i] = (struct toucher){
			.first = p + i * share * page_size,
			.pages = i == c->nthreads - 1 ? c->pages - i * share : share,
			.ready = &ready, .go = &go,
		};
		err = pthread_create(&t[i].thread, NULL, toucher_main, &t[i]);
		if (err && i == 0) {
			errno = err;
			error_errno("pthread_create");
			goto out;
		}
		if (err) {
			/*
			 * The first thread waits at a barrier for one that
			 * will never come, and a barrier cannot be called
			 * off: nothing to do but end the process.
			 */
			errno = err;
			error_errno("pthread_create of thread %d of %d (giving up)",
				    i + 1, c->nthreads);
			exit(1);
		}
	}
	pthread_barrier_wait(&ready);
	t0 = now_ns();
	pthread_barrier_wait(&go);
	for (i = 0; i < c->nthreads; i++) {
		pthread_join(t[i].thread, NULL);
		bad += t[i].bad;
	}
	t1 = now_ns();
	*value = (double)(t1 - t0) / c->pages;
	ret = 0;
out:
	pthread_barrier_destroy(&ready);
	pthread_barrier_destroy(&go);
	munmap(p, c->size);
	if (ret || get_info(c->fd, &after))
		return -1;
	if (check_markers(bad, c->pages, "threads' mapping"))
		return -1;
	return check_mapped(&before, &after, c->pages);
}

/* ---- walk: the module's walk against vmalloc_to_page() --------------- */

int walk_once(int fd, size_t pages, double *own, double *vtp)
{
	struct mapdrv_walk_bench wb = { 0 };
	double per;

	if (ioctl(fd, MAPDRV_IOC_WALK_BENCH, &wb)) {
		error_errno("ioctl MAPDRV_IOC_WALK_BENCH on %s", MAPDRV_DEVICE);
		return -1;
	}
	if (wb.pages != pages || !wb.passes) {
		error_msg("MAPDRV_IOC_WALK_BENCH: %llu passes over %llu pages, expected %zu pages",
			  (unsigned long long)wb.passes,
			  (unsigned long long)wb.pages, pages);
		return -1;
	}
	if (wb.mismatches) {
		error_msg("MAPDRV_IOC_WALK_BENCH: the walk and vmalloc_to_page() disagree on %llu pages",
			  (unsigned long long)wb.mismatches);
		return -1;
	}
	per = (double)(wb.passes * wb.pages);
	*own = wb.walk_ns / per;
	*vtp = wb.vmalloc_to_page_ns / per;
	return 0;
}
