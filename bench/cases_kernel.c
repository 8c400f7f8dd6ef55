// SPDX-License-Identifier: GPL-2.0
/*
 * The baselines: the same first touch and reread on memory the kernel
 * serves by itself, shmem and anonymous, for mapdrv's numbers to be
 * read against.  Whether mapdrv is "fast" only means something next to
 * these.  Two of them are made to do what mapdrv's modes do, so that a
 * goal compares like with like: shmem with fault-around off (one page a
 * fault, as map=fault), and anonymous memory without transparent huge
 * pages (4 KiB pages, as every mapping of mapdrv's).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

#include "mapdrv_module.h"	/* read_text() */

#define FAULT_AROUND	"/sys/kernel/debug/fault_around_bytes"

/* [mmap, read a byte per page] of the memfd (c->fd), munmap. */
int run_shmem(void *arg, double *value)
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

/* A memfd of @size, every page in the page cache; -1 on failure. */
int shmem_open(size_t size)
{
	int fd = memfd_create("mapdrv_bench", MFD_CLOEXEC);

	if (fd < 0) {
		error_errno("memfd_create");
		return -1;
	}
	if (ftruncate(fd, size)) {
		error_errno("ftruncate memfd to %zu MiB", size / MIB);
	} else if (fill_memfd(fd, size) == 0) {
		return fd;
	}
	close(fd);
	return -1;
}

/*
 * shmem-nofaultaround: the page cache maps up to fault_around_bytes
 * around a read fault (64 KiB by default) through ->map_pages; at one
 * page it maps only the faulting page, the kernel's own one page a fault
 * for file pages.  A debugfs knob, global: set for the cases that need
 * it, put back right after.
 */
static char fault_around_saved[32];

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

int fault_around_off(void)
{
	char page[32], now[32];

	if (read_text(FAULT_AROUND, fault_around_saved,
		      sizeof(fault_around_saved))) {
		error_errno("%s (no debugfs?): shmem-nofaultaround left out",
			    FAULT_AROUND);
		fault_around_saved[0] = '\0';
		return -1;
	}
	snprintf(page, sizeof(page), "%zu", page_size);
	if (write_text(FAULT_AROUND, page) ||
	    read_text(FAULT_AROUND, now, sizeof(now)) || strcmp(now, page)) {
		error_errno("setting %s to %s", FAULT_AROUND, page);
		fault_around_restore();
		return -1;
	}
	return 0;
}

void fault_around_restore(void)
{
	if (fault_around_saved[0] &&
	    write_text(FAULT_AROUND, fault_around_saved))
		error_errno("restoring %s to %s", FAULT_AROUND,
			    fault_around_saved);
	fault_around_saved[0] = '\0';
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

/*
 * reread-mapdrv's references: the same reading, of ordinary memory,
 * filled so that its pages are real ones, not the zero page.  With
 * transparent huge pages ("always", as Debian's kernels boot) an aligned
 * 2 MiB of it may be one huge page, one TLB entry where mapdrv needs
 * 512: @nohuge asks for 4 KiB pages (MADV_NOHUGEPAGE) before the fill,
 * which is what places the pages.  A kernel without THP or madvise()
 * (the debug kernel) has only 4 KiB pages: the advice is then not
 * needed, and anon_huge_kb() shows it.
 */
void *map_anon_reread(size_t size, bool nohuge)
{
	void *p;

	p = map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		"anonymous");
	if (!p)
		return NULL;
	if (nohuge && madvise(p, size, MADV_NOHUGEPAGE) &&
	    errno != EINVAL && errno != ENOSYS) {
		error_errno("madvise(MADV_NOHUGEPAGE)");
		munmap(p, size);
		return NULL;
	}
	memset(p, 1, size);
	return p;
}
