/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of mapdrv_bench share.  mapdrv_bench.c says what the
 * benchmark measures and why; each case lives in cases_mapdrv.c (the
 * module's paths) or cases_kernel.c (the kernel's own, the baselines).
 */
#ifndef _MAPDRV_BENCH_H
#define _MAPDRV_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROG		"mapdrv_bench"
#define MIB		(1024UL * 1024UL)
#define MAX_SIZES	16
#define MAX_RUNS	1000
#define MARKER_BYTE	'm'	/* every page of the buffer starts "mapdrv page" */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The one global: every case counts in pages.  Set first thing in main(). */
extern size_t page_size;

/* ---- messages (mapdrv_bench.c) ---------------------------------------- */

void __attribute__((format(printf, 1, 2))) error_msg(const char *fmt, ...);
/* error_msg() with ": strerror(errno)" appended; errno is read first. */
void __attribute__((format(printf, 1, 2))) error_errno(const char *fmt, ...);

/* ---- results (results.c) ---------------------------------------------- */

enum unit { NS_PER_PAGE, GB_PER_S };

struct result {
	const char *name;
	size_t size;		/* bytes */
	enum unit unit;
	double median, min, max;
	int runs;
	bool failed;
	bool unmeasured;	/* a run too short for the clock to see */
};

extern const char *const case_order[];	/* every case, the table's order */
extern const size_t ncases;

uint64_t now_ns(void);

/* One run of a case: 0 and the run's value (in the case's unit), or -1. */
typedef int (*run_fn)(void *arg, double *value);

/* One untimed warm-up run, then @runs timed ones; records the median. */
int measure(const char *name, size_t size, enum unit unit, int runs,
	    run_fn run, void *arg);
/* Records @runs values measured some other way; sorts them. */
void record(const char *name, size_t size, enum unit unit, double *values,
	    int runs);
void record_failure(const char *name, size_t size);
bool any_case_failed(void);

/* The result of case @name at @size, failed or not; NULL if never run. */
const struct result *lookup_result(const char *name, size_t size);
/* The measured result of case @name at @size (not failed, seen), or NULL. */
const struct result *find_result(const char *name, size_t size);

/* ---- touching pages (touch.c) ----------------------------------------- */

size_t touch_read(const volatile char *p, size_t pages, char want);
void touch_write(volatile char *p, size_t pages);
int check_markers(size_t bad, size_t pages, const char *where);
void *map(size_t size, int prot, int flags, int fd, const char *what);

/* A run_fn: the bandwidth of reading a mapping that is already there. */
struct reread {
	const uint64_t *p;
	size_t size;
};
int run_reread(void *arg, double *value);

/* ---- the cases -------------------------------------------------------- */

struct mapdrv_info;

/* cases_mapdrv.c: the module must be loaded with a buffer of @size. */
extern const char *const mapdrv_cases[];	/* per enum mapdrv_map_mode */
int open_device(void);
int get_info(int fd, struct mapdrv_info *info);
void bench_mapdrv_first_touch(size_t size, int runs, unsigned int mode);
void bench_read_copy(size_t size, int runs);
void bench_reread_mapdrv(size_t size, int runs);
void bench_threads(size_t size, int runs);
void bench_walk(size_t size, int runs);

/* cases_kernel.c: the baselines, best run with the module unloaded. */
void bench_shmem(size_t size, int runs);
void bench_anon(size_t size, int runs);
void bench_reread_anon(size_t size, int runs);

/* ---- the report (report.c, goals.c) ----------------------------------- */

void print_environment(void);
void print_table(const size_t *sizes, int nsizes);
void print_goals(const size_t *sizes, int nsizes);
int write_json(const char *path, const size_t *sizes, int nsizes);

#endif /* _MAPDRV_BENCH_H */
