// SPDX-License-Identifier: GPL-2.0
/*
 * The loops the cases time, the same for mapdrv's memory and the
 * kernel's, so that a difference between two cases is the memory's and
 * not the loop's.
 */
#include <sys/mman.h>

#include "bench.h"

/* The loads of the reread cases end here, so the compiler must do them. */
static volatile uint64_t sink;

/*
 * volatile: every read must reach memory, i.e. fault the page in.  The
 * comparison costs the same in every case, so it is inside the timing
 * everywhere rather than a separate pass.  Returns the pages whose first
 * byte is not @want.
 */
size_t touch_read(const volatile char *p, size_t pages, char want)
{
	size_t bad = 0;

	for (size_t i = 0; i < pages; i++)
		bad += p[i * page_size] != want;
	return bad;
}

void touch_write(volatile char *p, size_t pages)
{
	for (size_t i = 0; i < pages; i++)
		p[i * page_size] = 1;
}

int check_markers(size_t bad, size_t pages, const char *where)
{
	if (!bad)
		return 0;
	error_msg("%s: %zu of %zu pages do not start with '%c'", where, bad,
		  pages, MARKER_BYTE);
	return -1;
}

/* mmap() that says what failed; NULL on failure. */
void *map(size_t size, int prot, int flags, int fd, const char *what)
{
	void *p = mmap(NULL, size, prot, flags, fd, 0);

	if (p == MAP_FAILED) {
		error_errno("mmap of %zu MiB (%s)", size / MIB, what);
		return NULL;
	}
	return p;
}

/* Every 8-byte word: a bandwidth, where touch_read() is a fault count. */
static void read_words(const uint64_t *p, size_t size)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < size / sizeof(*p); i++)
		sum += p[i];
	sink = sum;
}

int run_reread(void *arg, double *value)
{
	struct reread *c = arg;
	uint64_t t0, t1;

	t0 = now_ns();
	read_words(c->p, c->size);
	t1 = now_ns();
	/* Bytes per nanosecond are GB (1e9 bytes) per second; 0: unseen. */
	*value = t1 > t0 ? (double)c->size / (double)(t1 - t0) : 0;
	return 0;
}
