// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded stress run against /dev/mapdrv: PROCS processes of THREADS
 * threads each do random mmap, munmap, mremap, madvise(DONTNEED),
 * mprotect, fork, read, write, pread, pwrite and llseek, valid and
 * invalid, for SECONDS, checking invariants as they go:
 *  - bytes written through write()/pwrite() or a shared mapping are what
 *    pread() and every shared mapping of that page show;
 *  - writes through a private mapping never reach the buffer;
 *  - the marker at the start of every page stays intact;
 *  - invalid calls fail with the documented errno.
 * Each worker owns the pages i with i % workers == its number, so the
 * invariants hold however the workers interleave; workers still share
 * the device, its mappings' page tables and the module's fault path.
 *
 * Environment: MAPDRV_STRESS_SEED (default 1), MAPDRV_STRESS_SECONDS
 * (default 10), MAPDRV_STRESS_PROCS (2), MAPDRV_STRESS_THREADS (2).
 * Prints the seed first: the same seed replays the same choices (the
 * interleaving, of course, differs).  Exit 0 when every check held.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mapdrv_uapi.h"

#define MAPS_MAX	4
#define DATA_OFF	64	/* bytes past the marker that workers may write */

struct mapping {
	char *addr;
	unsigned long pgoff, npages;
	bool private;
	bool writable;
};

struct worker {
	int id, nworkers;
	uint64_t rng;
	int fd;
	struct mapping map[MAPS_MAX];
	unsigned char *shadow;	/* shadow[page * psize + off] for owned pages */
	long ops, failures;
};

static long psize;
static unsigned long npages;
static time_t deadline;

#define FAIL(w, ...) do {						\
		fprintf(stderr, "# worker %d: ", (w)->id);		\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		(w)->failures++;					\
	} while (0)

static uint64_t next(struct worker *w)
{
	/* xorshift64*: small, fast and reproducible from the seed. */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545F4914F6CDD1DULL;
}

static unsigned long pick(struct worker *w, unsigned long n)
{
	return n ? next(w) % n : 0;
}

/* A random page this worker owns, or -1 if it owns none. */
static long own_page(struct worker *w)
{
	unsigned long owned = (npages - w->id + w->nworkers - 1) / w->nworkers;

	if (!owned)
		return -1;
	return w->id + pick(w, owned) * w->nworkers;
}

static bool owns(struct worker *w, unsigned long page)
{
	return page % w->nworkers == (unsigned long)w->id;
}

static void check_marker(struct worker *w, const char *where, unsigned long page,
			 const char *got)
{
	char want[32];

	snprintf(want, sizeof(want), MAPDRV_MARKER_FMT, page);
	if (strncmp(got, want, strlen(want) + 1))
		FAIL(w, "%s: page %lu marker reads '%.20s'", where, page, got);
}

/* pread and every shared mapping of @page agree with the shadow at @off. */
static void check_byte(struct worker *w, unsigned long page, long off)
{
	unsigned char want = w->shadow[page * psize + off], got;

	if (pread(w->fd, &got, 1, page * psize + off) != 1)
		FAIL(w, "pread page %lu: %s", page, strerror(errno));
	else if (got != want)
		FAIL(w, "pread page %lu+%ld: %#x, wrote %#x", page, off, got, want);
	for (int m = 0; m < MAPS_MAX; m++) {
		struct mapping *mp = &w->map[m];

		if (!mp->addr || mp->private || page < mp->pgoff ||
		    page >= mp->pgoff + mp->npages)
			continue;
		got = ((volatile unsigned char *)mp->addr)[(page - mp->pgoff) * psize + off];
		if (got != want)
			FAIL(w, "shared map of page %lu+%ld: %#x, wrote %#x",
			     page, off, got, want);
	}
}

static void op_mmap(struct worker *w)
{
	struct mapping *mp = &w->map[pick(w, MAPS_MAX)];
	unsigned long pgoff = pick(w, npages), len = 1 + pick(w, npages - pgoff);
	bool bad = pick(w, 8) == 0;
	void *addr;

	if (mp->addr)
		munmap(mp->addr, mp->npages * psize);
	mp->addr = NULL;
	if (bad)	/* one page too many: must not fit */
		len = npages - pgoff + 1;
	mp->private = pick(w, 3) == 0;
	mp->writable = true;
	addr = mmap(NULL, len * psize, PROT_READ | PROT_WRITE,
		    mp->private ? MAP_PRIVATE : MAP_SHARED, w->fd, pgoff * psize);
	if (bad) {
		if (addr != MAP_FAILED) {
			FAIL(w, "mmap past the end worked");
			munmap(addr, len * psize);
		} else if (errno != EINVAL) {
			FAIL(w, "mmap past the end: %s, not EINVAL", strerror(errno));
		}
		return;
	}
	if (addr == MAP_FAILED) {
		FAIL(w, "mmap %lu pages at %lu: %s", len, pgoff, strerror(errno));
		return;
	}
	mp->addr = addr;
	mp->pgoff = pgoff;
	mp->npages = len;
	check_marker(w, "mmap", pgoff, mp->addr);
}

