// SPDX-License-Identifier: GPL-2.0
/*
 * The baselines: the same first touch and reread on memory the kernel
 * serves by itself, shmem and anonymous, for mapdrv's numbers to be
 * read against.  Whether mapdrv is "fast" only means something next to
 * these.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

struct first_touch {
	size_t size;
	size_t pages;
	int fd;			/* shmem: the memfd */
};

/* [mmap, read a byte per page] of the memfd, munmap. */
static int run_shmem(void *arg, double *value)
{
	struct first_touch *c = arg;
	uint64_t t0, t1;
	size_t bad;
	char *p;

	t0 = now_ns();
	p = map(c->size, PROT_READ, MAP_SHARED, c->fd, "memfd");
	if (!p)
		return -1;
	bad = touch_read(p, c->pages, MARKER_BYTE);
	t1 = now_ns();
	munmap(p, c->size);
	*value = (double)(t1 - t0) / c->pages;
	return check_markers(bad, c->pages, "shmem mapping");
}

/*
 * Put every page of a memfd in the page cache with write(), each page
 * starting with the marker byte like mapdrv's, so that a mapping of it
 * only has to find pages that exist: the same work as mapdrv's fault.
 */
static int fill_memfd(int fd, size_t size)
{
	char *page = calloc(1, page_size);
	int ret = 0;

	if (!page) {
		error_errno("calloc");
		return -1;
	}
	page[0] = MARKER_BYTE;
	for (size_t off = 0; off < size && !ret; off += page_size) {
		if (pwrite(fd, page, page_size, off) != (ssize_t)page_size) {
			error_errno("pwrite to memfd at %zu", off);
			ret = -1;
		}
	}
	free(page);
	return ret;
}

void bench_shmem(size_t size, int runs)
{
	struct first_touch c = { .size = size, .pages = size / page_size };

	c.fd = memfd_create("mapdrv_bench", MFD_CLOEXEC);
	if (c.fd < 0) {
		error_errno("memfd_create");
		record_failure("shmem", size);
		return;
	}
	if (ftruncate(c.fd, size)) {
		error_errno("ftruncate memfd to %zu MiB", size / MIB);
		record_failure("shmem", size);
	} else if (fill_memfd(c.fd, size)) {
		record_failure("shmem", size);
	} else {
		measure("shmem", size, NS_PER_PAGE, runs, run_shmem, &c);
	}
	close(c.fd);
}

/*
 * Anonymous memory: reading maps the shared zero page (nothing to
 * allocate), writing allocates and zeroes a page, MAP_POPULATE maps the
 * whole range inside mmap() like map=premap.  The read cases map
 * PROT_READ like the mapdrv cases, so MAP_POPULATE also maps the zero
 * page and allocates nothing.
 */
static int run_anon(struct first_touch *c, int prot, int flags, bool write,
		    double *value)
{
	uint64_t t0, t1;
	size_t bad = 0;
	char *p;

	t0 = now_ns();
	p = map(c->size, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1,
		"anonymous");
	if (!p)
		return -1;
	if (write)
		touch_write(p, c->pages);
	else
		bad = touch_read(p, c->pages, 0);
	t1 = now_ns();
	munmap(p, c->size);
	*value = (double)(t1 - t0) / c->pages;
	if (bad) {
		error_msg("anonymous mapping: %zu of %zu pages not zero", bad, c->pages);
		return -1;
	}
	return 0;
}

static int run_anon_read(void *arg, double *value)
{
	return run_anon(arg, PROT_READ, 0, false, value);
}

static int run_anon_write(void *arg, double *value)
{
	return run_anon(arg, PROT_READ | PROT_WRITE, 0, true, value);
}

static int run_anon_populate(void *arg, double *value)
{
	return run_anon(arg, PROT_READ, MAP_POPULATE, false, value);
}

void bench_anon(size_t size, int runs)
{
	struct first_touch c = { .size = size, .pages = size / page_size };

	measure("anon-read", size, NS_PER_PAGE, runs, run_anon_read, &c);
	measure("anon-write", size, NS_PER_PAGE, runs, run_anon_write, &c);
	measure("anon-populate", size, NS_PER_PAGE, runs, run_anon_populate, &c);
}

/* reread-mapdrv's reference: the same reading, of ordinary memory. */
void bench_reread_anon(size_t size, int runs)
{
	struct reread c = { .size = size };
	void *p;

	p = map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		"anonymous");
	if (!p) {
		record_failure("reread-anon", size);
		return;
	}
	memset(p, 1, size);	/* real pages, not the zero page */
	c.p = p;
	measure("reread-anon", size, GB_PER_S, runs, run_reread, &c);
	munmap(p, size);
}