static struct mapping *some_mapping(struct worker *w)
{
	struct mapping *mp = &w->map[pick(w, MAPS_MAX)];

	return mp->addr ? mp : NULL;
}

static void op_munmap(struct worker *w)
{
	struct mapping *mp = some_mapping(w);

	if (!mp)
		return;
	if (munmap(mp->addr, mp->npages * psize))
		FAIL(w, "munmap: %s", strerror(errno));
	mp->addr = NULL;
}

static void op_mremap(struct worker *w)
{
	struct mapping *mp = some_mapping(w);
	void *addr;

	if (!mp)
		return;
	/* Growing is refused (VM_DONTEXPAND); shrinking works. */
	addr = mremap(mp->addr, mp->npages * psize, (mp->npages + 1) * psize,
		      MREMAP_MAYMOVE);
	if (addr != MAP_FAILED) {
		FAIL(w, "mremap growth worked");
		munmap(addr, (mp->npages + 1) * psize);
		mp->addr = NULL;
		return;
	}
	if (errno != EFAULT)
		FAIL(w, "mremap growth: %s, not EFAULT", strerror(errno));
	if (mp->npages > 1) {
		if (mremap(mp->addr, mp->npages * psize, (mp->npages - 1) * psize, 0) ==
		    MAP_FAILED)
			FAIL(w, "mremap shrink: %s", strerror(errno));
		else
			mp->npages--;
	}
}

/* Write a byte to an owned page through a writable shared mapping. */
static void op_store(struct worker *w)
{
	struct mapping *mp = some_mapping(w);
	unsigned long page;
	long off = DATA_OFF + pick(w, psize - DATA_OFF);
	unsigned char v = next(w);

	if (!mp || !mp->writable)
		return;
	page = mp->pgoff + pick(w, mp->npages);
	if (!owns(w, page))
		return;
	if (mp->private) {
		/* A private copy: the buffer must not see it. */
		mp->addr[(page - mp->pgoff) * psize + off] = v;
		if ((unsigned char)mp->addr[(page - mp->pgoff) * psize + off] != v)
			FAIL(w, "private store lost");
		check_byte(w, page, off);
		/* Dropping the copy shows the buffer's byte again. */
		madvise(mp->addr + (page - mp->pgoff) * psize, psize, MADV_DONTNEED);
		if ((unsigned char)mp->addr[(page - mp->pgoff) * psize + off] !=
		    w->shadow[page * psize + off])
			FAIL(w, "private page after DONTNEED is not the buffer's");
		return;
	}
	mp->addr[(page - mp->pgoff) * psize + off] = v;
	w->shadow[page * psize + off] = v;
	check_byte(w, page, off);
}

static void op_pwrite(struct worker *w)
{
	long page = own_page(w), off = DATA_OFF + pick(w, psize - DATA_OFF);
	unsigned char v = next(w);

	if (page < 0)
		return;
	if (pwrite(w->fd, &v, 1, page * psize + off) != 1) {
		FAIL(w, "pwrite page %ld: %s", page, strerror(errno));
		return;
	}
	w->shadow[page * psize + off] = v;
	check_byte(w, page, off);
}

/* write()/read()/llseek on this worker's own fd, and their bad cases. */
static void op_rw_seek(struct worker *w)
{
	long page = own_page(w), off = DATA_OFF + pick(w, psize - DATA_OFF);
	off_t size = npages * psize;
	unsigned char v = next(w), got;
	char marker[32];

	switch (pick(w, 4)) {
	case 0:
		if (lseek(w->fd, -1 - (off_t)pick(w, 4096), SEEK_SET) != -1 || errno != EINVAL)
			FAIL(w, "negative lseek did not fail with EINVAL");
		break;
	case 1:
		if (lseek(w->fd, size + pick(w, 4096), SEEK_SET) < 0 ||
		    write(w->fd, &v, 1) != -1 || errno != ENOSPC)
			FAIL(w, "write at or past the end did not fail with ENOSPC");
		if (read(w->fd, &got, 1) != 0)
			FAIL(w, "read past the end did not return 0");
		break;
	case 2:
		if (page < 0 || lseek(w->fd, page * psize + off, SEEK_SET) < 0)
			break;
		if (write(w->fd, &v, 1) != 1) {
			FAIL(w, "write page %ld: %s", page, strerror(errno));
			break;
		}
		w->shadow[page * psize + off] = v;
		check_byte(w, page, off);
		break;
	default:
		page = pick(w, npages);
		if (lseek(w->fd, page * psize, SEEK_SET) < 0 ||
		    read(w->fd, marker, sizeof(marker)) != sizeof(marker))
			FAIL(w, "read marker of page %ld: %s", page, strerror(errno));
		else
			check_marker(w, "read", page, marker);
	}
}

static void op_madvise_mprotect(struct worker *w)
{
	struct mapping *mp = some_mapping(w);

	if (!mp)
		return;
	if (pick(w, 2)) {
		/* Shared pages come back from the buffer on the next touch. */
		if (madvise(mp->addr, mp->npages * psize, MADV_DONTNEED))
			FAIL(w, "madvise DONTNEED: %s", strerror(errno));
		if (mp->private)
			return;	/* private copies are gone: nothing to check */
		check_marker(w, "after DONTNEED", mp->pgoff, mp->addr);
		return;
	}
	mp->writable = !mp->writable;
	if (mprotect(mp->addr, mp->npages * psize,
		     mp->writable ? PROT_READ | PROT_WRITE : PROT_READ))
		FAIL(w, "mprotect: %s", strerror(errno));
	check_marker(w, "after mprotect", mp->pgoff, mp->addr);
}

/* A child checks an owned byte through the inherited mapping and exits. */
static void op_fork(struct worker *w)
{
	struct mapping *mp = some_mapping(w);
	int status;
	pid_t pid;

	if (!mp)
		return;
	pid = fork();
	if (pid < 0) {
		FAIL(w, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		char want[32];

		snprintf(want, sizeof(want), MAPDRV_MARKER_FMT, mp->pgoff);
		_exit(strncmp(mp->addr, want, strlen(want) + 1) ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		FAIL(w, "the forked child saw a wrong marker");
}

static void *worker_run(void *arg)
{
	static void (*const ops[])(struct worker *) = {
		op_mmap, op_mmap, op_munmap, op_mremap, op_store, op_store,
		op_pwrite, op_rw_seek, op_madvise_mprotect, op_fork,
	};
	struct worker *w = arg;

	w->fd = open(MAPDRV_DEVICE, O_RDWR | O_CLOEXEC);
	if (w->fd < 0) {
		FAIL(w, "open: %s", strerror(errno));
		return NULL;
	}
	while (time(NULL) < deadline) {
		ops[pick(w, sizeof(ops) / sizeof(ops[0]))](w);
		w->ops++;
	}
	for (int m = 0; m < MAPS_MAX; m++)
		if (w->map[m].addr)
			munmap(w->map[m].addr, w->map[m].npages * psize);
	close(w->fd);
	return NULL;
}

static long env_long(const char *name, long def)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 0) : def;
}

/* One process: THREADS workers; returns its failure count as status. */
static int run_process(int proc, int threads, uint64_t seed, unsigned char *shadow)
{
	pthread_t tid[16];
	struct worker w[16];
	long ops = 0, failures = 0;

	for (int t = 0; t < threads; t++) {
		memset(&w[t], 0, sizeof(w[t]));
		w[t].id = proc * threads + t;
		w[t].nworkers = (int)env_long("MAPDRV_STRESS_PROCS", 2) * threads;
		w[t].rng = seed * 0x9E3779B97F4A7C15ULL + w[t].id + 1;
		w[t].shadow = shadow;
		pthread_create(&tid[t], NULL, worker_run, &w[t]);
	}
	for (int t = 0; t < threads; t++) {
		pthread_join(tid[t], NULL);
		ops += w[t].ops;
		failures += w[t].failures;
	}
	printf("# process %d: %ld operations, %ld failed checks\n", proc, ops, failures);
	fflush(stdout);
	return failures ? 1 : 0;
}

int main(void)
{
	uint64_t seed = env_long("MAPDRV_STRESS_SEED", 1);
	long seconds = env_long("MAPDRV_STRESS_SECONDS", 10);
	int procs = env_long("MAPDRV_STRESS_PROCS", 2);
	int threads = env_long("MAPDRV_STRESS_THREADS", 2);
	struct mapdrv_info info;
	unsigned char *shadow;
	int fd, status, failed = 0;

	printf("TAP version 13\n1..1\n# seed %llu, %ld s, %d processes x %d threads\n",
	       (unsigned long long)seed, seconds, procs, threads);
	fflush(stdout);
	if (procs < 1 || threads < 1 || threads > 16 || seconds < 1) {
		printf("not ok 1 stress: bad MAPDRV_STRESS_* settings\n");
		return 1;
	}
	psize = sysconf(_SC_PAGESIZE);
	fd = open(MAPDRV_DEVICE, O_RDWR);
	if (fd < 0 || ioctl(fd, MAPDRV_IOC_INFO, &info)) {
		printf("not ok 1 stress: %s: %s\n", MAPDRV_DEVICE, strerror(errno));
		return 1;
	}
	npages = info.pages;
	/* The shadow starts as the buffer: read it all once. */
	shadow = malloc(info.size);
	if (!shadow || pread(fd, shadow, info.size, 0) != (ssize_t)info.size) {
		printf("not ok 1 stress: reading the buffer: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	deadline = time(NULL) + seconds;

	for (int p = 0; p < procs; p++) {
		if (fork() == 0)
			_exit(run_process(p, threads, seed, shadow));
	}
	for (int p = 0; p < procs; p++) {
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	}
	free(shadow);
	printf("%s 1 stress: seed %llu\n", failed ? "not ok" : "ok",
	       (unsigned long long)seed);
	return failed;
}
